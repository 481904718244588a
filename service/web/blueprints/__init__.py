"""Thin HTTP blueprints: parse the request, call the domain, render.

Shared helpers: choosing the output format (``format=`` or a ``.csv`` /
``.tsv`` / ``.html`` / ``.iqy`` / ``.json`` suffix), rendering a document or
its spreadsheet rows, and reading a JSON body strictly.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

from flask import Response, g, jsonify, request

from service.render import spreadsheet
from service.web.app import ApiError, _reject_constant
from service.model.errors import InputError

SUFFIXES = tuple("." + f for f in spreadsheet.FORMATS)


def split_suffix(text: str) -> tuple[str, str | None]:
    """``8507.60.00.20.csv`` -> (``8507.60.00.20``, ``csv``)."""
    for suffix in SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)], suffix[1:]
    return text, None


def chosen_format(query_format: str | None, suffix: str | None) -> str:
    if query_format and suffix and query_format != suffix:
        raise InputError.field("format", f"format={query_format} contradicts the .{suffix} suffix of the path")
    return query_format or suffix or "json"


def render(fmt: str, resource: str, doc: dict, rows, title: str = "") -> Response:
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


def read_json() -> dict:
    """The request body as a JSON object; numbers as ``Decimal``, never float."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as application/json (got {request.mimetype or 'no content type'})")
    raw = request.get_data()
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    if _ESCAPED_SURROGATE.search(raw) and _has_lone_surrogate(data):
        raise ApiError(400, "malformed_json", "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                              "which is not text")
    return data


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(node) -> bool:
    if isinstance(node, str):
        return bool(_SURROGATE.search(node))
    if isinstance(node, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_lone_surrogate(v) for v in node)
    return False


def tables():
    return g.tables
