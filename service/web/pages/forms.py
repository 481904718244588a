"""What the pages share: the form as the API's query, refusals as field errors, the page context."""
from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from flask import render_template
from werkzeug.datastructures import MultiDict

from service.model.errors import InputError, NotCovered
from service.model.measures import MODES
from service.web import freshness
from service.web.blueprints import tables

NAV = (("/quote", "Quote"), ("/timeline", "Timeline"), ("/compare", "Compare"), ("/schedule", "Schedule"),
       ("/audit", "Audit"))


def filled(query, names=None) -> MultiDict:
    """The non-empty fields of ``query`` (in ``names`` if given), as the API's query would carry them."""
    return MultiDict([(k, v) for k, v in query.items(multi=True)
                      if v.strip() != "" and (names is None or k in names)])


def query_string(query: MultiDict) -> str:
    return urlencode(list(query.items(multi=True)))


def refusal(exc: Exception) -> tuple[dict[str, list[str]], str, int, str | None]:
    """A refused request's field errors, message, status and hint (as the API's envelope has them)."""
    if isinstance(exc, NotCovered):
        return {exc.field: [exc.message]}, exc.message, 404, exc.hint
    assert isinstance(exc, InputError)
    return dict(exc.errors) or {"form": [exc.message]}, exc.message, 400, None


def percent(fraction: str | None) -> str:
    """``"0.409"`` as ``40.9%`` (exact: the fraction times 100, trailing zeros dropped)."""
    if fraction in (None, ""):
        return ""
    shown = format((Decimal(fraction) * 100).normalize(), "f")
    return f"{shown}%"


def money(amount: str | None) -> str:
    """``"40900.00"`` as ``40,900.00`` (the element carries the JSON's string in ``data-value``)."""
    if amount in (None, ""):
        return ""
    return f"{Decimal(amount):,}"


def page(template: str, status: int = 200, **context):
    """A page rendered with the nav, the footer's tables stamp and the helpers every template uses."""
    t = tables()
    fresh = freshness.current()
    stamp = {"version": t.version, "as_of": t.as_of.isoformat(), "stale": fresh.warning}
    html = render_template(f"pages/{template}", nav=NAV, tables_stamp=stamp, percent=percent, money=money, modes=MODES,
                           errors=context.pop("errors", {}), **context)
    return html, status, {"Content-Type": "text/html; charset=utf-8"}
