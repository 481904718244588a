"""The Flask application factory.

``create_app(tables=None, config=None)`` takes an already-loaded
:class:`~service.tables.load.Tables` (or loads the default tables, which validates
them and stops with ``file:line`` on a defect).  The blueprints in
``service/web/blueprints/`` only parse, call the domain and render.

Every response carries the tables version in ``X-Tables-Version``; every
4xx/5xx is one JSON envelope (``service/web/errors.py``), or that envelope as
a table when CSV/TSV/HTML was asked for.

The service's public address, for the links it hands out (``.iqy`` web
queries), comes from configuration, never from an arbitrary ``Host`` header:
``PUBLIC_URL`` (env ``TARIFF_STACK_PUBLIC_URL``, an http(s) URL, optionally
with a path prefix), or ``TRUST_PROXY`` (env ``TARIFF_STACK_TRUST_PROXY=1``:
one reverse proxy in front sets ``X-Forwarded-For/Proto/Host/Port/Prefix``,
applied with werkzeug's ProxyFix).  Without either, only a loopback ``Host``
is used (``service.web.formats.public_base_url``).
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service.model.errors import InputError
from service.tables.load import Tables, load_tables
from service.web.blueprints import duty, landed, meta, reference
from service.web.errors import errors_mode, register_error_handlers
from service.web.jsonio import JSONProvider

MAX_BODY_BYTES = 8 * 1024 * 1024
VERSION_HEADER = "X-Tables-Version"
PUBLIC_URL_ENV = "TARIFF_STACK_PUBLIC_URL"
TRUST_PROXY_ENV = "TARIFF_STACK_TRUST_PROXY"
_TRUE, _FALSE = ("1", "true", "yes"), ("", "0", "false", "no")


def public_url(value: str | None) -> str | None:
    """A configured public base URL, checked: ``https://host[:port][/prefix]``, no query or fragment."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise InputError.field(PUBLIC_URL_ENV, f"must be an http(s) base URL such as https://tariffs.example.com "
                                               f"(optionally with a path prefix); got {value!r}")
    return value.strip().rstrip("/") + "/"


def trust_proxy(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InputError.field(TRUST_PROXY_ENV, f"must be 1 or 0; got {value!r}")


def create_app(tables: Tables | None = None, config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES,
                      PUBLIC_URL=os.environ.get(PUBLIC_URL_ENV), TRUST_PROXY=os.environ.get(TRUST_PROXY_ENV))
    if config:
        app.config.update(config)
    app.config["PUBLIC_URL"] = public_url(app.config["PUBLIC_URL"])
    app.config["TRUST_PROXY"] = trust_proxy(app.config["TRUST_PROXY"])
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    app.config["TABLES"] = tables if tables is not None else load_tables()

    for blueprint in (duty.bp, landed.bp, reference.bp, meta.bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def _tables():
        g.tables = app.config["TABLES"]
        if request.routing_exception is None:  # a wrong path or method is answered first (404/405)
            errors_mode()  # errors=inline or status; a bad value is a 400 before anything else

    @app.after_request
    def _version(response):
        response.headers[VERSION_HEADER] = app.config["TABLES"].version
        return response

    register_error_handlers(app)
    return app
