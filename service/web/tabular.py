"""Tabular responses (CSV, TSV, HTML) and which format a request asked for.

Shared by ``formats`` (documents) and ``errors`` (the error envelope as a
table), so neither imports the other for it.
"""
from __future__ import annotations

from flask import Response, request

from service.render import spreadsheet
from service.web.freshness import footer, stamp_rows

SUFFIXES = tuple("." + f for f in spreadsheet.FORMATS)
TABULAR = ("csv", "tsv", "html")


def split_suffix(text: str) -> tuple[str, str | None]:
    """``8507.60.00.20.csv`` -> (``8507.60.00.20``, ``csv``)."""
    for suffix in SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)], suffix[1:]
    return text, None


def tabular(fmt: str, resource: str, rows: list[dict], title: str = "", status: int = 200) -> Response:
    """Rows as a CSV/TSV/HTML response with its media type; the tables' stamp on the first row."""
    rows = stamp_rows(rows)
    response = Response(spreadsheet.render(fmt, resource, rows, title=title, footer=footer()), status=status)
    response.headers["Content-Type"] = spreadsheet.MEDIA_TYPES[fmt]
    if fmt in ("csv", "tsv"):
        response.headers["Content-Disposition"] = f'inline; filename="{resource}.{fmt}"'
    return response


def requested_tabular_format() -> str | None:
    """The CSV/TSV/HTML format this request asked for (the path suffix, else ``format=``), or None.

    Used to answer an error in the form the caller can read; it never raises,
    even when the request itself is malformed.
    """
    _, suffix = split_suffix(request.path)
    if suffix in TABULAR:
        return suffix
    if suffix is None:
        asked = request.args.get("format")
        if asked in TABULAR:
            return asked
    return None
