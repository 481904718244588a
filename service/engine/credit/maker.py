"""The 45X production credit a domestic maker may claim, shown as context on its quote.

It is the maker's credit, not the buyer's: it may explain a domestic price,
it does not lower the buyer's cost.  Per kWh: $35 for a battery cell, $10 for
a battery module using cells ($45 for one without), times the phase-out for
the year the component is sold, for makers whose components pass the
material assistance cost ratio for that year (``incentives/pc_45x_battery``).
"""
from __future__ import annotations

from collections import OrderedDict
from datetime import date
from decimal import Decimal

from service.model.money import ZERO, cents, fmt_decimal, fmt_money
from service.engine.credit.inputs import DomesticCredit

TABLE = "pc_45x_battery"
INTEGRATED_FROM = date(2027, 1, 1)   # 45X(d)(4)(B) as amended, Pub. L. 119-21 sec. 70514(f)(2) (calendar-year makers)
PER_KWH = {"battery_cell": "battery_cell_per_kwh", "battery_module": "battery_module_per_kwh",
           "battery_module_without_cells": "battery_module_without_cells_per_kwh"}


def maker_credit_doc(tables, facts: DomesticCredit, energy: Decimal | None, sold: date) -> OrderedDict | None:
    """The maker's 45X credit per kWh (and in total for the quote's energy), or None if no component is named."""
    table = tables.incentives.get(TABLE)
    if table is None or not facts.maker_components:
        return None
    field = "domestic.credit.maker_components"
    used = [table.value(PER_KWH[c], sold, field) for c in facts.maker_components]
    phase = table.value("phase_out", sold, field)
    threshold = table.value("macr_threshold", sold, field)
    per_kwh = sum((u.value for u in used), ZERO) * phase.value
    passes = None if facts.maker_pfe_share is None else (threshold.value == 0
                                                         or 1 - facts.maker_pfe_share >= threshold.value)
    if passes is False:
        per_kwh = ZERO
    conditions = [c for c in (_macr_condition(passes, sold, threshold.value), _stacking_condition(facts, sold)) if c]
    conditions.append("the maker is not a specified foreign entity or foreign-influenced entity (45X(d)(4)(A))")
    return OrderedDict(
        credit="45X", whose="the maker's credit, not the buyer's: context for the domestic price only",
        sold=sold.isoformat(), components=list(facts.maker_components),
        per_kwh=fmt_decimal(per_kwh), total=fmt_money(cents(per_kwh * energy)) if energy else None,
        macr_threshold=fmt_decimal(threshold.value), macr_passes=passes, conditions=conditions,
        assumption="sold: taken as the comparison's entry date (the domestic delivery)",
        values=[u.doc() for u in (*used, phase, threshold)],
    )


def _macr_condition(passes: bool | None, sold: date, threshold: Decimal) -> str | None:
    if passes is not None:
        return None
    return (f"the maker's material assistance cost ratio for components sold in {sold.year} is at least "
            f"{fmt_decimal(threshold)} (give domestic.credit.maker_pfe_share)")


def _stacking_condition(facts: DomesticCredit, sold: date) -> str | None:
    """Cell and module credits together: from taxable years beginning after 2026, only for integrated components."""
    if sold < INTEGRATED_FROM or not {"battery_cell", "battery_module"} <= set(facts.maker_components):
        return None
    return ("cell and module credits are both counted only if the module is made in the same facility and at least "
            "65% of its direct material costs are US-made primary components (45X(d)(4)(B), components sold in "
            "taxable years beginning after 2026-12-31); otherwise only the module's")
