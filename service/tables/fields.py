"""Field readers for the tariff tables: one function per kind of value.

Every reader takes a :class:`~service.tables.yamlsrc.Located` mapping and a
key, and returns the value typed (text, date, fraction, heading, ...) or raises
:class:`~service.model.errors.TableError` located at ``file:line``.  The
readers in :mod:`service.tables.readers` are built from these alone.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.model.errors import TableError
from service.model.measures import CONFIDENCE
from service.tables.yamlsrc import Located, LocatedList

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRACTION = re.compile(r"^\d+(\.\d+)?$")
_PERCENT = re.compile(r"^(\d+(\.\d+)?)\s?%$")
_HEADING = re.compile(r"^99\d{2}\.\d{2}\.\d{2}$")
MAX_RATE = Decimal("10")  # 1,000 %; anything above is a typo


@dataclass(frozen=True)
class Keys:
    """The keys a mapping of one kind may hold: ``required`` must all be there, nothing else but ``optional``."""
    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    def __init__(self, required, optional=()):
        object.__setattr__(self, "required", frozenset(required))
        object.__setattr__(self, "optional", frozenset(optional))

    def __or__(self, optional) -> "Keys":
        """The same keys with more optional ones."""
        return Keys(self.required, self.optional | frozenset(optional))

    @property
    def allowed(self) -> frozenset[str]:
        return self.required | self.optional


def expect_map(node, where: str) -> Located:
    if not isinstance(node, Located):
        raise TableError(getattr(node, "where", lambda: where)() if isinstance(node, LocatedList) else where,
                         "expected a mapping")
    return node


def check_keys(node: Located, keys: Keys) -> None:
    """Refuse an unknown key (with a did-you-mean) and a missing required one."""
    required, optional = keys.required, keys.optional
    for key in node:
        if key not in required and key not in optional:
            known = sorted(required | set(optional))
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}? " if near else ""
            raise TableError(node.where(key), f"unknown key {key!r} ({hint}allowed: {', '.join(known)})")
    for key in sorted(required):
        if key not in node:
            if key == "confidence":
                confidence(node)      # the message says what the key is for
            raise TableError(node.where(), f"missing key {key!r}")


def text(node: Located, key: str, required: bool = True) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be given")
        return None
    if not isinstance(value, str) or not value.strip():
        raise TableError(node.where(key), f"{key!r} must be non-empty text")
    return value.strip()


def date_of(node: Located, key: str, required: bool = True) -> date | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be a date YYYY-MM-DD")
        return None
    if not isinstance(value, str) or not _DATE.match(value):
        raise TableError(node.where(key), f"{key!r}: bad date {value!r} (expected \"YYYY-MM-DD\")")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise TableError(node.where(key), f"{key!r}: bad date {value!r} (no such day)") from None


def fraction(node: Located, key: str, required: bool = False) -> Decimal | None:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be given")
        return None
    return parse_table_rate(value, node.where(key), key)


def parse_table_rate(value, where: str, key: str = "rate") -> Decimal:
    """A rate as written in a table: a fraction ("0.25") or a percentage ("25%").

    A bare number above 1 is refused: "2.5" could be 250% or a percentage
    written without its sign (2.5%), and the difference is a factor of 100.
    Rates of 100% or more must carry the sign ("125%").
    """
    if not isinstance(value, str):
        raise TableError(where, f"{key!r}: bad rate {value!r} (a fraction such as \"0.25\" or a percentage \"25%\")")
    text = value.strip()
    percent = _PERCENT.match(text)
    if percent:
        rate = Decimal(percent.group(1)) / 100
    elif _FRACTION.match(text):
        rate = Decimal(text)
        if rate > 1:
            percent_text = _plain(rate * 100)
            raise TableError(where, f"{key!r}: {value!r} is ambiguous: a bare number is a fraction (0.25 = 25%), "
                                    f"so this reads as {percent_text}%; write \"{text}%\" if a percentage was meant, "
                                    f"or \"{percent_text}%\" for a rate of 100% or more")
    else:
        raise TableError(where, f"{key!r}: bad rate {value!r} (a fraction such as \"0.25\" or a percentage \"25%\")")
    if rate > MAX_RATE:
        raise TableError(where, f"{key!r}: rate {value} is above {MAX_RATE * 100:g}%; check for a typo")
    return rate


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 125.00 -> '125', 712.030 -> '712.03'."""
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def confidence(node: Located) -> str:
    """Every dated value says how far it was checked; there is no default."""
    if "confidence" not in node:
        raise TableError(node.where(), "missing key 'confidence': say what was checked "
                                       f"({', '.join(CONFIDENCE)}; see tariff_tables/README.md)")
    return choice(node, "confidence", CONFIDENCE, "confirmed")


def list_of(node: Located, key: str, required: bool = True) -> LocatedList:
    value = node.get(key)
    if value is None:
        if required:
            raise TableError(node.where(key), f"{key!r} must be a list")
        empty = LocatedList()
        empty.file, empty.line, empty.item_lines = node.file, node.key_lines.get(key, node.line), []
        return empty
    if not isinstance(value, LocatedList):
        raise TableError(node.where(key), f"{key!r} must be a list")
    return value


def choice(node: Located, key: str, choices, default: str) -> str:
    value = node.get(key, default)
    if value not in choices:
        raise TableError(node.where(key), f"{key!r}: {value!r} is not one of {', '.join(choices)}")
    return value


def heading(node: Located, key: str, required: bool = False) -> str | None:
    value = text(node, key, required)
    if value is not None and not _HEADING.match(value):
        raise TableError(node.where(key), f"{key!r}: malformed Chapter 99 heading {value!r} (expected 9903.xx.xx)")
    return value


def check_periods(items, where_of, what: str) -> None:
    """Dated items must be in order and must not overlap."""
    for i, item in enumerate(items):
        if item.end is not None and item.end <= item.start:
            raise TableError(where_of(i), f"{what}: 'to' {item.end} is not after 'from' {item.start}")
        if i and (items[i - 1].end is None or items[i - 1].end > item.start):
            raise TableError(where_of(i), f"{what}: period from {item.start} overlaps the previous period "
                                          f"({items[i - 1].start} to {items[i - 1].end or 'open'})")



def money(node: Located, key: str) -> Decimal | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(r"^\d+(\.\d{1,2})?$", value):
        raise TableError(node.where(key), f"{key!r}: bad amount {value!r} (USD such as \"33.58\")")
    return Decimal(value)

