"""JSON text as the service writes it, over HTTP and MCP alike: field order kept, ``Decimal`` as a plain decimal
string (never a float), with orjson.

orjson because encoding dominates a large batch answer (the ``batch_10000_seconds`` goal in ``bench/REPORT.md``);
text orjson refuses, such as a lone surrogate echoed back, falls back to the standard library with ASCII escapes.
"""
from __future__ import annotations

import json
from decimal import Decimal

import orjson


def default(o):
    """``Decimal`` as its plain decimal text; anything else JSON cannot hold is a ``TypeError``."""
    if isinstance(o, Decimal):
        return format(o, "f")
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def encode(obj) -> bytes:
    """``obj`` as UTF-8 JSON text."""
    try:
        return orjson.dumps(obj, default=default)
    except orjson.JSONEncodeError:
        return json.dumps(obj, default=default, ensure_ascii=True).encode("ascii")
