"""Output formats: ``format=`` or a ``.csv`` / ``.tsv`` / ``.html`` / ``.iqy`` /
``.json`` suffix on the path, and rendering a document or its spreadsheet rows.

The same rule holds on every endpoint, GET or POST: the suffix and the
``format=`` parameter mean the same, and a contradiction between them is a 400.
Errors follow the format asked for (``service.web.errors``): a CSV/TSV/HTML
request gets its error as a table in that format.  ``.iqy`` web queries are
built from the service's public address, never from an untrusted ``Host``
header (:func:`public_base_url`).
"""
from __future__ import annotations

import ipaddress

from flask import Response, current_app, jsonify, request

from service.model.errors import InputError
from service.render import spreadsheet
from service.web.errors import ApiError
from service.web.freshness import stamp
from service.operations.schemas import FormatQuery, validated
from service.web.tabular import split_suffix, tabular  # noqa: F401 (callers import these from here)

EXT = "<any(json,csv,tsv,html,iqy):ext>"  # route converter for a format suffix
LOOPBACK_NAMES = ("localhost", "localhost.")


def chosen_format(query_format: str | None, suffix: str | None) -> str:
    """The format asked for; ``json`` by default; an :class:`InputError` if query and suffix disagree."""
    if query_format and suffix and query_format != suffix:
        raise InputError.field("format", f"format={query_format} contradicts the .{suffix} suffix of the path")
    return query_format or suffix or "json"


def post_format(ext: str | None = None) -> str:
    """The format of a POST endpoint: as for a GET, but a web query (.iqy) cannot repeat a POST."""
    fmt = chosen_format(validated(FormatQuery, request.args).get("format"), ext)
    if fmt == "iqy":
        raise InputError.field("format", "a web query (.iqy) can only repeat a GET; use csv, tsv or html")
    return fmt


def is_loopback_host(host: str) -> bool:
    """``127.0.0.1:8000``, ``[::1]:8000``, ``localhost``: a Host header naming this machine."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    name = name.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def public_base_url() -> str:
    """The service's address for links it hands out (the .iqy web query).

    In order: the configured ``PUBLIC_URL`` (``TARIFF_STACK_PUBLIC_URL``);
    behind a trusted proxy (``TARIFF_STACK_TRUST_PROXY=1``), the address the
    proxy forwarded (``X-Forwarded-Proto/Host/Port/Prefix``, applied by
    ProxyFix); otherwise the request's own address only when its ``Host`` is
    loopback.  Any other ``Host`` could be an attacker's: a 421 says what to
    configure, instead of a web query pointing at that host.
    """
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured
    if current_app.config.get("TRUST_PROXY") or is_loopback_host(request.host):
        return request.url_root
    raise ApiError(421, "public_url_not_configured",
                   f"a web query (.iqy) links back to this service, whose public address is not configured: "
                   f"the request names host {request.host!r}, which is not trusted; the operator sets "
                   f"TARIFF_STACK_PUBLIC_URL (e.g. https://tariffs.example.com), or TARIFF_STACK_TRUST_PROXY=1 "
                   f"behind a proxy that sets X-Forwarded-Host; meanwhile open the .html form of this URL",
                   {"format": ["iqy needs the service's public address (TARIFF_STACK_PUBLIC_URL)"]})


def respond(fmt: str, resource: str, doc: dict, rows, title: str = "") -> Response:
    """``doc`` as JSON, or ``rows(doc)`` as CSV/TSV/HTML, or an .iqy pointing at the HTML form.

    ``doc`` is stamped first (``as_of``, ``age_days``, a staleness warning: ``service.web.freshness``);
    it is never changed (the engine's documents are shared through its caches)."""
    doc = stamp(doc)
    if fmt == "json":
        return jsonify(doc)
    if fmt == "iqy":
        path, _ = split_suffix(request.path)
        url = spreadsheet.web_query_url(public_base_url(), path, list(request.args.items(multi=True)))
        response = Response(spreadsheet.iqy(url), mimetype="text/x-ms-iqy")
        response.headers["Content-Type"] = spreadsheet.MEDIA_TYPES["iqy"]
        response.headers["Content-Disposition"] = f'attachment; filename="{resource}.iqy"'
        return response
    return tabular(fmt, resource, rows(doc), title=title)
