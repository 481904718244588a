"""Project templates: typical bills of lines for four kinds of purchase.

``tariff_tables/projects/*.yaml`` holds a lithium-ion cell order, a graphite
anode material order, a structural steel order and a BESS project, each a
list of lines with an HTS code, a unit, a default quantity, energy per unit
and typical content shares.  Shares and quantities are planning assumptions,
not legal facts: every entry priced from a template says so, and a caller
overrides any line (``fill``) with the supplier's own figures.

``expand(template, fill, defaults)`` turns a template and the caller's
quantities, prices and origins into plain entry lines.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from service.model import hts
from service.model.errors import InputError, NotCovered
from service.model.money import fmt_decimal

SHARES = ("steel_content_share", "aluminum_content_share", "copper_content_share", "us_content_share",
          "aam_content_share")


@dataclass(frozen=True)
class TemplateLine:
    id: str
    description: str
    hts: str
    unit: str
    quantity: Decimal
    energy_kwh_per_unit: Decimal | None
    shares: tuple[tuple[str, Decimal], ...]
    facts: tuple[tuple[str, str], ...]
    note: str | None
    where: str
    credit_class: str | None = None    # manufactured_product, steel_iron, not_eligible (credit position)


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    description: str
    basis: str
    unit: str
    lines: tuple[TemplateLine, ...]
    where: str

    def line(self, line_id: str) -> TemplateLine | None:
        return next((x for x in self.lines if x.id == line_id), None)

    def doc(self) -> dict:
        energy = sum((x.quantity * x.energy_kwh_per_unit for x in self.lines if x.energy_kwh_per_unit),
                     Decimal(0))
        return OrderedDict(
            id=self.id, title=self.title, description=self.description, basis=self.basis, unit=self.unit,
            energy_kwh=fmt_decimal(energy) if energy else None, source=self.where,
            lines=[OrderedDict(
                id=x.id, description=x.description, hts=hts.dotted(x.hts), unit=x.unit, quantity=fmt_decimal(x.quantity),
                energy_kwh_per_unit=fmt_decimal(x.energy_kwh_per_unit) if x.energy_kwh_per_unit else None,
                **{name: fmt_decimal(value) for name, value in x.shares},
                facts=dict(x.facts), credit_class=x.credit_class, note=x.note) for x in self.lines],
        )


def get_template(tables, template_id: str) -> Template:
    t = tables.templates.get(template_id) if isinstance(template_id, str) else None
    if t is None:
        raise NotCovered(f"no project template {str(template_id)[:60]!r}",
                         hint="templates: " + ", ".join(sorted(tables.templates)), field="template")
    return t


LINE_OVERRIDES = {"description", "hts", "origin", "quantity", "unit", "unit_price", "currency", "incoterm",
                  "energy_kwh_per_unit", "weight_kg", "preference", "exporter", "facts", "claims", "omit",
                  "credit_class", "supplier_pfe", *SHARES}


def expand(template: Template, fill: dict | None, defaults: dict) -> list[dict]:
    """Entry lines from a template: template values, then ``defaults``
    (origin, currency, incoterm for every line), then ``fill[line_id]``."""
    fill = fill or {}
    if not isinstance(fill, dict):
        raise InputError.field("fill", "must be an object keyed by template line id")
    unknown = sorted(k for k in fill if template.line(k) is None)
    if unknown:
        raise InputError.field("fill", f"unknown line id(s) {', '.join(map(str, unknown))} in template "
                                       f"{template.id}; lines: {', '.join(x.id for x in template.lines)}")
    out = []
    for x in template.lines:
        override = fill.get(x.id, {})
        if not isinstance(override, dict):
            raise InputError.field(f"fill.{x.id}", "must be an object")
        bad = sorted(k for k in override if k not in LINE_OVERRIDES)
        if bad:
            raise InputError.field(f"fill.{x.id}", f"unknown field(s): {', '.join(bad)}")
        if "omit" in override and not isinstance(override["omit"], bool):
            raise InputError.field(f"fill.{x.id}.omit", "must be true or false")
        if override.get("omit") is True:
            continue
        line = {"id": x.id, "description": x.description, "hts": hts.dotted(x.hts), "unit": x.unit,
                "quantity": fmt_decimal(x.quantity), "template_line": f"{template.id}/{x.id}"}
        if x.energy_kwh_per_unit:
            line["energy_kwh_per_unit"] = fmt_decimal(x.energy_kwh_per_unit)
        for name, value in x.shares:
            line[name] = fmt_decimal(value)
        if x.facts:
            line["facts"] = dict(x.facts)
        if x.credit_class:
            line["credit_class"] = x.credit_class
        line.update({k: v for k, v in defaults.items() if v is not None})
        line.update({k: v for k, v in override.items() if k != "omit"})
        out.append(line)
    if not out:
        raise InputError.field("fill", "every template line was omitted")
    return out
