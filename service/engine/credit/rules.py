"""The credit position of a storage project bought on one quote (26 U.S.C. 48E).

For a bill (the quote's lines, each with its acquisition cost, its credit
class and whether its supplier is a prohibited foreign entity) and a project
(construction start, wage and energy-community facts, the costs outside the
bill), in named steps:

1. the table values in force on the construction start (``incentives/``);
2. the eligible basis: each eligible line's landed cost (price, duties,
   fees, freight and other costs, all capitalized acquisition costs) plus the
   project's other costs;
3. the material assistance cost ratio (MACR) over the manufactured products:
   (total direct costs - PFE direct costs) / total direct costs, against the
   threshold for the construction year; below it the property is not energy
   storage technology and earns nothing (48E(c)(3));
4. the domestic-content test: every structural steel/iron line US-produced
   and the US-made share of the manufactured products at least the adjusted
   percentage;
5. the rate: phase-down x (6% or 30% + bonuses), zero if MACR fails or the
   taxpayer is a specified foreign entity or foreign-influenced entity;
6. credit = basis x rate, to the cent; net cost = landed cost + other
   project costs - credit.

A fact the caller did not give takes a documented assumption (reported) and
the position is also computed at the worst and best value of each missing
fact: the credit is monotone in each (more PFE cost, less credit; US-made,
wages met, energy community: more), so the extremes give the range.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from service.model.errors import InputError
from service.model.incentives import Cited, Used
from service.model.money import ZERO, cents
from service.engine.credit.inputs import Project

TABLE = "itc_48e_storage"
COVERED_NATIONS = frozenset({"CN", "RU", "IR", "KP"})   # 26 U.S.C. 7701(a)(51)(I)(ii), 10 U.S.C. 4872(f)(2)


@dataclass(frozen=True)
class Item:
    """One cost of the bill for the credit: a line, the domestic package, or the project's other products."""
    id: str
    cost: Decimal                      # acquisition cost (landed cost) in USD
    klass: str                         # manufactured_product / steel_iron / not_eligible
    pfe: Decimal | None                # share of the cost from a prohibited foreign entity (None: not given)
    pfe_assumed: Decimal               # the documented assumption when not given
    us: Decimal | None                 # share of the cost US-made (domestic content); None: not given
    us_assumed: Decimal
    why_pfe: str = ""                  # how the assumption was made


@dataclass(frozen=True)
class Facts:
    """One assignment of the facts the credit reads (given, assumed, or an extreme of the range)."""
    pfe: str = "assumed"               # assumed / none / all: for every item whose PFE share is not given
    us: str = "assumed"                # assumed / none / all: for every item whose US share is not given
    prevailing_wage: str = "yes"
    energy_community: str = "no"
    under_1mw: str = "no"              # capacity under 1 MW (the 30% rate without the wage requirements)
    steel_iron_us: str = "yes"         # the project's structural steel/iron outside the bill is US-produced
    foreign_entity: str = "no"         # the taxpayer is a specified foreign entity or foreign-influenced entity

FACT_FIELDS = ("pfe", "us", "prevailing_wage", "energy_community", "under_1mw", "steel_iron_us", "foreign_entity")


@dataclass(frozen=True)
class Outcome:
    facts: Facts
    basis: Decimal
    macr: Decimal | None
    macr_passes: bool
    steel_iron_passes: bool
    us_share: Decimal | None
    manufactured_passes: bool
    rate: Decimal
    parts: tuple[tuple[str, Decimal], ...]   # (base rate, bonuses, phase-down) that make the rate
    credit: Decimal

    @property
    def domestic_content(self) -> bool:
        return self.steel_iron_passes and self.manufactured_passes


@dataclass(frozen=True)
class Values:
    """The 48E table values on the construction start, the table's title and its basis rule."""
    used: dict[str, Used]
    title: str
    basis_rule: Cited | None

    def __getitem__(self, name: str) -> Decimal:
        return self.used[name].value


def values_on(tables, project: Project) -> Values:
    table = tables.incentives.get(TABLE)
    if table is None:
        raise InputError.field("project", "the tables hold no incentives/itc_48e_storage.yaml: no credit position")
    used = {n: table.value(n, project.construction_start, "project.construction_start") for n in table.parameters}
    return Values(used, table.title, table.basis_rule)


def evaluate(values: Values, project: Project, items: list[Item], facts: Facts) -> Outcome:
    """The credit for one assignment of the facts."""
    basis = sum((x.cost for x in items if x.klass != "not_eligible"), ZERO) + project.other_costs
    macr = _macr(items, project, facts)
    threshold = values["macr_threshold"]
    macr_passes = threshold == 0 or macr is None or macr >= threshold
    steel_required = values["domestic_content_steel_iron_share"]
    steel_ok = facts.steel_iron_us == "yes" and all(
        _share(x.us, x.us_assumed, facts.us) >= steel_required for x in items if x.klass == "steel_iron")
    us_share = _us_share(items, project, facts)
    manufactured_ok = us_share is not None and us_share >= values["domestic_content_manufactured_share"]
    tier = "increased" if facts.prevailing_wage == "yes" or facts.under_1mw == "yes" else "base"
    parts = [(f"{tier}_rate", values[f"{tier}_rate"])]
    if steel_ok and manufactured_ok:
        parts.append((f"domestic_content_bonus_{tier}", values[f"domestic_content_bonus_{tier}"]))
    if facts.energy_community == "yes":
        parts.append((f"energy_community_bonus_{tier}", values[f"energy_community_bonus_{tier}"]))
    rate = sum((v for _, v in parts), ZERO) * values["phase_down"]
    parts.append(("phase_down", values["phase_down"]))
    if not macr_passes or facts.foreign_entity == "yes":
        rate = ZERO
    return Outcome(facts, basis, macr, macr_passes, steel_ok, us_share, manufactured_ok, rate, tuple(parts),
                   cents(basis * rate))


def assumed_facts(project: Project) -> Facts:
    """The documented assumptions for facts not given (each reported by the position's document)."""
    small = "no" if project.capacity_mw is None else "yes" if project.capacity_mw < 1 else "no"
    return Facts("assumed", "assumed", project.prevailing_wage or "yes", project.energy_community or "no", small,
                 project.steel_iron_us or "yes", project.taxpayer_foreign_entity or "no")


def extremes(project: Project, items: list[Item]) -> dict[str, tuple[Facts, Facts]]:
    """Per missing fact, the (worst, best) assignment holding the others at their assumption."""
    base = assumed_facts(project)
    out = {}
    if any(x.pfe is None for x in items if x.klass == "manufactured_product"):
        out["supplier_pfe"] = (replace(base, pfe="all"), replace(base, pfe="none"))
    if any(x.us is None and x.klass != "not_eligible" for x in items):
        out["us_manufactured"] = (replace(base, us="none"), replace(base, us="all"))
    if project.prevailing_wage is None:
        out["prevailing_wage"] = (replace(base, prevailing_wage="no"), replace(base, prevailing_wage="yes"))
    if project.energy_community is None:
        out["energy_community"] = (replace(base, energy_community="no"), replace(base, energy_community="yes"))
    if project.capacity_mw is None and project.prevailing_wage == "no":
        out["capacity_mw"] = (replace(base, under_1mw="no"), replace(base, under_1mw="yes"))
    if project.steel_iron_us is None:
        out["steel_iron_us"] = (replace(base, steel_iron_us="no"), replace(base, steel_iron_us="yes"))
    if project.taxpayer_foreign_entity is None:
        out["taxpayer_foreign_entity"] = (replace(base, foreign_entity="yes"), replace(base, foreign_entity="no"))
    return out


def worst_and_best(project: Project, items: list[Item]) -> tuple[Facts, Facts]:
    """Every missing fact at its worst, and at its best (the credit is monotone in each)."""
    worst, best = assumed_facts(project), assumed_facts(project)
    for low, high in extremes(project, items).values():
        worst = replace(worst, **_moved(low, project))
        best = replace(best, **_moved(high, project))
    return worst, best


def _moved(facts: Facts, project: Project) -> dict:
    """The fields of ``facts`` that differ from the assumptions."""
    base = assumed_facts(project)
    return {k: getattr(facts, k) for k in FACT_FIELDS if getattr(facts, k) != getattr(base, k)}


def default_pfe(origin: str | None) -> tuple[Decimal, str]:
    """The assumption for a supplier whose PFE status is not given: by the origin of the goods."""
    if origin in COVERED_NATIONS:
        return Decimal(1), (f"origin {origin} is a covered nation (26 U.S.C. 7701(a)(51)(I)): a supplier there is "
                            "taken to be a prohibited foreign entity")
    return ZERO, (f"origin {origin}: the supplier is taken not to be a prohibited foreign entity (a plant owned "
                  "or controlled from a covered nation would be one)") if origin else (ZERO, "taken as not a PFE")


# ------------------------------------------------------------------ steps

def _macr(items: list[Item], project: Project, facts: Facts) -> Decimal | None:
    """(total direct costs - PFE direct costs) / total, over the manufactured products; None if there are none."""
    products, total = _products(items, project)
    if total == 0:
        return None
    pfe = sum((x.cost * _share(x.pfe, x.pfe_assumed, facts.pfe) for x in products), ZERO)
    return (total - pfe - project.other_manufactured_pfe) / total


def _us_share(items: list[Item], project: Project, facts: Facts) -> Decimal | None:
    """The US-made share of the manufactured products' cost (domestic content); None if there are none."""
    products, total = _products(items, project)
    if total == 0:
        return None
    us = sum((x.cost * _share(x.us, x.us_assumed, facts.us) for x in products), ZERO)
    return (us + project.other_manufactured_us) / total


def _products(items: list[Item], project: Project) -> tuple[list[Item], Decimal]:
    """The bill's manufactured products and their total cost with the project's other manufactured products."""
    products = [x for x in items if x.klass == "manufactured_product"]
    return products, sum((x.cost for x in products), ZERO) + project.other_manufactured


def _share(given: Decimal | None, assumed: Decimal, which: str) -> Decimal:
    if given is not None:
        return given
    return {"assumed": assumed, "none": ZERO, "all": Decimal(1)}[which]
