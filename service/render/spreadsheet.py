"""Tabular renderings for spreadsheet connectors: CSV, TSV, HTML and .iqy.

Every GET resource of the API has a fixed column list here (documented in
``openapi.yaml``, append-only).  Conventions, for Excel Power Query, Excel
web queries and Google Sheets ``IMPORTDATA``/``IMPORTHTML``:

* a header row, always;
* HTS codes and Chapter 99 headings in dotted form (``8507.60.00.20``), which
  spreadsheets keep as text; HTS *prefixes* in scope lists end with ``*``;
* rates as fractions (``0.25``), amounts as plain numbers (``.`` decimal, no
  thousands separators, no currency symbols), dates ISO ``YYYY-MM-DD``;
* free-text cells that start with ``=``, ``+``, ``-``, ``@``, tab or carriage
  return get a leading ``'`` so no spreadsheet evaluates them as a formula
  (OWASP ASVS 5.0, 1.2.10).  Number, date and code columns are not touched.

Plain Python: the web layer picks the format and sets the headers.
"""
from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from service.engine.landed_parts import LandedCost
from service.model.money import fmt_money

FORMATS = ("json", "csv", "tsv", "html", "iqy")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8; header=present",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "iqy": "text/x-ms-iqy; charset=utf-8",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Column kinds: text (neutralised), code (HTS/heading), number, date.
TEXT, CODE, NUMBER, DATE = "text", "code", "number", "date"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str


def _cols(spec: str) -> tuple[Column, ...]:
    """``"name:kind name:kind"`` to a column tuple (kind defaults to text)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append(Column(name, kind or TEXT))
    return tuple(out)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "duty": _cols("row_type hts:code origin entry_date:date program heading:code rate:number value_base "
                  "base_amount:number duty:number currency confidence measure_id citation note"),
    "timeline": _cols("from:date to:date hts:code origin customs_value:number total_duty:number "
                      "effective_rate:number currency layers"),
    "measures": _cols("measure_id program kind title heading:code from:date to:date rate:number all_in:number "
                      "value_base hts_scope origins condition confidence citation url"),
    "hts": _cols("hts:code description unit from:date to:date general special citation confidence"),
    "health": _cols("status tables_version as_of:date coverage_from:date"),
    "landed_cost": _cols("row_type line id description hts:code origin quantity:number unit incoterm currency "
                         "price:number fx_units_per_usd:number price_usd:number dutiable_value:number duty:number "
                         "effective_rate:number international_freight:number insurance:number brokerage:number "
                         "inland_freight:number other:number fees:number landed_cost:number per_unit:number "
                         "energy_kwh:number per_kwh:number"),
    "compare": _cols("quote kind origins landed_cost:number dutiable_value:number duty:number duty_share:number "
                     "fees:number per_unit:number energy_kwh:number per_kwh:number difference_vs_domestic:number "
                     "break_even_additional_rate:number duty_by_program"),
    "templates": _cols("template title line description hts:code unit quantity:number energy_kwh_per_unit:number "
                       "steel_content_share:number aluminum_content_share:number copper_content_share:number "
                       "us_content_share:number aam_content_share:number"),
}


def neutralise(text: str) -> str:
    """Prefix a formula-looking text cell with ``'``."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value, column: Column) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return neutralise(text) if column.kind == TEXT else text


def table(resource: str, rows: list[dict]) -> tuple[tuple[str, ...], list[list[str]]]:
    """Header and cell strings of ``rows`` in the fixed column order."""
    columns = COLUMNS[resource]
    return (tuple(c.name for c in columns),
            [[_cell(row.get(c.name), c) for c in columns] for row in rows])


def render(fmt: str, resource: str, rows: list[dict], title: str = "") -> str:
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
                f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n</body></html>\n")
    raise ValueError(f"not a tabular format: {fmt}")


def iqy(tsv_url: str) -> str:
    """An Excel web-query file that fetches ``tsv_url`` as tab-separated text."""
    return "\r\n".join([
        "WEB", "1", tsv_url, "",
        "Selection=1",
        "Formatting=None",
        "PreFormattedTextToColumns=True",
        "ConsecutiveDelimitersAsOne=False",
        "SingleBlockTextImport=False",
        "DisableDateRecognition=True",
        "DisableRedirections=False",
    ]) + "\r\n"


def tsv_url(base_url: str, path: str, args: list[tuple[str, str]]) -> str:
    """The TSV URL of the same request: same parameters, ``format=tsv``."""
    kept = [(k, v) for k, v in args if k != "format"]
    return f"{base_url.rstrip('/')}{path}?" + urlencode(kept + [("format", "tsv")])


# ------------------------------------------------------------ rows per resource

def duty_rows(doc: dict) -> list[dict]:
    """A quote as rows: its layers, a total, then what was not applied, the
    assumptions and warnings (``row_type`` tells them apart)."""
    common = {"hts": doc["hts"], "origin": doc["origin"], "entry_date": doc["entry_date"],
              "currency": doc["currency"]}
    rows = []
    for layer in doc["layers"]:
        rows.append({**common, "row_type": "layer", **{k: layer.get(k) for k in (
            "program", "heading", "rate", "value_base", "base_amount", "duty", "confidence", "measure_id",
            "citation", "note")}})
    rows.append({**common, "row_type": "total", "rate": doc["effective_rate"], "value_base": "full_value",
                 "base_amount": doc["customs_value"], "duty": doc["total_duty"],
                 "note": "effective rate = total duty / customs value"})
    for item in doc["not_applied"]:
        rows.append({**common, "row_type": "not_applied", "program": item["program"], "heading": item["heading"],
                     "measure_id": item["measure_id"], "note": item["reason"]})
    for item in doc["assumptions"]:
        rows.append({**common, "row_type": "assumption", "measure_id": item.get("measure_id"),
                     "note": f"{item['fact']}: {item['assumption']}"})
    for text in doc["warnings"]:
        rows.append({**common, "row_type": "warning", "note": text})
    return rows


def timeline_rows(doc: dict) -> list[dict]:
    rows = []
    for step in doc["intervals"]:
        layers = "; ".join(f"{layer['program']} {layer['heading']} {layer['rate']}" for layer in step["layers"])
        rows.append({"from": step["from"], "to": step["to"], "hts": doc["hts"], "origin": doc["origin"],
                     "customs_value": doc["customs_value"], "total_duty": step["total_duty"],
                     "effective_rate": step["effective_rate"], "currency": doc["currency"], "layers": layers})
    return rows


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


def landed_cost_rows(doc: dict, result: LandedCost) -> list[dict]:
    """The entry's lines, then its total row; amounts from the document, a line's fees from ``result``."""
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
    rows.append({"row_type": "total", "currency": "USD", "price_usd": t["price_usd"],
                 "dutiable_value": t["dutiable_value"], "duty": t["duty"], "effective_rate": t["effective_duty_rate"],
                 **t["costs"], "fees": t["fees"], "landed_cost": t["landed_cost"], "per_unit": t["per_unit"],
                 "energy_kwh": t["energy_kwh"], "per_kwh": t["per_kwh"]})
    return rows


def compare_rows(doc: dict) -> list[dict]:
    d = doc["domestic"]
    rows = [{"quote": d["name"], "kind": "domestic", "landed_cost": d["delivered_cost"], "duty": "0.00",
             "duty_share": "0", "per_unit": d["per_unit"], "energy_kwh": d["energy_kwh"], "per_kwh": d["per_kwh"],
             "difference_vs_domestic": "0.00"}]
    for q in doc["imported"]:
        rows.append({"quote": q["name"], "kind": "imported", "origins": " ".join(q["origins"]),
                     "landed_cost": q["landed_cost"], "dutiable_value": q["dutiable_value"], "duty": q["duty"],
                     "duty_share": q["duty_share"], "fees": q["fees"], "per_unit": q["per_unit"],
                     "energy_kwh": q["energy_kwh"], "per_kwh": q["per_kwh"],
                     "difference_vs_domestic": q["difference_vs_domestic"],
                     "break_even_additional_rate": q["break_even_additional_rate"],
                     "duty_by_program": "; ".join(f"{p} {v}" for p, v in q["duty_share_by_program"].items())})
    return rows


def template_rows(templates: list[dict]) -> list[dict]:
    rows = []
    for t in templates:
        for x in t["lines"]:
            rows.append({"template": t["id"], "title": t["title"], "line": x["id"], **{
                k: x.get(k) for k in ("description", "hts", "unit", "quantity", "energy_kwh_per_unit",
                                      "steel_content_share", "aluminum_content_share", "copper_content_share",
                                      "us_content_share", "aam_content_share")}})
    return rows
