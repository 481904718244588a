"""An entry as the caller describes it (dates, mode, shared costs, lines),
checked field by field.

``parse_entry`` reports every bad field at once (one :class:`InputError`
whose ``errors`` map each field to its messages); ``parse_entry_line``
checks one entry line, and hands its duty fields (HTS, origin, preference,
exporter, facts, claims) to the engine's own line parser on a trial value, so
an entry line and a duty line reject the same inputs with the same messages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model import fx as fxmod
from service.model.errors import ErrorCollector, InputError, NotCovered
from service.model.incentives import CREDIT_CLASSES, read_yes_no
from service.model.money import ZERO, parse_amount
from service.model.templates import SHARES, expand, get_template
from service.engine.line_input import known_facts, parse_date, parse_line, parse_mode

INCOTERMS = ("EXW", "FCA", "FOB", "CFR", "CIF", "DAP", "DDP")
COSTS = ("international_freight", "insurance", "brokerage", "inland_freight", "other")
ALLOCATIONS = ("value", "weight", "quantity")
MAX_LINES = 1_000
ENTRY_FIELDS = {"entry_date", "export_date", "loaded_date", "mode", "allocation", "costs", "fx_rates", "lines",
                "template", "fill", "defaults", "name"}
PROJECT_FIELD = "project"   # allowed where the caller reads it (landed cost: the credit position, engine.credit.inputs)
CREDIT_FIELDS = ("credit_class", "supplier_pfe")                # read by the credit position (engine.credit.position)
LINE_FIELDS = {"id", "description", "hts", "origin", "quantity", "unit", "unit_price", "currency", "incoterm",
               "energy_kwh", "energy_kwh_per_unit", "weight_kg", "preference", "exporter", "facts", "claims",
               *CREDIT_FIELDS, *SHARES}
DUTY_FIELDS = ("preference", "exporter", "facts", "claims")   # passed to the engine as given
MIN_QUANTITY = Decimal("0.000001")  # quantities and energies are divisors (per unit, per kWh)
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")


@dataclass(frozen=True)
class EntryLine:
    index: int
    id: str
    description: str
    hts: str
    origin: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    currency: str
    incoterm: str
    energy_kwh: Decimal | None
    weight_kg: Decimal | None
    shares: tuple[tuple[str, Decimal], ...]
    duty_fields: tuple[tuple[str, object], ...]  # preference, exporter, claims as given; facts as read
    template_line: str | None
    credit: tuple[tuple[str, str], ...] = ()     # credit_class, supplier_pfe as read (yes/no)


@dataclass(frozen=True)
class Entry:
    name: str | None
    entry_date: date
    export_date: date | None
    loaded_date: date | None
    mode: str | None
    allocation: str
    costs: tuple[tuple[str, Decimal, str], ...]   # (name, amount, currency)
    fx_rates: tuple[tuple[str, Decimal], ...]
    lines: tuple[EntryLine, ...]
    template: str | None = None
    notes: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------ entry

def parse_entry(tables, data, *, require_prices: bool = True, with_project: bool = False) -> Entry:
    """Check an entry field by field; raise one InputError naming every bad field.  ``with_project``:
    the caller reads the entry's ``project`` (the credit position); elsewhere it is an unknown field."""
    if not isinstance(data, dict):
        raise InputError("an entry must be a JSON object", {"entry": ["must be a JSON object"]})
    errors = ErrorCollector()
    allowed = ENTRY_FIELDS | {PROJECT_FIELD} if with_project else ENTRY_FIELDS
    for key in sorted(k for k in data if k not in allowed):
        errors.add(str(key)[:60], "unknown field")
    if data.get("name") is not None and (not isinstance(data["name"], str) or len(data["name"]) > 200):
        errors.add("name", "must be text of at most 200 characters")
    entry_date, export_date, loaded_date = _dates(data, errors)
    mode = errors.guard("mode", parse_mode, data["mode"]) if data.get("mode") is not None else None
    allocation = data.get("allocation", "value")
    if allocation not in ALLOCATIONS:
        errors.add("allocation", f"must be one of {', '.join(ALLOCATIONS)}")
    fx_rates = errors.guard("fx_rates", fxmod.parse_caller_rates, data.get("fx_rates")) or {}
    costs = _costs(data.get("costs") or {}, errors)
    template, raw_lines = _raw_lines(tables, data, errors)
    lines = []
    for i, raw in enumerate(raw_lines):
        line = parse_entry_line(tables, i, raw, errors, require_prices, from_template=template is not None)
        if line is not None:
            lines.append(line)
    ids = {}
    for line in lines:
        if line.id in ids:
            errors.add(f"lines.{line.index}.id", f"duplicate line id {line.id!r} (also line {ids[line.id]})")
        ids.setdefault(line.id, line.index)
    errors.raise_if_any("invalid entry")
    return Entry(data.get("name") if isinstance(data.get("name"), str) else None, entry_date, export_date,
                 loaded_date, mode, allocation, tuple(costs), tuple(sorted(fx_rates.items())), tuple(lines),
                 template)


def _dates(data: dict, errors: ErrorCollector) -> tuple[date | None, date | None, date | None]:
    """Entry, export and loaded dates; exported and loaded on or before entry."""
    if data.get("entry_date") is None:
        errors.add("entry_date", "missing required field")
    days = {name: errors.guard(name, parse_date, data[name], name) if data.get(name) is not None else None
            for name in ("entry_date", "export_date", "loaded_date")}
    entry_date, export_date, loaded_date = days["entry_date"], days["export_date"], days["loaded_date"]
    if entry_date and export_date and export_date > entry_date:
        errors.add("export_date", "must not be after entry_date (goods are exported before they are entered)")
    if entry_date and loaded_date and loaded_date > entry_date:
        errors.add("loaded_date", "must not be after entry_date")
    return entry_date, export_date, loaded_date


def _costs(raw_costs, errors: ErrorCollector) -> list[tuple[str, Decimal, str]]:
    """Shared costs: ``{name: amount}`` or ``{name: {amount, currency}}``, USD by default."""
    if not isinstance(raw_costs, dict):
        errors.add("costs", "must be an object of cost name to {amount, currency}")
        return []
    costs = []
    for name, raw in raw_costs.items():
        if name not in COSTS:
            errors.add(f"costs.{str(name)[:40]}", f"unknown cost; known: {', '.join(COSTS)}")
            continue
        at = f"costs.{name}"
        amount, currency = (raw.get("amount"), raw.get("currency", "USD")) if isinstance(raw, dict) else (raw, "USD")
        if isinstance(raw, dict) and set(raw) - {"amount", "currency"}:
            errors.add(at, "only amount and currency are allowed")
        if amount is None:
            errors.add(at, "amount is missing")
            value = None
        else:
            value = None
        cur = errors.guard(at, fxmod.normalize_currency, currency, f"{at}.currency")
        if amount is not None and cur:
            value = errors.guard(at, parse_amount, amount, f"{at}.amount", cur)
        if value is not None and cur:
            costs.append((name, value, cur))
    return costs


def _raw_lines(tables, data: dict, errors: ErrorCollector) -> tuple[str | None, list]:
    """The template's id (or None) and the lines to parse: as given, or expanded from the template."""
    template = None
    raw_lines = data.get("lines")
    if data.get("template") is not None:
        if raw_lines is not None:
            errors.add("lines", "give either lines or a template, not both")
        try:
            tpl = get_template(tables, data["template"])
            template = tpl.id
            defaults = data.get("defaults") or {}
            if not isinstance(defaults, dict) or set(defaults) - {"origin", "currency", "incoterm", "preference"}:
                raise InputError.field("defaults", "may give origin, currency, incoterm, preference")
            raw_lines = expand(tpl, data.get("fill"), defaults)
        except NotCovered as exc:
            errors.add("template", f"{exc.message}; {exc.hint}")
            raw_lines = []
        except InputError as exc:
            errors.merge(exc.errors)
            raw_lines = []
    elif data.get("fill") is not None or data.get("defaults") is not None:
        errors.add("template", "fill and defaults need a template")
    if raw_lines is None:
        errors.add("lines", "missing required field (or give a template)")
        raw_lines = []
    if not isinstance(raw_lines, list):
        errors.add("lines", "must be a list")
        raw_lines = []
    if len(raw_lines) > MAX_LINES:
        raise InputError.field("lines", f"at most {MAX_LINES} lines per entry")
    if template is None and data.get("lines") is not None and not raw_lines:
        errors.add("lines", "must hold at least one line")
    return template, raw_lines


# ------------------------------------------------------------------- line

@dataclass(frozen=True)
class _LineNumbers:
    """The numeric fields of an entry line (None where missing or bad)."""
    quantity: Decimal | None
    unit_price: Decimal | None
    energy_kwh: Decimal | None            # the line total, from either energy field
    weight_kg: Decimal | None
    shares: tuple[tuple[str, Decimal], ...]


def parse_entry_line(tables, i: int, raw, errors: ErrorCollector, require_prices: bool,
                     from_template: bool = False) -> EntryLine | None:
    """Check entry line ``i`` into ``errors`` (fields ``lines.i.*``); None if it has an error."""
    at = f"lines.{i}"
    if not isinstance(raw, dict):
        errors.add(at, "must be an object")
        return None
    line_errors = errors.scoped(at)
    allowed = LINE_FIELDS | {"template_line"} if from_template else LINE_FIELDS
    for key in sorted(k for k in raw if k not in allowed):
        line_errors.add(str(key)[:40], "unknown field")
    currency = line_errors.guard("currency", fxmod.normalize_currency, raw.get("currency", "USD"), f"{at}.currency")
    numbers = _line_numbers(raw, line_errors, require_prices, currency or "USD")
    incoterm = raw.get("incoterm", "FOB")
    if not isinstance(incoterm, str) or incoterm.upper() not in INCOTERMS:
        line_errors.add("incoterm", f"must be one of {', '.join(INCOTERMS)}")
    incoterm = incoterm.upper() if isinstance(incoterm, str) else None
    for name in ("description", "unit", "id"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            line_errors.add(name, "must be text of at most 200 characters")
    if raw.get("id") is not None and isinstance(raw.get("id"), str) and not _ID.match(raw["id"]):
        line_errors.add("id", "letters, digits, _ . - only (at most 60)")
    parsed = _duty_fields(tables, raw, line_errors)
    credit = _credit_fields(raw, line_errors)
    if line_errors or parsed is None:
        return None
    return EntryLine(i, raw.get("id") or str(i + 1), raw.get("description") or "", parsed.hts, parsed.origin,
                     numbers.quantity, raw.get("unit") or "unit", numbers.unit_price, currency, incoterm,
                     numbers.energy_kwh, numbers.weight_kg, numbers.shares,
                     tuple((k, dict(parsed.facts) if k == "facts" else raw[k]) for k in DUTY_FIELDS if k in raw),
                     raw.get("template_line"), credit)


def _credit_fields(raw: dict, errors: ErrorCollector) -> tuple[tuple[str, str], ...]:
    """What the line is for the credit position (credit_class) and whether its supplier is a prohibited
    foreign entity (supplier_pfe: yes/no; true/false read as yes/no)."""
    out = []
    klass = raw.get("credit_class")
    if klass is not None:
        if klass not in CREDIT_CLASSES:
            errors.add("credit_class", f"must be one of {', '.join(CREDIT_CLASSES)}")
        else:
            out.append(("credit_class", klass))
    pfe = raw.get("supplier_pfe")
    if pfe is not None:
        answer = read_yes_no(pfe)
        if answer is None:
            errors.add("supplier_pfe", "give yes or no: is the supplier a prohibited foreign entity "
                                       "(26 U.S.C. 7701(a)(52))?")
        else:
            out.append(("supplier_pfe", answer))
    return tuple(out)


def _line_numbers(raw: dict, errors: ErrorCollector, require_prices: bool, currency: str = "USD") -> _LineNumbers:
    """The numbers of a line: the unit price in the line's currency (which it may mark: $100, EUR 100),
    the others plain numbers (1,000 is read; a currency mark on a quantity is refused)."""
    quantity = _number(raw, errors, "quantity", required=True, positive=True)
    unit_price = _number(raw, errors, "unit_price", required=require_prices, currency=currency)
    if unit_price is None and not require_prices:
        unit_price = ZERO
    energy_total = _number(raw, errors, "energy_kwh", positive=True)
    energy_unit = _number(raw, errors, "energy_kwh_per_unit", positive=True)
    if energy_total is not None and energy_unit is not None:
        errors.add("energy_kwh", "give energy_kwh (line total) or energy_kwh_per_unit, not both")
    weight = _number(raw, errors, "weight_kg")
    shares = []
    for name in SHARES:
        share = _number(raw, errors, name, at_most=Decimal(1))
        if share is not None:
            shares.append((name, share))
    if sum((v for n, v in shares if n in SHARES[:3]), ZERO) > 1:
        errors.add("steel_content_share", "metal content shares add up to more than 1")
    if energy_total is None and energy_unit is not None and quantity is not None:
        energy_total = quantity * energy_unit
    return _LineNumbers(quantity, unit_price, energy_total, weight, tuple(shares))


def _number(raw: dict, errors: ErrorCollector, name: str, required=False, positive=False, at_most=None,
            currency=None):
    """A non-negative decimal field of a line (an amount in ``currency``, or with None a plain
    number), or None (missing, or its error recorded)."""
    value = raw.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, "missing required field")
        return None
    out = errors.guard(name, parse_amount, value, name, currency)
    if out is None:
        return None
    if positive and out < MIN_QUANTITY:
        errors.add(name, f"must be at least {MIN_QUANTITY}")
    if at_most is not None and out > at_most:
        errors.add(name, f"must not exceed {at_most}")
    return out


def _duty_fields(tables, raw: dict, errors: ErrorCollector):
    """The duty fields, checked by the engine's own parser on a trial value; None if bad."""
    probe = {k: raw[k] for k in ("hts", "origin", *DUTY_FIELDS) if k in raw}
    probe.update(entry_date="2026-01-01", value="1")
    for key in ("hts", "origin"):
        if raw.get(key) in (None, ""):
            errors.add(key, "missing required field")
    try:
        return parse_line(probe, tables.aliases, known_facts(tables))
    except InputError as exc:
        errors.merge(exc.errors)
        return None


__all__ = ["parse_entry", "parse_entry_line", "Entry", "EntryLine", "INCOTERMS", "COSTS", "ALLOCATIONS",
           "MIN_QUANTITY", "MAX_LINES"]
