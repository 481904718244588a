"""An audit as spreadsheet rows (``POST /v1/audit.csv``, ``tariff-stack audit``): one row per line and heading.

Safe to sum: every amount column (``paid``, ``assessed``, ``owed``,
``refundable``, ``closed``, ``contested``, ``contingent``, ``underpaid``,
``unmatched``, ``interest``)
sums to the audit's total, since each heading of each line is one row and
there is no total row.  What belongs to a line (its customs value, effective
rate, assumptions and warnings) is on the line's first row; what belongs to
the whole audit (the ``total_*`` columns, the dates, the audit's assumptions
and warnings) is on the first row of the table.  A line with no heading
(nothing assessed, nothing paid) is one ``none`` row, so it is still listed.
"""
from __future__ import annotations

from service.render.spreadsheet import NOTE_SEPARATOR, _assumption_text, _first, _notes

AMOUNTS = ("paid", "assessed", "owed", "refundable", "closed", "contested", "contingent", "underpaid", "unmatched",
           "interest")


def audit_rows(doc: dict) -> list[dict]:
    """Each line's rows, and a line not audited as one ``error`` row, in the order of the request."""
    rows = []
    skipped = iter(doc.get("not_audited", ()))
    pending = next(skipped, None)
    for line in doc["lines"]:
        while pending is not None and pending["index"] < line["index"]:
            rows.append(not_audited_row(pending))
            pending = next(skipped, None)
        rows.extend(line_rows(line, doc["currency"]))
    while pending is not None:
        rows.append(not_audited_row(pending))
        pending = next(skipped, None)
    return with_audit_cells(rows, doc)


def not_audited_row(x: dict) -> dict:
    """A line the tables do not cover, as ``tariff-stack audit`` writes it: one error row, no amounts."""
    return {"row_type": "error", "line": x["index"], "entry_number": x["entry_number"],
            "line_number": x["line_number"], "status": x["code"],
            "error": x["message"] + (f" ({x['hint']})" if x.get("hint") else "")}


def with_audit_cells(rows: list[dict], doc: dict) -> list[dict]:
    """The audit's own cells (totals, dates, assumptions, warnings) on the first of ``rows``."""
    t = doc["totals"]
    return _first(rows, **{f"total_{name}": t[name] for name in AMOUNTS if name != "assessed"},
                  audit_date=doc["audit_date"], interest_to=doc["interest_to"],
                  assumptions=_notes(doc["assumptions"], _assumption_text), warnings=_notes(doc["warnings"], str))


def line_rows(line: dict, currency: str = "USD") -> list[dict]:
    """One audited line (its JSON document) as rows: one per heading, the line's own cells on the first."""
    liq = line["liquidation"]
    common = {"line": line["index"], "entry_number": line["entry_number"], "line_number": line["line_number"],
              "hts": line["hts"], "origin": line["origin"], "entry_date": line["entry_date"],
              "deposit_date": line["deposit_date"], "liquidation_status": liq["status"],
              "liquidation_date": liq["date"], "liquidation_assumed": "yes" if liq["assumed"] else "no",
              "currency": currency, "status": "ok"}
    rows = [{**common, **heading_cells(h)} for h in line["headings"]]
    if not rows:
        rows = [{**common, "row_type": "none", **dict.fromkeys(AMOUNTS, "0.00"),
                 "reasons": "nothing assessed and nothing paid"}]
    return _first(rows, customs_value=line["customs_value"], effective_rate=line["effective_rate"],
                  line_assumptions=_notes(line["assumptions"], _assumption_text),
                  line_warnings=_notes(line["warnings"], str))


def heading_cells(h: dict) -> dict:
    cells = {"row_type": "heading", "heading": h["heading"], "program": h["program"], "measure_id": h["measure_id"],
             "treatment": h["treatment"], **{name: h[name] for name in AMOUNTS}, "citation": h["citation"],
             "confidence": h["confidence"], "reasons": NOTE_SEPARATOR.join(h["reasons"]) or None}
    if h.get("legal_status"):
        cells["legal_state"] = f"{h['legal_status']['state']} since {h['legal_status']['since']}"
    for kind in ("refund", "contingent", "underpaid"):
        route = h.get(f"{kind}_route")
        if route:
            cells[f"{kind}_route"] = route["route"]
            cells[f"{kind}_closes"] = route["closes"]
            if kind == "refund":
                cells["refund_status"] = route["status"]
    return cells


__all__ = ["audit_rows", "with_audit_cells", "line_rows", "heading_cells", "not_audited_row", "AMOUNTS"]
