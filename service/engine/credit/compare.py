"""The credit position in a comparison: each quote's credit, net cost and the break-even rate on net cost.

With a ``project`` in the request, every imported quote and the domestic
quote get the 48E position of the project built on them
(:mod:`service.engine.credit.position`), the net cost after the credit (the quote
plus the project's other costs, less the credit) in total and per kWh, and
the net difference.  The break-even additional tariff rate on net cost is the
extra ad valorem duty r on the imported dutiable value D at which both net
costs are equal; the extra duty on eligible lines (dutiable value D_e) is in
the basis and earns the imported quote's credit rate c, so
``r = (net_domestic - net_imported) / (D - c * D_e)``.  The material
assistance cost ratio is held at the quoted costs.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from service.model.money import ZERO, fmt_decimal, fmt_money, per_unit, rate6
from service.engine.credit.position import Position, domestic_position, entry_position, position_doc
from service.engine.credit.inputs import Project, parse_domestic_credit
from service.engine.landed_parts import LandedCost
from service.engine.credit.maker import maker_credit_doc


def domestic_credit(tables, project: Project, raw_facts, delivered: Decimal, energy, sold) -> tuple[Position, dict]:
    """The domestic quote's position and the fields its document gains."""
    facts = parse_domestic_credit(raw_facts)
    position = domestic_position(tables, project, facts, delivered, energy)
    fields = OrderedDict(credit=position_doc(position), net_cost=fmt_money(position.net_cost),
                         net_per_kwh=_per_kwh(position.net_cost, energy),
                         maker_credit=maker_credit_doc(tables, facts, energy, sold))
    return position, fields


def imported_credit(tables, project: Project, result: LandedCost, domestic: Position) -> tuple[Position, dict]:
    """An imported quote's position and the fields its document gains (net cost against the domestic one)."""
    position = entry_position(tables, project, result)
    net, dom_net = position.net_cost, domestic.net_cost
    difference = net - dom_net
    break_even = _break_even(result, position, dom_net - net)
    fields = OrderedDict(
        credit=position_doc(position), net_cost=fmt_money(net),
        net_per_kwh=_per_kwh(net, result.totals.energy_kwh or None),
        net_difference_vs_domestic=fmt_money(difference),
        net_cheaper="domestic" if difference > 0 else "imported" if difference < 0 else "equal",
        break_even_additional_rate_net=fmt_decimal(rate6(break_even)) if break_even is not None else None,
    )
    return position, fields


def _break_even(result: LandedCost, position: Position, gap: Decimal) -> Decimal | None:
    eligible = {x.id for x in position.items if x.klass != "not_eligible"}
    dutiable = sum((x.priced.dutiable for x in result.lines), ZERO)
    dutiable_eligible = sum((x.priced.dutiable for x in result.lines if x.priced.line.id in eligible), ZERO)
    denominator = dutiable - position.assumed.rate * dutiable_eligible
    return gap / denominator if denominator else None


def _per_kwh(amount: Decimal, energy) -> str | None:
    return fmt_decimal(per_unit(amount, energy)) if energy else None
