"""The Flask application factory.

``create_app(tables=None, config=None)`` takes an already-loaded
:class:`~service.tables.load.Tables` (or loads the default tables, which validates
them and stops with ``file:line`` on a defect).  The blueprints in
``service/api/`` only parse, call the domain and render.

Every response carries the tables version in ``X-Tables-Version``; every
4xx/5xx is one JSON envelope ``{code, status, message, errors}`` (plus
``tables_version`` and, for 404s, a ``hint``).
"""
from __future__ import annotations

import json
import logging
from decimal import Decimal

import orjson
from flask import Flask, g, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from service.model.errors import InputError, NotCovered
from service.tables.load import Tables, load_tables

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 8 * 1024 * 1024
VERSION_HEADER = "X-Tables-Version"


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _default(o):
    if isinstance(o, Decimal):
        return format(o, "f")
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


class JSONProvider(DefaultJSONProvider):
    """Keep field order; numbers in bodies become ``Decimal``, never float.

    Responses are encoded with orjson: a 10,000-line batch is ~30 MB of JSON,
    which the standard library encodes in ~0.45 s and orjson in a few tens of
    milliseconds (the batch goal is 1 s end to end).
    """

    sort_keys = False
    ensure_ascii = False

    @staticmethod
    def default(o):
        return _default(o)

    def dumps(self, obj, **kwargs):
        return _encode(obj).decode("utf-8")

    def response(self, *args, **kwargs):
        obj = args[0] if len(args) == 1 else (args or kwargs)
        return self._app.response_class(_encode(obj), mimetype=self.mimetype)


def _encode(obj) -> bytes:
    try:
        return orjson.dumps(obj, default=_default)
    except orjson.JSONEncodeError:
        # e.g. a lone surrogate in echoed text: the standard library escapes it
        return json.dumps(obj, default=_default, ensure_ascii=True).encode("ascii")

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        kwargs.setdefault("parse_constant", _reject_constant)
        return json.loads(s, **kwargs)


class ApiError(Exception):
    """An HTTP error raised by the web layer itself (413, 415, 400 on the body)."""

    def __init__(self, status: int, code: str, message: str, errors: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or {}


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
              413: "too_large", 414: "uri_too_long", 415: "unsupported_media_type", 431: "headers_too_large"}


def envelope(status: int, code: str, message: str, errors: dict | None = None, **extra) -> tuple[dict, int]:
    from flask import current_app
    doc = {"code": code, "status": status, "message": message, "errors": errors or {}}
    doc.update(extra)
    doc["tables_version"] = current_app.config["TABLES"].version
    return doc, status


def create_app(tables: Tables | None = None, config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES)
    if config:
        app.config.update(config)
    app.config["TABLES"] = tables if tables is not None else load_tables()

    from service.web.blueprints import duty, landed, meta, reference
    app.register_blueprint(duty.bp)
    app.register_blueprint(landed.bp)
    app.register_blueprint(reference.bp)
    app.register_blueprint(meta.bp)

    @app.before_request
    def _tables():
        g.tables = app.config["TABLES"]

    @app.after_request
    def _version(response):
        response.headers[VERSION_HEADER] = app.config["TABLES"].version
        return response

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

    return app
