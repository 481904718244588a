"""A tool call's arguments as the operations read them: exact numbers, query text.

The MCP SDK decodes every JSON number with a fraction into a binary ``float`` (integers stay exact ``int``).  The
API reads the same number as a ``Decimal`` from its text.  Before the SDK, every number whose float would not give
back the value written was turned into a string of its text (``service.mcp.wire``), so a float that arrives here
is one whose shortest round-trip text (``repr``) is the value the caller wrote: it is read from that text, exactly
as the API would.  ``NaN`` and infinities (the decoder lets them through) are refused.

The GET operations read a query's text: a number given to one of their fields is the text it would have in a URL
(``100000``), and ``true``/``false`` the words the API's facts take.
"""
from __future__ import annotations

import math
from decimal import Decimal

from service.model.errors import InputError

MAX_DEPTH = 100   # as the API's JSON bodies (service.web.jsonio)


def body(arguments: dict) -> dict:
    """A POST operation's body: every float an exact ``Decimal``; nesting deeper than the API's limit refused."""
    return _exact(arguments, "", 1)


def query(arguments: dict) -> dict:
    """A GET operation's query: numbers and booleans as the text a URL would carry; other values as given
    (the operation's schema refuses them, naming the field)."""
    return {name: _query_text(name, value) for name, value in arguments.items()}


def _exact(node, path: str, depth: int):
    if isinstance(node, (dict, list)) and depth > MAX_DEPTH:
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
    """The decimal a JSON number was written as (its float's round-trip text), or an :class:`InputError` naming
    ``field`` for ``NaN`` or an infinity."""
    if not math.isfinite(value):
        raise InputError.field(field, "must be a finite number")
    return Decimal(repr(value))


def _query_text(name: str, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:   # more digits than Python writes out (4,300): no query value is that long
            raise InputError.field(name, "must be text of at most 200 characters") from None
    if isinstance(value, float):
        return format(exact_number(value, name), "f")
    return value


def _joined(path: str, key) -> str:
    return f"{path}.{key}" if path else str(key)
