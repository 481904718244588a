"""Tabular renderings for spreadsheet connectors: CSV, TSV, HTML and .iqy.

Every resource of the API has a fixed column list here (documented in
``openapi.yaml`` as ``x-columns``, append-only).  Conventions, for Excel Power
Query, Excel web queries and Google Sheets ``IMPORTDATA``/``IMPORTHTML``:

* a header row, always;
* safe to sum: one row per data item (a duty layer, an entry line, a quote,
  an interval, a shipment's line) and nothing else; no total row.  What
  belongs to the whole document (totals, effective rate, what was not
  applied, assumptions, warnings) is in the appended ``total_*`` and note
  columns, filled on the document's *first* row and empty on the others, so
  ``SUM`` over any column counts each amount once and a pivot table sees
  only data rows;
* HTS codes and Chapter 99 headings in dotted form (``8507.60.00.20``), which
  spreadsheets keep as text; HTS *prefixes* in scope lists end with ``*``;
* rates as fractions (``0.25``), amounts as plain numbers (``.`` decimal, no
  thousands separators, no currency symbols), dates ISO ``YYYY-MM-DD``;
* free-text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return get a leading ``'`` so no spreadsheet evaluates them as a formula
  (OWASP ASVS 5.0, 1.2.10).  Number, date and code columns are not touched;
* an error is a table too (``error`` columns), so a connector that shows
  only cells can show the reason;
* the tables' stamp (version, as-of date, age in days) is never a row: it is in
  the appended ``tables_version``, ``as_of``, ``age_days`` columns of the first
  row (health and error: their own columns), in headers, and after an HTML table.

Plain Python: the web layer picks the format and sets the headers.
"""
from __future__ import annotations

import csv
import html
import io
from urllib.parse import urlencode

from service.engine.landed_parts import LandedCost
from service.model.money import fmt_money
from service.render.columns import COLUMNS, TEXT, Column

FORMATS = ("json", "csv", "tsv", "html", "iqy")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "iqy": "text/x-ms-iqy; charset=utf-8",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")



def neutralise(text: str) -> str:
    """Prefix a formula-looking text cell with ``'``.

    Formula-looking: it starts with ``= + - @``, a tab or a carriage return,
    or it does once leading whitespace and control characters are dropped
    (``"\n=1+1"``, ``" =1+1"``): TSV turns a line break into a space, and
    spreadsheet imports may trim leading spaces, leaving the ``=`` first.
    """
    if text.startswith(FORMULA_START) or text.lstrip(_LEADING_BLANKS).startswith(FORMULA_START):
        return "'" + text
    return text


# Whitespace and control characters (C0, DEL, C1) an import may drop before a cell's first character.
_LEADING_BLANKS = "".join(chr(c) for c in (*range(0x21), *range(0x7f, 0xa1))) + "\u2028\u2029\ufeff"


def _cell(value, column: Column) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else str(value)
    return neutralise(text) if column.kind == TEXT else text


def table(resource: str, rows: list[dict]) -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and cell strings of ``rows`` in the fixed column order."""
    columns = COLUMNS[resource]
    return (tuple(c.name for c in columns),
            [[_cell(row.get(c.name), c) for c in columns] for row in rows])


def render(fmt: str, resource: str, rows: list[dict], title: str = "", footer: str = "") -> str:
    """The rows as CSV, TSV or HTML.  ``footer`` (the tables' stamp) is a paragraph after the HTML
    table, outside it: a web query or ``IMPORTHTML`` reads the table alone, and CSV/TSV carry no
    extra line (their stamp is in the response headers), so every form stays safe to sum."""
    header, cells = table(resource, rows)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(cells)
        return buf.getvalue()
    if fmt == "tsv":
        # TSV has no quoting: tabs and line breaks inside a cell become spaces.
        clean = str.maketrans({"\t": " ", "\r": " ", "\n": " "})
        lines = ["\t".join(header)] + ["\t".join(c.translate(clean) for c in row) for row in cells]
        return "\r\n".join(lines) + "\r\n"
    if fmt == "html":
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "\n".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in cells)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(title or resource)}</title></head><body>\n"
                f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
                + (f"<p id=\"tables\">{esc(footer)}</p>\n" if footer else "") + "</body></html>\n")
    raise ValueError(f"not a tabular format: {fmt}")


def iqy(url: str) -> str:
    """An Excel web-query file that loads the table of the HTML page at ``url``.

    A legacy web query reads HTML tables (``Selection=1``: the page's one
    table); date recognition is off so ISO dates and dotted HTS codes stay as
    sent.
    """
    return "\r\n".join([
        "WEB", "1", url, "",
        "Selection=1",
        "Formatting=None",
        "PreFormattedTextToColumns=True",
        "ConsecutiveDelimitersAsOne=False",
        "SingleBlockTextImport=False",
        "DisableDateRecognition=True",
        "DisableRedirections=False",
    ]) + "\r\n"


def web_query_url(base_url: str, path: str, args: list[tuple[str, str]]) -> str:
    """The HTML URL of the same request for a web query: same parameters, ``format=html`` and
    ``errors=inline`` (so a refresh that fails shows the reason in the sheet, not a dialog)."""
    kept = [(k, v) for k, v in args if k not in ("format", "errors")]
    return f"{base_url.rstrip('/')}{path}?" + urlencode(kept + [("format", "html"), ("errors", "inline")])


# ------------------------------------------------------------ rows per resource

def _first(rows: list[dict], **document) -> list[dict]:
    """Put the document-level cells on the first row only (so a column sum counts them once)."""
    if rows:
        rows[0].update(document)
    return rows


NOTE_SEPARATOR = " | "  # between the items of a note cell (their own text may hold "; ")


def _notes(items, render) -> str | None:
    return NOTE_SEPARATOR.join(render(x) for x in items) or None


def _not_applied_text(item: dict) -> str:
    where = " ".join(x for x in (item.get("heading"), f"({item['measure_id']})" if item.get("measure_id") else None)
                     if x)
    return f"{item['program']}{' ' + where if where else ''}: {item['reason']}"


def _assumption_text(item: dict) -> str:
    return f"{item['fact']}: {item['assumption']}"


def duty_rows(doc: dict) -> list[dict]:
    """A quote as rows: one per duty layer, so ``SUM(duty)`` is the total duty.

    The quote's customs value, total duty, effective rate, what was not
    applied, the assumptions and the warnings are on the first row only.  A
    quote with no layer (nothing reaches the line) is one ``none`` row with a
    duty of 0.00, so its notes still reach the sheet.
    """
    common = {"hts": doc["hts"], "origin": doc["origin"], "entry_date": doc["entry_date"],
              "currency": doc["currency"]}
    rows = [{**common, "row_type": "layer", **{k: layer.get(k) for k in (
        "program", "heading", "rate", "value_base", "base_amount", "duty", "confidence", "measure_id",
        "citation", "note")}} for layer in doc["layers"]]
    if not rows:
        rows = [{**common, "row_type": "none", "duty": "0.00", "note": "no duty layer reaches this line"}]
    return _first(rows, customs_value=doc["customs_value"], total_duty=doc["total_duty"],
                  effective_rate=doc["effective_rate"],
                  not_applied=_notes(doc["not_applied"], _not_applied_text),
                  assumptions=_notes(doc["assumptions"], _assumption_text),
                  warnings=_notes(doc["warnings"], str))


def duty_batch_rows(doc: dict) -> list[dict]:
    """A batch as rows: each priced line's layer rows (``line`` and ``status`` 200 in front), and one
    ``error`` row for a line that failed, with its status, code, first field and message."""
    rows = []
    for item in doc["results"]:
        if item["status"] == 200:
            rows.extend({"line": item["index"], "status": 200, **row} for row in duty_rows(item["result"]))
            continue
        error = item["error"]
        field, messages = next(iter(error["errors"].items()), (None, [None]))
        rows.append({"line": item["index"], "status": item["status"], "row_type": "error",
                     "error_code": error["code"], "error_field": field,
                     "error": error["message"] + (f" ({error['hint']})" if error.get("hint") else "")})
    return rows


def timeline_rows(doc: dict) -> list[dict]:
    rows = []
    for step in doc["intervals"]:
        layers = "; ".join(f"{layer['program']} {layer['heading']} {layer['rate']}" for layer in step["layers"])
        rows.append({"from": step["from"], "to": step["to"], "hts": doc["hts"], "origin": doc["origin"],
                     "customs_value": doc["customs_value"], "total_duty": step["total_duty"],
                     "effective_rate": step["effective_rate"], "currency": doc["currency"], "layers": layers})
    return _first(rows, assumptions=_notes(doc.get("assumptions", []), _assumption_text),
                  warnings=_notes(doc.get("warnings", []), str))


def measure_rows(measures: list[dict]) -> list[dict]:
    rows = []
    for m in measures:
        for v in m["values"]:
            rows.append({"measure_id": m["id"], "program": m["program"], "kind": m["kind"], "title": m["title"],
                         "heading": v.get("heading"), "from": v["from"], "to": v.get("to"), "rate": v.get("rate"),
                         "all_in": v.get("all_in"), "value_base": v.get("value_base"),
                         "hts_scope": " ".join(p + "*" for p in m["hts_scope"]) if m["hts_scope"] is not None else "all",
                         "origins": " ".join(m["origins"]) if m["origins"] is not None else "all",
                         "condition": m["condition"], "confidence": v["confidence"], "citation": v["citation"],
                         "url": v.get("url")})
    return rows


def hts_rows(lines: list[dict]) -> list[dict]:
    rows = []
    for line in lines:
        for r in line["rates"]:
            rows.append({"hts": line["hts"], "description": line["description"], "unit": line["unit"],
                         "from": r["from"], "to": r.get("to"), "general": r["general"],
                         "special": r.get("special"), "citation": r["citation"], "confidence": r["confidence"]})
    return rows


def _fee_text(fee: dict) -> str:
    if fee["applied"]:
        return f"{fee['fee']} {fee['amount']}" + (f" (clamped to the {fee['clamped_to']})" if fee.get("clamped_to")
                                                  else "")
    return f"{fee['fee']} not charged" + (f": {fee['reason']}" if fee.get("reason") else "")


def landed_cost_rows(doc: dict, result: LandedCost) -> list[dict]:
    """The entry's lines, one row each: every amount column sums to the entry's total.

    The entry's totals that do not add up over lines (effective rate, $/unit,
    $/kWh) and its fees, assumptions and warnings are in the ``total_*`` and
    note columns of the first row.
    """
    rows = []
    for x, line in zip(doc["lines"], result.lines):
        rows.append({"row_type": "line", "line": x["index"], "id": x["id"], "description": x["description"],
                     "hts": x["hts"], "origin": x["origin"], "quantity": x["quantity"], "unit": x["unit"],
                     "incoterm": x["incoterm"], "currency": x["price"]["currency"], "price": x["price"]["amount"],
                     "fx_units_per_usd": x["fx"]["units_per_usd"], "price_usd": x["price_usd"],
                     "dutiable_value": x["dutiable_value"], "duty": x["duty"]["total"],
                     "effective_rate": x["duty"]["effective_rate"], **x["costs"],
                     "fees": fmt_money(line.fees),
                     "landed_cost": x["landed_cost"], "per_unit": x["per_unit"], "energy_kwh": x["energy_kwh"],
                     "per_kwh": x["per_kwh"]})
    t = doc["totals"]
    return _first(rows, total_duty=t["duty"], total_fees=t["fees"], total_landed_cost=t["landed_cost"],
                  total_effective_rate=t["effective_duty_rate"], total_per_unit=t["per_unit"],
                  total_per_kwh=t["per_kwh"], fee_notes=_notes(doc["fees"], _fee_text),
                  assumptions=_notes(doc["assumptions"], _assumption_text), warnings=_notes(doc["warnings"], str))


def compare_rows(doc: dict) -> list[dict]:
    """The domestic quote, then each imported quote: one row per quote, no total row."""
    d = doc["domestic"]
    rows = [{"quote": d["name"], "kind": "domestic", "landed_cost": d["delivered_cost"], "duty": "0.00",
             "duty_share": "0", "per_unit": d["per_unit"], "energy_kwh": d["energy_kwh"], "per_kwh": d["per_kwh"],
             "difference_vs_domestic": "0.00", **_credit_cells(d, "0.00")}]
    for q in doc["imported"]:
        rows.append({"quote": q["name"], "kind": "imported", "origins": " ".join(q["origins"]),
                     "landed_cost": q["landed_cost"], "dutiable_value": q["dutiable_value"], "duty": q["duty"],
                     "duty_share": q["duty_share"], "fees": q["fees"], "per_unit": q["per_unit"],
                     "energy_kwh": q["energy_kwh"], "per_kwh": q["per_kwh"],
                     "difference_vs_domestic": q["difference_vs_domestic"],
                     "break_even_additional_rate": q["break_even_additional_rate"],
                     "duty_by_program": "; ".join(f"{p} {v}" for p, v in q["duty_share_by_program"].items()),
                     "cheaper": q["cheaper"], **_credit_cells(q, q.get("net_difference_vs_domestic")),
                     **({"duty_low": q["duty_range"]["low"], "duty_high": q["duty_range"]["high"]}
                        if q.get("duty_range") else {})})
    return _first(rows, best=doc["best"], assumptions=_notes(doc["assumptions"], _assumption_text),
                  warnings=_notes(doc.get("warnings", []), str), best_net=doc.get("best_net"))


def _credit_cells(quote: dict, net_difference) -> dict:
    """A quote's credit position beside its landed cost (empty without a project)."""
    credit = quote.get("credit")
    if credit is None:
        return {}
    return {"credit": credit["amount"], "credit_rate": credit["rate"]["total"], "macr": credit["macr"]["ratio"],
            "macr_passes": _yes_no(credit["macr"]["passes"]),
            "domestic_content": _yes_no(credit["domestic_content"]["passes"]),
            "net_cost": quote["net_cost"], "net_per_kwh": quote["net_per_kwh"],
            "net_difference_vs_domestic": net_difference,
            "break_even_additional_rate_net": quote.get("break_even_additional_rate_net"),
            "credit_low": credit["range"]["credit_low"], "credit_high": credit["range"]["credit_high"]}


def _yes_no(flag) -> str:
    return "yes" if flag else "no"


def _change_text(change: dict) -> str:
    layers = [f"line {c['line']} {c['measure_id']} {c['change']}"
              + (f" {c['heading']}" if c.get("heading") else "")
              + (f" {c['rate_before'] or '-'} -> {c['rate_after'] or '-'}") for c in change["layers"]]
    measures = [f"{m['day']} {m['measure_id']} {m['change']}" for m in change["measures"]]
    return NOTE_SEPARATOR.join(layers + measures) or "no change"


def schedule_rows(doc: dict) -> list[dict]:
    """One row per shipment and line (in entry-date order): ``SUM(duty)`` is the duty of the whole schedule.

    Each shipment's totals, assumptions and warnings, and what changed since
    the shipment before, are on the shipment's first row.
    """
    rows = []
    for n, s in enumerate(doc["shipments"]):
        part = [{"shipment": s["index"], "name": s["name"], "entry_date": s["entry_date"],
                 "export_date": s["export_date"], "line": i, "id": x["id"], "hts": x["hts"], "origin": x["origin"],
                 "dutiable_value": x["dutiable_value"], "duty": x["duty"], "effective_rate": x["effective_rate"],
                 "landed_cost": x["landed_cost"], "headings": " ".join(h for h in x["headings"] if h)}
                for i, x in enumerate(s["lines"])]
        t = s["totals"]
        change = doc["changes"][n - 1] if n else None  # between this shipment and the one before
        rows.extend(_first(part, total_duty=t["duty"], total_fees=t["fees"], total_landed_cost=t["landed_cost"],
                           total_effective_rate=t["effective_duty_rate"],
                           changes=_change_text(change) if change else None,
                           assumptions=_notes(s.get("assumptions", []), _assumption_text),
                           warnings=_notes(s.get("warnings", []), str)))
    return rows


def error_rows(doc: dict) -> list[dict]:
    """An error envelope as a table: one row per field message (one row when no field is named)."""
    common = {"status": doc["status"], "code": doc["code"], "message": doc["message"], "hint": doc.get("hint"),
              "tables_version": doc.get("tables_version"), "as_of": doc.get("as_of"),
              "age_days": doc.get("age_days")}
    rows = [{**common, "field": field, "detail": m} for field, messages in doc.get("errors", {}).items()
            for m in messages]
    return rows or [common]


def template_rows(templates: list[dict]) -> list[dict]:
    rows = []
    for t in templates:
        for x in t["lines"]:
            rows.append({"template": t["id"], "title": t["title"], "line": x["id"], **{
                k: x.get(k) for k in ("description", "hts", "unit", "quantity", "energy_kwh_per_unit",
                                      "steel_content_share", "aluminum_content_share", "copper_content_share",
                                      "us_content_share", "aam_content_share")}})
    return rows
