"""A tool call's arguments as the operations read them: exact numbers, query text.

The MCP SDK decodes every JSON number with a fraction into a binary ``float`` (integers stay exact ``int``); no
transport hands over the number's text.  The API reads the same number as a ``Decimal`` from its text.  A float's
shortest round-trip text (``repr``) is the text the caller sent whenever it has at most 15 significant digits
(a binary double holds any 15-digit decimal exactly enough to give it back), so such a number is read from that
text, exactly as the API would.  One with more digits may already have been changed in decoding, so it is refused,
naming the field, with the remedy: send the amount as a string (``"1234567890123.4567"``), which every tool
accepts wherever the API does.  ``NaN`` and infinities (the decoder lets them through) are refused too.

The GET operations read a query's text: a number given to one of their fields is the text it would have in a URL
(``100000``), and ``true``/``false`` the words the API's facts take.
"""
from __future__ import annotations

import math
from decimal import Decimal

from service.model.errors import InputError

MAX_SIGNIFICANT_DIGITS = 15
MAX_DEPTH = 100   # as the API's JSON bodies (service.web.jsonio)


def body(arguments: dict) -> dict:
    """A POST operation's body: every float an exact ``Decimal``; nesting deeper than the API's limit refused."""
    return _exact(arguments, "", 1)


def query(arguments: dict) -> dict:
    """A GET operation's query: numbers and booleans as the text a URL would carry; other values as given
    (the operation's schema refuses them, naming the field)."""
    return {name: _query_text(name, value) for name, value in arguments.items()}


def _exact(node, path: str, depth: int):
    if depth > MAX_DEPTH:
        raise InputError.field(path or "arguments", f"nested too deeply (at most {MAX_DEPTH} levels of arrays "
                                                    "and objects)")
    if isinstance(node, dict):
        return {key: _exact(value, _joined(path, key), depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_exact(value, _joined(path, index), depth + 1) for index, value in enumerate(node)]
    if isinstance(node, float):
        return exact_number(node, path)
    return node


def exact_number(value: float, field: str) -> Decimal:
    """The decimal a JSON number was written as, or an :class:`InputError` naming ``field``."""
    if not math.isfinite(value):
        raise InputError.field(field, "must be a finite number")
    number = Decimal(repr(value))
    digits = len(number.normalize().as_tuple().digits)
    if digits > MAX_SIGNIFICANT_DIGITS:
        raise InputError.field(field, f"a JSON number of {digits} significant digits cannot be read exactly "
                                      f"(at most {MAX_SIGNIFICANT_DIGITS}); send it as a string, "
                                      f"such as \"{number}\"")
    return number


def _query_text(name: str, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(exact_number(value, name), "f")
    return value


def _joined(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)
