"""Audit a file of entry lines as filed (``tariff-stack audit FILE``).

The file (CSV/TSV text or an ``.xlsx`` workbook, read by
:mod:`service.render.tabular_files`) has **one row per line and heading**,
the shape of ACE's entry summary line tariff report (ES-003): every number a
line was filed under (a Chapter 99 heading, the HTS number, an AD/CVD case)
is a row of its own, with the duty paid under it.  The rows of one line
share its ``entry_number`` and ``line_number``; the line's own fields
(``hts``, ``origin``, ``entry_date``, ``value``, the facts,
``liquidation_date``, ``liquidated`` or ``liquidation_status`` (ES-003's
``Liquidation Status``, as ACE prints it: an unknown value makes the line an
error row), ``deposit_date``) may be on every row
or on one (rows must not disagree).  Without an ``hts`` column the line's HTS
number is its row whose heading is not a Chapter 99 heading (as in ES-003).

Header names are compared as the pricer compares them (case, spaces and
punctuation ignored), and ES-003's names are read as the fields
(:data:`ALIASES`).  A file with ES-003's names is read as ACE prints it:
dates month first (``04/08/2025``), amounts with ``$`` and commas, HTS
numbers without dots; the command says so.

The output, written beside the input (``<name>.audit.csv`` or ``.xlsx``) or
to ``-o``, never over it, is the audit as rows: the columns of
``POST /v1/audit.csv`` (one row per line and heading, safe to sum), with the
input rows of each line in ``source_rows``; a line that cannot be audited is
one ``error`` row naming its rows, and does not stop the file.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal

from service.model.errors import InputError, NotCovered
from service.engine.audit.run import Audit, audit_line, check_interest_to, paused_gc, refund_tables
from service.engine.audit.document import audit_doc
from service.engine.audit.inputs import paid_heading, parse_item, parse_settings
from service.engine.line_input import FIELDS, known_facts
from service.render.audit_rows import line_rows, with_audit_cells
from service.render.pricing_file import ALIASES as LINE_ALIASES
from service.render.pricing_file import header_key
from service.model.freshness import Freshness
from service.render.columns import COLUMNS, NUMBER
from service.render.freshness import stamp_first_row
from service.render.spreadsheet import table
from service.render.tabular_files import AtomicOutput, FileProblem, Table, is_empty, read_table, text_of, write_csv, \
    write_xlsx

OWN = ("entry_number", "line_number", "heading", "paid", "liquidation_date", "liquidated", "liquidation_status",
       "deposit_date")
LINE_FIELDS = (*FIELDS, "liquidation_date", "liquidated", "liquidation_status", "deposit_date")
REQUIRED = ("entry_number", "line_number", "heading", "paid", "origin", "entry_date", "value")
# Header names (as header_key reads them) taken as fields: ACE ES-003's, and a few common ones.
ALIASES = {
    "entry_number": ("entry_summary_number", "entry_no", "entry"),
    "line_number": ("entry_summary_line_number", "line_no", "line"),
    "heading": ("hts_number_full", "tariff_number_full", "chapter_99", "paid_heading"),
    "paid": ("line_tariff_duty_amount", "duty_amount", "duty_paid", "amount_paid", "deposit"),
    "value": ("line_tariff_goods_value_amount", "line_goods_value_amount", *LINE_ALIASES["value"]),
    "origin": ("country_of_origin_code", *LINE_ALIASES["origin"]),
    "entry_date": LINE_ALIASES["entry_date"],
    "deposit_date": ("entry_summary_date",),
    "preference": ("line_spi_code", *LINE_ALIASES["preference"]),
    "hts": tuple(a for a in LINE_ALIASES["hts"] if a != "tariff_number"),
    "mode": LINE_ALIASES["mode"],
    "quantity": LINE_ALIASES["quantity"],
}
ES003 = {"entry_summary_number", "entry_summary_line_number", "hts_number_full", "line_tariff_duty_amount"}
_FIELD_OF = {**{f: f for f in (*LINE_FIELDS, *OWN)}, **{a: f for f, names in ALIASES.items() for a in names}}
_MONTH_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATE_FIELDS = ("entry_date", "liquidation_date", "deposit_date", "loaded_date")


@dataclass
class Group:
    """The rows of one line (by entry and line number), in the order they came."""
    key: tuple
    rows: list = field(default_factory=list)      # (row number in the file, {field: text})


@dataclass
class AuditSummary:
    read_as: str
    es003: bool = False
    lines: int = 0
    failed: int = 0
    aliased: list = field(default_factory=list)
    unread: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    written_as: str = ""

    def lines_text(self) -> list[str]:
        out = [f"read {self.read_as}"]
        if self.es003:
            out.append("read as an ACE entry summary line tariff report (ES-003): dates month first (MM/DD/YYYY), "
                       "as ACE prints them")
        if self.aliased:
            out.append("columns read as fields: " + ", ".join(f"{h!r} as {f}" for h, f in self.aliased))
        if self.unread:
            out.append("columns not read: " + ", ".join(repr(h) for h in self.unread))
        t = self.totals
        if t:
            out.append(f"totals USD: paid {t['paid']}, owed {t['owed']}, refundable now {t['refundable']} "
                       f"(interest {t['interest']}), closed {t['closed']}, contested {t['contested']}, "
                       f"contingent {t['contingent']}, underpaid {t['underpaid']}, unmatched {t['unmatched']}")
        out.append(f"audited {self.lines - self.failed} lines; {self.failed} could not be audited"
                   + (f"; wrote {self.written_as}" if self.written_as else ""))
        return out


# ------------------------------------------------------------------ the header

def map_header(header: list, where: str, facts=()) -> tuple[dict, list, list]:
    """(field -> column, columns read through another name, columns not read); a FileProblem if a
    required field is missing or given twice."""
    fields, aliased, unread = {}, [], []
    for i, cell in enumerate(header):
        key = header_key(cell)
        name = _FIELD_OF.get(key) or (key if key in facts else None)
        if name is None:
            if str(cell or "").strip():
                unread.append(str(cell))
            continue
        if name in fields:
            raise FileProblem(f"{where}: columns {header[fields[name]]!r} and {cell!r} both give {name}; keep one")
        fields[name] = i
        if str(cell) != name:
            aliased.append((str(cell), name))
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise FileProblem(f"{where}: the header lacks {', '.join(missing)}; found "
                          f"{', '.join(repr(c) for c in header) or 'nothing'}; an audit file has one row per line "
                          "and heading: entry_number, line_number, heading, paid, origin, entry_date, value (and "
                          "optionally hts, liquidation_date, liquidated or liquidation_status, deposit_date, the "
                          "facts), or the names of "
                          "ACE's ES-003 report (Entry Summary Number, Entry Summary Line Number, HTS Number - Full, "
                          "Line Tariff Duty Amount, Country of Origin Code, Entry Date, Line Tariff Goods Value "
                          "Amount)")
    return fields, aliased, unread


# ------------------------------------------------------------------ the lines

def group_rows(table, fields: dict, es003: bool) -> list[Group]:
    """The data rows as lines (by entry and line number), in the order each line first appears."""
    groups: dict[tuple, Group] = {}
    for number, cells in enumerate(table.rows, 2):
        if is_empty(cells):
            continue
        row = {}
        for name, i in fields.items():
            text = text_of(cells[i]).strip() if i < len(cells) else ""
            if text:
                row[name] = _month_first(text) if es003 and name in DATE_FIELDS else text
        key = (row.get("entry_number", ""), row.get("line_number", ""))
        groups.setdefault(key, Group(key)).rows.append((number, row))
    return list(groups.values())


def _month_first(text: str) -> str:
    found = _MONTH_FIRST.match(text)
    return f"{found.group(3)}-{int(found.group(1)):02d}-{int(found.group(2)):02d}" if found else text


def line_of(group: Group) -> dict:
    """A line as ``POST /v1/audit`` takes it; ValueError naming the rows that disagree."""
    line: dict = {}
    paid = []
    for number, row in group.rows:
        for name, text in row.items():
            if name in ("heading", "paid") or (name == "value" and _is_zero(text) and "value" in line):
                continue
            if name in line and line[name] != text and not (name == "value" and _is_zero(line[name])):
                raise ValueError(f"row {number} gives {name} {text!r}, an earlier row of the line {line[name]!r}")
            line[name] = text
        if "heading" in row:
            paid.append({"heading": row["heading"], "amount": row.get("paid", "")})
    if "hts" not in line:
        line["hts"] = _commodity(group, paid)
    line["paid"] = paid
    return line


def _is_zero(text: str) -> bool:
    digits = text.replace("$", "").replace(",", "").strip()
    return bool(digits) and digits.strip("0.") == ""


def _commodity(group: Group, paid: list) -> str:
    """The line's HTS number: its row whose number is neither a Chapter 99 heading nor an AD/CVD case."""
    found = set()
    for item in paid:
        try:
            canonical, kind = paid_heading(item["heading"])
        except ValueError:
            continue
        if kind == "hts":
            found.add(canonical)
    if len(found) != 1:
        rows = ", ".join(str(n) for n, _ in group.rows)
        raise ValueError(f"no hts column, and the rows ({rows}) give {len(found) or 'no'} HTS number(s) that are "
                         "not Chapter 99 headings: add an hts column")
    return found.pop()


# ------------------------------------------------------------------ the audit

def audit_groups(tables, groups: list[Group], settings: dict, progress=None) -> tuple[list[dict], dict]:
    """(rows of the output, the audit's totals): each line audited on its own, a failed line as an error row."""
    refunds = refund_tables(tables)
    request = parse_settings(tables, settings)
    check_interest_to(refunds, request)
    result = Audit(request, [])
    outcomes = []
    with paused_gc():
        for index, group in enumerate(groups):
            outcomes.append(_audit_group(tables, refunds, result, group, index))
            if progress is not None:
                progress.update(1)
        result.lines = [x for x in outcomes if not isinstance(x, dict)]
        doc = audit_doc(tables, result)
    return with_audit_cells(_output_rows(groups, outcomes, doc), doc), doc["totals"]


def _audit_group(tables, refunds, result: Audit, group: Group, index: int):
    """The audited line, or its error row (a dict)."""
    try:
        a = parse_item(tables, line_of(group), index, result.request.audit_date)
        return audit_line(tables, refunds, result.request, a, result)
    except InputError as exc:
        text = "; ".join(f"{k}: {m}" for k, ms in exc.errors.items() for m in ms)
        return _error_row(group, index, "error", text or exc.message)
    except NotCovered as exc:
        return _error_row(group, index, "not_covered", exc.message + (f" ({exc.hint})" if exc.hint else ""))
    except ValueError as exc:          # rows of the line that disagree, or no HTS number
        return _error_row(group, index, "error", str(exc))


def _sources(group: Group) -> str:
    return " ".join(str(n) for n, _ in group.rows)


def _error_row(group: Group, index: int, status: str, text: str) -> dict:
    entry, number = group.key
    return {"row_type": "error", "line": index, "entry_number": entry, "line_number": number,
            "source_rows": _sources(group), "status": status, "error": text}


def _output_rows(groups: list[Group], outcomes: list, doc: dict) -> list[dict]:
    """Each line's rows (or its error row) in file order, with the input rows it came from."""
    docs = iter(doc["lines"])
    rows = []
    for group, outcome in zip(groups, outcomes):
        if isinstance(outcome, dict):
            rows.append(outcome)
            continue
        sources = _sources(group)
        rows.extend({**r, "source_rows": sources} for r in line_rows(next(docs), doc["currency"]))
    return rows


# ------------------------------------------------------------------ the file

def default_output(source: str, kind: str) -> str:
    """``lines.csv`` -> ``lines.audit.csv`` beside it (``.xlsx`` for a workbook)."""
    stem, _ = os.path.splitext(source)
    return f"{stem}.audit.{'xlsx' if kind == 'xlsx' else 'csv'}"


def audit_path(tables, source: str, output: str | None, settings: dict, progress_factory=None,
               sheet: str | None = None, fresh: Freshness | None = None) -> AuditSummary:
    """Audit the file ``source``; write the audit beside it (or to ``output``), atomically, never over it.
    ``fresh``: the tables' stamp for the first row (version, as-of date, age on the day of the audit)."""
    table = read_table(source, score=_score, sheet=sheet)
    target = output or default_output(source, table.kind)
    if os.path.exists(target) and os.path.samefile(source, target):
        raise FileProblem(f"{target}: is the input file; the audit never alters its input: name another output")
    out = AtomicOutput(target)
    try:
        groups, summary = read_groups(tables, table, source)
        progress = progress_factory(len(groups)) if progress_factory else None
        try:
            rows, summary.totals = audit_groups(tables, groups, settings, progress)
        finally:
            if progress is not None:
                progress.close()
        summary.failed = sum(1 for r in rows if r.get("row_type") == "error")
        _write(out, target, stamp_first_row(rows, tables.version, fresh) if fresh else rows, table)
    except BaseException:
        out.discard()
        raise
    out.commit()
    summary.written_as = target
    return summary


def read_groups(tables, table: Table, where: str) -> tuple[list[Group], AuditSummary]:
    """The table's lines (its header mapped to the fields) and the summary so far; a FileProblem for a
    header without the required fields."""
    fields, aliased, unread = map_header(table.header, where, known_facts(tables))
    es003 = bool(ES003 & {header_key(c) for c in table.header})
    groups = group_rows(table, fields, es003)
    return groups, AuditSummary(f"{where} as {table.describe()}", es003, len(groups), aliased=aliased, unread=unread)


def score(header) -> int:
    """How many audit fields a header row names (``read_table`` picks the delimiter by it)."""
    return _score(header)


def csv_bytes(rows: list[dict], source: Table) -> bytes:
    """The audit rows as the CLI writes ``NAME.audit.csv`` for ``source`` (its delimiter, BOM, CRLF)."""
    header, cells = table("audit", rows)
    out = io.BytesIO()
    write_csv(out, [list(header), *cells], delimiter=source.delimiter, sep_line=source.sep_line)
    return out.getvalue()


def _score(header) -> int:
    return len({_FIELD_OF.get(header_key(c)) for c in header} - {None})


def _write(out: AtomicOutput, target: str, rows: list[dict], source: Table) -> None:
    """The audit rows as a workbook, or as text in the input's dialect (a semicolon CSV stays semicolons)."""
    header, cells = table("audit", rows)
    if target.lower().endswith(".xlsx"):
        kinds = [c.kind for c in COLUMNS["audit"]]
        values = [[(Decimal(v) if k == NUMBER and v else (v or None)) for v, k in zip(row, kinds)] for row in cells]
        write_xlsx(out.temp, [list(header), *values], sheet="audit")
    else:
        with open(out.temp, "wb") as handle:
            delimiter = "\t" if target.lower().endswith(".tsv") else source.delimiter
            write_csv(handle, [list(header), *cells], delimiter=delimiter, sep_line=source.sep_line)


__all__ = ["audit_path", "read_groups", "csv_bytes", "score", "map_header", "group_rows", "line_of", "default_output", "AuditSummary", "ALIASES"]
