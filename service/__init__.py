"""Tariff-stack landed-cost calculator: the domain library.

Plain Python, no web framework: load the tables once, then quote lines::

    from service import load_tables, parse_line, quote
    tables = load_tables()
    result = quote(tables, parse_line({"hts": "8507.60.00.20", "origin": "CN",
                                       "entry_date": "2026-01-15", "value": "100000"}))

and price whole entries and analyses with the same tables:

* ``landed_cost(tables, parse_entry(tables, body))``: one entry's landed cost
  (lines, shared costs, fees), the document ``POST /v1/landed-cost`` serves;
* ``compare(tables, body)``: a domestic quote against imported quotes;
* ``schedule(tables, body)``: one bill of lines across planned entry dates;
* ``timeline(tables, line, start, end)``: one line's duty stack over dates;
* ``audit(tables, body)``: entry lines as filed, paid vs owed vs refundable
  (the document ``POST /v1/audit`` serves).

``import service`` does not import Flask; ``service.create_app`` (the WSGI
application factory of ``service.web.app``) is imported on first use.
"""
# The one version of the package: the CLI (--version), /healthz and openapi.yaml (info.version) agree.
from service.version import __version__

from service.model.errors import InputError, NotCovered, TableError
from service.tables.load import Tables, load_tables
from service.engine.audit.run import audit
from service.engine.compare import compare
from service.engine.landed_cost import landed_cost, parse_entry
from service.engine.line_input import LineInput, parse_line
from service.engine.quote import quote
from service.engine.schedule import schedule
from service.engine.timeline import timeline

__all__ = ["__version__", "load_tables", "parse_line", "quote", "parse_entry", "landed_cost", "compare", "schedule", "timeline", "audit",
           "Tables", "LineInput", "InputError", "NotCovered", "TableError"]  # not create_app: keep ``*`` Flask-free


def __getattr__(name):
    if name == "create_app":  # lazily: the web layer imports Flask
        from service.web.app import create_app
        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
