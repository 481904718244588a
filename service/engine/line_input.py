"""One import line as the caller describes it, checked field by field.

``parse_line`` is shared by the CLI, the API and the CSV pricer, so every
entry point rejects the same inputs with the same field names.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.model import countries
from service.model import hts
from service.model.errors import ErrorCollector, InputError
from service.model.measures import MODES
from service.model.money import parse_amount
from service.model.programs import SPECIAL_PROGRAM_CODE

CONTENT_FIELDS = ("steel_content_value", "aluminum_content_value", "copper_content_value",
                  "us_content_value", "aam_content_value")
FIELDS = ("hts", "origin", "entry_date", "value", "mode", "loaded_date", *CONTENT_FIELDS,
          "preference", "exporter", "quantity", "facts", "claims")
REQUIRED = ("hts", "origin", "entry_date", "value")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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

    def fact(self, name: str) -> str | None:
        for key, value in self.facts:
            if key == name:
                return value
        return None

    def content(self, base: str) -> Decimal | None:
        return getattr(self, base + "_value", None)


def parse_date(text, name: str) -> date:
    if isinstance(text, date):
        return text
    if not isinstance(text, str) or not _DATE.match(text.strip()):
        raise InputError.field(name, f"must be a date YYYY-MM-DD, got {str(text)[:40]!r}")
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError.field(name, f"no such date: {text.strip()!r}") from None
    if not MIN_DATE <= day < MAX_DATE:
        raise InputError.field(name, f"date out of range ({MIN_DATE.year} to {MAX_DATE.year - 1})")
    return day


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


def _facts(v, _aliases=None):
    if isinstance(v, str):
        pairs = [p for p in v.split(",") if p.strip()]
        v = dict(p.split("=", 1) if "=" in p else (p, "") for p in pairs)
    if not isinstance(v, dict) or len(v) > 20:
        raise ValueError("must be name=value pairs")
    out_pairs = []
    for key, value in v.items():
        key = str(key).strip()
        if not _FACT.match(key):
            raise ValueError(f"bad fact name {key!r}")
        value = _text(value, limit=40) if isinstance(value, str) else None
        if value is None:
            raise ValueError(f"fact {key!r} needs a text value")
        out_pairs.append((key, value.lower()))
    return tuple(sorted(out_pairs))


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
    return lambda v, _aliases=None: parse_amount(v, name)


def _date_of(name):
    return lambda v, _aliases=None: parse_date(v, name)


# Field parsers, in the order errors are reported.
_PARSERS = {
    "hts": lambda v, _aliases=None: hts.normalize(v),
    "origin": lambda v, aliases=None: countries.normalize(v, aliases),
    "entry_date": _date_of("entry_date"),
    "loaded_date": _date_of("loaded_date"),
    "value": _amount("value"),
    "quantity": _amount("quantity"),
    **{name: _amount(name) for name in CONTENT_FIELDS},
    "mode": parse_mode,
    "preference": _preference,
    "exporter": _text,
    "facts": _facts,
    "claims": _claims,
}
_METALS = ("steel_content_value", "aluminum_content_value", "copper_content_value")


def parse_line(data: dict, aliases: dict[str, str] | None = None) -> LineInput:
    """Build a :class:`LineInput` from strings; collect every field's error."""
    errors = ErrorCollector()
    for name in sorted(k for k in data if k not in _PARSERS):
        errors.add(name, "unknown field")
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            errors.add(name, "missing required field")
    out: dict = {}
    for name, parser in _PARSERS.items():
        raw = data.get(name)
        if raw is None or (raw == "" and isinstance(raw, str)) or name in errors.errors:
            continue
        with errors.field(name):
            out[name] = parser(raw, aliases)
    if not errors and "value" in out and len(out) > 4:
        _check_contents(out, errors)
    if not errors and out.get("loaded_date") and out["loaded_date"] > out["entry_date"]:
        errors.add("loaded_date", "must not be after entry_date")
    errors.raise_if_any("invalid line")
    return LineInput(**out)


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


__all__ = ["LineInput", "parse_line", "parse_date", "parse_mode", "CONTENT_FIELDS", "FIELDS"]
