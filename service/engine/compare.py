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
from service.model.errors import ErrorCollector, InputError, NotCovered
from service.model.money import fmt_money, fmt_decimal, parse_amount, per_unit, rate6
from service.engine.entry import MIN_QUANTITY, parse_entry
from service.engine.landed_cost import price_entry
from service.engine.landed_doc import entry_doc
from service.engine.landed_parts import LandedCost
from service.engine.credit.compare import domestic_credit, imported_credit
from service.engine.credit.inputs import parse_project

SHARED = ("entry_date", "export_date", "loaded_date", "mode", "allocation", "fx_rates", "template")
MAX_QUOTES = 10


def compare(tables, data) -> dict:
    results = _imported(tables, data)
    project = parse_project(data.get("project"))
    energy = results[0].totals.energy_kwh
    domestic = _domestic(data.get("domestic"), energy or None)
    dom_cost = domestic["delivered_cost"]
    quotes = [_quote_doc(i, result, dom_cost) for i, result in enumerate(results)]
    assumptions = []
    if domestic.get("energy_from_scope"):
        assumptions.append({"fact": "domestic.energy_kwh",
                            "assumption": "domestic scope taken to have the same energy as the imported scope"})
    best = min([("domestic", dom_cost)] + [(q["name"], r.totals.landed_cost) for q, r in zip(quotes, results)],
               key=lambda kv: kv[1])[0]
    doc = OrderedDict(
        tables_version=tables.version, name=_name(data.get("name")),
        currency="USD", entry_date=results[0].entry.entry_date.isoformat(), domestic=_domestic_doc(domestic),
        imported=quotes, best=best, assumptions=assumptions, warnings=_warnings(results),
    )
    if project is not None:
        _add_credit(tables, project, data.get("domestic"), domestic, results, doc)
    elif isinstance(data.get("domestic"), dict) and "credit" in data["domestic"]:
        raise InputError.field("domestic.credit", "credit facts need a project (give project.construction_start)")
    return doc


def _add_credit(tables, project, raw_domestic: dict, domestic: dict, results: list[LandedCost], doc: dict) -> None:
    """Each quote's credit position, net cost and break-even on net cost; the best quote on net cost."""
    position, fields = domestic_credit(tables, project, raw_domestic.get("credit"), domestic["delivered_cost"],
                                       domestic.get("energy_kwh"), results[0].entry.entry_date)
    doc["domestic"].update(fields)
    nets = [("domestic", position.net_cost)]
    for quote, result in zip(doc["imported"], results):
        imported, extra = imported_credit(tables, project, result, position)
        quote.update(extra)
        nets.append((quote["name"], imported.net_cost))
    doc["best_net"] = min(nets, key=lambda kv: kv[1])[0]


def _warnings(results: list[LandedCost]) -> list[str]:
    """Every imported quote's warnings, each once, in order (an entry date after the tables' as-of date, ...)."""
    return list(dict.fromkeys(w for result in results for w in result.warnings))


def _imported(tables, data) -> list[LandedCost]:
    """Each imported quote (the shared fields, then its own) parsed and priced."""
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", {"body": ["must be an object"]})
    errors = ErrorCollector(fail_fast=True)
    unknown = sorted(set(data) - {*SHARED, "domestic", "imported", "name", "project"})
    if unknown:
        errors.add(unknown[0], "unknown field")
    imported = data.get("imported")
    if not isinstance(imported, list) or not imported:
        errors.add("imported", "must be a list of one or more imported quotes")
    if len(imported) > MAX_QUOTES:
        errors.add("imported", f"at most {MAX_QUOTES} imported quotes")
    results = []
    for i, q in enumerate(imported):
        if not isinstance(q, dict):
            errors.add(f"imported.{i}", "must be an object")
        merged = {k: data[k] for k in SHARED if k in data}
        merged.update(q)
        try:
            results.append(price_entry(tables, parse_entry(tables, merged)))
        except InputError as exc:
            raise exc.under(f"imported.{i}") from None
        except NotCovered as exc:
            raise exc.under(f"imported.{i}") from None
    return results


def _quote_doc(i: int, result: LandedCost, dom_cost: Decimal) -> OrderedDict:
    """One imported quote against the domestic delivered cost."""
    entry, t = result.entry, result.totals
    doc = entry_doc(result)
    landed, dutiable = t.landed_cost, t.dutiable_value
    shares = OrderedDict((p, fmt_decimal(rate6(v / landed)) if landed else "0") for p, v in t.duty_by_program)
    difference = landed - dom_cost
    break_even = (dom_cost - landed) / dutiable if dutiable else None
    totals = doc["totals"]
    return OrderedDict(
        index=i, name=entry.name or f"imported {i + 1}",
        origins=sorted({x.origin for x in entry.lines}),
        landed_cost=totals["landed_cost"], dutiable_value=totals["dutiable_value"], duty=totals["duty"],
        fees=totals["fees"], per_unit=fmt_decimal(per_unit(landed, t.quantity)) if len(entry.lines) == 1 else None,
        per_kwh=totals["per_kwh"], energy_kwh=totals["energy_kwh"],
        duty_share_by_program=shares,
        duty_share=fmt_decimal(rate6(t.duty / landed)) if landed else "0",
        difference_vs_domestic=fmt_money(difference),
        cheaper=("domestic" if difference > 0 else "imported" if difference < 0 else "equal"),
        break_even_additional_rate=fmt_decimal(rate6(break_even)) if break_even is not None else None,
        duty_range=_range_summary(totals.get("duty_range")),
        detail=doc,
    )


def _range_summary(duty_range: dict | None) -> OrderedDict | None:
    """The quote's lowest and highest duty and landed cost over its lines' missing facts (detail: totals)."""
    if duty_range is None:
        return None
    return OrderedDict((k, duty_range[k]) for k in ("low", "high", "landed_cost_low", "landed_cost_high"))


def _domestic(data, energy: Decimal | None) -> dict:
    """The domestic quote: a delivered price in USD, with optional energy and quantity."""
    errors = ErrorCollector(fail_fast=True)
    if not isinstance(data, dict):
        errors.add("domestic", "must be an object with name and delivered_price")
    domestic = errors.scoped("domestic")
    unknown = sorted(set(data) - {"name", "delivered_price", "energy_kwh", "quantity", "note", "credit"})
    if unknown:
        domestic.add(unknown[0], "unknown field")
    raw = data.get("delivered_price")
    amount, currency = (raw.get("amount"), raw.get("currency", "USD")) if isinstance(raw, dict) else (raw, "USD")
    if amount is None:
        domestic.add("delivered_price", "missing required field (USD delivered to site)")
    value = domestic.guard("delivered_price", parse_amount, amount, "domestic.delivered_price")
    if fxmod.normalize_currency(currency, "domestic.delivered_price.currency") != "USD":
        domestic.add("delivered_price.currency", "give the domestic price in USD")
    name = data.get("name", "domestic")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        domestic.add("name", "must be text of 1 to 200 characters")
    out = {"name": name, "delivered_cost": value}
    for key in ("energy_kwh", "quantity"):
        if data.get(key) is not None:
            out[key] = domestic.guard(key, parse_amount, data[key], f"domestic.{key}")
            if out[key] < MIN_QUANTITY:
                domestic.add(key, f"must be at least {MIN_QUANTITY}")
    if "energy_kwh" not in out and energy:
        out["energy_kwh"] = energy
        out["energy_from_scope"] = True
    return out


def _domestic_doc(domestic: dict) -> OrderedDict:
    cost, energy = domestic["delivered_cost"], domestic.get("energy_kwh")
    return OrderedDict(
        name=domestic["name"], delivered_cost=fmt_money(cost),
        per_kwh=fmt_decimal(per_unit(cost, energy)) if energy else None,
        energy_kwh=fmt_decimal(energy) if energy else None,
        per_unit=fmt_decimal(per_unit(cost, domestic["quantity"])) if domestic.get("quantity") else None,
    )


def _name(value) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > 200):
        raise InputError.field("name", "must be text of at most 200 characters")
    return value
