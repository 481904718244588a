"""The tables as browsable documents: measures with their dated history, and
covered HTS lines with their dated column 1 rates.

Plain dicts of strings, in the field order the API serves.
"""
from __future__ import annotations

import difflib
from collections import OrderedDict
from datetime import date

from service.model import hts
from service.model.errors import NotCovered
from service.model.money import fmt_decimal


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def value_doc(v) -> dict:
    doc = OrderedDict(**{"from": _iso(v.start), "to": _iso(v.end)})
    doc["heading"] = v.heading
    doc["rate"] = fmt_decimal(v.rate) if v.rate is not None else None
    doc["all_in"] = fmt_decimal(v.all_in) if v.all_in is not None else None
    doc["value_base"] = v.base
    if v.case:
        doc["case"] = v.case
    if v.exporter_rates:
        doc["exporter_rates"] = [{"exporter": name, "rate": fmt_decimal(rate)} for name, rate in v.exporter_rates]
    if v.in_transit:
        t = v.in_transit
        doc["in_transit"] = {"loaded_before": _iso(t.loaded_before), "entered_before": _iso(t.entered_before),
                             "modes": sorted(t.modes), "heading": t.heading}
    if v.min_share is not None:
        doc["min_share"] = fmt_decimal(v.min_share)
    if v.threshold:
        doc["threshold"] = {"fact": v.threshold.fact, "at_least": fmt_decimal(v.threshold.at_least),
                            "default": v.threshold.default, "note": v.threshold.note}
    doc["citation"] = v.cite
    doc["url"] = v.url
    doc["confidence"] = v.confidence
    if v.note:
        doc["note"] = v.note
    doc["source"] = v.where
    return doc


def measure_doc(m) -> dict:
    doc = OrderedDict(
        id=m.id, program=m.program, kind=m.kind, title=m.title,
        hts_scope=None if "" in m.hts else [hts.dotted(p) for p in m.hts],
        hts_excluded=[hts.dotted(p) for p in m.exclude_hts],
        origins=sorted(m.origins) if m.origins is not None else None,
        origins_excluded=sorted(m.exclude_origins),
        condition=m.condition,
    )
    if m.replaces:
        doc["replaces"] = list(m.replaces)
    if m.exempts:
        doc["exempts"] = list(m.exempts)
    if m.requirements:
        facts = [{"fact": r.fact, "equals": r.equals, "default": r.default, "note": r.note} for r in m.requirements]
        doc["requires"] = facts[0]
        doc["requires_all"] = facts
    if m.open_question:
        doc["open_question"] = m.open_question
    doc["source"] = m.where
    doc["values"] = [value_doc(v) for v in m.values]
    return doc


def find_measures(tables, program: str | None = None, hts_digits: str | None = None,
                  origin: str | None = None, on: date | None = None) -> list:
    """Measures filtered by program, an HTS code in scope, an origin and a day in force."""
    if hts_digits:
        found = tables.candidates(hts_digits)
    else:
        found = list(tables.measures.values())
    if program:
        found = [m for m in found if m.program == program]
    if origin:
        found = [m for m in found if m.kind == "exemption" or m.matches_origin(origin)]
    if on:
        found = [m for m in found if m.value_on(on) is not None]
    return sorted(found, key=lambda m: m.id)


def get_measure(tables, measure_id: str):
    m = tables.measures.get(measure_id)
    if m is None:
        close = difflib.get_close_matches(measure_id, list(tables.measures), n=8, cutoff=0.5)
        hint = ("closest measure ids: " + ", ".join(close)) if close else "see GET /v1/measures for every id"
        raise NotCovered(f"no measure {measure_id!r} in the tariff tables", hint=hint, field="id")
    return m


def hts_doc(line) -> dict:
    return OrderedDict(
        hts=line.code, description=line.description, unit=line.unit,
        note=line.note,
        source=line.where,
        rates=[OrderedDict(**{"from": _iso(r.start), "to": _iso(r.end)}, general=r.general.text,
                           special=r.special_text, citation=r.cite, url=r.url, confidence=r.confidence)
               for r in line.rates],
    )


def find_hts(tables, prefix: str | None = None, words: str | None = None) -> list:
    """The covered lines in code order: under ``prefix`` (digits), holding every one of ``words`` in the
    description or note (case-insensitive; ``lithium battery`` finds "Lithium-ion ... batteries")."""
    lines = sorted(tables.lines.values(), key=lambda line: line.digits)
    if prefix:
        lines = [line for line in lines if line.digits.startswith(prefix)]
    for word in (words or "").lower().split():
        lines = [line for line in lines if word in f"{line.description} {line.note or ''}".lower()]
    return lines


def get_hts(tables, digits: str):
    return tables.line_for(digits)
