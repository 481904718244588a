"""The credit position as a document: for a priced entry (an imported quote) or a domestic quote.

``entry_position`` and ``domestic_position`` build the bill's cost items
(:class:`~service.engine.credit.Item`), evaluate the credit at the
documented assumptions and at the extremes of every missing fact, and write
the ``credit`` block the landed-cost and compare answers carry.  Amounts
become strings here: money to the cent, rates and ratios as fractions.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from decimal import Decimal

from service.model.money import ZERO, cents, fmt_decimal, fmt_money, per_unit, rate6
from service.engine.credit.rules import (Item, Outcome, Values, assumed_facts, default_pfe, evaluate, extremes,
                                   values_on, worst_and_best)
from service.engine.credit.inputs import DomesticCredit, Project
from service.engine.landed_parts import LandedCost

NOT_TAX_ADVICE = ("A planning estimate, not tax advice: the credit depends on facts only the taxpayer has (wage "
                  "records, energy-community status, supplier certifications) and on Treasury guidance still "
                  "being issued; confirm with a tax adviser.")
PFE_GUIDANCE = ("Treasury's safe-harbor tables for the material assistance cost ratio are due by 2026-12-31 "
                "(26 U.S.C. 7701(a)(52)(D)(iii)); until then Notice 2025-08 cost percentages and supplier "
                "certifications may be used (Notice 2026-15, not read here). The ratio here uses the acquisition "
                "cost (landed cost) of each line as its direct cost: whether duties and freight count is unsettled.")


@dataclass(frozen=True)
class Shift:
    """How far an end of the duty range moves the landed cost, and the basis (the eligible lines' part)."""
    landed: Decimal = ZERO
    basis: Decimal = ZERO


@dataclass(frozen=True)
class Position:
    """The evaluated credit of one quote: at the assumptions, the extremes, and per missing fact."""
    project: Project
    values: Values
    items: tuple[Item, ...]
    landed: Decimal                    # landed (or delivered) cost of the quote
    energy_kwh: Decimal | None
    assumed: Outcome
    worst: Outcome
    best: Outcome
    by_fact: tuple[tuple[str, Outcome, Outcome], ...]
    assumptions: tuple[dict, ...]
    basis_parts: dict                  # the equipment's part of the basis: goods, duties, fees, costs
    duty_shift: tuple[Shift, Shift] = (Shift(), Shift())   # the duty range's lowest and highest (landed, basis)

    @property
    def net_cost(self) -> Decimal:
        return self.landed + self.project.other_costs - self.assumed.credit

    def credit_at(self, outcome: Outcome, shift: Shift) -> Decimal:
        """The outcome's credit with the basis moved by a duty range's end (its rate, so its MACR, held)."""
        return cents((outcome.basis + shift.basis) * outcome.rate)

    def net_at(self, outcome: Outcome, shift: Shift) -> Decimal:
        return self.landed + shift.landed + self.project.other_costs - self.credit_at(outcome, shift)


def entry_position(tables, project: Project, result: LandedCost) -> Position:
    """The credit position of an imported quote priced to its landed cost."""
    items, assumptions, excluded = [], [], []
    parts = {"goods": ZERO, "duties": ZERO, "fees": ZERO, "freight_and_costs": ZERO}   # the basis parts
    for x in result.lines:
        item, notes = _line_item(x)
        items.append(item)
        assumptions.extend(notes)
        if item.klass == "not_eligible":
            excluded.append(item.id)
            continue
        parts["goods"] += x.priced.dutiable
        parts["duties"] += x.priced.duty + x.extra
        parts["fees"] += x.mpf + x.hmf
        parts["freight_and_costs"] += sum(x.priced.costs.values(), ZERO)
    parts["excluded_lines"] = excluded
    energy = result.totals.energy_kwh or None
    position = _position(tables, project, items, result.totals.landed_cost, energy, assumptions, parts)
    return replace(position, duty_shift=_duty_shift(result, set(excluded)))


def _duty_shift(result: LandedCost, excluded: set[str]) -> tuple[Shift, Shift]:
    """The lines' duty ranges as moves of the landed cost and of the basis (eligible lines only)."""
    low = high = Shift()
    for x in result.lines:
        r = x.priced.duty_range
        if r is None:
            continue
        down, up = r.low - x.priced.duty, r.high - x.priced.duty
        eligible = x.priced.line.id not in excluded
        low = Shift(low.landed + down, low.basis + (down if eligible else ZERO))
        high = Shift(high.landed + up, high.basis + (up if eligible else ZERO))
    return low, high


def domestic_position(tables, project: Project, facts: DomesticCredit, delivered: Decimal,
                      energy: Decimal | None) -> Position:
    """The credit position of the domestic package (one manufactured product, its shares as given)."""
    notes = []
    if facts.pfe_share is None:
        notes.append({"fact": "domestic.credit.pfe_share", "assumption": (
            "not given: the domestic package is taken to contain nothing made by a prohibited foreign entity "
            "(a US-assembled package with cells from one would have a PFE share)")})
    if facts.us_share is None:
        notes.append({"fact": "domestic.credit.us_manufactured_share", "assumption": (
            "not given: none of the package's cost is counted as US-made for the domestic-content bonus")})
    item = Item("domestic", delivered, "manufactured_product", facts.pfe_share, ZERO, facts.us_share,
                ZERO)
    parts = {"goods": delivered, "duties": ZERO, "fees": ZERO, "freight_and_costs": ZERO, "excluded_lines": []}
    return _position(tables, project, [item], delivered, energy, notes, parts)


def _line_item(x) -> tuple[Item, list[dict]]:
    line = x.priced.line
    credit = dict(line.credit)
    notes = []
    klass = credit.get("credit_class")
    if klass is None:
        klass = "manufactured_product"
        notes.append({"fact": f"lines.{line.index}.credit_class", "assumption": (
            f"line {line.id}: taken as a manufactured product of the storage property (give credit_class "
            "steel_iron for structural steel or iron, not_eligible for what is not part of the property)")})
    pfe, assumed, why = None, ZERO, ""
    if "supplier_pfe" in credit and klass != "manufactured_product":
        notes.append({"fact": f"lines.{line.index}.supplier_pfe", "assumption": (
            f"line {line.id} is {klass}: its supplier_pfe is not read (the material assistance cost ratio counts "
            "manufactured products only)")})
    elif "supplier_pfe" in credit:
        pfe = Decimal(1) if credit["supplier_pfe"] == "yes" else ZERO
    elif klass == "manufactured_product":
        assumed, why = default_pfe(line.origin)
        notes.append({"fact": f"lines.{line.index}.supplier_pfe", "assumption": f"line {line.id}: {why}"})
    # An imported product is not produced in the United States (domestic content): its US share is zero.
    return Item(line.id, x.landed, klass, pfe, assumed, ZERO, ZERO, why), notes


def _position(tables, project: Project, items: list[Item], landed: Decimal, energy, notes: list[dict],
              parts: dict) -> Position:
    values = values_on(tables, project)
    assumptions = [*notes, *_project_assumptions(project), *_bill_assumptions(items, project, values)]
    by_fact = tuple((name, evaluate(values, project, items, low), evaluate(values, project, items, high))
                    for name, (low, high) in extremes(project, items).items())
    worst, best = worst_and_best(project, items)
    return Position(project, values, tuple(items), landed, energy,
                    evaluate(values, project, items, assumed_facts(project)),
                    evaluate(values, project, items, worst), evaluate(values, project, items, best),
                    by_fact, tuple(assumptions), parts)


# The assumption each project fact takes when it is not given (credit.rules.assumed_facts applies them).
PROJECT_ASSUMPTIONS = (
    ("prevailing_wage", "not given: the prevailing wage and apprenticeship requirements are taken as met (30% "
                        "rate); the range shows the 6% rate"),
    ("energy_community", "not given: the project is taken not to be in an energy community (no bonus)"),
    ("taxpayer_foreign_entity", "not given: the taxpayer is taken not to be a specified foreign entity or "
                                "foreign-influenced entity (26 U.S.C. 48E(d)(6))"),
    ("capacity_mw", "not given: taken as 1 MW or more (under 1 MW the 30% rate applies without the wage "
                    "requirements)"),
    ("steel_iron_us", "not given: the project's structural steel and iron outside the listed lines (foundations, "
                      "piles, rebar) is taken as US-produced, or absent (the domestic-content steel/iron test)"),
    ("placed_in_service", "not given: taken as after 2024-12-31, so section 48E applies"),
)


def _project_assumptions(project: Project) -> list[dict]:
    return [{"fact": f"project.{name}", "assumption": text} for name, text in PROJECT_ASSUMPTIONS
            if getattr(project, name) is None]


def entry_credit(tables, project: Project | None, result: LandedCost) -> OrderedDict | None:
    """The ``credit`` block of a landed cost whose request gave a ``project`` (None without one)."""
    return position_doc(entry_position(tables, project, result)) if project is not None else None


def _bill_assumptions(items: list[Item], project: Project, values) -> list[dict]:
    products = [x for x in items if x.klass == "manufactured_product"]
    if products or project.other_manufactured or values["macr_threshold"] == 0:
        return []
    return [{"fact": "macr", "assumption": (
        "no manufactured product in the bill and no other_manufactured_costs: the material assistance cost ratio "
        "has nothing to measure and is not failed here (it is the whole project's test)")}]


# ------------------------------------------------------------------ document

def position_doc(p: Position) -> OrderedDict:
    o = p.assumed
    doc = OrderedDict(
        credit="48E", title=p.values.title,
        construction_start=p.project.construction_start.isoformat(),
        basis=_basis_doc(p), macr=_macr_doc(p, o), domestic_content=_dc_doc(p, o),
        rate=OrderedDict(total=fmt_decimal(rate6(o.rate)),
                         parts=[{"parameter": n, "value": fmt_decimal(v)} for n, v in o.parts],
                         zero_because=_zero_because(p, o)),
        amount=fmt_money(o.credit), landed_cost=fmt_money(p.landed),
        other_project_costs=fmt_money(p.project.other_costs), net_cost=fmt_money(p.net_cost),
        energy_kwh=fmt_decimal(p.energy_kwh) if p.energy_kwh else None,
        net_per_kwh=fmt_decimal(per_unit(p.net_cost, p.energy_kwh)) if p.energy_kwh else None,
        range=range_doc(p), assumptions=list(p.assumptions),
        values=[u.doc() for u in p.values.used.values()], note=NOT_TAX_ADVICE,
    )
    return doc


def range_doc(p: Position) -> OrderedDict:
    """Lowest and highest credit and net cost the missing credit facts and the duty range allow."""
    low, high = p.duty_shift
    facts = [OrderedDict(fact=name, credit_worst=fmt_money(lo.credit), credit_best=fmt_money(hi.credit),
                         moves=lo.credit != hi.credit) for name, lo, hi in p.by_fact]
    return OrderedDict(
        credit_low=fmt_money(p.credit_at(p.worst, low)), credit_high=fmt_money(p.credit_at(p.best, high)),
        net_cost_low=fmt_money(p.net_at(p.best, low)), net_cost_high=fmt_money(p.net_at(p.worst, high)),
        facts=facts, duty_low_shift=fmt_money(low.landed), duty_high_shift=fmt_money(high.landed),
        method=RANGE_METHOD,
    )


RANGE_METHOD = (
    "each missing credit fact at its worst and best value, the others at their assumption (the credit is "
    "monotone in each, so all at worst and all at best bound it); the net cost also spans the duty range of "
    "the lines' missing duty facts (duty_low_shift / duty_high_shift: the landed cost's move), which moves the "
    "basis of eligible lines; the material assistance cost ratio is held at the assumed duties")


def _basis_doc(p: Position) -> OrderedDict:
    parts = p.basis_parts
    rule = p.values.basis_rule
    return OrderedDict(
        total=fmt_money(p.assumed.basis), goods=fmt_money(parts["goods"]), duties=fmt_money(parts["duties"]),
        fees=fmt_money(parts["fees"]), freight_and_costs=fmt_money(parts["freight_and_costs"]),
        other_project_costs=fmt_money(p.project.other_costs), excluded_lines=list(parts["excluded_lines"]),
        rule=rule.doc() if rule else None,
    )


def _macr_doc(p: Position, o: Outcome) -> OrderedDict:
    threshold = p.values["macr_threshold"]
    products = [x for x in p.items if x.klass == "manufactured_product"]
    return OrderedDict(
        applies=threshold != 0, threshold=fmt_decimal(threshold),
        ratio=fmt_decimal(rate6(o.macr)) if o.macr is not None else None, passes=o.macr_passes,
        items=[OrderedDict(id=x.id, direct_cost=fmt_money(x.cost),
                           pfe_share=fmt_decimal(x.pfe if x.pfe is not None else x.pfe_assumed),
                           given=x.pfe is not None) for x in products],
        other_manufactured_costs=fmt_money(p.project.other_manufactured),
        other_manufactured_pfe_costs=fmt_money(p.project.other_manufactured_pfe),
        note=PFE_GUIDANCE,
    )


def _dc_doc(p: Position, o: Outcome) -> OrderedDict:
    return OrderedDict(
        passes=o.domestic_content,
        manufactured_required=fmt_decimal(p.values["domestic_content_manufactured_share"]),
        manufactured_us_share=fmt_decimal(rate6(o.us_share)) if o.us_share is not None else None,
        manufactured_passes=o.manufactured_passes,
        steel_iron_lines=[x.id for x in p.items if x.klass == "steel_iron"],
        steel_iron_passes=o.steel_iron_passes,
    )


def _zero_because(p: Position, o: Outcome) -> str | None:
    if not o.macr_passes:
        return (f"material assistance cost ratio {fmt_decimal(rate6(o.macr))} is below the threshold "
                f"{fmt_decimal(p.values['macr_threshold'])} for construction beginning in "
                f"{p.project.construction_start.year}: not energy storage technology (26 U.S.C. 48E(c)(3))")
    if p.project.taxpayer_foreign_entity == "yes":
        return ("the taxpayer is a specified foreign entity or foreign-influenced entity (26 U.S.C. 48E(d)(6), for "
                "taxable years beginning after 2025-07-04 as reported, the effective-date text not read)")
    if o.rate == 0:
        return "phase-down: no credit for construction beginning in this year (26 U.S.C. 48E(e))"
    return None

