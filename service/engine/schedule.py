"""One bill of lines across several planned entry dates (a delivery schedule).

Each shipment is priced under the tables in force on its own entry date.
Between consecutive shipments the result lists what changed for the bill's
lines: layers that start, end or change rate (from the quotes), and every
dated value of a measure in scope that starts or ends in between (from the
tables), with its citation.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from service.model.errors import ErrorCollector, InputError
from service.engine.stacking import measures_for
from service.engine.entry import Entry, parse_entry
from service.engine.landed_cost import price_entry
from service.engine.landed_doc import entry_doc
from service.tables.documents import value_doc

MAX_SHIPMENTS = 24
MAX_LINE_PRICINGS = 10_000   # shipments x lines priced by one request


@dataclass(frozen=True)
class _Shipment:
    index: int                  # as given
    name: str | None
    entry: Entry
    doc: dict                   # its landed-cost document


def schedule(tables, data) -> dict:
    shipments = _priced_shipments(tables, data)
    changes = [OrderedDict(**{"from": a.doc["entry_date"], "to": b.doc["entry_date"]},
                           layers=_layer_changes(a.doc, b.doc),
                           measures=_measure_changes(tables, a.entry, a.entry.entry_date, b.entry.entry_date))
               for a, b in zip(shipments, shipments[1:])]
    return OrderedDict(tables_version=tables.version, currency="USD",
                       shipments=[_shipment_doc(s) for s in shipments], changes=changes)


def _priced_shipments(tables, data) -> list[_Shipment]:
    """Each shipment (the bill, with its own dates and name) priced; in entry-date order."""
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", {"body": ["must be an object"]})
    errors = ErrorCollector(fail_fast=True)
    shipments = data.get("shipments")
    if not isinstance(shipments, list) or not 1 <= len(shipments) <= MAX_SHIPMENTS:
        errors.add("shipments", f"must be a list of 1 to {MAX_SHIPMENTS} shipments "
                                "({entry_date, export_date?, loaded_date?, name?})")
    base = {k: v for k, v in data.items() if k != "shipments"}
    if "entry_date" in base:
        errors.add("entry_date", "give each shipment its own entry_date")
    priced = []
    for i, s in enumerate(shipments):
        if not isinstance(s, dict) or set(s) - {"entry_date", "export_date", "loaded_date", "name"}:
            errors.add(f"shipments.{i}", "must be an object with entry_date and optional "
                                         "export_date, loaded_date, name")
        if s.get("name") is not None and (not isinstance(s["name"], str) or len(s["name"]) > 200):
            errors.add(f"shipments.{i}.name", "must be text of at most 200 characters")
        try:
            entry = parse_entry(tables, {**base, **s})
        except InputError as exc:
            raise exc.under(f"shipments.{i}") from None
        if len(entry.lines) * len(shipments) > MAX_LINE_PRICINGS:
            errors.add("shipments", f"shipments x lines may be at most {MAX_LINE_PRICINGS} per request "
                                    f"({len(shipments)} x {len(entry.lines)})")
        try:
            result = price_entry(tables, entry)
        except InputError as exc:
            raise exc.under(f"shipments.{i}") from None
        priced.append(_Shipment(i, s.get("name"), entry, entry_doc(result)))
    return sorted(priced, key=lambda x: x.entry.entry_date)


def _shipment_doc(s: _Shipment) -> OrderedDict:
    doc = s.doc
    return OrderedDict(
        index=s.index, name=s.name, entry_date=doc["entry_date"], export_date=doc["export_date"],
        totals=doc["totals"], lines=[OrderedDict(id=x["id"], hts=x["hts"], origin=x["origin"],
                                                 dutiable_value=x["dutiable_value"], duty=x["duty"]["total"],
                                                 effective_rate=x["duty"]["effective_rate"],
                                                 landed_cost=x["landed_cost"],
                                                 headings=[layer["heading"] for layer in x["duty"]["layers"]])
                                     for x in doc["lines"]],
        assumptions=doc["assumptions"], warnings=doc["warnings"])


def _layers(doc) -> dict:
    out = {}
    for line in doc["lines"]:
        for layer in line["duty"]["layers"]:
            out[(line["id"], layer["measure_id"])] = layer
    return out


def _layer_changes(da, db) -> list[dict]:
    la, lb = _layers(da), _layers(db)
    out = []
    for key in sorted(set(la) | set(lb)):
        a, b = la.get(key), lb.get(key)
        line_id, measure_id = key
        if a and not b:
            out.append({"line": line_id, "measure_id": measure_id, "change": "ends", "heading": a["heading"],
                        "rate_before": a["rate"], "rate_after": None})
        elif b and not a:
            out.append({"line": line_id, "measure_id": measure_id, "change": "starts", "heading": b["heading"],
                        "rate_before": None, "rate_after": b["rate"]})
        elif a["rate"] != b["rate"] or a["heading"] != b["heading"] or a["value_base"] != b["value_base"]:
            out.append({"line": line_id, "measure_id": measure_id, "change": "changes", "heading": b["heading"],
                        "rate_before": a["rate"], "rate_after": b["rate"]})
    return out


def _measure_changes(tables, entry, start, end) -> list[dict]:
    """Dated values of in-scope measures that start or end in (start, end]."""
    seen = OrderedDict()
    for line in entry.lines:
        for m in measures_for(tables, line.hts, line.origin):
            if not m.matches_origin(line.origin):  # exemptions come for every origin; keep the relevant ones
                continue
            for v in m.values:
                for kind, day in (("starts", v.start), ("ends", v.end)):
                    if day and start < day <= end:
                        key = (m.id, v.start, kind)
                        if key not in seen:
                            seen[key] = OrderedDict(day=day.isoformat(), change=kind, measure_id=m.id,
                                                    program=m.program, kind=m.kind, **value_doc(v))
    return sorted(seen.values(), key=lambda d: (d["day"], d["measure_id"]))


__all__ = ["schedule"]
