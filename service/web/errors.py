"""Every 4xx/5xx as one JSON envelope ``{code, status, message, errors}``.

A request for CSV, TSV or HTML (a ``.csv``/``.tsv``/``.html`` suffix or
``format=``) gets the same envelope as a table in that format instead
(columns ``status, code, message, field, detail, hint, tables_version, as_of,
age_days``, one row per field message), still under its 4xx/5xx status.  Spreadsheet
connectors (Power Query, ``IMPORTDATA``, web queries) drop the body of a 4xx,
so ``errors=inline`` answers that table with status 200 and the real status
in ``X-Error-Status``: the reason reaches the cell.  JSON callers always get
the envelope under the real status.

The envelope also carries ``tables_version`` with the tables' ``as_of`` and
``age_days`` beside it and, for a line the tables do not cover, a ``hint``.  :class:`ApiError` is what the web layer itself raises (an
unsupported media type, a body over a limit, malformed JSON); the domain's
:class:`~service.model.errors.InputError` and
:class:`~service.model.errors.NotCovered` map to 400 and 404.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from service.model.errors import InputError, NotCovered
from service.operations import errors as operations
from service.render import spreadsheet
from service.web.freshness import stamp
from service.web.tabular import requested_tabular_format, split_suffix, tabular

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              413: "too_large", 414: "uri_too_long", 415: "unsupported_media_type", 431: "headers_too_large"}
ERRORS_MODES = ("status", "inline")  # errors=: the real status (default), or 200 with the error table
ERROR_STATUS_HEADER = "X-Error-Status"


class ApiError(Exception):
    """An HTTP error raised by the web layer itself (413, 415, 400 on the body)."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or {}


def envelope(status: int, code: str, message: str, errors: dict | None = None, **extra) -> tuple[dict, int]:
    """The error document (``service.operations.errors``) and its status."""
    return operations.envelope(current_app.config["TABLES"].version, status, code, message, errors, **extra), status


def errors_mode() -> str:
    """``errors=`` of this request: ``status`` (default) or ``inline``; anything else is an :class:`ApiError`."""
    mode = request.args.get("errors") or "status"
    if mode not in ERRORS_MODES:
        raise ApiError(400, "invalid_input", f"errors: must be {' or '.join(ERRORS_MODES)}; got {mode[:40]!r}",
                       {"errors": [f"must be {' or '.join(ERRORS_MODES)}"]})
    return mode


def answer(doc: dict, status: int, headers: dict | None = None):
    """The envelope in the form the request asked for (see the module docstring).

    A rejected request (4xx) is logged as one line at INFO, never with a traceback.
    """
    if status < 500:
        log.info("rejected %s %s: %d %s: %s", request.method, _shown(request.path, 200), status, doc["code"],
                 _shown(doc["message"], 300))
    headers = dict(headers or {})
    doc = stamp(doc, warn=False)   # the answer's own envelope (one nested in a batch result is not stamped)
    fmt = requested_tabular_format()
    if fmt is None:
        return doc, status, headers
    inline = request.args.get("errors") == "inline"
    response = tabular(fmt, "error", spreadsheet.error_rows(doc), title=f"Error {status}: {doc['code']}",
                       status=200 if inline else status)
    if inline:
        headers[ERROR_STATUS_HEADER] = str(status)
    response.headers.update(headers)
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error class, expected or not, with the envelope."""

    @app.errorhandler(InputError)
    @app.errorhandler(NotCovered)
    def _refused(exc: InputError | NotCovered):
        doc = operations.refusal(app.config["TABLES"].version, exc)
        return answer(doc, doc["status"])

    @app.errorhandler(ApiError)
    def _api(exc: ApiError):
        return answer(*envelope(exc.status, exc.code, exc.message, exc.errors))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = f"request body over the limit of {limit} bytes"
        elif status == 404 and request.path.startswith("/v1/"):
            message = f"no such resource: {request.path}"
        valid = list(getattr(exc, "valid_methods", None) or [])
        if status == 405 and "POST" in valid and "GET" not in valid:
            message = post_only_message(request.method, request.path)
        headers = {}
        if status == 405 and valid:
            headers["Allow"] = ", ".join(valid)
        return answer(*envelope(status, HTTP_CODES.get(status, "http_error"), message), headers)

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return answer(*envelope(500, "internal_error", "internal error; the request was logged"))


def _shown(text: str, limit: int) -> str:
    """Client-controlled text for a log line: control characters escaped, cut to ``limit``."""
    text = text if len(text) <= limit else text[:limit] + "..."
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def post_only_message(method: str, path: str) -> str:
    """What a GET (or other method) on a POST-only endpoint should do instead."""
    base, _ = split_suffix(path)
    return (f"{base} takes a POST with a JSON body (Content-Type: application/json), not a {method}; "
            f"a working example body is in /openapi.yaml and on /docs#post-{base}")
