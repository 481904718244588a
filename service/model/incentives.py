"""Incentive tables: tax credits a project or a maker may claim, as dated, cited values.

``tariff_tables/incentives/*.yaml`` holds one file per credit (the 48E
investment credit for energy storage, the 45X production credit for battery
components).  Each file names the project date that selects its values
(``keyed_by``: the day construction began, or the day a component is sold)
and a list of parameters, each a series of dated values (from inclusive, to
exclusive), every value with its citation and confidence.  The engine
(:mod:`service.engine.credit`) reads them; nothing here knows a rate.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.model.errors import InputError
from service.model.money import fmt_decimal

KEYED_BY = ("construction_start", "sold")
# What a bill line is for the credit: a manufactured product (MACR and the domestic-content
# manufactured-products test), structural steel or iron (the domestic-content steel/iron test),
# or not part of the energy storage property (not in the basis, MACR or domestic content).
CREDIT_CLASSES = ("manufactured_product", "steel_iron", "not_eligible")
UNITS = ("fraction", "usd_per_kwh")
# The tables the credit engine reads, and the parameters each must have.
REQUIRED = {
    "itc_48e_storage": ("base_rate", "increased_rate", "domestic_content_bonus_base",
                        "domestic_content_bonus_increased", "energy_community_bonus_base",
                        "energy_community_bonus_increased", "phase_down", "domestic_content_manufactured_share",
                        "domestic_content_steel_iron_share", "macr_threshold"),
    "pc_45x_battery": ("battery_cell_per_kwh", "battery_module_per_kwh", "battery_module_without_cells_per_kwh",
                       "electrode_active_materials_rate", "phase_out", "macr_threshold"),
}


YES_NO = {"yes": "yes", "no": "no", "true": "yes", "false": "no"}


def read_yes_no(value) -> str | None:
    """A credit fact's yes or no (true/false read as yes/no, any case); None for anything else."""
    return YES_NO.get(str(value).strip().lower()) if isinstance(value, (str, bool)) else None


@dataclass(frozen=True)
class Cited:
    """A citation with its confidence (and, for a rule, what it says)."""
    cite: str
    confidence: str
    note: str | None = None

    def doc(self) -> dict:
        out = {"citation": self.cite, "confidence": self.confidence}
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class IncentiveValue:
    start: date
    end: date | None
    value: Decimal
    cite: str
    confidence: str
    where: str
    checked: str | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Parameter:
    id: str
    unit: str
    description: str
    values: tuple[IncentiveValue, ...]
    where: str

    def value_on(self, day: date) -> IncentiveValue | None:
        return next((v for v in self.values if v.covers(day)), None)

    def boundaries(self) -> list[date]:
        return sorted({d for v in self.values for d in (v.start, v.end) if d is not None})


@dataclass(frozen=True)
class IncentiveTable:
    id: str
    title: str
    keyed_by: str
    basis: Cited
    basis_rule: Cited | None
    parameters: dict[str, Parameter]
    where: str

    def value(self, parameter: str, day: date, field: str) -> "Used":
        """The value of ``parameter`` on ``day``; a day the table does not cover is the caller's error on ``field``."""
        p = self.parameters[parameter]
        v = p.value_on(day)
        if v is None:
            first = p.values[0].start
            raise InputError.field(field, (
                f"{self.title}: the tables hold {parameter.replace('_', ' ')} for {self.keyed_by.replace('_', ' ')} "
                f"dates from {first}; {day} is not covered"))
        return Used(self.id, p, v)


@dataclass(frozen=True)
class Used:
    """One table value a result relied on (reported with its citation)."""
    table: str
    parameter: Parameter
    value_row: IncentiveValue

    @property
    def value(self) -> Decimal:
        return self.value_row.value

    def doc(self) -> dict:
        v = self.value_row
        return {"table": self.table, "parameter": self.parameter.id, "value": fmt_decimal(v.value),
                "unit": self.parameter.unit, "from": v.start.isoformat(),
                "to": v.end.isoformat() if v.end else None, "citation": v.cite, "confidence": v.confidence}
