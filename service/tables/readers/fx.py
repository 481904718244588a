"""``fx/rates.yaml``: currency rates for customs valuation.

Per currency: the legal ``rule`` (19 CFR 159.34 quarterly or 159.35 daily), ``daily``
blocks of published daily rates (H.10 certified, or Treasury reporting rates) as a
date -> rate map, and the monthly approximations (``values``).  Every defect is
collected with its ``file:line`` and reported together.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from service.model import fx_daily as fxd
from service.model.errors import TableError, TableErrors
from service.model.fx import FxCurrency, FxTable, FxValue, iso_currencies
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

FX_FILE = Keys({"id", "title", "basis", "currencies"}, {"note"})
CURRENCY = Keys({"quote", "values"}, {"rule", "daily"})
FX_VALUE = Keys({"from", "rate", "cite", "confidence"}, {"to", "url", "note"})
RULE = Keys({"basis", "cite", "confidence"}, {"note"})
DAILY = Keys({"series", "source", "quote", "from", "to", "cite", "confidence", "rates"}, {"checked", "url", "note"})
RATE = re.compile(r"^\d+(\.\d{1,8})?$")   # a figure as the tables and H.10 print it (sync reads H.10 with it)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NO_DATA = "ND"                 # how H.10 marks a weekday without a certified rate


class _Errors(list):
    """Defects of one file, collected so the author sees them all at once."""

    def run(self, fn, *args):
        try:
            return fn(*args)
        except TableErrors as exc:
            self.extend(exc.errors)
        except TableError as exc:
            self.append(exc)
        return None


def read_fx(reader: Reader, path: Path) -> FxTable:
    node = reader.read_mapping(path)
    f.check_keys(node, FX_FILE)
    cur_node = f.expect_map(node.get("currencies"), node.where("currencies"))
    errors, currencies = _Errors(), {}
    for code in cur_node:
        currency = errors.run(_read_currency, code, cur_node)
        if currency is not None:
            currencies[code] = currency
    if errors:
        raise TableErrors(errors)
    return FxTable(f.text(node, "title"), f.text(node, "basis"), currencies)


def _read_currency(code: str, cur_node: Located) -> FxCurrency:
    c = f.expect_map(cur_node[code], cur_node.where(code))
    if code not in iso_currencies():
        raise TableError(cur_node.where(code), f"unknown ISO 4217 currency {code!r}")
    f.check_keys(c, CURRENCY)
    if c.get("quote") != "per_usd":
        raise TableError(c.where("quote"), "quote must be 'per_usd' (units of the currency per 1 USD)")
    errors = _Errors()
    values = errors.run(_read_values, code, c)
    rule = errors.run(_read_rule, c) if "rule" in c else None
    daily = errors.run(_read_daily, code, c) if "daily" in c else ()
    if daily and rule is None and not errors:
        errors.append(TableError(c.where("daily"), f"{code} has daily rates but no 'rule' (quarterly or daily)"))
    if errors:
        raise TableErrors(errors)
    return FxCurrency(code, values, rule, daily)


def _read_values(code: str, c: Located) -> tuple[FxValue, ...]:
    items = f.list_of(c, "values")
    values = []
    for i, v in enumerate(items):
        v = f.expect_map(v, items.where(i))
        f.check_keys(v, FX_VALUE)
        rate = _rate(v.get("rate"), v.where("rate"))
        values.append(FxValue(f.date_of(v, "from"), f.date_of(v, "to", False), rate, f.text(v, "cite"),
                              f.confidence(v), v.where()))
    f.check_periods(values, items.where, f"fx {code}")
    return tuple(values)


def _read_rule(c: Located) -> fxd.FxRule:
    r = f.expect_map(c.get("rule"), c.where("rule"))
    f.check_keys(r, RULE)
    basis = f.text(r, "basis")
    if basis not in fxd.BASES:
        raise TableError(r.where("basis"), f"basis must be one of {', '.join(fxd.BASES)} "
                                           "(19 CFR 159.34 quarterly rate, or 159.35 daily rate)")
    return fxd.FxRule(basis, f.text(r, "cite"), f.confidence(r), r.where())


def _read_daily(code: str, c: Located) -> tuple[fxd.DailyBlock, ...]:
    items = f.list_of(c, "daily")
    errors, blocks = _Errors(), []
    for i in range(len(items)):
        block = errors.run(_read_block, items, i)
        if block is not None:
            blocks.append(block)
    errors.run(_check_blocks, code, blocks)
    if errors:
        raise TableErrors(errors)
    return tuple(blocks)


def _read_block(items, i: int) -> fxd.DailyBlock:
    b = f.expect_map(items[i], items.where(i))
    f.check_keys(b, DAILY)
    source, quote = b.get("source"), b.get("quote")
    if source not in fxd.SOURCES:
        raise TableError(b.where("source"), f"source must be one of {', '.join(fxd.SOURCES)}")
    if quote not in fxd.QUOTES:
        raise TableError(b.where("quote"), f"quote must be one of {', '.join(fxd.QUOTES)} (as the source publishes)")
    start, end = f.date_of(b, "from"), f.date_of(b, "to")
    if end <= start:
        raise TableError(b.where("to"), f"'to' {end} must be after 'from' {start}")
    rates = _read_rates(b, start, end, weekly=source == fxd.H10)
    return fxd.DailyBlock(f.text(b, "series"), source, quote, start, end, f.text(b, "cite"), f.confidence(b),
                          f.text(b, "checked", False), b.where(), rates)


def _read_rates(b: Located, start: date, end: date, weekly: bool) -> dict:
    """The date -> rate map of a block (see ``_week_line`` for H.10, ``_effective_line`` for Treasury)."""
    node = f.expect_map(b.get("rates"), b.where("rates"))
    errors, rates, expect = _Errors(), {}, next_weekday(start) if weekly else start
    for key in node:
        read = _week_line if weekly else _effective_line
        placed = errors.run(read, node, key, (expect, end))
        if placed is None:
            break               # a line out of place: the lines after it cannot be placed
        for day, token in placed:
            rates[day] = errors.run(_rate_or_nd, token, node.where(key), day)
        last = placed[-1][0] + timedelta(days=1)
        expect = next_weekday(last) if weekly else last
    if weekly and not errors and expect < end:
        errors.append(TableError(b.where("rates"), f"H.10 lists every weekday (a rate or \"ND\"): the rates stop "
                                                   f"before {expect}, inside the block (to {end})"))
    if errors:
        raise TableErrors(errors)
    return rates


def _week_line(node: Located, key, bounds) -> list:
    """``"2026-03-02": "6.8821 6.8996 ND 6.8912 6.8965"``: the key day and the weekdays after it, up to Friday."""
    expect, end = bounds
    day, where = _line_day(node, key, expect, end), node.where(key)
    if day != expect:
        raise TableError(where, f"{key}: expected the line for {expect} (every weekday is listed, in order)")
    tokens = node[key].split() if isinstance(node[key], str) else []
    days = [day + timedelta(days=i) for i in range(len(tokens))]
    if not tokens or days[-1].weekday() > 4 or days[-1] >= end:
        raise TableError(where, f"{key}: give 1 to {5 - day.weekday()} figures (this day to Friday, "
                                f"before {end}), separated by spaces; got {len(tokens)}")
    return list(zip(days, tokens))


def _effective_line(node: Located, key, bounds) -> list:
    """``"2026-09-30": "7.105"``: a Treasury rate effective from that date."""
    expect, end = bounds
    day = _line_day(node, key, expect, end)
    return [(day, node[key])]


def _line_day(node: Located, key, expect: date, end: date) -> date:
    where = node.where(key)
    if not isinstance(key, str) or not _DAY.match(key):
        raise TableError(where, f"bad date {key!r} (expected \"YYYY-MM-DD\")")
    try:
        day = date.fromisoformat(key)
    except ValueError:
        raise TableError(where, f"bad date {key!r} (no such day)") from None
    if day < expect:
        raise TableError(where, f"{key} is before {expect}: keep lines in date order, inside the block's from/to")
    if day >= end:
        raise TableError(where, f"{key} is not before the block's 'to' ({end}, exclusive)")
    return day


def _rate_or_nd(value, where: str, day: date) -> Decimal | None:
    if value == NO_DATA:
        return None
    try:
        return _rate(value, where)
    except TableError:
        raise TableError(where, f"{day}: bad rate {value!r}: a figure such as \"7.1069\", or \"ND\"") from None


def _rate(value, where: str) -> Decimal:
    if not isinstance(value, str) or not RATE.match(value) or Decimal(value) == 0:
        raise TableError(where, f"bad rate {value!r}: units per USD such as \"7.1069\"")
    return Decimal(value)


def _check_blocks(code: str, blocks: list[fxd.DailyBlock]) -> None:
    """Blocks of one source are in date order and do not overlap."""
    for source in fxd.SOURCES:
        mine = [b for b in blocks if b.source == source]
        for prev, nxt in zip(mine, mine[1:]):
            if nxt.start < prev.end:
                raise TableError(nxt.where, f"fx {code} {source} block from {nxt.start} overlaps the block "
                                            f"ending {prev.end} ({prev.where}); keep blocks in order")


def next_weekday(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
