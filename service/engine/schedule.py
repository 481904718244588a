"""One bill of lines across several planned entry dates (a delivery schedule).

Each shipment is priced under the tables in force on its own entry date.
Between consecutive shipments the result lists what changed for the bill's
lines: layers that start, end or change rate (from the quotes), and every
dated value of a measure in scope that starts or ends in between (from the
tables), with its citation.
"""
from __future__ import annotations

from collections import OrderedDict

from service.model.errors import InputError
from service.engine.landed_cost import landed_cost, parse_entry
from service.tables.documents import value_doc

MAX_SHIPMENTS = 24
MAX_LINE_PRICINGS = 10_000   # shipments x lines priced by one request


def schedule(tables, data) -> dict:
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", {"body": ["must be an object"]})
    shipments = data.get("shipments")
    if not isinstance(shipments, list) or not 1 <= len(shipments) <= MAX_SHIPMENTS:
        raise InputError.field("shipments", f"must be a list of 1 to {MAX_SHIPMENTS} shipments "
                                            "({entry_date, export_date?, loaded_date?, name?})")
    base = {k: v for k, v in data.items() if k != "shipments"}
    if "entry_date" in base:
        raise InputError.field("entry_date", "give each shipment its own entry_date")
    priced = []
    for i, s in enumerate(shipments):
        if not isinstance(s, dict) or set(s) - {"entry_date", "export_date", "loaded_date", "name"}:
            raise InputError.field(f"shipments.{i}", "must be an object with entry_date and optional "
                                                     "export_date, loaded_date, name")
        if s.get("name") is not None and (not isinstance(s["name"], str) or len(s["name"]) > 200):
            raise InputError.field(f"shipments.{i}.name", "must be text of at most 200 characters")
        try:
            entry = parse_entry(tables, {**base, **s})
        except InputError as exc:
            raise InputError(f"shipments.{i}: {exc.message}",
                             {f"shipments.{i}.{k}": v for k, v in exc.errors.items()}) from None
        if len(entry.lines) * len(shipments) > MAX_LINE_PRICINGS:
            raise InputError.field("shipments", f"shipments x lines may be at most {MAX_LINE_PRICINGS} per request "
                                                f"({len(shipments)} x {len(entry.lines)})")
        try:
            priced.append((entry, landed_cost(tables, entry)))
        except InputError as exc:
            raise InputError(f"shipments.{i}: {exc.message}",
                             {f"shipments.{i}.{k}": v for k, v in exc.errors.items()}) from None
    order = sorted(range(len(priced)), key=lambda k: priced[k][0].entry_date)
    out_shipments = []
    for k in order:
        entry, doc = priced[k]
        out_shipments.append(OrderedDict(
            index=k, name=shipments[k].get("name"), entry_date=doc["entry_date"], export_date=doc["export_date"],
            totals=doc["totals"], lines=[OrderedDict(id=x["id"], hts=x["hts"], origin=x["origin"],
                                                     dutiable_value=x["dutiable_value"], duty=x["duty"]["total"],
                                                     effective_rate=x["duty"]["effective_rate"],
                                                     landed_cost=x["landed_cost"],
                                                     headings=[layer["heading"] for layer in x["duty"]["layers"]])
                                         for x in doc["lines"]],
            assumptions=doc["assumptions"], warnings=doc["warnings"]))
    changes = []
    for a, b in zip(order, order[1:]):
        ea, da = priced[a]
        eb, db = priced[b]
        changes.append(OrderedDict(**{"from": da["entry_date"], "to": db["entry_date"]},
                                   layers=_layer_changes(da, db),
                                   measures=_measure_changes(tables, ea, ea.entry_date, eb.entry_date)))
    return OrderedDict(tables_version=tables.version, currency="USD", shipments=out_shipments, changes=changes)


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
        for m in tables.candidates_for(line.hts, line.origin):
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
