"""JSON in and out of the API.

Out: :class:`JSONProvider` encodes responses with orjson, keeping field order
and writing ``Decimal`` as a plain decimal string (never a float).  In:
:func:`read_json` reads a request body strictly (an object, UTF-8, numbers as
``Decimal``, no ``NaN``/``Infinity``, no lone surrogates); the provider is not
used to parse bodies.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

import orjson
from flask import request
from flask.json.provider import DefaultJSONProvider

from service.web.errors import ApiError


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _default(o):
    if isinstance(o, Decimal):
        return format(o, "f")
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def _encode(obj) -> bytes:
    try:
        return orjson.dumps(obj, default=_default)
    except orjson.JSONEncodeError:
        # e.g. a lone surrogate in echoed text: the standard library escapes it
        return json.dumps(obj, default=_default, ensure_ascii=True).encode("ascii")


class JSONProvider(DefaultJSONProvider):
    """Encode responses with orjson: field order kept, ``Decimal`` as a decimal string.

    orjson because encoding dominates a large batch response (the
    ``batch_10000_seconds`` goal in ``bench/REPORT.md``); text orjson refuses,
    such as a lone surrogate echoed back, falls back to the standard library
    with ASCII escapes.
    """

    sort_keys = False
    ensure_ascii = False

    @staticmethod
    def default(o):
        return _default(o)

    def dumps(self, obj, **kwargs):
        return _encode(obj).decode("utf-8")

    def response(self, *args, **kwargs):
        obj = args[0] if len(args) == 1 else (args or kwargs)
        return self._app.response_class(_encode(obj), mimetype=self.mimetype)


def read_json() -> dict:
    """The request body as a JSON object; numbers as ``Decimal``, never float."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as application/json (got {request.mimetype or 'no content type'})")
    raw = request.get_data()
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", "the JSON body is nested too deeply") from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    if _ESCAPED_SURROGATE.search(raw) and _has_lone_surrogate(data):
        raise ApiError(400, "malformed_json", "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                              "which is not text")
    return data


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(node) -> bool:
    if isinstance(node, str):
        return bool(_SURROGATE.search(node))
    if isinstance(node, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_lone_surrogate(v) for v in node)
    return False
