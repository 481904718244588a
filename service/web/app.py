"""The Flask application factory.

``create_app(tables=None, config=None)`` takes an already-loaded
:class:`~service.tables.load.Tables` (or loads the default tables, which validates
them and stops with ``file:line`` on a defect).  The blueprints in
``service/web/blueprints/`` only parse, call the domain and render.

Every response carries the tables version in ``X-Tables-Version``; every
4xx/5xx is one JSON envelope (``service/web/errors.py``).
"""
from __future__ import annotations

from flask import Flask, g

from service.tables.load import Tables, load_tables
from service.web.blueprints import duty, landed, meta, reference
from service.web.errors import register_error_handlers
from service.web.jsonio import JSONProvider

MAX_BODY_BYTES = 8 * 1024 * 1024
VERSION_HEADER = "X-Tables-Version"


def create_app(tables: Tables | None = None, config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES)
    if config:
        app.config.update(config)
    app.config["TABLES"] = tables if tables is not None else load_tables()

    for blueprint in (duty.bp, landed.bp, reference.bp, meta.bp):
        app.register_blueprint(blueprint)

    @app.before_request
    def _tables():
        g.tables = app.config["TABLES"]

    @app.after_request
    def _version(response):
        response.headers[VERSION_HEADER] = app.config["TABLES"].version
        return response

    register_error_handlers(app)
    return app
