"""Landed cost of an entry: dutiable value, duties, fees and shared costs.

US valuation (19 U.S.C. 1401a(b)): the dutiable value is the transaction
value, the price actually paid, *less* international freight, insurance and
other charges for transport from the country of exportation to the US, and
less US inland freight where the price includes it.  So a CFR, CIF, DAP or
DDP price is reduced by the freight and insurance stated for it; missing
figures for a price that includes them are an error, never a silent zero.
Those costs still count in the landed cost.

Per line: price -> USD at the export date's rate (``fx``) -> dutiable value
-> the engine's duty stack (``quote``) -> allocated shared costs and fees ->
landed cost, per unit and per kWh.  Per entry: MPF on the formal-entry rules
of the entry date's fiscal year, clamped to its minimum and maximum and left
off lines claiming an exempt FTA preference; HMF on vessel entries.

Landed cost of a line = dutiable value + duties + its share of every shared
cost (freight, insurance, brokerage, inland freight, other) + its share of
the fees.  For a CIF line the freight is inside the price and outside the
dutiable value, so it is counted once, as for an FOB line.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model import fx as fxmod
from service.model.errors import InputError, NotCovered
from service.model.fees import fee_amount
from service.engine.line_input import parse_date, parse_line, parse_mode
from service.model.money import MAX_AMOUNT, ZERO, allocate, cents, fmt_money, fmt_rate, parse_amount, per_unit, rate6
from service.model.templates import SHARES, expand, get_template
from service.engine.quote import quote

INCOTERMS = ("EXW", "FCA", "FOB", "CFR", "CIF", "DAP", "DDP")
COSTS = ("international_freight", "insurance", "brokerage", "inland_freight", "other")
ALLOCATIONS = ("value", "weight", "quantity")
# Which shared costs a price on each incoterm already includes.
INCLUDED = {
    "EXW": (), "FCA": (), "FOB": (),
    "CFR": ("international_freight",),
    "CIF": ("international_freight", "insurance"),
    "DAP": ("international_freight", "insurance", "inland_freight"),
    "DDP": ("international_freight", "insurance", "inland_freight"),
}
# Included costs that must be stated (the rest default to zero, reported).
REQUIRED_INCLUDED = {"CFR": ("international_freight",), "CIF": ("international_freight", "insurance"),
                     "DAP": ("international_freight",), "DDP": ("international_freight",)}
MAX_LINES = 1_000
ENTRY_FIELDS = {"entry_date", "export_date", "loaded_date", "mode", "allocation", "costs", "fx_rates", "lines",
                "template", "fill", "defaults", "name"}
LINE_FIELDS = {"id", "description", "hts", "origin", "quantity", "unit", "unit_price", "currency", "incoterm",
               "energy_kwh", "energy_kwh_per_unit", "weight_kg", "preference", "exporter", "facts", "claims", *SHARES}
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
    duty_fields: tuple[tuple[str, object], ...]  # preference, exporter, facts, claims as given
    template_line: str | None


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


# ---------------------------------------------------------------- parsing

def parse_entry(tables, data, *, require_prices: bool = True) -> Entry:
    """Check an entry field by field; raise one InputError naming every bad field."""
    if not isinstance(data, dict):
        raise InputError("an entry must be a JSON object", {"entry": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}

    def fail(name, message):
        errors.setdefault(name, []).append(message)

    for key in sorted(k for k in data if k not in ENTRY_FIELDS):
        fail(str(key)[:60], "unknown field")
    if data.get("name") is not None and (not isinstance(data["name"], str) or len(data["name"]) > 200):
        fail("name", "must be text of at most 200 characters")

    def guard(name, fn, *args):
        try:
            return fn(*args)
        except InputError as exc:
            for k, msgs in exc.errors.items():
                errors.setdefault(k if k.startswith(name.split(".")[0]) else f"{name}", []).extend(msgs)
        except ValueError as exc:
            fail(name, str(exc))
        return None

    entry_date = guard("entry_date", parse_date, data.get("entry_date"), "entry_date") \
        if data.get("entry_date") is not None else fail("entry_date", "missing required field")
    export_date = guard("export_date", parse_date, data["export_date"], "export_date") \
        if data.get("export_date") is not None else None
    loaded_date = guard("loaded_date", parse_date, data["loaded_date"], "loaded_date") \
        if data.get("loaded_date") is not None else None
    if entry_date and export_date and export_date > entry_date:
        fail("export_date", "must not be after entry_date (goods are exported before they are entered)")
    if entry_date and loaded_date and loaded_date > entry_date:
        fail("loaded_date", "must not be after entry_date")
    mode = guard("mode", parse_mode, data["mode"]) if data.get("mode") is not None else None
    allocation = data.get("allocation", "value")
    if allocation not in ALLOCATIONS:
        fail("allocation", f"must be one of {', '.join(ALLOCATIONS)}")
    fx_rates = guard("fx_rates", fxmod.parse_caller_rates, data.get("fx_rates")) or {}

    costs = []
    raw_costs = data.get("costs") or {}
    if not isinstance(raw_costs, dict):
        fail("costs", "must be an object of cost name to {amount, currency}")
        raw_costs = {}
    for name, raw in raw_costs.items():
        if name not in COSTS:
            fail(f"costs.{str(name)[:40]}", f"unknown cost; known: {', '.join(COSTS)}")
            continue
        amount, currency = (raw.get("amount"), raw.get("currency", "USD")) if isinstance(raw, dict) else (raw, "USD")
        if isinstance(raw, dict) and set(raw) - {"amount", "currency"}:
            fail(f"costs.{name}", "only amount and currency are allowed")
        value = guard(f"costs.{name}", parse_amount, amount, f"costs.{name}.amount") if amount is not None \
            else fail(f"costs.{name}", "amount is missing")
        cur = guard(f"costs.{name}", fxmod.normalize_currency, currency, f"costs.{name}.currency")
        if value is not None and cur:
            costs.append((name, value, cur))

    template = None
    raw_lines = data.get("lines")
    if data.get("template") is not None:
        if raw_lines is not None:
            fail("lines", "give either lines or a template, not both")
        try:
            tpl = get_template(tables, data["template"])
            template = tpl.id
            defaults = data.get("defaults") or {}
            if not isinstance(defaults, dict) or set(defaults) - {"origin", "currency", "incoterm", "preference"}:
                raise InputError.field("defaults", "may give origin, currency, incoterm, preference")
            raw_lines = expand(tpl, data.get("fill"), defaults)
        except (InputError, NotCovered) as exc:
            if isinstance(exc, NotCovered):
                fail("template", f"{exc.message}; {exc.hint}")
            else:
                for k, msgs in exc.errors.items():
                    errors.setdefault(k, []).extend(msgs)
            raw_lines = []
    elif data.get("fill") is not None or data.get("defaults") is not None:
        fail("template", "fill and defaults need a template")
    if raw_lines is None:
        fail("lines", "missing required field (or give a template)")
        raw_lines = []
    if not isinstance(raw_lines, list):
        fail("lines", "must be a list")
        raw_lines = []
    if len(raw_lines) > MAX_LINES:
        raise InputError.field("lines", f"at most {MAX_LINES} lines per entry")
    if template is None and data.get("lines") is not None and not raw_lines:
        fail("lines", "must hold at least one line")

    lines = []
    for i, raw in enumerate(raw_lines):
        line = _parse_line(tables, i, raw, fail, require_prices, from_template=template is not None)
        if line is not None:
            lines.append(line)
    ids = {}
    for line in lines:
        if line.id in ids:
            fail(f"lines.{line.index}.id", f"duplicate line id {line.id!r} (also line {ids[line.id]})")
        ids.setdefault(line.id, line.index)
    if errors:
        first = next(iter(errors))
        raise InputError(f"invalid entry: {first}: {errors[first][0]}", errors)
    return Entry(data.get("name") if isinstance(data.get("name"), str) else None, entry_date, export_date,
                 loaded_date, mode, allocation, tuple(costs), tuple(sorted(fx_rates.items())), tuple(lines),
                 template)


def _parse_line(tables, i, raw, fail, require_prices, from_template=False) -> EntryLine | None:
    at = f"lines.{i}"
    if not isinstance(raw, dict):
        fail(at, "must be an object")
        return None
    bad = False

    def err(name, message):
        nonlocal bad
        bad = True
        fail(f"{at}.{name}", message)

    allowed = LINE_FIELDS | {"template_line"} if from_template else LINE_FIELDS
    for key in sorted(k for k in raw if k not in allowed):
        err(str(key)[:40], "unknown field")

    def number(name, required=False, positive=False, at_most=None):
        value = raw.get(name)
        if value is None or value == "":
            if required:
                err(name, "missing required field")
            return None
        try:
            out = parse_amount(value, name)
        except ValueError as exc:
            err(name, str(exc))
            return None
        if positive and out < MIN_QUANTITY:
            err(name, f"must be at least {MIN_QUANTITY}")
        if at_most is not None and out > at_most:
            err(name, f"must not exceed {at_most}")
        return out

    quantity = number("quantity", required=True, positive=True)
    unit_price = number("unit_price", required=require_prices)
    if unit_price is None and not require_prices:
        unit_price = ZERO
    energy_total = number("energy_kwh", positive=True)
    energy_unit = number("energy_kwh_per_unit", positive=True)
    if energy_total is not None and energy_unit is not None:
        err("energy_kwh", "give energy_kwh (line total) or energy_kwh_per_unit, not both")
    weight = number("weight_kg")
    shares = []
    for name in SHARES:
        share = number(name, at_most=Decimal(1))
        if share is not None:
            shares.append((name, share))
    if sum((v for n, v in shares if n in SHARES[:3]), ZERO) > 1:
        err("steel_content_share", "metal content shares add up to more than 1")
    try:
        currency = fxmod.normalize_currency(raw.get("currency", "USD"), f"{at}.currency")
    except InputError as exc:
        err("currency", exc.errors[f"{at}.currency"][0])
        currency = None
    incoterm = raw.get("incoterm", "FOB")
    if not isinstance(incoterm, str) or incoterm.upper() not in INCOTERMS:
        err("incoterm", f"must be one of {', '.join(INCOTERMS)}")
    incoterm = incoterm.upper() if isinstance(incoterm, str) else None
    for name in ("description", "unit", "id"):
        value = raw.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 200):
            err(name, "must be text of at most 200 characters")
    if raw.get("id") is not None and isinstance(raw.get("id"), str) and not _ID.match(raw["id"]):
        err("id", "letters, digits, _ . - only (at most 60)")
    # The duty fields are checked by the engine's own parser, on a trial value.
    probe = {k: raw[k] for k in ("hts", "origin", "preference", "exporter", "facts", "claims") if k in raw}
    probe.update(entry_date="2026-01-01", value="1")
    for key in ("hts", "origin"):
        if raw.get(key) in (None, ""):
            err(key, "missing required field")
    try:
        parsed = parse_line(probe, tables.aliases)
    except InputError as exc:
        for name, msgs in exc.errors.items():
            for m in msgs:
                err(name, m)
        parsed = None
    if bad or parsed is None:
        return None
    energy = energy_total if energy_total is not None else (quantity * energy_unit if energy_unit is not None else None)
    duty_fields = tuple((k, raw[k]) for k in ("preference", "exporter", "facts", "claims") if k in raw)
    return EntryLine(i, raw.get("id") or str(i + 1), raw.get("description") or "", parsed.hts, parsed.origin,
                     quantity, raw.get("unit") or "unit", unit_price, currency, incoterm, energy, weight,
                     tuple(shares), duty_fields, raw.get("template_line"))


# ------------------------------------------------------------ computation

def _money_doc(amount: Decimal, currency: str = "USD") -> dict:
    return {"amount": fmt_money(amount), "currency": currency}


def landed_cost(tables, entry: Entry, extra_rate: Decimal = ZERO) -> dict:
    """Price an entry.  ``extra_rate`` adds a hypothetical ad valorem duty on
    every line's dutiable value (used for break-even analysis; reported)."""
    assumptions: list[dict] = []
    warnings: list[str] = []
    caller_rates = dict(entry.fx_rates)
    conversions: dict[str, fxmod.Conversion] = {}

    def convert(currency: str) -> fxmod.Conversion:
        if currency not in conversions:
            conv = fxmod.conversion(tables.fx, currency, entry.export_date, caller_rates)
            conversions[currency] = conv
            if conv.source == "table":
                assumptions.append({"fact": f"fx_rates.{currency}", "assumption": (
                    f"{currency} converted at {fmt_rate(conv.rate)} per USD, the monthly average of the "
                    f"FRBNY-certified rates for the export month ({entry.export_date}); CBP applies the certified "
                    "quarterly or daily rate (19 CFR 159.34-159.35): pass fx_rates for the exact figure")})
        return conversions[currency]

    # Shared costs in USD.
    costs_usd: dict[str, Decimal] = {name: ZERO for name in COSTS}
    cost_docs = []
    for name, amount, currency in entry.costs:
        conv = convert(currency)
        if amount / conv.rate > MAX_AMOUNT:
            raise InputError.field(f"costs.{name}", f"over {MAX_AMOUNT} USD")
        usd = conv.to_usd(amount)
        costs_usd[name] += usd
        cost_docs.append({"cost": name, "amount": fmt_money(amount), "currency": currency,
                          "usd": fmt_money(usd), "fx": conv.doc()})
    stated = {name for name, _a, _c in entry.costs}

    # Line prices in USD.
    prices = []
    for line in entry.lines:
        conv = convert(line.currency)
        price = line.quantity * line.unit_price
        if price / conv.rate > MAX_AMOUNT:
            raise InputError.field(f"lines.{line.index}.unit_price",
                                   f"quantity x unit price is over {MAX_AMOUNT} USD for one line")
        prices.append((price, conv, conv.to_usd(price)))

    # Allocation weights.
    if entry.allocation == "weight":
        missing = [f"lines.{x.index}.weight_kg" for x in entry.lines if x.weight_kg is None]
        if missing:
            raise InputError("allocation by weight needs weight_kg on every line",
                             {m: ["needed for allocation by weight"] for m in missing})
        weights = [x.weight_kg for x in entry.lines]
    elif entry.allocation == "quantity":
        weights = [x.quantity for x in entry.lines]
    else:
        weights = [usd for _p, _c, usd in prices]
    shares = {name: allocate(costs_usd[name], weights) for name in COSTS}

    # Costs a price includes must be stated.
    for line in entry.lines:
        for name in REQUIRED_INCLUDED.get(line.incoterm, ()):
            if name not in stated:
                raise InputError.field(f"costs.{name}", (
                    f"line {line.index} ({line.id}) is priced {line.incoterm}, which includes {name.replace('_', ' ')}: "
                    "state it so it can be taken out of the dutiable value (19 U.S.C. 1401a(b)(4)(A))"))
    if "international_freight" not in stated and any(x.incoterm in ("EXW", "FCA", "FOB") for x in entry.lines):
        assumptions.append({"fact": "costs.international_freight", "assumption": (
            "no international freight stated: the landed cost of EXW/FCA/FOB lines excludes it")})

    # Per line: dutiable value and duties.
    results = []
    for k, line in enumerate(entry.lines):
        price, conv, price_usd = prices[k]
        unstated = [n for n in INCLUDED[line.incoterm] if n not in stated]
        if unstated:
            assumptions.append({"fact": "costs." + unstated[0], "assumption": (
                f"line {line.id} is {line.incoterm}, whose price includes "
                + ", ".join(n.replace("_", " ") for n in unstated)
                + ": not stated, so taken as zero (the dutiable value is overstated by any such cost)")})
        included = [n for n in INCLUDED[line.incoterm] if n in stated]
        deductions = {n: shares[n][k] for n in included}
        base = price_usd - sum(deductions.values(), ZERO)
        if base < 0:
            raise InputError.field(f"lines.{line.index}.unit_price", (
                f"the {line.incoterm} price ({fmt_money(price_usd)} USD) is less than the freight and insurance "
                f"it includes ({fmt_money(sum(deductions.values(), ZERO))} USD)"))
        try:
            if line.incoterm == "DDP":
                dutiable, doc = _ddp_back_out(tables, entry, line, base)
                assumptions.append({"fact": f"lines.{line.index}.incoterm", "assumption": (
                    f"line {line.id} is DDP: the duties computed here are taken to be inside the price and backed "
                    "out of it; MPF and HMF are taken to be outside it")})
            else:
                dutiable = base
                doc = quote(tables, _line_input(tables, entry, line, dutiable))
        except InputError as exc:
            raise _rekey(exc, line) from None
        except NotCovered as exc:
            raise NotCovered(f"line {line.index} ({line.id}): {exc.message}", exc.hint,
                             f"lines.{line.index}.{exc.field}") from None
        results.append((line, price, conv, price_usd, deductions, dutiable, doc))

    # Entry fees.
    mpf_fee, hmf_fee = tables.fees.get("mpf"), tables.fees.get("hmf")
    mpf_lines = [r for r in results if not _mpf_exempt(mpf_fee, r[6])]
    mpf_base = sum((r[5] for r in mpf_lines), ZERO)
    fees = []
    mpf_alloc = [ZERO] * len(results)
    if mpf_fee is not None:
        mpf = fee_amount(mpf_fee, mpf_base, entry.entry_date, entry.mode) if mpf_lines else None
        if mpf is not None:
            mpf["exempt_lines"] = [r[0].index for r in results if r not in mpf_lines]
            fees.append(mpf)
            parts = allocate(Decimal(mpf["amount"]), [r[5] for r in mpf_lines])
            for r, part in zip(mpf_lines, parts):
                mpf_alloc[results.index(r)] = part
        else:
            fees.append({"fee": "mpf", "title": mpf_fee.title, "applied": False, "amount": "0.00",
                         "reason": "every line claims a preference exempt from MPF", "citation": mpf_fee.exempt_cite})
    hmf_alloc = [ZERO] * len(results)
    if hmf_fee is not None:
        total_value = sum((r[5] for r in results), ZERO)
        hmf = fee_amount(hmf_fee, total_value, entry.entry_date, entry.mode)
        fees.append(hmf)
        if hmf["applied"]:
            hmf_alloc = allocate(Decimal(hmf["amount"]), [r[5] for r in results])
        if entry.mode is None:
            assumptions.append({"fact": "mode", "assumption": "mode not given: HMF (vessel only) not charged"})

    # Assemble.
    line_docs = []
    by_program: dict[str, Decimal] = {}
    totals = {"price_usd": ZERO, "dutiable_value": ZERO, "duty": ZERO, "extra_duty": ZERO, "fees": ZERO,
              "costs": ZERO, "landed_cost": ZERO}
    total_energy = ZERO
    for k, (line, price, conv, price_usd, deductions, dutiable, doc) in enumerate(results):
        duty = Decimal(doc["total_duty"])
        extra = cents(dutiable * extra_rate) if extra_rate else ZERO
        for layer in doc["layers"]:
            by_program[layer["program"]] = by_program.get(layer["program"], ZERO) + Decimal(layer["duty"])
        line_costs = {name: shares[name][k] for name in COSTS}
        fee_part = mpf_alloc[k] + hmf_alloc[k]
        landed = dutiable + duty + extra + sum(line_costs.values(), ZERO) + fee_part
        item = OrderedDict(
            index=line.index, id=line.id, description=line.description, hts=doc["hts"], origin=line.origin,
            quantity=fmt_rate(line.quantity), unit=line.unit, incoterm=line.incoterm,
            unit_price=_money_doc_exact(line.unit_price, line.currency), price=_money_doc(price, line.currency),
            fx=conv.doc(), price_usd=fmt_money(price_usd),
            included_in_price={n: fmt_money(v) for n, v in deductions.items()},
            dutiable_value=fmt_money(dutiable),
            duty=OrderedDict(total=fmt_money(duty), effective_rate=doc["effective_rate"], layers=doc["layers"],
                             not_applied=doc["not_applied"], assumptions=doc["assumptions"],
                             filing_lines=doc["filing_lines"]),
        )
        if extra_rate:
            item["extra_duty"] = {"rate": fmt_rate(extra_rate), "amount": fmt_money(extra),
                                  "note": "hypothetical additional ad valorem duty (break-even analysis)"}
        item["costs"] = {n: fmt_money(v) for n, v in line_costs.items()}
        item["fees"] = {"mpf": fmt_money(mpf_alloc[k]), "hmf": fmt_money(hmf_alloc[k])}
        item["landed_cost"] = fmt_money(landed)
        item["per_unit"] = fmt_rate(per_unit(landed, line.quantity))
        item["energy_kwh"] = fmt_rate(line.energy_kwh) if line.energy_kwh is not None else None
        item["per_kwh"] = fmt_rate(per_unit(landed, line.energy_kwh)) if line.energy_kwh else None
        if line.template_line:
            item["template_line"] = line.template_line
        line_docs.append(item)
        for w in doc["warnings"]:
            if w not in warnings:
                warnings.append(w)
        totals["price_usd"] += price_usd
        totals["dutiable_value"] += dutiable
        totals["duty"] += duty
        totals["extra_duty"] += extra
        totals["fees"] += fee_part
        totals["costs"] += sum(line_costs.values(), ZERO)
        totals["landed_cost"] += landed
        if line.energy_kwh:
            total_energy += line.energy_kwh
    if entry.template:
        assumptions.append({"fact": "template", "assumption": (
            f"lines from template {entry.template}: its quantities and content shares are planning assumptions "
            "unless you filled them (see GET /v1/projects/templates/" + entry.template + ")")})
    total_qty = sum((x.quantity for x in entry.lines), ZERO)
    summary = OrderedDict(
        lines=len(line_docs), price_usd=fmt_money(totals["price_usd"]),
        dutiable_value=fmt_money(totals["dutiable_value"]), duty=fmt_money(totals["duty"]),
        duty_by_program={p: fmt_money(v) for p, v in sorted(by_program.items(), key=lambda kv: -kv[1])},
        effective_duty_rate=fmt_rate(rate6(totals["duty"] / totals["dutiable_value"])) if totals["dutiable_value"]
        else "0",
        fees=fmt_money(totals["fees"]), costs={n: fmt_money(costs_usd[n]) for n in COSTS},
        landed_cost=fmt_money(totals["landed_cost"]),
        # A project's energy is its cells' energy: $/kWh is the whole landed cost over it.
        energy_kwh=fmt_rate(total_energy) if total_energy else None,
        per_kwh=fmt_rate(per_unit(totals["landed_cost"], total_energy)) if total_energy else None,
        per_unit=fmt_rate(per_unit(totals["landed_cost"], total_qty)) if len(line_docs) == 1 else None,
    )
    if extra_rate:
        summary["extra_duty"] = fmt_money(totals["extra_duty"])
    return OrderedDict(
        tables_version=tables.version, name=entry.name, currency="USD",
        entry_date=entry.entry_date.isoformat(),
        export_date=entry.export_date.isoformat() if entry.export_date else None,
        mode=entry.mode, allocation=entry.allocation, template=entry.template,
        costs=cost_docs, lines=line_docs, fees=fees, totals=summary,
        assumptions=assumptions, warnings=warnings,
    )


# Engine fields that a landed-cost line states under another name.
_LINE_FIELD = {"value": "unit_price", "steel_content_value": "steel_content_share",
               "aluminum_content_value": "aluminum_content_share", "copper_content_value": "copper_content_share",
               "us_content_value": "us_content_share", "aam_content_value": "aam_content_share",
               "entry_date": "entry_date", "loaded_date": "loaded_date", "mode": "mode"}


def _rekey(exc: InputError, line: EntryLine) -> InputError:
    """An engine error on a line, named by the line's own field."""
    errors = {}
    for name, msgs in exc.errors.items():
        field = _LINE_FIELD.get(name, name)
        key = field if field in ("entry_date", "loaded_date", "mode") else f"lines.{line.index}.{field}"
        errors.setdefault(key, []).extend(msgs)
    first = next(iter(errors))
    return InputError(f"line {line.index} ({line.id}): {first}: {errors[first][0]}", errors)


def _money_doc_exact(amount: Decimal, currency: str) -> dict:
    return {"amount": fmt_rate(amount), "currency": currency}


def _mpf_exempt(fee, doc: dict) -> bool:
    """Exempt only where the duty stack actually applied an exempt FTA preference."""
    if fee is None:
        return False
    for layer in doc["layers"]:
        if layer["program"] == "mfn" and "/special/" in layer["measure_id"]:
            return layer["measure_id"].rsplit("/special/", 1)[1] in fee.exempt_preferences
    return False


def _line_input(tables, entry: Entry, line: EntryLine, dutiable: Decimal):
    data = {"hts": line.hts, "origin": line.origin, "entry_date": entry.entry_date.isoformat(),
            "value": fmt_money(dutiable), **dict(line.duty_fields)}
    if entry.mode:
        data["mode"] = entry.mode
    if entry.loaded_date:
        data["loaded_date"] = entry.loaded_date.isoformat()
    for name, share in line.shares:
        data[name.replace("_share", "_value")] = fmt_money(cents(dutiable * share))
    return parse_line(data, tables.aliases)


def _ddp_back_out(tables, entry: Entry, line: EntryLine, target: Decimal):
    """The largest dutiable value V (to the cent) with V + duty(V) <= target.

    A few Newton steps on V + duty(V) = target (duty is close to linear in V),
    then a bisection over a bracket of a few dollars; about 10 quotes a line.
    """
    cache = {}

    def total(cents_v: int):
        if cents_v not in cache:
            v = Decimal(cents_v) / 100
            doc = quote(tables, _line_input(tables, entry, line, v))
            cache[cents_v] = (v + Decimal(doc["total_duty"]), doc)
        return cache[cents_v]

    top = int(target * 100)
    guess = top
    for _ in range(4):
        t, _doc = total(guess)
        v = Decimal(guess) / 100
        rate = (t - v) / v if v else ZERO
        nxt = max(0, min(top, int((target / (1 + rate)) * 100)))
        if nxt == guess:
            break
        guess = nxt
    lo, hi = max(0, guess - 500), min(top, guess + 500)
    if total(lo)[0] > target:
        lo = 0
    if total(hi)[0] <= target:
        lo = hi
    while lo < hi:                      # invariant: total(lo) <= target
        mid = (lo + hi + 1) // 2
        if total(mid)[0] <= target:
            lo = mid
        else:
            hi = mid - 1
    t, doc = total(lo)
    if t > target:                      # even a zero value does not fit (e.g. a specific duty)
        raise InputError.field(f"lines.{line.index}.unit_price",
                               "the DDP price is below the duties and costs it includes")
    return Decimal(lo) / 100, doc


__all__ = ["parse_entry", "landed_cost", "Entry", "EntryLine", "INCOTERMS", "COSTS"]
