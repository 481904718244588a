"""The JSON-RPC text as it reaches the SDK: numbers kept exact, and the HTTP methods the server serves.

The SDK decodes a JSON number with a fraction into a binary float, which cannot hold every decimal: ``7500.0000000000000001``
would arrive as ``7500.0`` and be priced as such, where the API reads the same text exactly (and refuses it: a
fraction of a cent).  So each message is read here first, before the SDK: a number whose float would not give back
the very value written is rewritten as a JSON string holding its text, which every operation reads exactly wherever
it reads a number (the API's fields take decimal strings and numbers alike).  A number a float carries exactly is
left a number, and a message without such a number is passed on untouched.  Over stdio each line is a message
(:class:`ExactLines`); over HTTP the body of a POST (:func:`http_app`).

Over HTTP the server is stateless and never pushes a message, so a GET (which would open an event stream that
never ends) or a DELETE (of a session there is none of) is answered 405.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from starlette.responses import JSONResponse


def exact_numbers(text: str | bytes) -> str | bytes:
    """``text`` with every number a float would change written as a string; ``text`` itself when there is none
    (or when it is not JSON: the SDK answers that)."""
    changed = []

    def number(written: str):
        value = float(written)
        try:
            exact = value == value and abs(value) != float("inf") and Decimal(repr(value)) == Decimal(written)
        except InvalidOperation:
            exact = False
        if exact:
            return value
        changed.append(written)
        return written

    try:
        message = json.loads(text, parse_float=number)
    except (ValueError, RecursionError):
        return text
    if not changed:
        return text
    out = json.dumps(message, ensure_ascii=False)
    return out.encode("utf-8", "surrogatepass") if isinstance(text, bytes) else out


class ExactLines:
    """Lines of a stdio stream (an ``anyio`` text file), each through :func:`exact_numbers`."""

    def __init__(self, stream):
        self._stream = stream

    def __aiter__(self):
        return self._lines()

    async def _lines(self):
        async for line in self._stream:
            yield exact_numbers(line)


def http_app(app, path: str, max_body: int):
    """``app`` (the SDK's streamable-HTTP ASGI app) with each POST body to ``path`` through :func:`exact_numbers`
    (a body over ``max_body`` bytes is passed on as it came, for the SDK to refuse) and GET or DELETE answered
    405."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope["path"].rstrip("/") != path:
            return await app(scope, receive, send)
        if scope["method"] in ("GET", "DELETE"):
            response = JSONResponse({"jsonrpc": "2.0", "id": None, "error": {
                "code": -32600, "message": f"{scope['method']} is not served: this server is stateless and sends "
                                           "no messages of its own; POST each request"}},
                status_code=405, headers={"Allow": "POST"})
            return await response(scope, receive, send)
        if scope["method"] != "POST":
            return await app(scope, receive, send)
        return await app(*await _exact_body(scope, receive, max_body), send)
    return wrapped


async def _exact_body(scope, receive, max_body: int):
    """The scope and a ``receive`` that hand the app the whole body, rewritten, in one message with its length
    (or, over ``max_body``, the messages read so far and then the rest as they come)."""
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > max_body or not message.get("more_body", False):
            break
    if size <= max_body and all(m["type"] == "http.request" for m in messages):
        body = exact_numbers(b"".join(m.get("body", b"") for m in messages))
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
                 + [(b"content-length", str(len(body)).encode("ascii"))]}

    async def replay():
        return messages.pop(0) if messages else await receive()
    return scope, replay
