"""The Flask application factory.

``create_app(tables=None, config=None)`` takes an already-loaded
:class:`~service.tables.load.Tables` (or loads the default tables, which validates
them and stops with ``file:line`` on a defect).  The blueprints in
``service/web/blueprints/`` only parse, call the domain and render.

Every response carries the tables version in ``X-Tables-Version`` and their
as-of date, age and staleness beside it (``service/web/freshness.py``:
``X-Tables-As-Of``, ``X-Tables-Age-Days``, ``X-Tables-Stale``; the limit is
``TARIFF_STACK_MAX_TABLE_AGE_DAYS``, "today" the config's ``CLOCK``); every
4xx/5xx is one JSON envelope (``service/web/errors.py``), or that envelope as
a table when CSV/TSV/HTML was asked for.

The service's public address, for the links it hands out (``.iqy`` web
queries), comes from configuration, never from an arbitrary ``Host`` header:
``PUBLIC_URL`` (env ``TARIFF_STACK_PUBLIC_URL``, an http(s) URL, optionally
with a path prefix), or ``TRUST_PROXY`` (env ``TARIFF_STACK_TRUST_PROXY=1``:
one reverse proxy in front sets ``X-Forwarded-For/Proto/Host/Port/Prefix``,
applied with werkzeug's ProxyFix).  Without either, only a loopback ``Host``
is used (``service.web.formats.public_base_url``).  Redirects carry a relative
``Location`` (a path), never one built from the ``Host`` header: werkzeug's
own redirects (``//v1//duty`` to ``/v1/duty``) are answered with the path
alone, and any absolute ``Location`` is made relative in ``after_request``.

Hardening headers on every response: ``X-Content-Type-Options: nosniff``;
``Cache-Control: no-store`` on errors, on every answer to a POST, on
``/healthz`` and on ``errors=inline`` tables; ``Cache-Control: max-age=300``
(:data:`GET_MAX_AGE`) on a successful GET, whose answer changes only with the
tables (their version is in ``X-Tables-Version``) and their age in days.
"""
from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, g, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import RequestRedirect

from service.model.errors import InputError
from service.model.freshness import MAX_AGE_ENV
from service.operations.schemas import MAX_BODY_BYTES
from service.tables.load import Tables, load_tables
from service.web import freshness
from service.web.blueprints import audit, duty, landed, meta, reference
from service.web.errors import ERROR_STATUS_HEADER, errors_mode, register_error_handlers
from service.web.jsonio import JSONProvider
from service.web.pages import bp as pages_bp

VERSION_HEADER = "X-Tables-Version"
GET_MAX_AGE = 300  # seconds a successful GET may be cached
NO_STORE_PATHS = ("/healthz",)
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
                      PUBLIC_URL=os.environ.get(PUBLIC_URL_ENV), TRUST_PROXY=os.environ.get(TRUST_PROXY_ENV),
                      MAX_TABLE_AGE_DAYS=os.environ.get(MAX_AGE_ENV))
    if config:
        app.config.update(config)
    app.config["PUBLIC_URL"] = public_url(app.config["PUBLIC_URL"])
    app.config["TRUST_PROXY"] = trust_proxy(app.config["TRUST_PROXY"])
    freshness.configure(app.config)
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    app.config["TABLES"] = tables if tables is not None else load_tables()

    for blueprint in (duty.bp, landed.bp, reference.bp, meta.bp, audit.bp, pages_bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def _tables():
        g.tables = app.config["TABLES"]
        if isinstance(request.routing_exception, RequestRedirect):
            # werkzeug's own redirect (//v1//hts -> /v1/hts) names the Host header's host in its
            # Location and body; answer it with the path alone.
            return redirect(relative_location(request.routing_exception.new_url),
                            code=request.routing_exception.code)
        if request.routing_exception is None:  # a wrong path or method is answered first (404/405)
            errors_mode()  # errors=inline or status; a bad value is a 400 before anything else

    @app.after_request
    def _headers(response):
        response.headers[VERSION_HEADER] = app.config["TABLES"].version
        response.headers.update(freshness.headers(freshness.current()))
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = cache_control(request.method, request.path, response)
        if "Location" in response.headers:
            response.headers["Location"] = relative_location(response.headers["Location"])
        return response

    register_error_handlers(app)
    return app


def cache_control(method: str, path: str, response) -> str:
    """``max-age`` for a successful GET; ``no-store`` for errors, POST answers and health."""
    cacheable = (method in ("GET", "HEAD") and response.status_code == 200
                 and ERROR_STATUS_HEADER not in response.headers
                 and not any(path == p or path.startswith(p + ".") for p in NO_STORE_PATHS))
    return f"max-age={GET_MAX_AGE}" if cacheable else "no-store"


def relative_location(location: str) -> str:
    """A redirect target as a path (``/v1/duty?x=1``), whatever host werkzeug put in front.

    werkzeug builds the absolute URL of its own redirects from the ``Host``
    header, which a client can forge.  A path is resolved by the client
    against the address it asked, so no host the service has not been told
    about is ever written.  Leading slashes are collapsed so the path cannot
    read as a host (``//evil.example``).
    """
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/") if parts.path.startswith("/") or parts.netloc else parts.path
    return urlunsplit(("", "", path, parts.query, parts.fragment))
