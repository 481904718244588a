"""``fx/rates.yaml``: monthly currency rates (units of the currency per USD) for customs valuation."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from service.model.errors import TableError
from service.model.fx import FxCurrency, FxTable, FxValue, iso_currencies
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

FX_FILE = Keys({"id", "title", "basis", "currencies"}, {"note"})
CURRENCY = Keys({"quote", "values"})
FX_VALUE = Keys({"from", "rate", "cite", "confidence"}, {"to", "url", "note"})
_RATE = re.compile(r"^\d+(\.\d{1,8})?$")


def read_fx(reader: Reader, path: Path) -> FxTable:
    node = reader.read_mapping(path)
    f.check_keys(node, FX_FILE)
    cur_node = f.expect_map(node.get("currencies"), node.where("currencies"))
    currencies = {}
    for code in cur_node:
        c = f.expect_map(cur_node[code], cur_node.where(code))
        if code not in iso_currencies():
            raise TableError(cur_node.where(code), f"unknown ISO 4217 currency {code!r}")
        currencies[code] = _read_currency(code, c)
    return FxTable(f.text(node, "title"), f.text(node, "basis"), currencies)


def _read_currency(code: str, c: Located) -> FxCurrency:
    f.check_keys(c, CURRENCY)
    if c.get("quote") != "per_usd":
        raise TableError(c.where("quote"), "quote must be 'per_usd' (units of the currency per 1 USD)")
    items = f.list_of(c, "values")
    values = []
    for i, v in enumerate(items):
        v = f.expect_map(v, items.where(i))
        f.check_keys(v, FX_VALUE)
        rate = v.get("rate")
        if not isinstance(rate, str) or not _RATE.match(rate) or Decimal(rate) == 0:
            raise TableError(v.where("rate"), f"bad rate {rate!r}: units per USD such as \"7.1069\"")
        values.append(FxValue(f.date_of(v, "from"), f.date_of(v, "to", False), Decimal(rate), f.text(v, "cite"),
                              f.confidence(v), v.where()))
    f.check_periods(values, items.where, f"fx {code}")
    return FxCurrency(code, tuple(values))
