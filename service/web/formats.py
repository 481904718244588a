"""Output formats: ``format=`` or a ``.csv`` / ``.tsv`` / ``.html`` / ``.iqy`` /
``.json`` suffix on the path, and rendering a document or its spreadsheet rows.
"""
from __future__ import annotations

from flask import Response, jsonify, request

from service.model.errors import InputError
from service.render import spreadsheet

SUFFIXES = tuple("." + f for f in spreadsheet.FORMATS)
EXT = "<any(json,csv,tsv,html,iqy):ext>"  # route converter for a format suffix


def split_suffix(text: str) -> tuple[str, str | None]:
    """``8507.60.00.20.csv`` -> (``8507.60.00.20``, ``csv``)."""
    for suffix in SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)], suffix[1:]
    return text, None


def chosen_format(query_format: str | None, suffix: str | None) -> str:
    """The format asked for; ``json`` by default; an :class:`InputError` if query and suffix disagree."""
    if query_format and suffix and query_format != suffix:
        raise InputError.field("format", f"format={query_format} contradicts the .{suffix} suffix of the path")
    return query_format or suffix or "json"


def respond(fmt: str, resource: str, doc: dict, rows, title: str = "") -> Response:
    """``doc`` as JSON, or ``rows(doc)`` as CSV/TSV/HTML, or an .iqy pointing at the TSV."""
    if fmt == "json":
        return jsonify(doc)
    if fmt == "iqy":
        path, _ = split_suffix(request.path)
        url = spreadsheet.tsv_url(request.host_url, path, list(request.args.items(multi=True)))
        response = Response(spreadsheet.iqy(url), mimetype="text/x-ms-iqy")
        response.headers["Content-Type"] = spreadsheet.MEDIA_TYPES["iqy"]
        response.headers["Content-Disposition"] = f'attachment; filename="{resource}.iqy"'
        return response
    body = spreadsheet.render(fmt, resource, rows(doc), title=title)
    response = Response(body)
    response.headers["Content-Type"] = spreadsheet.MEDIA_TYPES[fmt]
    if fmt in ("csv", "tsv"):
        response.headers["Content-Disposition"] = f'inline; filename="{resource}.{fmt}"'
    return response
