"""The audit page ``/audit``: upload a file of entry lines as filed; the audit ``tariff-stack audit`` writes.

The file is read as the command reads it (``service.render.tabular_files``:
CSV/TSV text in UTF-8, UTF-16 or Windows-1252, or an ``.xlsx`` workbook; the
columns of ``service.render.audit_file``, or ACE's ES-003 names), each line is
audited on its own (``audit_file.audit_groups``, on the engine's ``audit_line``
as POST /v1/audit), and the page shows the totals and the rows.  ``#download-csv``
is a ``data:`` link holding the bytes the command writes to ``NAME.audit.csv``
(stamped with the tables' version on the first row); ``POST /audit.csv`` takes
the same upload and answers that file.  ``#api-body`` is the POST /v1/audit body
of the lines the file holds (a line whose rows disagree is left out: it is an
error row of the audit).  A file that is not a table, or lacks the columns, is a
400 with the message next to the file field; the body limit is the service's
(``MAX_CONTENT_LENGTH``: a 413), and at most ``MAX_AUDIT_LINES`` lines.
"""
from __future__ import annotations

from flask import Response, request

from service.model.errors import InputError, NotCovered
from service.render.audit_file import audit_groups, csv_bytes, default_output, line_of, read_groups, score
from service.render.tabular_files import FileProblem, read_table_data
from service.web.blueprints import tables
from service.web.errors import ApiError
from service.web.freshness import stamp_rows
from service.web.pages import bp
from service.web.pages.bills import data_url, pretty
from service.web.pages.forms import page, refusal
from service.operations.schemas import MAX_AUDIT_LINES

SETTINGS = ("audit_date", "interest_to", "importer_type")
TOTALS = ("paid", "owed", "refundable", "interest", "closed", "contested", "contingent", "underpaid", "unmatched")


class _Refused(Exception):
    def __init__(self, errors: dict, message: str, status: int = 400):
        super().__init__(message)
        self.errors, self.message, self.status = errors, message, status


def _table(upload):
    """The uploaded file as a table; a refusal on ``file`` if there is none or it is not one."""
    if upload is None or not upload.filename:
        raise _Refused({"file": ["choose a file (CSV, TSV or .xlsx)"]}, "no file")
    try:
        return read_table_data(upload.read(), upload.filename, score=score)
    except FileProblem as exc:
        raise _Refused({"file": [str(exc)]}, "the file cannot be read as a table") from None


def run_audit(t, form, upload) -> dict:
    """The audit of the upload: rows, totals, the CSV the command writes, the API body, the file's name."""
    table = _table(upload)
    try:
        groups, summary = read_groups(t, table, upload.filename)
    except FileProblem as exc:
        raise _Refused({"file": [str(exc)]}, "the file lacks the audit's columns") from None
    if len(groups) > MAX_AUDIT_LINES:
        raise _Refused({"file": [f"at most {MAX_AUDIT_LINES} lines per audit; got {len(groups)}"]},
                       "the file is too large", 413)
    if not groups:
        raise _Refused({"file": ["the file has a header but no lines"]}, "no lines")
    settings = {k: form.get(k, "").strip() for k in SETTINGS if form.get(k, "").strip()}
    rows, totals = audit_groups(t, groups, settings)
    rows = stamp_rows(rows)
    return {"rows": rows, "totals": totals, "summary": summary, "csv": csv_bytes(rows, table),
            "name": _safe_name(default_output(upload.filename, "csv")),
            "body": {"lines": _lines(groups), **settings}}


def _safe_name(name: str) -> str:
    """``C:\\x\\entries.audit.csv`` as ``entries.audit.csv``; other than letters, digits, ``._-`` as ``_``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in base) or "audit.csv"


def _lines(groups) -> list[dict]:
    out = []
    for group in groups:
        try:
            out.append(line_of(group))
        except ValueError:
            continue
    return out


def _answer(t):
    try:
        return run_audit(t, request.form, request.files.get("file")), {}, None, 200
    except _Refused as exc:
        return None, exc.errors, exc.message, exc.status
    except (InputError, NotCovered) as exc:
        errors, message, status, _ = refusal(exc)
        return None, errors, message, status


@bp.get("/audit")
def audit_form():
    return page("audit.html", title="Audit past entries", form={}, result=None)


@bp.post("/audit")
def audit_page():
    result, errors, message, status = _answer(tables())
    return page("audit.html", status, title="Audit past entries", form=request.form, result=result, errors=errors,
                message=message, totals=TOTALS, csv_url=data_url(result["csv"]) if result else "",
                api_body=pretty(result["body"]) if result else "")


@bp.post("/audit.csv")
def audit_csv():
    result, errors, message, status = _answer(tables())
    if result is None:
        codes = {400: "invalid_input", 404: "not_covered", 413: "too_large"}
        raise ApiError(status, codes.get(status, "invalid_input"), message, errors)
    return Response(result["csv"], mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{result["name"]}"'})
