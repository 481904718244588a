"""What the credit position needs from the caller, checked field by field.

``project`` (on ``POST /v1/landed-cost`` and ``POST /v1/compare``): the day
construction began (required: every credit value is keyed by it), whether the
prevailing wage and apprenticeship requirements are met, whether the project
is in an energy community, its capacity, and the project costs outside the
quoted bill (installation and other costs in the basis; other manufactured
products, with their PFE and US-made parts, for the material assistance cost
ratio and the domestic-content test).  A yes/no fact not given is ``None``:
the position takes a documented assumption and gives the range.

The domestic quote's own credit facts (``domestic.credit``): the share of its
manufactured-product cost attributable to prohibited foreign entities and the
share made in the United States, and what its maker makes here (45X context).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.model.errors import ErrorCollector, InputError
from service.model.money import ZERO, parse_amount
from service.model.incentives import read_yes_no
from service.engine.line_input import parse_date

PROJECT_FIELDS = ("construction_start", "placed_in_service", "prevailing_wage", "energy_community", "capacity_mw",
                  "other_basis_costs", "other_manufactured_costs", "other_manufactured_pfe_costs",
                  "other_manufactured_us_costs", "steel_iron_us", "taxpayer_foreign_entity", "note")

DOMESTIC_CREDIT_FIELDS = ("pfe_share", "us_manufactured_share", "maker_components", "maker_pfe_share")
MAKER_COMPONENTS = ("battery_cell", "battery_module", "battery_module_without_cells")
FIRST_48E_PLACED_IN_SERVICE = date(2025, 1, 1)   # 48E: property placed in service after 2024-12-31


@dataclass(frozen=True)
class Project:
    construction_start: date
    placed_in_service: date | None
    prevailing_wage: str | None          # yes / no / None (not given)
    energy_community: str | None
    capacity_mw: Decimal | None
    other_basis: Decimal                 # installation and other costs in the basis (not manufactured products)
    other_manufactured: Decimal          # manufactured products bought outside the quoted bill
    other_manufactured_pfe: Decimal
    other_manufactured_us: Decimal
    taxpayer_foreign_entity: str | None
    steel_iron_us: str | None = None     # the structural steel/iron outside the bill (foundations...) US-produced

    @property
    def other_costs(self) -> Decimal:
        return self.other_basis + self.other_manufactured


@dataclass(frozen=True)
class DomesticCredit:
    pfe_share: Decimal | None            # of its cost, attributable to prohibited foreign entities
    us_share: Decimal | None             # of its cost, US-made manufactured products (domestic content)
    maker_components: tuple[str, ...]    # what its maker makes in the US (45X context)
    maker_pfe_share: Decimal | None


def parse_project(raw) -> Project | None:
    """The ``project`` object, or None when the caller gave none (no credit position then)."""
    if raw is None:
        return None
    errors = ErrorCollector()
    if not isinstance(raw, dict):
        raise InputError.field("project", "must be an object with construction_start (and the credit facts)")
    scoped = errors.scoped("project")
    for key in sorted(str(k) for k in raw if k not in PROJECT_FIELDS):
        scoped.add(key[:40], "unknown field; known: " + ", ".join(PROJECT_FIELDS))
    start = _date(raw, "construction_start", scoped, required=True)
    in_service = _date(raw, "placed_in_service", scoped)
    if start and in_service and in_service < start:
        scoped.add("placed_in_service", "must not be before construction_start")
    if in_service and in_service < FIRST_48E_PLACED_IN_SERVICE:
        scoped.add("placed_in_service", "section 48E applies to property placed in service after 2024-12-31; "
                                        "the section 48 credit for earlier property is not in the tables")
    yes_no = {k: _yes_no(raw, k, scoped) for k in ("prevailing_wage", "energy_community", "taxpayer_foreign_entity",
                                                  "steel_iron_us")}
    amounts = {k: _amount(raw, k, scoped) for k in PROJECT_FIELDS if k.startswith("other_")}
    capacity = _capacity(raw, scoped)
    if amounts["other_manufactured_pfe_costs"] + amounts["other_manufactured_us_costs"] > \
            amounts["other_manufactured_costs"]:
        scoped.add("other_manufactured_costs", "must be at least other_manufactured_pfe_costs + "
                                               "other_manufactured_us_costs (parts of it)")
    if raw.get("note") is not None and (not isinstance(raw["note"], str) or len(raw["note"]) > 500):
        scoped.add("note", "must be text of at most 500 characters")
    errors.raise_if_any("invalid project")
    return Project(start, in_service, yes_no["prevailing_wage"], yes_no["energy_community"], capacity,
                   amounts["other_basis_costs"], amounts["other_manufactured_costs"],
                   amounts["other_manufactured_pfe_costs"], amounts["other_manufactured_us_costs"],
                   yes_no["taxpayer_foreign_entity"], yes_no["steel_iron_us"])


def parse_domestic_credit(raw) -> DomesticCredit:
    """``domestic.credit``: the domestic package's PFE and US-made shares and its maker's components."""
    raw = raw if raw is not None else {}
    errors = ErrorCollector()
    scoped = errors.scoped("domestic.credit")
    if not isinstance(raw, dict):
        raise InputError.field("domestic.credit", "must be an object: " + ", ".join(DOMESTIC_CREDIT_FIELDS))
    for key in sorted(str(k) for k in raw if k not in DOMESTIC_CREDIT_FIELDS):
        scoped.add(key[:40], "unknown field; known: " + ", ".join(DOMESTIC_CREDIT_FIELDS))
    shares = {k: _share(raw, k, scoped) for k in ("pfe_share", "us_manufactured_share", "maker_pfe_share")}
    components = raw.get("maker_components", [])
    if not isinstance(components, list) or any(c not in MAKER_COMPONENTS for c in components):
        scoped.add("maker_components", "must be a list of " + ", ".join(MAKER_COMPONENTS))
        components = []
    if "battery_module" in components and "battery_module_without_cells" in components:
        scoped.add("maker_components", "a module either uses cells (battery_module) or not "
                                       "(battery_module_without_cells), not both")
    if shares["pfe_share"] is not None and shares["us_manufactured_share"] is not None and \
            shares["pfe_share"] + shares["us_manufactured_share"] > 1:
        scoped.add("us_manufactured_share", "pfe_share + us_manufactured_share must not exceed 1 "
                                            "(a PFE-made product is not counted as US-made here)")
    errors.raise_if_any("invalid domestic credit facts")
    return DomesticCredit(shares["pfe_share"], shares["us_manufactured_share"], tuple(dict.fromkeys(components)),
                          shares["maker_pfe_share"])


# ------------------------------------------------------------------ fields

def _date(raw: dict, key: str, errors: ErrorCollector, required: bool = False) -> date | None:
    if raw.get(key) is None:
        if required:
            errors.add(key, "missing required field (every credit value is keyed by the day construction began)")
        return None
    return errors.guard(key, parse_date, raw[key], key)


def _yes_no(raw: dict, key: str, errors: ErrorCollector) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    answer = read_yes_no(value)
    if answer is None:
        errors.add(key, "give yes or no")
    return answer


def _capacity(raw: dict, errors: ErrorCollector) -> Decimal | None:
    """The project's capacity in MW (a plain number above zero), or None."""
    if raw.get("capacity_mw") is None:
        return None
    value = errors.guard("capacity_mw", parse_amount, raw["capacity_mw"], "capacity_mw", None)
    if value is not None and value <= 0:
        errors.add("capacity_mw", "must be above 0 (megawatts)")
        return None
    return value


def _amount(raw: dict, key: str, errors: ErrorCollector) -> Decimal:
    if raw.get(key) is None:
        return ZERO
    value = errors.guard(key, parse_amount, raw[key], key)
    return value if value is not None else ZERO


def _share(raw: dict, key: str, errors: ErrorCollector) -> Decimal | None:
    if raw.get(key) is None:
        return None
    text = raw[key]
    percent = isinstance(text, str) and text.strip().endswith("%")
    value = errors.guard(key, parse_amount, text.strip()[:-1] if percent else text, key, None)
    if value is None:
        return None
    value = value / 100 if percent else value
    if value > 1:
        errors.add(key, "must be a fraction from 0 to 1 (0.4) or a percentage (40%)")
        return None
    return value
