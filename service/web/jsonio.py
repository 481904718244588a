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

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider

from service.operations.errors import lines_over_limit
from service.render import json_text
from service.web.errors import ApiError


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


class JSONProvider(DefaultJSONProvider):
    """Encode responses as the service writes JSON (``service.render.json_text``: orjson, field order kept,
    ``Decimal`` as a decimal string)."""

    sort_keys = False
    ensure_ascii = False

    @staticmethod
    def default(o):
        return json_text.default(o)

    def dumps(self, obj, **kwargs):
        return json_text.encode(obj).decode("utf-8")

    def response(self, *args, **kwargs):
        obj = args[0] if len(args) == 1 else (args or kwargs)
        return self._app.response_class(json_text.encode(obj), mimetype=self.mimetype)


MAX_DEPTH = 100  # arrays and objects nested deeper than this are refused (the API's documents use < 10)


def read_json() -> dict:
    """The request body as a JSON object; numbers as ``Decimal``, never float.

    Every way a body can be wrong is a 4xx :class:`ApiError`, never an
    exception of the parser: not JSON, not UTF-8, a number outside what a
    ``Decimal`` can hold (``1e9999999999999999999``), nesting deeper than
    :data:`MAX_DEPTH`, a lone surrogate, a chunked body over the size limit.
    """
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiError(415, "unsupported_media_type",
                       f"send the body as application/json (got {request.mimetype or 'no content type'})")
    raw = _body()
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=_decimal, parse_constant=_reject_constant,
                          object_pairs_hook=_object_without_repeats)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "malformed_json", f"the JSON body is nested too deeply "
                                              f"(at most {MAX_DEPTH} levels of arrays and objects)") from None
    except (_NumberOutOfRange, _RepeatedKey) as exc:
        raise ApiError(400, "malformed_json", str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    _check_tree(data, surrogates=bool(_ESCAPED_SURROGATE.search(raw)))
    return data


def read_lines_body(limit: int, what: str) -> dict:
    """``read_json`` for a body of ``lines`` (a batch, an audit): more than ``limit`` lines is a 413 naming them."""
    body = read_json()
    over = lines_over_limit(body, limit, what)
    if over:
        raise ApiError(413, "too_large", *over)
    return body


def _body() -> bytes:
    """The request body, at most ``MAX_CONTENT_LENGTH`` bytes, else a 413.

    With a ``Content-Length`` werkzeug refuses an oversized body before it is
    read.  A chunked body has none: werkzeug's stream stops at the limit and
    would hand back the first ``MAX_CONTENT_LENGTH`` bytes as if they were all,
    so here one byte more than the limit is read from the server's stream and,
    if it is there, the body is too large.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is None or request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        return request.get_data()
    stream, parts, size = request.environ["wsgi.input"], [], 0
    while size <= limit:
        try:
            part = stream.read(min(64 * 1024, limit + 1 - size))
        except Exception as exc:   # the server cannot read it: gunicorn raises ParseException (InvalidChunkSize, ...)
            raise ApiError(400, "malformed_body", "the chunked request body is malformed: "
                                                  f"{type(exc).__name__}") from None
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        raise ApiError(413, "too_large", f"request body over the limit of {limit} bytes")
    return b"".join(parts)


class _NumberOutOfRange(ValueError):
    pass


class _RepeatedKey(ValueError):
    pass


def _object_without_repeats(pairs: list) -> dict:
    """A JSON object; a key given twice is refused (which value was meant?), as a repeated query parameter is."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise _RepeatedKey(f"the body gives {key[:40]!r} twice in one object: which value was meant?")
        out[key] = value
    return out


def _decimal(text: str) -> Decimal:
    """A JSON number with a fraction or exponent, as a ``Decimal``; one beyond its range is refused."""
    try:
        return Decimal(text)
    except ArithmeticError:  # decimal.InvalidOperation: an exponent beyond the decimal range
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise _NumberOutOfRange(f"the number {shown} in the body is outside the range a decimal number can hold") \
            from None


_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_tree(data: dict, surrogates: bool) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` and (when ``surrogates``) lone surrogates.

    Iterative, with an explicit stack: a walk by recursion ran out of Python
    stack on a few hundred levels and answered 500 with a long traceback.
    """
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, "malformed_json", f"the JSON body is nested too deeply "
                                                  f"(at most {MAX_DEPTH} levels of arrays and objects)")
        if isinstance(node, dict):
            for key, value in node.items():
                if surrogates and _SURROGATE.search(key):
                    _lone_surrogate()
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
                elif surrogates and isinstance(value, str) and _SURROGATE.search(value):
                    _lone_surrogate()
        else:
            for value in node:
                if isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
                elif surrogates and isinstance(value, str) and _SURROGATE.search(value):
                    _lone_surrogate()


def _lone_surrogate():
    raise ApiError(400, "malformed_json", "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                                          "which is not text")
