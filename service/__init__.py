"""Tariff-stack landed-cost calculator: the domain library.

Plain Python, no web framework: load the tables once, then quote lines::

    from service import load_tables, parse_line, quote
    tables = load_tables()
    result = quote(tables, parse_line({"hts": "8507.60.00.20", "origin": "CN",
                                       "entry_date": "2026-01-15", "value": "100000"}))
"""
from service.model.errors import InputError, NotCovered, TableError
from service.engine.line_input import LineInput, parse_line
from service.engine.quote import quote
from service.tables.load import Tables, load_tables

__all__ = ["load_tables", "parse_line", "quote", "Tables", "LineInput", "InputError", "NotCovered", "TableError"]
