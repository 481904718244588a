"""Domestic quote against imported quotes for the same scope.

Each imported quote is an entry (explicit lines, or a project template filled
with the supplier's prices and origin), priced to its landed cost.  The
domestic quote is a delivered price (no duty).  For each imported quote:
landed cost, $/unit, $/kWh, the duty share of the landed cost by program,
the difference against the domestic quote, and the break-even additional
tariff rate: the extra ad valorem duty on the imported dutiable value at
which both cost the same, ``(domestic - landed) / dutiable value``.  A
negative break-even rate means the domestic quote already costs less.
MPF is capped per entry and is not recomputed on the extra duty, so the
break-even figure is exact for the duty and within the MPF change otherwise.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from service.model import fx as fxmod
from service.model.errors import InputError, NotCovered
from service.engine.landed_cost import MIN_QUANTITY, landed_cost, parse_entry
from service.model.money import ZERO, fmt_money, fmt_rate, parse_amount, per_unit, rate6

SHARED = ("entry_date", "export_date", "loaded_date", "mode", "allocation", "fx_rates", "template")
MAX_QUOTES = 10


def _domestic(data, energy: Decimal | None) -> dict:
    if not isinstance(data, dict):
        raise InputError.field("domestic", "must be an object with name and delivered_price")
    unknown = sorted(set(data) - {"name", "delivered_price", "energy_kwh", "quantity", "note"})
    if unknown:
        raise InputError.field(f"domestic.{unknown[0]}", "unknown field")
    raw = data.get("delivered_price")
    amount, currency = (raw.get("amount"), raw.get("currency", "USD")) if isinstance(raw, dict) else (raw, "USD")
    if amount is None:
        raise InputError.field("domestic.delivered_price", "missing required field (USD delivered to site)")
    try:
        value = parse_amount(amount, "domestic.delivered_price")
    except ValueError as exc:
        raise InputError.field("domestic.delivered_price", str(exc)) from None
    if fxmod.normalize_currency(currency, "domestic.delivered_price.currency") != "USD":
        raise InputError.field("domestic.delivered_price.currency", "give the domestic price in USD")
    name = data.get("name", "domestic")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise InputError.field("domestic.name", "must be text of 1 to 200 characters")
    out = {"name": name, "delivered_cost": value}
    for key in ("energy_kwh", "quantity"):
        if data.get(key) is not None:
            try:
                out[key] = parse_amount(data[key], f"domestic.{key}")
            except ValueError as exc:
                raise InputError.field(f"domestic.{key}", str(exc)) from None
            if out[key] < MIN_QUANTITY:
                raise InputError.field(f"domestic.{key}", f"must be at least {MIN_QUANTITY}")
    if "energy_kwh" not in out and energy:
        out["energy_kwh"] = energy
        out["energy_from_scope"] = True
    return out


def _name(value) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 200):
        raise InputError.field("name", "must be text of at most 200 characters")
    return value


def compare(tables, data) -> dict:
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", {"body": ["must be an object"]})
    unknown = sorted(set(data) - {*SHARED, "domestic", "imported", "name"})
    if unknown:
        raise InputError.field(unknown[0], "unknown field")
    imported = data.get("imported")
    if not isinstance(imported, list) or not imported:
        raise InputError.field("imported", "must be a list of one or more imported quotes")
    if len(imported) > MAX_QUOTES:
        raise InputError.field("imported", f"at most {MAX_QUOTES} imported quotes")
    results = []
    for i, q in enumerate(imported):
        if not isinstance(q, dict):
            raise InputError.field(f"imported.{i}", "must be an object")
        merged = {k: data[k] for k in SHARED if k in data}
        merged.update(q)
        try:
            entry = parse_entry(tables, merged)
            results.append((entry, landed_cost(tables, entry)))
        except InputError as exc:
            raise InputError(f"imported.{i}: {exc.message}",
                             {f"imported.{i}.{k}": v for k, v in exc.errors.items()}) from None
        except NotCovered as exc:
            raise NotCovered(f"imported.{i}: {exc.message}", exc.hint, f"imported.{i}.{exc.field}") from None
    first_energy = results[0][1]["totals"]["energy_kwh"]
    domestic = _domestic(data.get("domestic"), Decimal(first_energy) if first_energy else None)
    dom_cost = domestic["delivered_cost"]
    quotes = []
    for i, (entry, doc) in enumerate(results):
        t = doc["totals"]
        landed, dutiable = Decimal(t["landed_cost"]), Decimal(t["dutiable_value"])
        energy = Decimal(t["energy_kwh"]) if t["energy_kwh"] else None
        quantity = sum((x.quantity for x in entry.lines), ZERO)
        shares = OrderedDict((p, fmt_rate(rate6(Decimal(v) / landed)) if landed else "0")
                             for p, v in t["duty_by_program"].items())
        difference = landed - dom_cost
        break_even = (dom_cost - landed) / dutiable if dutiable else None
        quotes.append(OrderedDict(
            index=i, name=entry.name or f"imported {i + 1}",
            origins=sorted({x.origin for x in entry.lines}),
            landed_cost=t["landed_cost"], dutiable_value=t["dutiable_value"], duty=t["duty"],
            fees=t["fees"], per_unit=fmt_rate(per_unit(landed, quantity)) if len(entry.lines) == 1 else None,
            per_kwh=t["per_kwh"], energy_kwh=t["energy_kwh"],
            duty_share_by_program=shares,
            duty_share=fmt_rate(rate6(Decimal(t["duty"]) / landed)) if landed else "0",
            difference_vs_domestic=fmt_money(difference),
            cheaper=("domestic" if difference > 0 else "imported" if difference < 0 else "equal"),
            break_even_additional_rate=fmt_rate(rate6(break_even)) if break_even is not None else None,
            detail=doc,
        ))
    energy = domestic.get("energy_kwh")
    dom_doc = OrderedDict(
        name=domestic["name"], delivered_cost=fmt_money(dom_cost),
        per_kwh=fmt_rate(per_unit(dom_cost, energy)) if energy else None,
        energy_kwh=fmt_rate(energy) if energy else None,
        per_unit=fmt_rate(per_unit(dom_cost, domestic["quantity"])) if domestic.get("quantity") else None,
    )
    assumptions = []
    if domestic.get("energy_from_scope"):
        assumptions.append({"fact": "domestic.energy_kwh",
                            "assumption": "domestic scope taken to have the same energy as the imported scope"})
    return OrderedDict(
        tables_version=tables.version, name=_name(data.get("name")),
        currency="USD", entry_date=results[0][1]["entry_date"], domestic=dom_doc, imported=quotes,
        best=min([("domestic", dom_cost)] + [(q["name"], Decimal(q["landed_cost"])) for q in quotes],
                 key=lambda kv: kv[1])[0],
        assumptions=assumptions,
    )
