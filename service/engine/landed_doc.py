"""The JSON document of a landed cost (``POST /v1/landed-cost``), written from
:class:`~service.engine.landed_parts.LandedCost`.  Amounts become strings
here and nowhere else: money to the cent, rates and quantities as plain
fractions, per-unit figures to four decimals.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from service.model.money import fmt_money, fmt_decimal, per_unit, rate6
from service.engine.entry import COSTS
from service.engine.landed_parts import EntryRange, LandedCost, LineCost


def entry_doc(result: LandedCost) -> OrderedDict:
    entry = result.entry
    return OrderedDict(
        tables_version=result.tables_version, name=entry.name, currency="USD",
        entry_date=entry.entry_date.isoformat(),
        export_date=entry.export_date.isoformat() if entry.export_date else None,
        mode=entry.mode, allocation=entry.allocation, template=entry.template,
        costs=list(result.costs.docs), lines=[line_doc(x, result.extra_rate) for x in result.lines],
        fees=list(result.fees.docs), totals=totals_doc(result),
        assumptions=list(result.assumptions), warnings=list(result.warnings),
    )


def line_doc(x: LineCost, extra_rate: Decimal) -> OrderedDict:
    p = x.priced
    line, doc = p.line, p.stack.doc
    item = OrderedDict(
        index=line.index, id=line.id, description=line.description, hts=doc["hts"], origin=line.origin,
        quantity=fmt_decimal(line.quantity), unit=line.unit, incoterm=line.incoterm,
        unit_price={"amount": fmt_decimal(line.unit_price), "currency": line.currency},
        price={"amount": fmt_money(p.price.amount), "currency": line.currency},
        fx=p.price.conversion.doc(), price_usd=fmt_money(p.price.usd),
        included_in_price={n: fmt_money(v) for n, v in p.deductions.items()},
        dutiable_value=fmt_money(p.dutiable),
        duty=OrderedDict(total=fmt_money(p.duty), effective_rate=doc["effective_rate"], layers=doc["layers"],
                         not_applied=doc["not_applied"], assumptions=doc["assumptions"],
                         filing_lines=doc["filing_lines"]),
    )
    if p.duty_range is not None:
        r = p.duty_range
        item["duty_range"] = OrderedDict(low=fmt_money(r.low), high=fmt_money(r.high), facts=list(r.moving))
    if extra_rate:
        item["extra_duty"] = {"rate": fmt_decimal(extra_rate), "amount": fmt_money(x.extra),
                              "note": "hypothetical additional ad valorem duty (break-even analysis)"}
    item["costs"] = {n: fmt_money(v) for n, v in p.costs.items()}
    item["fees"] = {"mpf": fmt_money(x.mpf), "hmf": fmt_money(x.hmf)}
    item["landed_cost"] = fmt_money(x.landed)
    item["per_unit"] = fmt_decimal(per_unit(x.landed, line.quantity))
    item["energy_kwh"] = fmt_decimal(line.energy_kwh) if line.energy_kwh is not None else None
    item["per_kwh"] = fmt_decimal(per_unit(x.landed, line.energy_kwh)) if line.energy_kwh else None
    if line.template_line:
        item["template_line"] = line.template_line
    return item


def totals_doc(result: LandedCost) -> OrderedDict:
    t = result.totals
    energy = t.energy_kwh
    summary = OrderedDict(
        lines=len(result.lines), price_usd=fmt_money(t.price_usd),
        dutiable_value=fmt_money(t.dutiable_value), duty=fmt_money(t.duty),
        duty_by_program={p: fmt_money(v) for p, v in t.duty_by_program},
        effective_duty_rate=fmt_decimal(rate6(t.duty / t.dutiable_value)) if t.dutiable_value else "0",
        fees=fmt_money(t.fees), costs={n: fmt_money(result.costs.usd[n]) for n in COSTS},
        landed_cost=fmt_money(t.landed_cost),
        # A project's energy is its cells' energy: $/kWh is the whole landed cost over it.
        energy_kwh=fmt_decimal(energy) if energy else None,
        per_kwh=fmt_decimal(per_unit(t.landed_cost, energy)) if energy else None,
        per_unit=fmt_decimal(per_unit(t.landed_cost, t.quantity)) if len(result.lines) == 1 else None,
    )
    if result.extra_rate:
        summary["extra_duty"] = fmt_money(t.extra_duty)
    if t.duty_range is not None:
        summary["duty_range"] = range_doc(t.duty_range)
    return summary


ENTRY_RANGE_METHOD = (
    "each line's assumed facts (see its duty.assumptions and duty_range) varied independently of the other "
    "lines' and priced by the engine at the line's dutiable value; low and high sum each line's lowest and "
    "highest duty (a line without a range counts its duty in both); the landed cost moves by the duty only: "
    "fees (MPF, even for a preference claim that would exempt it), shared costs and a DDP line's dutiable value "
    "are held as priced")


def range_doc(r: EntryRange) -> OrderedDict:
    return OrderedDict(low=fmt_money(r.low), high=fmt_money(r.high), landed_cost_low=fmt_money(r.landed_cost_low),
                       landed_cost_high=fmt_money(r.landed_cost_high),
                       facts=[{"line": index, "id": line_id, "fact": fact} for index, line_id, fact in r.moving],
                       method=ENTRY_RANGE_METHOD)
