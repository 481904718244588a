"""Loading and checking the tariff tables (``tariff_tables/``).

The loader is strict, in the manner of a compiler: an unknown key, a bad or
reversed date, overlapping periods of one measure, a malformed HTS or country
code, a dated value without a citation, or YAML that would turn a code, rate
or date into a float, boolean or date object stops loading with ``file:line``
and the reason (:class:`~service.model.errors.TableError`).

Layout (paths relative to the tables directory)::

    meta.yaml             version, as-of date, coverage start
    countries.yaml        country aliases and named groups (EU, USMCA, ...)
    programs.yaml         programs (filing order) and special tariff programs
    hts/*.yaml            covered HTSUS lines with dated column 1 rates
    measures/<program>/*.yaml   Chapter 99 measures and exemptions
    fees/*.yaml           MPF and HMF

A measure's id is its file path below ``measures/`` without ``.yaml``, then
``/`` and its local ``id``: ``section_301/lists/list_3``.
"""
from __future__ import annotations

import difflib
import os
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from service.model import countries as iso
from service.model import hts as htsmod
from service.model.errors import TableError, TableErrors
from service.model.fees import Fee
from service.model.hts_lines import HtsLine, LineRate
from service.model.measures import (CONDITIONS, CONFIDENCE, EXTENTS, LEGAL_STATES, MODES, VALUE_BASES, InTransit,
                       LegalStatus, Measure, Requirement, Threshold, Value)
from service.model.rates import parse_rate, parse_special
from service.tables.yamlsrc import Located, LocatedList, load as load_yaml

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION = re.compile(r"^\d+(\.\d+)?$")
_PERCENT = re.compile(r"^(\d+(\.\d+)?)\s?%$")
_HEADING = re.compile(r"^99\d{2}\.\d{2}\.\d{2}$")
_ID = re.compile(r"^[a-z0-9_]+(/[A-Za-z0-9_.+-]+)*$")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9_.+-]+$")
_PROGRAM_CODE = re.compile(r"^[A-Z][A-Z+*]{0,3}$")
MAX_RATE = Decimal("10")  # 1,000 %; anything above is a typo


def default_dir() -> Path:
    """``TARIFF_TABLES_DIR`` if set, else the tables shipped with the package."""
    env = os.environ.get("TARIFF_TABLES_DIR")
    if env:
        return Path(env)
    import tariff_tables  # the installed data package

    return Path(tariff_tables.__file__).parent


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    filing_rank: int


@dataclass(frozen=True)
class SpecialProgram:
    code: str
    name: str
    countries: frozenset[str]
    start: date
    end: date | None
    cite: str


@dataclass
class Tables:
    version: str
    as_of: date
    coverage_from: date
    directory: Path
    aliases: dict[str, str]
    groups: dict[str, frozenset[str]]
    programs: dict[str, Program]
    special_programs: dict[str, SpecialProgram]
    lines: dict[str, HtsLine]
    measures: dict[str, Measure]
    fees: dict[str, Fee]
    # Indexes built once after loading.
    by_prefix: dict[str, list[Measure]] = field(default_factory=dict)
    exemptions_for: dict[str, list[Measure]] = field(default_factory=dict)
    _candidates: dict[str, list[Measure]] = field(default_factory=dict, repr=False)
    _by_origin: dict[tuple[str, str], list[Measure]] = field(default_factory=dict, repr=False)
    fx: object = None                       # service.model.fx.FxTable (currency conversion)
    templates: dict = field(default_factory=dict, repr=False)  # service.model.templates.Template by id
    _boundaries: list | None = field(default=None, repr=False)

    def build_indexes(self) -> None:
        self.by_prefix = defaultdict(list)
        for m in self.measures.values():
            for prefix in m.hts:
                self.by_prefix[prefix].append(m)
        self.by_prefix = dict(self.by_prefix)
        self.exemptions_for = {}
        exemptions = [m for m in self.measures.values() if m.kind == "exemption"]
        for m in self.measures.values():
            if m.kind == "duty":
                self.exemptions_for[m.id] = [e for e in exemptions if e.targets(m)]

    def candidates(self, digits: str) -> list[Measure]:
        """Measures whose HTS scope matches ``digits`` (origin and date not yet checked)."""
        found = self._candidates.get(digits)
        if found is None:
            seen: dict[str, Measure] = {}
            for prefix in [""] + htsmod.prefixes(digits):
                for m in self.by_prefix.get(prefix, ()):
                    if m.id not in seen and m.matches_hts(digits):
                        seen[m.id] = m
            found = self._candidates[digits] = list(seen.values())
        return found

    def candidates_for(self, digits: str, origin: str) -> list[Measure]:
        """Duty measures matching line and origin, plus every exemption matching the line."""
        key = (digits, origin)
        found = self._by_origin.get(key)
        if found is None:
            found = self._by_origin[key] = [m for m in self.candidates(digits)
                                            if m.kind == "exemption" or m.matches_origin(origin)]
        return found

    def boundaries(self) -> list[date]:
        """Every date on which some measure or line rate starts or ends (computed once)."""
        if self._boundaries is None:
            self._boundaries = self._compute_boundaries()
        return self._boundaries

    def _compute_boundaries(self) -> list[date]:
        days = set()
        for m in self.measures.values():
            days.update(m.boundaries())
        for line in self.lines.values():
            for r in line.rates:
                days.add(r.start)
                if r.end:
                    days.add(r.end)
        for fee in self.fees.values():
            days.update(fee.boundaries())
        return sorted(d for d in days if d >= self.coverage_from)


# --------------------------------------------------------------------- helpers

def _expect_map(node, where: str) -> Located:
    if not isinstance(node, Located):
        raise TableError(getattr(node, "where", lambda: where)() if isinstance(node, LocatedList) else where,
                         "expected a mapping")
    return node


def _keys(node: Located, required: set[str], optional: set[str] = frozenset()) -> None:
    for key in node:
        if key not in required and key not in optional:
            known = sorted(required | set(optional))
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise TableError(node.where(key), f"unknown key {key!r} ({hint}allowed: {', '.join(known)})")
    for key in sorted(required):
        if key not in node:
            raise TableError(node.where(), f"missing key {key!r}")


def _text(node: Located, key: str, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be given")
        return None
    if not isinstance(value, str) or not value.strip():
        raise TableError(node.where(key), f"{key!r} must be non-empty text")
    return value.strip()


def _date(node: Located, key: str, required: bool = True) -> date | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be a date YYYY-MM-DD")
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise TableError(node.where(key), f"{key!r}: bad date {value!r} (expected \"YYYY-MM-DD\")")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TableError(node.where(key), f"{key!r}: bad date {value!r} (no such day)") from None


def _fraction(node: Located, key: str, required: bool = False) -> Decimal | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be given")
        return None
    return parse_table_rate(value, node.where(key), key)


def parse_table_rate(value, where: str, key: str = "rate") -> Decimal:
    """A rate as written in a table: a fraction ("0.25") or a percentage ("25%").

    A bare number above 1 is refused: "2.5" could be 250% or a percentage
    written without its sign (2.5%), and the difference is a factor of 100.
    Rates of 100% or more must carry the sign ("125%").
    """
    if not isinstance(value, str):
        raise TableError(where, f"{key!r}: bad rate {value!r} (a fraction such as \"0.25\" or a percentage \"25%\")")
    text = value.strip()
    percent = _PERCENT.match(text)
    if percent:
        rate = Decimal(percent.group(1)) / 100
    elif _FRACTION.match(text):
        rate = Decimal(text)
        if rate > 1:
            percent_text = _plain(rate * 100)
            raise TableError(where, f"{key!r}: {value!r} is ambiguous: a bare number is a fraction (0.25 = 25%), "
                                    f"so this reads as {percent_text}%; write \"{text}%\" if a percentage was meant, "
                                    f"or \"{percent_text}%\" for a rate of 100% or more")
    else:
        raise TableError(where, f"{key!r}: bad rate {value!r} (a fraction such as \"0.25\" or a percentage \"25%\")")
    if rate > MAX_RATE:
        raise TableError(where, f"{key!r}: rate {value} is above {MAX_RATE * 100:g}%; check for a typo")
    return rate


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 125.00 -> '125', 712.030 -> '712.03'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _confidence(node: Located) -> str:
    """Every dated value says how far it was checked; there is no default."""
    if "confidence" not in node:
        raise TableError(node.where(), "missing key 'confidence': say what was checked "
                                       f"({', '.join(CONFIDENCE)}; see tariff_tables/README.md)")
    return _choice(node, "confidence", CONFIDENCE, "confirmed")


def _list(node: Located, key: str, required: bool = True) -> LocatedList:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be a list")
        empty = LocatedList()
        empty.file, empty.line, empty.item_lines = node.file, node.key_lines.get(key, node.line), []
        return empty
    if not isinstance(value, LocatedList):
        raise TableError(node.where(key), f"{key!r} must be a list")
    return value


def _choice(node: Located, key: str, choices, default: str) -> str:
    value = node.get(key, default)
    if value not in choices:
        raise TableError(node.where(key), f"{key!r}: {value!r} is not one of {', '.join(choices)}")
    return value


def _heading(node: Located, key: str, required: bool = False) -> str | None:
    value = _text(node, key, required)
    if value is not None and not _HEADING.match(value):
        raise TableError(node.where(key), f"{key!r}: malformed Chapter 99 heading {value!r} (expected 9903.xx.xx)")
    return value


def _periods(items, where_of, what: str) -> None:
    """Dated items must be in order and must not overlap."""
    for i, item in enumerate(items):
        if item.end is not None and item.end <= item.start:
            raise TableError(where_of(i), f"{what}: 'to' {item.end} is not after 'from' {item.start}")
        if i and (items[i - 1].end is None or items[i - 1].end > item.start):
            raise TableError(where_of(i), f"{what}: period from {item.start} overlaps the previous period "
                                          f"({items[i - 1].start} to {items[i - 1].end or 'open'})")


class _Loader:
    def __init__(self, directory: Path):
        self.dir = directory
        self.aliases: dict[str, str] = {}
        self.groups: dict[str, frozenset[str]] = {}
        self.errors: list[TableError] = []

    @contextmanager
    def collecting(self):
        """Record a :class:`TableError` and go on with the next item (a compiler reports them all)."""
        try:
            yield
        except TableErrors as exc:
            self.errors.extend(exc.errors)
        except TableError as exc:
            self.errors.append(exc)

    def raise_collected(self) -> None:
        if self.errors:
            raise TableErrors(self.errors)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.dir))
        except ValueError:
            return str(path)

    def read(self, path: Path):
        name = self.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise TableError(f"{name}:1", "file is not UTF-8") from None
        return load_yaml(text, name)

    # ---------------------------------------------------------------- parts
    def country_set(self, node: Located, key: str) -> frozenset[str] | None:
        items = _list(node, key, required=False)
        out = set()
        for i, code in enumerate(items):
            if not isinstance(code, str):
                raise TableError(items.where(i), f"{key!r}: country codes must be text")
            if code == "*":
                return None
            if code in self.groups:
                out |= self.groups[code]
                continue
            try:
                out.add(iso.normalize(code))
            except ValueError as exc:
                raise TableError(items.where(i), f"{key!r}: {exc}") from None
        return frozenset(out)

    def hts_prefixes(self, node: Located, key: str, required: bool) -> tuple[str, ...]:
        items = _list(node, key, required)
        out = []
        for i, code in enumerate(items):
            if code == "*":
                out.append("")
                continue
            try:
                out.append(htsmod.normalize(code))
            except ValueError as exc:
                raise TableError(items.where(i), f"{key!r}: {exc}") from None
        return tuple(out)

    def meta(self):
        node = _expect_map(self.read(self.dir / "meta.yaml"), "meta.yaml:1")
        _keys(node, {"version", "as_of", "coverage_from"}, {"description"})
        return _text(node, "version"), _date(node, "as_of"), _date(node, "coverage_from")

    def countries(self):
        node = _expect_map(self.read(self.dir / "countries.yaml"), "countries.yaml:1")
        _keys(node, {"groups"}, {"aliases"})
        aliases = node.get("aliases") or {}
        if not isinstance(aliases, Located):
            raise TableError(node.where("aliases"), "'aliases' must be a mapping")
        for alias, target in aliases.items():
            try:
                self.aliases[alias] = iso.normalize(target)
            except ValueError as exc:
                raise TableError(aliases.where(alias), str(exc)) from None
        groups = _expect_map(node["groups"], node.where("groups"))
        for name, gnode in groups.items():
            gnode = _expect_map(gnode, groups.where(name))
            _keys(gnode, {"members", "cite"}, {"description", "url"})
            _text(gnode, "cite")
            if not re.match(r"^[A-Z][A-Z_]+$", name) or name in iso.iso_codes():
                raise TableError(groups.where(name), f"group name {name!r} must be capital letters and "
                                                     "must not be an ISO 3166 country code")
            members = self.country_set(gnode, "members")
            if not members:
                raise TableError(gnode.where("members"), "a group needs members")
            self.groups[name] = members
        return dict(self.aliases), dict(self.groups)

    def programs(self):
        node = _expect_map(self.read(self.dir / "programs.yaml"), "programs.yaml:1")
        _keys(node, {"programs", "special_programs"})
        programs = {}
        items = _list(node, "programs")
        for i, p in enumerate(items):
            p = _expect_map(p, items.where(i))
            _keys(p, {"id", "title", "filing_rank"}, {"cite", "note"})
            pid = _text(p, "id")
            rank = _text(p, "filing_rank")
            if not rank.isdigit():
                raise TableError(p.where("filing_rank"), "'filing_rank' must be a whole number in quotes")
            if pid in programs:
                raise TableError(p.where("id"), f"program {pid!r} defined twice")
            programs[pid] = Program(pid, _text(p, "title"), int(rank))
        specials = {}
        items = _list(node, "special_programs")
        for i, s in enumerate(items):
            s = _expect_map(s, items.where(i))
            _keys(s, {"code", "name", "countries", "from", "cite", "confidence"}, {"to", "url", "checked", "note"})
            _confidence(s)
            code = _text(s, "code")
            if not _PROGRAM_CODE.match(code):
                raise TableError(s.where("code"), f"malformed special program code {code!r}")
            if code in specials:
                raise TableError(s.where("code"), f"special program {code!r} defined twice")
            specials[code] = SpecialProgram(code, _text(s, "name"), self.country_set(s, "countries") or frozenset(),
                                            _date(s, "from"), _date(s, "to", False), _text(s, "cite"))
        return programs, specials

    def hts_file(self, path: Path, lines: dict[str, HtsLine]) -> None:
        node = _expect_map(self.read(path), f"{self.rel(path)}:1")
        _keys(node, {"lines"}, {"description"})
        items = _list(node, "lines")
        for i, ln in enumerate(items):
            with self.collecting():
                self.hts_line(_expect_map(ln, items.where(i)), lines)

    def hts_line(self, ln: Located, lines: dict[str, HtsLine]) -> None:
        _keys(ln, {"hts", "description", "unit", "rates"}, {"statistical", "note"})
        try:
            digits = htsmod.normalize(_text(ln, "hts"))
        except ValueError as exc:
            raise TableError(ln.where("hts"), str(exc)) from None
        if len(digits) not in (8, 10):
            raise TableError(ln.where("hts"), "a covered line must be an 8- or 10-digit HTS number")
        rates = []
        ritems = _list(ln, "rates")
        for j, r in enumerate(ritems):
            r = _expect_map(r, ritems.where(j))
            _keys(r, {"from", "general", "cite", "confidence"}, {"to", "special", "url", "checked", "note"})
            try:
                general = parse_rate(_text(r, "general"))
            except ValueError as exc:
                raise TableError(r.where("general"), str(exc)) from None
            special_text = _text(r, "special", False)
            try:
                special = parse_special(special_text)
            except ValueError as exc:
                raise TableError(r.where("special"), str(exc)) from None
            rates.append(LineRate(_date(r, "from"), _date(r, "to", False), general, special, special_text,
                                  _text(r, "cite"), _text(r, "url", False),
                                  _confidence(r), r.where(), _text(r, "checked", False)))
        if not rates:
            raise TableError(ln.where("rates"), "a line needs at least one dated rate")
        _periods(rates, ritems.where, f"rates of {htsmod.dotted(digits)}")
        stat = ln.get("statistical")
        targets = [(digits, _text(ln, "description"), (None, None))]
        if stat is not None:
            stat = _expect_map(stat, ln.where("statistical"))
            if len(digits) != 8:
                raise TableError(ln.where("statistical"), "'statistical' suffixes need an 8-digit line")
            targets = []
            for suffix, desc in stat.items():
                if not re.match(r"^\d{2}$", suffix):
                    raise TableError(stat.where(suffix), f"statistical suffix {suffix!r} must be two digits in quotes")
                dates = (None, None)
                if isinstance(desc, Located):  # {description, from, to}: a suffix of some editions only
                    _keys(desc, {"description", "cite"}, {"from", "to"})
                    dates = (_date(desc, "from", False), _date(desc, "to", False))
                    desc = desc.get("description")
                if not isinstance(desc, str) or not desc.strip():
                    raise TableError(stat.where(suffix), "statistical suffix needs a description")
                targets.append((digits + suffix, f"{_text(ln, 'description')}: {desc.strip()}", dates))
        for code, desc, (stat_from, stat_to) in targets:
            if code in lines:
                raise TableError(ln.where("hts"), f"line {htsmod.dotted(code)} is defined twice "
                                                  f"(first at {lines[code].where})")
            lines[code] = HtsLine(code, desc, _text(ln, "unit"), tuple(rates), ln.where(), _text(ln, "note", False),
                                  stat_from, stat_to)

    def value(self, v: Located, kind: str, condition: str) -> Value:
        optional = {"to", "url", "checked", "note", "heading"}
        if kind == "duty":
            optional |= {"rate", "all_in", "heading_at_or_above", "exporter_rates", "other_exporters", "case", "base",
                         "base_default", "in_transit", "threshold"}
        elif kind == "notice":   # a measure whose rate these tables do not hold: reported, never summed
            optional |= {"case"}
        else:
            optional |= {"extent", "min_share"}
        _keys(v, {"from", "cite", "confidence"}, optional)
        exporter_rates = []
        if "exporter_rates" in v:
            er = _expect_map(v["exporter_rates"], v.where("exporter_rates"))
            for name in er:
                exporter_rates.append((name, _fraction(er, name, True)))
        rate, all_in = _fraction(v, "rate"), _fraction(v, "all_in")
        if kind == "duty" and (rate is None) == (all_in is None):
            raise TableError(v.where(), "a duty value needs exactly one of 'rate' or 'all_in'")
        in_transit = None
        if "in_transit" in v:
            t = _expect_map(v["in_transit"], v.where("in_transit"))
            _keys(t, {"loaded_before", "entered_before", "modes"}, {"heading"})
            modes = _list(t, "modes")
            for k, mode in enumerate(modes):
                if mode not in MODES:
                    raise TableError(modes.where(k), f"unknown mode {mode!r} (one of {', '.join(MODES)})")
            in_transit = InTransit(_date(t, "loaded_before"), _date(t, "entered_before"), frozenset(modes),
                                   _heading(t, "heading"))
        threshold = None
        if "threshold" in v:
            t = _expect_map(v["threshold"], v.where("threshold"))
            _keys(t, {"fact", "at_least", "default", "note"}, {"otherwise_heading"})
            threshold = Threshold(_text(t, "fact"), _fraction(t, "at_least", True),
                                  _choice(t, "default", ("applies", "not_applies"), "applies"), _text(t, "note"),
                                  _heading(t, "otherwise_heading"))
        heading = _heading(v, "heading")
        if kind == "duty" and heading is None and not v.get("case"):
            raise TableError(v.where(), "a duty value needs a Chapter 99 'heading' (or an AD/CVD 'case')")
        if condition == "us_content" and "min_share" not in v:
            raise TableError(v.where(), "a us_content exemption value needs 'min_share'")
        return Value(
            start=_date(v, "from"), end=_date(v, "to", False), cite=_text(v, "cite"), url=_text(v, "url", False),
            heading=heading, rate=rate, all_in=all_in, exporter_rates=tuple(exporter_rates),
            other_exporters=_text(v, "other_exporters", False), case=_text(v, "case", False),
            base=_choice(v, "base", VALUE_BASES, "full_value"),
            base_default=_choice(v, "base_default", ("full_value", "zero"), "full_value"),
            extent=_choice(v, "extent", EXTENTS, "whole"), min_share=_fraction(v, "min_share"),
            in_transit=in_transit, threshold=threshold,
            confidence=_confidence(v), note=_text(v, "note", False),
            where=v.where(), checked=_text(v, "checked", False),
            heading_at_or_above=_heading(v, "heading_at_or_above"))

    def measure_file(self, path: Path, programs: dict, measures: dict[str, Measure]) -> None:
        rel = self.rel(path)
        node = _expect_map(self.read(path), f"{rel}:1")
        _keys(node, {"program", "measures"}, {"title", "description", "legal_status"})
        program = _text(node, "program")
        if program not in programs:
            raise TableError(node.where("program"), f"unknown program {program!r} (see programs.yaml)")
        stem = str(Path(rel).relative_to("measures").with_suffix("")).replace(os.sep, "/")
        # A file-level legal_status applies to every duty measure of the file (one action, one lawsuit).
        file_status = None
        if "legal_status" in node:
            with self.collecting():
                file_status = self.legal_status(node)
        items = _list(node, "measures")
        for i, m in enumerate(items):
            with self.collecting():
                self.measure(_expect_map(m, items.where(i)), stem, program, measures, file_status)

    def measure(self, m: Located, stem: str, program: str, measures: dict[str, Measure],
                file_status: LegalStatus | None = None) -> None:
        _keys(m, {"id", "title", "scope", "values"},
              {"kind", "replaces", "exempts", "condition", "requires", "open_question", "legal_status", "note"})
        local = _text(m, "id")
        if not _LOCAL_ID.match(local):
            raise TableError(m.where("id"), f"malformed measure id {local!r}")
        mid = f"{stem}/{local}"
        if mid in measures:
            raise TableError(m.where("id"), f"measure {mid!r} defined twice")
        kind = _choice(m, "kind", ("duty", "exemption", "notice"), "duty")
        scope = _expect_map(m["scope"], m.where("scope"))
        _keys(scope, {"hts"}, {"exclude_hts", "origin", "exclude_origin"})
        condition, cargs = "always", {}
        if kind == "exemption":
            if "exempts" not in m:
                raise TableError(m.where(), "an exemption needs 'exempts' (programs or measure ids)")
            cnode = _expect_map(m.get("condition") or Located(), m.where("condition")) if "condition" in m else None
            if cnode is not None:
                condition = _choice(cnode, "type", CONDITIONS, "always")
                _keys(cnode, {"type"}, {"codes", "layers"})
                if condition == "preference":
                    cargs["codes"] = frozenset(_list(cnode, "codes"))
                if condition == "layer":
                    cargs["layers"] = tuple(_list(cnode, "layers"))
        elif "exempts" in m or "condition" in m:
            raise TableError(m.where(), "'exempts'/'condition' belong to exemptions (kind: exemption)")
        requirements = self.requirements(m) if "requires" in m else ()
        vitems = _list(m, "values")
        values, failed = [], len(self.errors)
        for j, v in enumerate(vitems):
            with self.collecting():
                values.append(self.value(_expect_map(v, vitems.where(j)), kind, condition))
        legal_status = self.legal_status(m) if "legal_status" in m else file_status if kind == "duty" else None
        if len(self.errors) > failed:
            return
        if not values:
            raise TableError(m.where("values"), "a measure needs at least one dated value")
        _periods(values, vitems.where, f"measure {mid}")
        for v in values:
            if v.in_transit and v.in_transit.entered_before <= v.start:
                raise TableError(v.where, "in_transit 'entered_before' must be after the value's 'from'")
        measures[mid] = Measure(
            id=mid, program=program, title=_text(m, "title"), kind=kind,
            hts=self.hts_prefixes(scope, "hts", True), exclude_hts=self.hts_prefixes(scope, "exclude_hts", False),
            origins=self.country_set(scope, "origin") if "origin" in scope else None,
            exclude_origins=self.country_set(scope, "exclude_origin") or frozenset(),
            values=tuple(values), where=m.where(), replaces=tuple(_list(m, "replaces", False)),
            exempts=tuple(_list(m, "exempts", False)), condition=condition, condition_args=cargs,
            requirements=requirements,
            open_question=_text(m, "open_question", False), legal_status=legal_status)

    def requirements(self, m: Located) -> tuple[Requirement, ...]:
        """``requires``: one caller fact (a mapping) or several that must all hold (a list of mappings)."""
        node = m["requires"]
        if isinstance(node, Located):
            items = [(node, m.where("requires"))]
        else:
            listed = _list(m, "requires")
            items = [(x, listed.where(i)) for i, x in enumerate(listed)]
        out = []
        for item, where in items:
            r = _expect_map(item, where)
            _keys(r, {"fact", "equals", "default", "note"}, {"otherwise_heading"})
            out.append(Requirement(_text(r, "fact"), _text(r, "equals"), _text(r, "default"), _text(r, "note"),
                                   _heading(r, "otherwise_heading")))
        if not out:
            raise TableError(m.where("requires"), "'requires' needs at least one fact")
        return tuple(out)

    def legal_status(self, node: Located) -> LegalStatus:
        """A measure's contested status, shown next to its layer (the duty as assessed is unchanged)."""
        s = _expect_map(node["legal_status"], node.where("legal_status"))
        _keys(s, {"state", "since", "summary", "cite", "confidence"}, {"url"})
        return LegalStatus(_choice(s, "state", LEGAL_STATES, "challenged"), _date(s, "since"),
                           _text(s, "summary"), _text(s, "cite"), _confidence(s))

    def fee_file(self, path: Path, fees: dict[str, Fee]) -> None:
        node = _expect_map(self.read(path), f"{self.rel(path)}:1")
        _keys(node, {"id", "title", "values"}, {"description", "modes", "note", "exempt_preferences", "exempt_cite"})
        fid = _text(node, "id")
        items = _list(node, "values")
        values = []
        failed = len(self.errors)
        for i, v in enumerate(items):
            with self.collecting():
                v = _expect_map(v, items.where(i))
                _keys(v, {"from", "rate", "cite", "confidence"}, {"to", "minimum", "maximum", "url", "checked", "note"})
                values.append(Fee.Value(_date(v, "from"), _date(v, "to", False), _fraction(v, "rate", True),
                                        _money(v, "minimum"), _money(v, "maximum"), _text(v, "cite"),
                                        _confidence(v), v.where()))
        if len(self.errors) > failed:
            return
        _periods(values, items.where, f"fee {fid}")
        modes = _list(node, "modes", False)
        for k, mode in enumerate(modes):
            if mode not in MODES:
                raise TableError(modes.where(k), f"unknown mode {mode!r}")
        exempt = _list(node, "exempt_preferences", False)
        for k, code in enumerate(exempt):
            if not isinstance(code, str) or not re.match(r"^[A-Z][A-Z+]{0,3}$", code):
                raise TableError(exempt.where(k), f"bad special program indicator {code!r}")
        if exempt and not node.get("exempt_cite"):
            raise TableError(node.where("exempt_preferences"), "exempt_preferences needs exempt_cite")
        fees[fid] = Fee(fid, _text(node, "title"), frozenset(modes) or None, tuple(values),
                        frozenset(exempt), _text(node, "exempt_cite", False))


def _money(node: Located, key: str) -> Decimal | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^\d+(\.\d{1,2})?$", value):
        raise TableError(node.where(key), f"{key!r}: bad amount {value!r} (USD such as \"33.58\")")
    return Decimal(value)


def load_tables(directory: str | Path | None = None) -> Tables:
    """Load and validate every table; raise :class:`TableError` on the first defect."""
    directory = Path(directory) if directory is not None else default_dir()
    if not directory.is_dir():
        raise TableError(str(directory), "tables directory not found")
    _require_layout(directory)
    loader = _Loader(directory)
    version, as_of, coverage_from = loader.meta()
    aliases, groups = loader.countries()
    programs, specials = loader.programs()
    lines: dict[str, HtsLine] = {}
    for path in sorted((directory / "hts").glob("*.yaml")):
        with loader.collecting():
            loader.hts_file(path, lines)
    measures: dict[str, Measure] = {}
    for path in sorted((directory / "measures").rglob("*.yaml")):
        with loader.collecting():
            loader.measure_file(path, programs, measures)
    fees: dict[str, Fee] = {}
    for path in sorted((directory / "fees").glob("*.yaml")):
        with loader.collecting():
            loader.fee_file(path, fees)
    loader.raise_collected()      # references are checked only between tables that loaded
    loader.errors.extend(_cross_check(measures, specials, lines))
    fx = None
    if (directory / "fx" / "rates.yaml").exists():
        from service.model.fx import load_fx
        with loader.collecting():
            fx = load_fx(loader, directory / "fx" / "rates.yaml")
    loader.raise_collected()
    tables = Tables(version, as_of, coverage_from, directory, aliases, groups, programs, specials,
                    lines, measures, fees, fx=fx)
    tables.build_indexes()
    from service.model.templates import load_template
    for path in sorted((directory / "projects").glob("*.yaml")):
        with loader.collecting():
            load_template(loader, path, tables)
    loader.raise_collected()
    return tables


# Files and folders a tables directory must have.  Without measures/ the
# service would quote the column 1 rate alone (3.4% for a 48.4% stack).
_REQUIRED_FILES = ("meta.yaml", "countries.yaml", "programs.yaml")
_REQUIRED_DIRS = ("hts", "measures", "fees")


def _require_layout(directory: Path) -> None:
    errors = []
    for name in _REQUIRED_FILES:
        if not (directory / name).is_file():
            errors.append(TableError(f"{directory / name}", f"required file {name} is missing from the tables directory"))
    for name in _REQUIRED_DIRS:
        folder = directory / name
        if not folder.is_dir():
            errors.append(TableError(f"{folder}", f"required folder {name}/ is missing from the tables directory"))
        elif not any(folder.rglob("*.yaml")):
            errors.append(TableError(f"{folder}", f"folder {name}/ holds no .yaml table"))
    if errors:
        raise TableErrors(errors)


def _cross_check(measures: dict[str, Measure], specials: dict, lines: dict) -> list[TableError]:
    """References between tables must resolve; every scope code must reach a covered line."""
    errors: list[TableError] = []
    ids = set(measures)
    programs = {m.program for m in measures.values()}
    for m in measures.values():
        for ref in m.replaces:
            if ref not in ids and not any(i.startswith(ref + "/") for i in ids):
                errors.append(TableError(m.where, f"'replaces' names unknown measure {ref!r}"))
        for ref in m.exempts + tuple(m.condition_args.get("layers", ())):
            if ref not in programs and ref not in ids and not any(i.startswith(ref + "/") for i in ids):
                errors.append(TableError(m.where, f"refers to unknown program or measure {ref!r}"))
        for code in m.condition_args.get("codes", ()):
            if code not in specials:
                errors.append(TableError(m.where, f"unknown special program code {code!r}"))
        errors.extend(_scope_reaches_lines(m, lines))
    for line in lines.values():
        for r in line.rates:
            for code in r.special:
                if code not in specials:
                    errors.append(TableError(r.where, f"special rate names unknown program code {code!r} "
                                                      "(add it to programs.yaml)"))
    return errors


def _scope_reaches_lines(m: Measure, lines: dict) -> list[TableError]:
    """A scope code that matches no covered line makes the layer vanish from every quote: refuse it."""
    errors = []
    for key, prefixes in (("hts", m.hts), ("exclude_hts", m.exclude_hts)):
        for prefix in prefixes:
            if prefix and not any(code.startswith(prefix) or prefix.startswith(code) for code in lines):
                errors.append(TableError(m.where, f"scope {key} {htsmod.dotted(prefix)} matches no covered line "
                                                  "(hts/*.yaml): the measure would never apply to it; "
                                                  "add the line or correct the code"))
    return errors
