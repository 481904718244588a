"""``tariff-stack diff``: every quote whose figure changes between two table sets.

The reviewer's check before a release.  For a set of lines, origins and entry
dates (by default those of the compile sweep, :mod:`service.engine.compile`,
over both sets), each combination is quoted against both sets through the
engine's own path (:func:`service.engine.quote.quote`, its caches) and the
two figures compared: the total duty, the effective rate and the layers
(program, heading, rate, duty).  A quote priced by one set and refused by the
other (a line added or removed, a coverage change) is a change too.

Quoting every combination twice is the slow part, so each line and origin is
priced once per *interval* over which neither set can change: between two
dates on which none of its column 1 rates, none of the measures that may
reach it for that origin (:func:`service.engine.stacking.measures_for`, the
list the stacking engine reads) and neither set's coverage or as-of date
starts or ends, both quotes are the same on every day.  A line that is not
itself a covered line of both sets (priced through its parent or its
statistical suffixes in one of them) is quoted on every date.
``diff_tables(..., exhaustive=True)`` quotes every date of every line;
``tests/test_diff.py`` checks that both agree.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from service.model import countries
from service.model import hts as htsmod
from service.model.errors import ErrorCollector, InputError, NotCovered, TableError
from service.model.money import fmt_money, parse_amount
from service.engine.compile import CHECK_ORIGINS
from service.engine.line_input import LineInput, parse_date
from service.engine.quote import quote
from service.engine.stacking import measures_for
from service.tables.load import load_tables

DEFAULT_VALUE = "100000"
SIDES = ("old", "new")


class SetInvalid(Exception):
    """A table set does not load (or fails while quoting): ``problems`` lists, per failing set, its side
    (``old``/``new``), its directory and the loader's errors (each ``where`` is ``file:line``)."""

    def __init__(self, problems: list[tuple[str, str, list[TableError]]]):
        self.problems = problems
        super().__init__("; ".join(f"{side} tables {where}: " + "; ".join(f"{e.where}: {e.reason}" for e in errors)
                                   for side, where, errors in problems))

    @classmethod
    def of(cls, side: str, directory, exc: TableError) -> "SetInvalid":
        return cls([(side, str(directory), list(getattr(exc, "errors", [exc])))])


def load_pair(old_dir, new_dir) -> tuple:
    """Both table sets through the normal loader; :class:`SetInvalid` naming every set that fails.  The old
    set may be a release from before ``meta.yaml`` had ``verified_against`` (it is not quoted from)."""
    loaded, problems = [], []
    for side, directory in zip(SIDES, (old_dir, new_dir)):
        try:
            loaded.append(load_tables(Path(directory), past_release=side == SIDES[0]))
        except TableError as exc:
            problems.extend(SetInvalid.of(side, directory, exc).problems)
    if problems:
        raise SetInvalid(problems)
    return tuple(loaded)


# ------------------------------------------------------------------ the scope

@dataclass(frozen=True)
class Scope:
    """What is quoted: lines (bare digits), origins, entry dates and the customs value."""

    lines: tuple[str, ...]
    origins: tuple[str, ...]
    dates: tuple[date, ...]
    value: Decimal
    default_dates: bool


def scope_for(old, new, hts=(), origins=(), dates=(), value=None) -> Scope:
    """The scope from a caller's texts (each may be a comma list); defaults as the compile sweep's.

    Raises :class:`InputError` naming every bad field (``hts``, ``origin``, ``date``, ``value``)."""
    errors = ErrorCollector()
    lines = errors.guard("hts", _lines, old, new, _split(hts))
    chosen = errors.guard("origin", _origins, {**old.aliases, **new.aliases}, _split(origins)) or CHECK_ORIGINS
    days = errors.guard("date", _dates, old, new, _split(dates))
    amount = errors.guard("value", parse_amount, value if value is not None else DEFAULT_VALUE, "value")
    errors.raise_if_any("invalid diff scope")
    return Scope(tuple(lines), tuple(chosen), tuple(days or default_dates(old, new)), amount, not days)


def _split(texts) -> list[str]:
    if isinstance(texts, str):
        texts = [texts]
    return [part.strip() for text in texts for part in str(text).split(",") if part.strip()]


def _lines(old, new, prefixes: list[str]) -> list[str]:
    """The covered lines of either set, under the given HTS prefixes (every line if none)."""
    every = sorted(set(old.lines) | set(new.lines))
    if not prefixes:
        return every
    chosen: set[str] = set()
    for text in prefixes:
        prefix = htsmod.normalize(text)
        found = [code for code in every if code.startswith(prefix)]
        if not found:
            raise ValueError(f"{htsmod.dotted(prefix)} matches no covered line of either table set")
        chosen.update(found)
    return sorted(chosen)


def _origins(aliases: dict[str, str], texts: list[str]) -> list[str]:
    return list(dict.fromkeys(countries.read(text, aliases).code for text in texts))


def _dates(old, new, texts: list[str]) -> list[date]:
    days = sorted({parse_date(text, "date") for text in texts})
    first = min(old.coverage_from, new.coverage_from)
    early = [d for d in days if d < first]
    if early:
        raise ValueError(f"{early[0]} is before both table sets' coverage (from {first})")
    return days


def default_dates(old, new) -> list[date]:
    """Every date a dated value starts or ends in either set and the day before it, the first day of
    coverage and both as-of dates; none before the earlier coverage start."""
    first = min(old.coverage_from, new.coverage_from)
    days = {first, old.as_of, new.as_of}
    for tables in (old, new):
        for day in tables.boundaries():
            days.update((day, day - timedelta(days=1)))
    return sorted(d for d in days if d >= first)


# ----------------------------------------------------------------- one quote

@dataclass(frozen=True)
class Figure:
    """What one quote comes to: priced (total, effective rate, layers) or refused (and why)."""

    total_duty: str | None = None
    effective_rate: str | None = None
    layers: tuple[tuple[str, str | None, str, str, str], ...] = ()   # program, heading, rate, duty, measure_id
    refused: str | None = None          # the refusal, as the engine words it
    input_refusal: bool = False         # refused for want of a caller fact (the message then names the rate)

    @property
    def key(self) -> tuple:
        """What is compared.  A measure's id is not a figure; a 'not covered' message names the date."""
        if self.refused is not None:
            return ("refused", self.refused if self.input_refusal else "not covered")
        return ("priced", self.total_duty, self.effective_rate, tuple(sorted(x[:4] for x in self.layers)))

    def doc(self) -> dict:
        if self.refused is not None:
            return {"status": "refused", "reason": self.refused}
        return {"status": "priced", "total_duty": self.total_duty, "effective_rate": self.effective_rate,
                "layers": [_layer_doc(x) for x in self.layers]}


def _layer_doc(x) -> dict:
    return {"program": x[0], "heading": x[1], "rate": x[2], "duty": x[3], "measure_id": x[4]}


def figure(tables, side: str, digits: str, origin: str, day: date, value: Decimal) -> Figure:
    """Quote one combination against one set through the engine's quote path (and its caches)."""
    try:
        doc = quote(tables, LineInput(hts=digits, origin=origin, entry_date=day, value=value))
    except InputError as exc:
        return Figure(refused=exc.message, input_refusal=True)
    except NotCovered as exc:
        return Figure(refused=str(exc))
    except TableError as exc:            # a defect only quoting shows (e.g. a stacking cycle)
        raise SetInvalid.of(side, tables.directory, exc) from None
    layers = tuple((x["program"], x["heading"], x["rate"], x["duty"], x["measure_id"]) for x in doc["layers"])
    return Figure(doc["total_duty"], doc["effective_rate"], layers)


# ---------------------------------------------------- one line and origin

@dataclass
class _LineDiff:
    days: list[date]                     # the dates on which either set prices the line
    quoted: int = 0                      # quote pairs computed (once per interval)
    changes: list[tuple[date, Figure, Figure]] = field(default_factory=list)


def _line_diff(pair: tuple, digits: str, origin: str, scope: Scope, exhaustive: bool) -> _LineDiff:
    """Both sets' figure for the line and origin on each date; the dates on which they differ."""
    out = _LineDiff([d for d in scope.dates if _held(pair, digits, d)])
    interval = (lambda day: day) if exhaustive else _intervals(pair, digits, origin)
    seen: dict = {}
    for day in out.days:
        key = interval(day)
        found = seen.get(key)
        if found is None:
            found = seen[key] = tuple(figure(t, side, digits, origin, day, scope.value)
                                      for side, t in zip(SIDES, pair))
        before, after = found
        if before.key != after.key:
            out.changes.append((day, before, after))
    out.quoted = len(seen)
    return out


def _held(pair: tuple, digits: str, day: date) -> bool:
    """Does a set that holds the line price it on ``day`` (the compile sweep's test, in either set)?"""
    return any(digits in t.lines and t.lines[digits].rate_on(day) is not None for t in pair)


def _intervals(pair: tuple, digits: str, origin: str):
    """Each date's interval between the dates on which anything the line's quote reads starts or ends
    in either set; both quotes are the same on every day of one interval.  A line that one set prices
    through another (its parent, or its statistical suffixes) gets no intervals: every date is quoted."""
    if not all(digits in t.lines for t in pair):
        return lambda day: day
    edges: set[date] = set()
    for t in pair:
        edges.update((t.coverage_from, t.as_of))
        for r in t.lines[digits].rates:
            edges.update((r.start, r.end) if r.end else (r.start,))
        for m in measures_for(t, digits, origin):
            edges.update(m.boundaries())
    ordered = sorted(edges)
    return lambda day: bisect_right(ordered, day)


# ------------------------------------------------------------------ changes

@dataclass(frozen=True)
class Change:
    """One line and origin whose figure changes the same way on consecutive dates.

    With the default dates the change holds on every day from the first date to the last (both sets
    change only on dates that are quoted, and on the day before each); ``open_end``: and on every
    later day too."""

    hts: str
    origin: str
    dates: tuple[date, ...]
    before: Figure
    after: Figure
    open_end: bool = False

    @property
    def kind(self) -> str:
        if self.before.refused is None and self.after.refused is None:
            return "changed"
        if self.before.refused is None:
            return "newly_refused"
        return "newly_priced" if self.after.refused is None else "refusal_changed"

    def layer_changes(self) -> list[dict]:
        return layer_changes(self.before, self.after) if self.kind == "changed" else []

    def programs(self) -> list[str]:
        """What the change is counted under: the programs of its layer changes, else its kind."""
        return sorted({x["program"] for x in self.layer_changes()}) or [self.kind]

    def doc(self) -> dict:
        return {"hts": htsmod.dotted(self.hts), "origin": self.origin, "kind": self.kind,
                "from": self.dates[0].isoformat(), "to": self.dates[-1].isoformat(), "open_end": self.open_end,
                "dates": [d.isoformat() for d in self.dates], "before": self.before.doc(),
                "after": self.after.doc(), "layers": self.layer_changes()}


def layer_changes(before: Figure, after: Figure) -> list[dict]:
    """The layers only before (disappeared), only after (appeared), or changed: paired by measure id,
    else by program when the program has one such layer on each side."""
    gone = [x for x in before.layers if x[:4] not in {y[:4] for y in after.layers}]
    came = [y for y in after.layers if y[:4] not in {x[:4] for x in before.layers}]
    out = []
    for x in list(gone):
        twin = next((y for y in came if y[4] == x[4]), None)
        if twin is None and [g[0] for g in gone].count(x[0]) == 1 and [c[0] for c in came].count(x[0]) == 1:
            twin = next(y for y in came if y[0] == x[0])
        if twin is not None:
            gone.remove(x)
            came.remove(twin)
            out.append({"change": "changed", "program": x[0], "before": _part(x), "after": _part(twin)})
    out += [{"change": "disappeared", "program": x[0], "before": _part(x)} for x in gone]
    out += [{"change": "appeared", "program": y[0], "after": _part(y)} for y in came]
    return out


def _part(x) -> dict:
    return {"heading": x[1], "rate": x[2], "duty": x[3], "measure_id": x[4]}


def _runs(digits: str, origin: str, found: _LineDiff, scope: Scope) -> list[Change]:
    """Consecutive dates (of those the line is priced on) with the same change, as one :class:`Change`."""
    position = {day: i for i, day in enumerate(found.days)}
    runs: list[list] = []
    for day, before, after in found.changes:
        last = runs[-1] if runs else None
        if last and position[last[0][-1]] == position[day] - 1 and (last[1].key, last[2].key) == (before.key,
                                                                                                 after.key):
            last[0].append(day)
        else:
            runs.append([[day], before, after])
    final = scope.dates[-1] if scope.default_dates else None
    return [Change(digits, origin, tuple(days), before, after, open_end=days[-1] == final)
            for days, before, after in runs]


# --------------------------------------------------------------- the whole

@dataclass
class Diff:
    """Every change between two sets over a scope, and what was compared."""

    old: object
    new: object
    scope: Scope
    compared: int = 0                    # line/origin/date combinations compared
    quoted: int = 0                      # quote pairs computed (once per interval)
    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Combinations whose figure changes."""
        return sum(len(c.dates) for c in self.changes)

    def by_program(self) -> dict[str, int]:
        counts: Counter = Counter()
        for c in self.changes:
            for name in c.programs():
                counts[name] += len(c.dates)
        return dict(sorted(counts.items()))

    def by_period(self) -> dict[str, int]:
        """Changed combinations on or before the new set's as-of date (the CHANGELOG's corrections to past
        dates) and after it (its changes to future dates)."""
        past = sum(1 for c in self.changes for day in c.dates if day <= self.new.as_of)
        return {"on_or_before_as_of": past, "after_as_of": self.changed - past}

    def doc(self) -> dict:
        scope = self.scope
        return {"old": _set_doc(self.old), "new": _set_doc(self.new), "value": fmt_money(scope.value),
                "lines": len(scope.lines), "origins": list(scope.origins),
                "dates": {"count": len(scope.dates), "first": scope.dates[0].isoformat(),
                          "last": scope.dates[-1].isoformat(), "default": scope.default_dates},
                "compared": self.compared, "quoted": self.quoted, "changed": self.changed,
                "by_period": self.by_period(), "by_program": self.by_program(), "warnings": self.warnings(),
                "changes": [c.doc() for c in self.changes]}

    def warnings(self) -> list[str]:
        """What the reviewer must fix before a release: two different sets under one version."""
        version = self.new.version
        if self.old.version != version or not self.changes:
            return []
        return [f"both sets carry version {version} but {self.changed:,} quotes differ: a version that names two "
                "table sets cannot be reviewed; bump meta.yaml 'version' of the new set (YYYY.MM.DD-N, "
                "tariff_tables/README.md 'Releases') and write its CHANGELOG entry"]


def _set_doc(tables) -> dict:
    return {"directory": str(tables.directory), "version": tables.version, "as_of": tables.as_of.isoformat(),
            "coverage_from": tables.coverage_from.isoformat()}


def diff_tables(old, new, scope: Scope, exhaustive: bool = False, progress=None) -> Diff:
    """Compare every line, origin and date of ``scope``; ``progress(1)`` after each line, if given."""
    result = Diff(old, new, scope)
    for digits in scope.lines:
        for origin in scope.origins:
            found = _line_diff((old, new), digits, origin, scope, exhaustive)
            result.compared += len(found.days)
            result.quoted += found.quoted
            result.changes.extend(_runs(digits, origin, found, scope))
        if progress is not None:
            progress(1)
    return result


def diff_dirs(old_dir, new_dir, hts=(), origins=(), dates=(), value=None, exhaustive=False, progress=None) -> Diff:
    """Load both sets (:class:`SetInvalid` if either fails), read the scope (:class:`InputError`), compare."""
    old, new = load_pair(old_dir, new_dir)
    return diff_tables(old, new, scope_for(old, new, hts, origins, dates, value), exhaustive, progress)
