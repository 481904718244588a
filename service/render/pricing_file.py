"""Price a CSV file of lines (``tariff-stack price``).

Input: a header row naming the line fields of ``GET /v1/duty`` (``hts``,
``origin``, ``entry_date``, ``value`` and any optional facts); other columns
(a part number, a PO) are carried through untouched.  Output: the input
columns, then ``hts_priced, description, customs_value, total_duty,
effective_rate, currency, headings, status, error`` with the API's CSV
conventions (header row, dotted HTS codes, rates as fractions, plain numbers,
formula-like text neutralised).  A bad row gets ``status=error`` and its
message; it does not stop the file.
"""
from __future__ import annotations

import csv

from service.model.errors import InputError, NotCovered
from service.engine.line_input import FIELDS, parse_line
from service.engine.quote import quote_stack
from service.render.spreadsheet import neutralise

RESULT_COLUMNS = ("hts_priced", "description", "customs_value", "total_duty", "effective_rate", "currency",
                  "headings", "status", "error")


def price_rows(tables, rows, progress=None):
    """Yield (input row, result dict) for each input row."""
    for row in rows:
        data = {k: v for k, v in row.items() if k in FIELDS and v not in (None, "")}
        try:
            stack = quote_stack(tables, parse_line(data, tables.aliases))
            doc = stack.doc
            result = {"hts_priced": doc["hts"], "description": doc["description"],
                      "customs_value": doc["customs_value"], "total_duty": doc["total_duty"],
                      "effective_rate": doc["effective_rate"], "currency": doc["currency"],
                      "headings": " ".join(layer.heading or "" for layer in stack.layers
                                           if layer.duty or layer.program == "mfn"),
                      "status": "ok", "error": ""}
        except InputError as exc:
            result = {"status": "error", "error": "; ".join(f"{k}: {m}" for k, ms in exc.errors.items() for m in ms)
                      or exc.message}
        except NotCovered as exc:
            result = {"status": "not_covered", "error": f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")}
        if progress is not None:
            progress.update(1)
        yield row, result


def price_file(tables, source, target, progress=None) -> dict:
    reader = csv.DictReader(source)
    if not reader.fieldnames:
        raise InputError("the CSV file has no header row", {"file": ["no header row"]})
    missing = [f for f in ("hts", "origin", "entry_date", "value") if f not in reader.fieldnames]
    if missing:
        raise InputError(f"the CSV header lacks {', '.join(missing)}", {f: ["missing column"] for f in missing})
    columns = list(reader.fieldnames) + [c for c in RESULT_COLUMNS if c not in reader.fieldnames]
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(columns)
    counts = {"ok": 0, "error": 0, "not_covered": 0}
    for row, result in price_rows(tables, reader, progress):
        counts[result["status"]] += 1
        merged = {**{k: neutralise(v or "") for k, v in row.items() if k is not None}, **result}
        if result["status"] != "ok":
            merged["error"] = neutralise(merged["error"])
        writer.writerow([merged.get(c, "") for c in columns])
    return counts
