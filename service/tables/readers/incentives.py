"""``incentives/*.yaml``: tax credits as dated, cited parameters (see :mod:`service.model.incentives`).

Read like every other table: unknown keys refused, every dated value cited
with its confidence, periods in order and not overlapping, a parameter's
values in its declared unit, every defect at ``file:line`` and collected.
The credit engine's tables and parameters must all be there.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from service.model.errors import TableError
from service.model.incentives import (KEYED_BY, REQUIRED, UNITS, Cited, IncentiveTable, IncentiveValue,
                                      Parameter)
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

INCENTIVE_FILE = Keys({"id", "title", "keyed_by", "basis", "parameters"}, {"description", "note", "basis_rule"})
INCENTIVE_BASIS = Keys({"cite", "confidence"}, {"url", "checked", "note"})
PARAMETER = Keys({"id", "unit", "description", "values"}, {"note"})
INCENTIVE_VALUE = Keys({"from", "value", "cite", "confidence"}, {"to", "url", "checked", "note"})
_ID = re.compile(r"^[a-z0-9_]+$")
_USD = re.compile(r"^\d+(\.\d{1,2})?$")


def read_incentives(reader: Reader, folder: Path) -> dict[str, IncentiveTable]:
    """Every incentive table, by id; the tables the credit engine reads must be there, complete."""
    tables: dict[str, IncentiveTable] = {}
    failed = len(reader.errors)
    for path in sorted(folder.glob("*.yaml")):
        with reader.collecting():
            table = read_incentive_file(reader, path)
            if table.id in tables:
                raise TableError(table.where, f"incentive table id {table.id!r} is used twice")
            tables[table.id] = table
    if not reader.failed_since(failed):
        reader.errors.extend(_missing(reader, folder, tables))
    return tables


def read_incentive_file(reader: Reader, path: Path) -> IncentiveTable:
    node = reader.read_mapping(path)
    f.check_keys(node, INCENTIVE_FILE)
    tid = _id(node)
    if path.stem != tid:
        raise TableError(node.where("id"), f"id {tid!r} must be the file name ({path.stem!r}): the path is the id")
    basis = _cited(f.expect_map(node["basis"], node.where("basis")))
    rule = _cited(f.expect_map(node["basis_rule"], node.where("basis_rule"))) if "basis_rule" in node else None
    items = f.list_of(node, "parameters")
    params: dict[str, Parameter] = {}
    failed = len(reader.errors)
    for i, item in enumerate(items):
        with reader.collecting():
            p = _parameter(reader, f.expect_map(item, items.where(i)))
            if p.id in params:
                raise TableError(items.where(i), f"parameter {p.id!r} is given twice")
            params[p.id] = p
    if reader.failed_since(failed):
        raise TableError(node.where("parameters"), f"incentive table {tid} has defects (above)")
    return IncentiveTable(tid, f.text(node, "title"), f.choice(node, "keyed_by", KEYED_BY, KEYED_BY[0]), basis,
                          rule, params, node.where())


def _id(node: Located) -> str:
    tid = f.text(node, "id")
    if not _ID.match(tid):
        raise TableError(node.where("id"), f"id {tid!r}: lower-case letters, digits and _ only")
    return tid


def _cited(node: Located) -> Cited:
    f.check_keys(node, INCENTIVE_BASIS)
    return Cited(f.text(node, "cite"), f.confidence(node), f.text(node, "note", False))


def _parameter(reader: Reader, node: Located) -> Parameter:
    f.check_keys(node, PARAMETER)
    pid = _id(node)
    unit = f.choice(node, "unit", UNITS, UNITS[0])
    items = f.list_of(node, "values")
    values = []
    for i, item in enumerate(items):
        v = f.expect_map(item, items.where(i))
        f.check_keys(v, INCENTIVE_VALUE)
        values.append(IncentiveValue(f.date_of(v, "from"), f.date_of(v, "to", False), _value(v, unit), f.text(v, "cite"),
                                     f.confidence(v), v.where(), f.text(v, "checked", False)))
    if not values:
        raise TableError(node.where("values"), f"parameter {pid} needs at least one dated value")
    f.check_periods(values, items.where, f"parameter {pid}")
    return Parameter(pid, unit, f.text(node, "description"), tuple(values), node.where())


def _value(v: Located, unit: str) -> Decimal:
    raw = v.get("value")
    if unit == "fraction":
        return f.parse_table_rate(raw, v.where("value"), "value")
    if not isinstance(raw, str) or not _USD.match(raw):
        raise TableError(v.where("value"), f"'value': bad amount {raw!r} (USD per kWh such as \"35.00\")")
    return Decimal(raw)


def _missing(reader: Reader, folder: Path, tables: dict[str, IncentiveTable]) -> list[TableError]:
    """The tables and parameters the credit engine reads (service.model.incentives.REQUIRED)."""
    errors = []
    for tid, params in REQUIRED.items():
        table = tables.get(tid)
        if table is None:
            errors.append(TableError(reader.rel(folder / f"{tid}.yaml"),
                                     f"incentives/{tid}.yaml is missing (the credit position reads it)"))
            continue
        errors.extend(TableError(table.where, f"incentive table {tid} lacks parameter {p!r}")
                      for p in params if p not in table.parameters)
    return errors
