"""The gunicorn worker of ``tariff-stack serve``: gthread, answering gunicorn's own refusals as JSON.

gunicorn reads and checks the request head before the application sees it;
what it refuses (a request line over :data:`LIMIT_REQUEST_LINE` bytes, more
than :data:`LIMIT_REQUEST_FIELDS` header fields or one over
:data:`LIMIT_REQUEST_FIELD_SIZE` bytes, a malformed request line or header)
it answers with an HTML page of its own.  :class:`EnvelopeWorker` answers
these with the service's error envelope instead (414 ``uri_too_long``, 431
``headers_too_large``, 400 ``bad_request``), with the hardening headers and
one log line each; anything else is left to gunicorn.

The limits stay gunicorn's (bounded; a request line of any length would be
read into memory first): only the answer changes.
"""
from __future__ import annotations

import json

from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from service.model.freshness import Freshness
from service.render.freshness import stamped
from service.web import freshness

# gunicorn's limits on the request head, set explicitly; 8190 is also the largest request line gunicorn allows.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190

_REFUSALS = [  # (gunicorn exception, status, code, reason phrase, message)
    (http_errors.LimitRequestLine, 414, "uri_too_long", "URI Too Long",
     f"the request line (method, URI and HTTP version) is over the limit of {LIMIT_REQUEST_LINE} bytes: "
     "send fewer or shorter query parameters, or POST a JSON body"),
    (http_errors.LimitRequestHeaders, 431, "headers_too_large", "Request Header Fields Too Large",
     f"the request headers are over the limit: at most {LIMIT_REQUEST_FIELDS} header fields, "
     f"each at most {LIMIT_REQUEST_FIELD_SIZE} bytes"),
]
_MALFORMED = tuple(getattr(http_errors, name) for name in (
    "InvalidRequestLine", "InvalidRequestMethod", "InvalidHTTPVersion", "InvalidHeader", "InvalidHeaderName",
    "ObsoleteFolding") if hasattr(http_errors, name))
_APPLICATION_FAULTS = tuple(getattr(http_errors, name) for name in (
    "InvalidResponseHeader", "InvalidResponseHeaderName") if hasattr(http_errors, name))


def refusal(exc: Exception) -> tuple[int, str, str, str] | None:
    """Status, code, reason phrase and message for a request gunicorn refused, or None (gunicorn answers)."""
    for cls, status, code, reason, message in _REFUSALS:
        if isinstance(exc, cls):
            return status, code, reason, message
    if isinstance(exc, _MALFORMED) and not isinstance(exc, _APPLICATION_FAULTS):
        detail = str(exc)[:200]
        return 400, "bad_request", "Bad Request", f"the request is not valid HTTP/1.1: {detail}"
    return None


def refusal_response(status: int, code: str, reason: str, message: str, tables_version: str,
                     fresh: Freshness | None = None) -> bytes:
    """A complete HTTP/1.1 response carrying the error envelope; the connection is closed after it.

    With ``fresh`` (the tables' freshness), the envelope and the headers carry the stamp every answer
    of the application carries (``service.web.freshness``)."""
    doc = {"code": code, "status": status, "message": message, "errors": {}, "tables_version": tables_version}
    stamp = {}
    if fresh is not None:
        doc = stamped(doc, fresh, warn=False)
        stamp = freshness.headers(fresh)
    body = json.dumps(doc).encode("utf-8")
    head = (f"HTTP/1.1 {status} {reason}\r\n"
            "Connection: close\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Tables-Version: {tables_version}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in stamp.items()) +
            "X-Content-Type-Options: nosniff\r\n"
            "Cache-Control: no-store\r\n"
            "\r\n")
    return head.encode("latin-1") + body


class EnvelopeWorker(ThreadWorker):
    """gunicorn's gthread worker; a request it refuses itself gets the JSON envelope, not an HTML page."""

    def handle_error(self, req, client, addr, exc):
        found = refusal(exc)
        if found is None:
            return super().handle_error(req, client, addr, exc)
        status, code, reason, message = found
        addr = addr or ("", -1)
        self.log.warning("rejected request from ip=%s: %d %s: %r", addr[0], status, code, str(exc)[:200])
        config = getattr(self.wsgi, "config", {})
        version = config["TABLES"].version if "TABLES" in config else ""
        fresh = freshness.of_config(config) if "TABLES" in config else None
        try:
            write_nonblock(client, refusal_response(status, code, reason, message, version, fresh))
        except Exception:  # the client may be gone; nothing more to tell it
            self.log.debug("Failed to send error message.")
        return None
