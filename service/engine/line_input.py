"""One import line as the caller describes it, checked field by field.

``parse_line`` is shared by the CLI, the API and the CSV pricer, so every
entry point rejects the same inputs with the same field names.
"""
from __future__ import annotations

import difflib
import re
import weakref
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model import countries
from service.model import hts
from service.model.errors import ErrorCollector, InputError
from service.model.measures import MODES
from service.model.money import parse_amount, parse_decimal, split_currency
from service.model.programs import SPECIAL_PROGRAM_CODE

CONTENT_FIELDS = ("steel_content_value", "aluminum_content_value", "copper_content_value",
                  "us_content_value", "aam_content_value")
FIELDS = ("hts", "origin", "entry_date", "value", "mode", "loaded_date", *CONTENT_FIELDS,
          "preference", "exporter", "quantity", "facts", "claims")
REQUIRED = ("hts", "origin", "entry_date", "value")
_DATE = re.compile(r"^(?P<y>[0-9]{4})(?:(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})|(?P<m8>[0-9]{2})(?P<d8>[0-9]{2}))"
                   r"(?:[T ](?P<hh>[0-9]{2}):(?P<mm>[0-9]{2})(?::(?P<ss>[0-9]{2})(?:\.[0-9]{1,9})?)?"
                   r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$")
_DAY_FIRST = re.compile(r"^[0-9]{1,2}([-/.])[0-9]{1,2}\1[0-9]{2,4}$")
_FACT = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_HEADING = re.compile(r"^99\d{2}\.\d{2}\.\d{2}$")
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2100, 1, 1)


@dataclass(frozen=True)
class LineInput:
    hts: str                 # bare digits
    origin: str              # ISO 3166-1 alpha-2
    entry_date: date
    value: Decimal           # customs value in USD
    mode: str | None = None
    loaded_date: date | None = None
    steel_content_value: Decimal | None = None
    aluminum_content_value: Decimal | None = None
    copper_content_value: Decimal | None = None
    us_content_value: Decimal | None = None
    aam_content_value: Decimal | None = None
    preference: str | None = None
    exporter: str | None = None
    quantity: Decimal | None = None
    facts: tuple[tuple[str, str], ...] = ()
    claims: tuple[str, ...] = ()
    # How a name was read (origin 'Korea' read as KR): echoed to the caller by
    # :func:`with_readings`; not part of the line's identity (nor of the caches' keys).
    readings: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def fact(self, name: str) -> str | None:
        for key, value in self.facts:
            if key == name:
                return value
        return None

    def content(self, base: str) -> Decimal | None:
        return getattr(self, base + "_value", None)


DATE_FORMS = ("YYYY-MM-DD (2026-01-15, also 2026-1-15), YYYY/MM/DD, YYYYMMDD or an ISO timestamp "
              "(2026-01-15T10:30:00Z)")


def parse_date(text, name: str) -> date:
    """A calendar date written year first; raise InputError naming ``name``.

    Read: ``2026-01-15``, ``2026-1-15``, ``2026/01/15``, ``2026.01.15``,
    ``20260115`` and an ISO timestamp (``2026-01-15T10:30:00``, with ``Z``
    or an offset such as ``+08:00``, or a space instead of ``T``).  A
    timestamp's date is the calendar date *as written*: ``2026-01-15T23:30-05:00``
    is 2026-01-15 (the local date where it was written), never converted to
    another time zone.  Refused: day-and-month-first forms such as
    ``01/02/2026`` (1 February or January 2?) and two-digit years, with a
    message naming the accepted forms.
    """
    if isinstance(text, date):
        return text
    raw = text.strip() if isinstance(text, str) else None
    found = _DATE.match(raw) if raw else None
    if found is None:
        raise InputError.field(name, _date_refusal(text))
    year = int(found.group("y"))
    month, day_ = int(found.group("m") or found.group("m8")), int(found.group("d") or found.group("d8"))
    hour, minute, second = (int(found.group(g) or 0) for g in ("hh", "mm", "ss"))
    if hour > 23 or minute > 59 or second > 60:
        raise InputError.field(name, f"no such time of day in {raw!r}")
    try:
        day = date(year, month, day_)
    except ValueError:
        raise InputError.field(name, f"no such date: {raw!r}") from None
    if not MIN_DATE <= day < MAX_DATE:
        raise InputError.field(name, f"date out of range ({MIN_DATE.year} to {MAX_DATE.year - 1})")
    return day


def _date_refusal(text) -> str:
    shown = str(text)[:40]
    if isinstance(text, str) and _DAY_FIRST.match(text.strip()):
        parts = re.split(r"[-/.]", text.strip())
        a, b = int(parts[0]), int(parts[1])
        if len(parts[2]) != 4:
            why = f"{shown!r} has a two-digit year or puts the day first"
        elif a <= 12 and b <= 12 and a != b:
            why = f"{shown!r} is ambiguous (day {a} of month {b}, or month {a} day {b}?)"
        else:
            why = f"{shown!r} puts the day or month first"
        return f"{why}: write the year first; accepted: {DATE_FORMS}"
    return f"must be a date, got {shown!r}; accepted: {DATE_FORMS}"


def parse_mode(v, _aliases=None):
    if not isinstance(v, str) or v.strip().lower() not in MODES:
        raise ValueError(f"must be one of {', '.join(MODES)}")
    return v.strip().lower()


def _text(v, _aliases=None, limit=120):
    if not isinstance(v, str) or not v.strip() or len(v) > limit:
        raise ValueError(f"must be text of 1 to {limit} characters")
    return v.strip()


def _preference(v, _aliases=None):
    code = _text(v, limit=4).upper()
    if not SPECIAL_PROGRAM_CODE.match(code):
        raise ValueError("must be a special program indicator such as KR, AU, S, S+")
    return code


@dataclass(frozen=True)
class FactRule:
    """A caller fact the tables use, and the values it takes.

    ``kind`` is ``yes_no`` (a requirement whose values are yes and no),
    ``fraction`` (a threshold such as ``metal_weight_share``: 0 to 1, or a
    percentage) or ``choice`` (a requirement with other values: ``values``).
    """

    name: str
    kind: str
    values: tuple[str, ...] = ()

    def parse(self, text) -> str:
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{self.name} needs a value: {self.describe()}")
        given = text.strip()
        low = given.lower()
        if self.kind == "yes_no":
            if low in ("yes", "true"):
                return "yes"
            if low in ("no", "false"):
                return "no"
        elif self.kind == "fraction":
            percent = given.endswith("%")
            try:
                number = parse_decimal(given[:-1] if percent else given, self.name)
            except ValueError:
                number = None
            if number is not None:
                number = number / 100 if percent else number
                if 0 <= number <= 1:
                    return format(number.normalize(), "f")
        elif low in self.values:
            return low
        raise ValueError(f"{given[:40]!r} is not a value of {self.name}: {self.describe()}")

    def describe(self) -> str:
        if self.kind == "yes_no":
            return "give yes or no"
        if self.kind == "fraction":
            return "give a fraction from 0 to 1 (0.4) or a percentage (40%)"
        return "give one of " + ", ".join(self.values)


_FACT_RULES: dict[int, tuple] = {}


def known_facts(tables) -> dict[str, FactRule]:
    """The facts the loaded tables' rules read, with the values each takes.

    Derived from every measure's requirements (the fact, its ``equals`` and
    ``default``) and every dated value's threshold, so a fact a table adds is
    known without a code change.  Kept per tables object.
    """
    found = _FACT_RULES.get(id(tables))
    if found is not None and found[0]() is tables:
        return found[1]
    values: dict[str, set[str]] = {}
    fractions: set[str] = set()
    for m in tables.measures.values():
        for req in m.requirements:
            values.setdefault(req.fact, set()).update((req.equals, req.default))
        for v in m.values:
            if v.threshold is not None:
                fractions.add(v.threshold.fact)
    rules = {name: FactRule(name, "fraction") for name in fractions}
    for name, seen in values.items():
        rules[name] = (FactRule(name, "yes_no") if seen <= {"yes", "no"}
                       else FactRule(name, "choice", tuple(sorted(seen))))
    rules = dict(sorted(rules.items()))
    _FACT_RULES[id(tables)] = (weakref.ref(tables), rules)
    return rules


def did_you_mean(name: str, choices) -> str:
    """'; did you mean x?' for a misspelled name (or a prefix of one), else ''."""
    choices = list(choices)
    close = difflib.get_close_matches(name, choices, n=2, cutoff=0.7)
    close += [c for c in choices if name and c.startswith(name) and c not in close]
    return f"; did you mean {' or '.join(close[:2])}?" if close else ""


def _facts_parser(rules: dict[str, FactRule] | None):
    def parse(v, _aliases=None):
        if isinstance(v, str):
            v = _fact_pairs(v)
        if not isinstance(v, dict) or len(v) > 20:
            raise ValueError("must be name=value pairs, such as vehicle_part=yes")
        out_pairs = []
        for key, value in v.items():
            key = str(key).strip()
            if not _FACT.match(key):
                raise ValueError(f"bad fact name {key[:40]!r}: a name such as vehicle_part")
            if rules is not None and key not in rules:
                raise ValueError(f"unknown fact {key!r}{did_you_mean(key, rules)} (known: {', '.join(rules)})")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"fact {key!r} needs a text value"
                                 + (f": {rules[key].describe()}" if rules is not None else ""))
            value = rules[key].parse(value) if rules is not None else _text(value, limit=40).lower()
            out_pairs.append((key, value))
        return tuple(sorted(out_pairs))
    return parse


_facts = _facts_parser(None)


def _fact_pairs(text: str) -> dict:
    """``a=b,c=d`` as a dict; a fact named twice with different values is refused (which was meant?)."""
    out: dict = {}
    for pair in (p for p in text.split(",") if p.strip()):
        key, value = pair.split("=", 1) if "=" in pair else (pair, "")
        key = key.strip()
        if key in out and out[key].strip().lower() != value.strip().lower():
            raise ValueError(f"fact {key[:40]!r} is given twice, as {out[key].strip()[:20]!r} and "
                             f"{value.strip()[:20]!r}: which was meant?")
        out[key] = value
    return out


def _claims(v, _aliases=None):
    items = v.split(",") if isinstance(v, str) else v
    if not isinstance(items, (list, tuple)) or len(items) > 20:
        raise ValueError("must be a list of Chapter 99 headings")
    out_items = []
    for item in items:
        item = _text(item, limit=12) if isinstance(item, str) else ""
        if not _HEADING.match(item):
            raise ValueError(f"malformed Chapter 99 heading {item!r}")
        out_items.append(item)
    return tuple(sorted(set(out_items)))


def _amount(name):
    """A USD amount: the currency may be marked ($, USD); another currency is refused, not converted."""
    def parse(v, _aliases=None):
        if isinstance(v, str):
            _number, currency = split_currency(v)
            if currency not in (None, "USD"):
                raise ValueError(f"{v.strip()!r} is in {currency}, but a duty line is priced in USD: give the "
                                 "customs value in USD, or price the goods with POST /v1/landed-cost, which "
                                 "converts at the export date's rate")
        return parse_amount(v, "the amount")
    return parse


def _quantity(v, _aliases=None):
    return parse_amount(v, "the quantity", currency=None)


def _origin(v, aliases=None):
    return countries.read(v, aliases)


def _date_of(name):
    return lambda v, _aliases=None: parse_date(v, name)


# Field parsers, in the order errors are reported.
_PARSERS = {
    "hts": lambda v, _aliases=None: hts.normalize(v),
    "origin": _origin,
    "entry_date": _date_of("entry_date"),
    "loaded_date": _date_of("loaded_date"),
    "value": _amount("value"),
    "quantity": _quantity,
    **{name: _amount(name) for name in CONTENT_FIELDS},
    "mode": parse_mode,
    "preference": _preference,
    "exporter": _text,
    "facts": _facts,
    "claims": _claims,
}
# Read a line's fields in the same order as they are reported.
_METALS = ("steel_content_value", "aluminum_content_value", "copper_content_value")


def parse_line(data: dict, aliases: dict[str, str] | None = None,
               facts: dict[str, FactRule] | None = None) -> LineInput:
    """Build a :class:`LineInput` from strings; collect every field's error.

    ``facts`` (from :func:`known_facts`) names the facts the tables use: a fact
    may then also be given as a field of its own (``vehicle_part=yes``, as a
    quote's advice words it), and a fact's name and value are checked (an
    unknown fact, or ``vehicle_part=maybe``, is an error).  Without it any
    fact name and value is passed on as given.
    """
    errors = ErrorCollector()
    data, fact_fields = _split_facts(data, facts)
    for name in sorted(k for k in data if k not in _PARSERS):
        errors.add(name, "unknown field" + did_you_mean(str(name), [*_PARSERS, *(facts or ())]))
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            errors.add(name, "missing required field")
    out: dict = {}
    parsers = _PARSERS if facts is None else {**_PARSERS, "facts": _facts_parser(facts)}
    for name, parser in parsers.items():
        raw = data.get(name)
        if raw is None or (raw == "" and isinstance(raw, str)) or name in errors.errors:
            continue
        with errors.field(name):
            out[name] = parser(raw, aliases)
    readings = ()
    if "origin" in out:
        reading = out["origin"]
        out["origin"] = reading.code
        readings = (("origin", f"origin {reading.note}"),) if reading.note else ()
    if fact_fields:
        _merge_fact_fields(out, fact_fields, facts, errors)
    if not errors and "value" in out and len(out) > 4:
        _check_contents(out, errors)
    if not errors and out.get("loaded_date") and out["loaded_date"] > out["entry_date"]:
        errors.add("loaded_date", "must not be after entry_date")
    errors.raise_if_any("invalid line")
    return LineInput(**out, readings=readings)


def _split_facts(data: dict, facts: dict[str, FactRule] | None) -> tuple[dict, dict]:
    """The line's own fields, and the facts given as fields of their own (``vehicle_part=yes``)."""
    if not facts or not any(k in facts for k in data):
        return data, {}
    return ({k: v for k, v in data.items() if k not in facts},
            {k: v for k, v in data.items() if k in facts})


def _merge_fact_fields(out: dict, fact_fields: dict, facts: dict[str, FactRule], errors: ErrorCollector) -> None:
    given = dict(out.get("facts", ()))
    for name, raw in fact_fields.items():
        with errors.field(name):
            value = facts[name].parse(raw)
            if name in given and given[name] != value:
                raise ValueError(f"given twice with different values: {name}={value} and facts {name}={given[name]}")
            given[name] = value
    out["facts"] = tuple(sorted(given.items()))


def with_readings(doc: dict, line: LineInput) -> dict:
    """``doc`` (a quote, shared through the caches: never changed) with how the
    line's names were read added to its assumptions, as a copy; ``doc`` itself if none."""
    if not line.readings:
        return doc
    extra = [{"fact": fact, "assumption": text} for fact, text in line.readings]
    return {**doc, "assumptions": [*doc.get("assumptions", []), *extra]}


def _check_contents(out: dict, errors: ErrorCollector) -> None:
    """No content value over the line's value; the metals together neither."""
    value = out["value"]
    metal = Decimal(0)
    for name in CONTENT_FIELDS:
        amount = out.get(name)
        if amount is not None and amount > value:
            errors.add(name, "must not exceed value")
        if amount is not None and name in _METALS:
            metal += amount
    if metal > value:
        errors.add("steel_content_value", "steel, aluminum and copper content together must not exceed value")


__all__ = ["LineInput", "FactRule", "parse_line", "parse_date", "parse_mode", "known_facts", "with_readings",
           "did_you_mean", "CONTENT_FIELDS", "FIELDS", "DATE_FORMS"]
