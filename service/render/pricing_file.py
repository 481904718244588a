"""Price a file of lines (``tariff-stack price``).

Input: a CSV/TSV text file or an ``.xlsx`` workbook (read by
:mod:`service.render.tabular_files`) whose header row names the line fields
of ``GET /v1/duty`` (``hts``, ``origin``, ``entry_date``, ``value`` and any
optional facts).  Header names are matched ignoring case, spaces and
punctuation, and common aliases are accepted (``HTS Code``, ``Country of
Origin``, ``Entry Date``, ``Customs Value``, see :data:`ALIASES`).  Every
input column, those read as fields included, is carried through unchanged:
the same text, or in a workbook the same cell value.

Output: the input columns, then :data:`RESULT_COLUMNS` (the per-row
assumptions and warnings of the API's quote, then ``hts_priced, description,
customs_value, total_duty, effective_rate, currency, headings, status,
error``, then the tables that priced the row: ``tables_version`` and
``tables_as_of``, on every row that was read, so a row copied elsewhere keeps
them).  An added column whose name the input already uses (compared like
header names) is written as ``priced_<name>`` (``priced_<name>_2``, ... if
that is taken too), so no input column is ever overwritten.  CSV output
follows the API's CSV conventions (dotted codes, rates as fractions, plain
numbers), and the text the service writes (descriptions, assumptions,
warnings, errors) is neutralised against formula injection; the user's own
cells are not touched.  In ``.xlsx`` output text is stored as text cells,
which no spreadsheet evaluates, and amounts and rates as numbers.  A bad row
gets ``status=error`` and its message; it does not stop the file.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal

from service.model.errors import InputError, NotCovered
from service.engine.line_input import FIELDS, REQUIRED, did_you_mean, known_facts, parse_line
from service.engine.quote import quote_stack
from service.render.spreadsheet import neutralise
from service.render.tabular_files import (ENCODING_LABELS, AtomicOutput, FileProblem, Table, is_empty, read_table,
                                          text_of, write_csv, write_xlsx)

# (column, kind): text is neutralised in CSV output; number is a Decimal in .xlsx output.
RESULT_KINDS = (("assumptions", "text"), ("warnings", "text"), ("hts_priced", "code"), ("description", "text"),
                ("customs_value", "number"), ("total_duty", "number"), ("effective_rate", "number"),
                ("currency", "text"), ("headings", "code"), ("status", "text"), ("error", "text"),
                ("tables_version", "text"), ("tables_as_of", "date"))   # appended (issue 13)
RESULT_COLUMNS = tuple(name for name, _ in RESULT_KINDS)
PREFIX = "priced_"
JOIN = " | "   # between two assumptions (or warnings) in one cell

# Header names (normalised: lower case, runs of other characters as "_") read as a field.
ALIASES = {
    "hts": ("hts_code", "hts_number", "hts_no", "htsus", "htsus_code", "htsus_number", "hts_10", "hs_code",
            "tariff_number", "tariff_code"),
    "origin": ("country_of_origin", "origin_country", "coo", "country_origin"),
    "entry_date": ("date_of_entry", "entered_date", "date_entered"),
    "value": ("customs_value", "entered_value", "declared_value", "value_usd", "customs_value_usd",
              "entered_value_usd"),
    "mode": ("mode_of_transport", "transport_mode"),
    "preference": ("spi", "special_program_indicator"),
    "quantity": ("qty",),
}
_FIELD_OF = {**{f: f for f in FIELDS}, "currency": "currency",
             **{a: f for f, names in ALIASES.items() for a in names}}
_NON_WORD = re.compile(r"[^0-9a-z]+")


def header_key(name) -> str:
    """A header cell as compared: case, spaces and punctuation ignored (``"HTS Code"`` -> ``hts_code``)."""
    return _NON_WORD.sub("_", str(name or "").strip().lower()).strip("_")


def _title(key: str) -> str:
    return " ".join(w if w in ("of",) else w.upper() if len(w) <= 3 else w.capitalize() for w in key.split("_"))


def field_of(name) -> str | None:
    return _FIELD_OF.get(header_key(name))


def header_score(header) -> int:
    """How many cells of a candidate header name a field (to choose the delimiter)."""
    return len({field_of(c) for c in header} - {None})


@dataclass
class HeaderMap:
    fields: dict                   # field -> column index
    aliased: list                  # (header text, field) read through an alias or another spelling
    outputs: list                  # (output column name, result key), in order
    renamed: list = field(default_factory=list)   # (result key, output name) moved aside by a collision
    unread: list = field(default_factory=list)    # (header text, did-you-mean) of columns not read as a field


def map_header(header: list, where: str = "the file", facts=()) -> HeaderMap:
    """Which column gives which field; ``facts`` (the tables' known facts) may be columns too."""
    fields: dict = {}
    aliased, unread = [], []
    for i, cell in enumerate(header):
        name = field_of(cell)
        if name is None and header_key(cell) in facts:
            name = header_key(cell)
        if name is None:
            hint = did_you_mean(header_key(cell), [*FIELDS, *facts])
            if hint and str(cell).strip():
                unread.append((str(cell), hint.removeprefix("; ")))
            continue
        if name in fields:
            raise FileProblem(f"{where}: columns {header[fields[name]]!r} and {cell!r} both give {name}; "
                              "keep one, or rename the other")
        fields[name] = i
        if cell != name:
            aliased.append((cell, name))
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        needed = "; ".join(f"{f} (or {', '.join(_title(a) for a in ALIASES[f][:2])})" if f in ALIASES else f
                           for f in missing)
        found = ", ".join(repr(c) for c in header) or "nothing"
        raise FileProblem(f"{where}: the header lacks {needed}; found {found}; needed {', '.join(REQUIRED)} "
                          "and optionally " + ", ".join(f for f in FIELDS if f not in REQUIRED)
                          + " (case, spaces and punctuation ignored)")
    taken = {header_key(c) for c in header}
    outputs, renamed = [], []
    for name in RESULT_COLUMNS:
        out = name
        if header_key(out) in taken:
            out, n = PREFIX + name, 2
            while header_key(out) in taken:
                out, n = f"{PREFIX}{name}_{n}", n + 1
            renamed.append((name, out))
        taken.add(header_key(out))
        outputs.append((out, name))
    return HeaderMap(fields=fields, aliased=aliased, outputs=outputs, renamed=renamed, unread=unread)


def _result(tables, data: dict, unread=()) -> dict:
    currency = data.pop("currency", None)
    if currency is not None and currency.strip().upper() != "USD":
        return {"status": "error", "error": f"currency: {currency[:20]!r}: a duty line is priced in USD; give the "
                                            "customs value in USD, or price the goods with POST /v1/landed-cost, "
                                            "which converts at the export date's rate"}
    try:
        line = parse_line(data, tables.aliases, known_facts(tables))
        stack = quote_stack(tables, line)
    except InputError as exc:
        return {"status": "error",
                "error": "; ".join(f"{k}: {m}" for k, ms in exc.errors.items() for m in ms) or exc.message}
    except NotCovered as exc:
        return {"status": "not_covered", "error": f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")}
    doc = stack.doc
    assumptions = [a["assumption"] for a in stack.assumptions] + [text for _, text in line.readings]
    warnings = list(stack.warnings) + _unused_claims(stack) + [
        f"column {header!r} not read: {hint}" for header, hint in unread]
    return {"assumptions": JOIN.join(assumptions),
            "warnings": JOIN.join(warnings),
            "hts_priced": doc["hts"], "description": doc["description"],
            "customs_value": doc["customs_value"], "total_duty": doc["total_duty"],
            "effective_rate": doc["effective_rate"], "currency": doc["currency"],
            "headings": " ".join(_filed_numbers(doc)),
            "status": "ok", "error": ""}


def _unused_claims(stack) -> list[str]:
    """A claimed heading the engine did not apply (the API lists it in ``not_applied``)."""
    return [f"claim {x['heading']} not applied: {x['reason']}" for x in stack.not_applied if x["program"] == "claim"]


def _filed_numbers(doc: dict) -> list[str]:
    """Every number the entry reports, in CBP order (duty and exemption headings, then the HTS number)."""
    seen: list[str] = []
    for fl in doc["filing_lines"]:
        for n in fl["numbers"]:
            if n["number"] and n["number"] not in seen:
                seen.append(n["number"])
    return seen


def price_rows(tables, rows, progress=None):
    """Yield (input row, result dict) for each input row, a dict of field name to text."""
    facts = known_facts(tables)
    for row in rows:
        data = {k: v for k, v in row.items() if (k in FIELDS or k in facts or k == "currency")
                and v not in (None, "")}
        result = _result(tables, data)
        if progress is not None:
            progress.update(1)
        yield row, result


_KIND = dict(RESULT_KINDS)


def _csv_cell(key: str, value) -> str:
    text = "" if value is None else str(value)
    return neutralise(text) if _KIND[key] == "text" else text


def _xlsx_cell(key: str, value):
    if value in (None, ""):
        return None
    return Decimal(value) if _KIND[key] == "number" else value


@dataclass
class Summary:
    read_as: str
    written_as: str = ""
    counts: dict = field(default_factory=lambda: {"ok": 0, "error": 0, "not_covered": 0})
    empty_rows: int = 0
    trailing_empty: int = 0
    beyond_header: int = 0
    aliased: list = field(default_factory=list)
    renamed: list = field(default_factory=list)
    unread: list = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.counts["error"] or self.counts["not_covered"])

    def lines(self) -> list[str]:
        c = self.counts
        out = [f"read {self.read_as}"]
        if self.aliased:
            out.append("columns read as fields: " + ", ".join(f"{h!r} as {f}" for h, f in self.aliased))
        if self.renamed:
            out.append("the input already has " + ", ".join(k for k, _ in self.renamed) + ": the priced columns are "
                       + ", ".join(n for _, n in self.renamed))
        if self.trailing_empty:
            out.append(f"ignored {_rows(self.trailing_empty)} at the end")
        if self.empty_rows:
            out.append(f"kept {_rows(self.empty_rows)} between lines as they were (not priced)")
        if self.beyond_header:
            out.append(f"{self.beyond_header} row(s) have cells beyond the header: not priced (status error); "
                       "their cells are kept in unnamed columns")
        if self.unread:
            out.append("columns not read: " + ", ".join(f"{h!r} ({hint})" for h, hint in self.unread))
        out.append(f"priced {c['ok']} lines; {c['error']} with errors, {c['not_covered']} not covered"
                   + (f"; wrote {self.written_as}" if self.written_as else ""))
        return out


def _rows(n: int) -> str:
    return f"{n} empty row" + ("" if n == 1 else "s")


# A row longer than its header is not priced: in a comma file an unquoted 100,000 splits into 100 and 000.
_BEYOND_HEADER = {"status": "error", "error": "the row has more cells than the header: a ',' inside an unquoted "
                                             "number (100,000) splits it into two cells; quote it (\"100,000\") "
                                             "or write 100000"}


def _output_rows(tables, table: Table, hmap: HeaderMap, xlsx: bool, summary: Summary, progress):
    width = max([len(table.header)] + [len(r) for r in table.rows])
    blank = None if table.kind == "xlsx" and xlsx else ""
    header = list(table.header) + [""] * (width - len(table.header))
    yield header + [name for name, _ in hmap.outputs]
    for cells in table.rows:
        beyond = len(cells) > len(table.header) and not is_empty(cells[len(table.header):])
        if beyond:
            summary.beyond_header += 1
        passed = list(cells) + [blank] * (width - len(cells))
        if not xlsx:
            passed = [c if isinstance(c, str) else text_of(c) for c in passed]
        if is_empty(cells):
            summary.empty_rows += 1
            result = {}
        else:
            data = {}
            for name, i in hmap.fields.items():
                text = text_of(cells[i]).strip() if i < len(cells) else ""
                if text:
                    data[name] = text
            result = _BEYOND_HEADER if beyond else _result(tables, data, hmap.unread)
            summary.counts[result["status"]] += 1
            result = {**result, "tables_version": tables.version, "tables_as_of": tables.as_of.isoformat()}
        if progress is not None:
            progress.update(1)
        added = [result.get(key) for _, key in hmap.outputs]
        if xlsx:
            yield passed + [_xlsx_cell(key, v) for (_, key), v in zip(hmap.outputs, added)]
        else:
            yield passed + [_csv_cell(key, v) for (_, key), v in zip(hmap.outputs, added)]


def output_kind(path: str | None) -> str:
    if path is None:
        return "csv"
    lower = path.lower()
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith((".xls", ".xlsm", ".xlsb", ".ods")):
        raise FileProblem(f"{path}: writes .xlsx workbooks or CSV/TSV text; name the output .xlsx or .csv")
    return "tsv" if lower.endswith((".tsv", ".tab")) else "csv"


def price_path(tables, source: str, output: str | None, progress_factory=None, sheet: str | None = None,
               stdout=None) -> Summary:
    """Price the file ``source``; write ``output`` (atomically) or CSV to ``stdout`` (a binary stream).

    Raises :class:`FileProblem` (nothing written) when a file cannot be read or written as asked.
    """
    kind = output_kind(output)
    if output is not None:
        out = AtomicOutput(output)   # fails now on a missing directory, before any pricing
    try:
        table = read_table(source, score=header_score, sheet=sheet)
        if output is not None and table.kind == "xlsx" and _same_file(source, out.path):
            raise FileProblem(f"{output}: will not replace the input workbook (its other sheets, formatting and "
                              "formulas would be lost); name another output file")
        hmap = map_header(table.header, source, known_facts(tables))
        summary = Summary(read_as=f"{source} as {table.describe()}", aliased=hmap.aliased, renamed=hmap.renamed,
                          unread=hmap.unread,
                          trailing_empty=table.trailing_empty)
        progress = progress_factory(len(table.rows)) if progress_factory else None
        try:
            rows = _output_rows(tables, table, hmap, kind == "xlsx", summary, progress)
            delimiter = table.delimiter if table.kind == "csv" else ","
            if output is None:
                sys.stdout.flush()
                write_csv(stdout if stdout is not None else sys.stdout.buffer, rows, delimiter=delimiter,
                          encoding="utf-8")
                written = ""
            elif kind == "xlsx":
                write_xlsx(out.temp, rows, sheet=table.sheet or "priced")
                written = "xlsx workbook"
            else:
                delimiter = "\t" if kind == "tsv" else delimiter
                wanted = table.encoding or "utf-8-sig"
                with open(out.temp, "wb") as target:
                    used = write_csv(target, rows, delimiter=delimiter, encoding=wanted,
                                     sep_line=table.sep_line and delimiter == table.delimiter)
                written = ENCODING_LABELS[used] + (", as read" if used == table.encoding else
                                                   f" (the priced text does not fit {ENCODING_LABELS[wanted]})"
                                                   if table.encoding else "")
        finally:
            if progress is not None:
                progress.close()
    except BaseException:
        if output is not None:
            out.discard()
        raise
    if output is not None:
        in_place = _same_file(source, out.path)
        out.commit()
        summary.written_as = (f"{output} in place" if in_place else output) + f" ({written})"
    return summary


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


__all__ = ["price_path", "price_rows", "map_header", "header_key", "RESULT_COLUMNS", "ALIASES", "Summary"]
