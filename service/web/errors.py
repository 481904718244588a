"""Every 4xx/5xx as one JSON envelope ``{code, status, message, errors}``.

The envelope also carries ``tables_version`` and, for a line the tables do not
cover, a ``hint``.  :class:`ApiError` is what the web layer itself raises (an
unsupported media type, a body over a limit, malformed JSON); the domain's
:class:`~service.model.errors.InputError` and
:class:`~service.model.errors.NotCovered` map to 400 and 404.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from service.model.errors import InputError, NotCovered

log = logging.getLogger(__name__)

HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              413: "too_large", 414: "uri_too_long", 415: "unsupported_media_type", 431: "headers_too_large"}


class ApiError(Exception):
    """An HTTP error raised by the web layer itself (413, 415, 400 on the body)."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or {}


def envelope(status: int, code: str, message: str, errors: dict | None = None, **extra) -> tuple[dict, int]:
    """The error document and its status; ``extra`` fields (e.g. ``hint``) go after ``errors``."""
    doc = {"code": code, "status": status, "message": message, "errors": errors or {}}
    doc.update(extra)
    doc["tables_version"] = current_app.config["TABLES"].version
    return doc, status


def register_error_handlers(app: Flask) -> None:
    """Answer every error class, expected or not, with the envelope."""

    @app.errorhandler(InputError)
    def _input(exc: InputError):
        return envelope(400, "invalid_input", exc.message, exc.errors)

    @app.errorhandler(NotCovered)
    def _not_covered(exc: NotCovered):
        return envelope(404, "not_covered", exc.message, {exc.field: [exc.message]}, hint=exc.hint)

    @app.errorhandler(ApiError)
    def _api(exc: ApiError):
        return envelope(exc.status, exc.code, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            limit = app.config["MAX_CONTENT_LENGTH"]
            message = f"request body over the limit of {limit} bytes"
        elif status == 404 and request.path.startswith("/v1/"):
            message = f"no such resource: {request.path}"
        response, code = envelope(status, HTTP_CODES.get(status, "http_error"), message)
        headers = {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        return response, code, headers

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return envelope(500, "internal_error", "internal error; the request was logged")
