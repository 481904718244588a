"""The tables' freshness on every answer of the API.

Every JSON body gets ``as_of`` and ``age_days`` right after
``tables_version`` (:func:`stamp`); every response, JSON or not, carries
the headers ``X-Tables-As-Of``, ``X-Tables-Age-Days`` and
``X-Tables-Stale`` beside ``X-Tables-Version`` (:func:`headers`); a CSV, TSV or
HTML table has them on its first row (:func:`stamp_rows`), and an HTML table ends
with a paragraph naming them.  Tables older than the limit make
every answer carry the warning (``warnings``, ``X-Tables-Warning``).

Configuration (``create_app(config=...)``):

* ``MAX_TABLE_AGE_DAYS``: the limit in days (env
  ``TARIFF_STACK_MAX_TABLE_AGE_DAYS``, default 30; checked when the app is
  created);
* ``CLOCK``: a function returning today's date (default: the UTC date), so
  that tests pin "today".

The age is computed once per request (a request that runs over midnight
says the same age in its body and its headers).
"""
from __future__ import annotations

from flask import current_app, g

from service.model import freshness as model
from service.render.freshness import stamp_first_row, stamp_line, stamped

CLOCK = "CLOCK"
MAX_AGE = "MAX_TABLE_AGE_DAYS"
AS_OF_HEADER = "X-Tables-As-Of"
AGE_HEADER = "X-Tables-Age-Days"
STALE_HEADER = "X-Tables-Stale"
WARNING_HEADER = "X-Tables-Warning"


def configure(config) -> None:
    """Check the limit (an :class:`~service.model.errors.InputError` naming the setting if bad)."""
    config[MAX_AGE] = model.max_age_days(config.get(MAX_AGE))


def of_config(config) -> model.Freshness:
    """The served tables' freshness today, from an app's config (also outside a request)."""
    clock = config.get(CLOCK) or model.today_utc
    return model.Freshness(config["TABLES"].as_of, clock(), config.get(MAX_AGE, model.DEFAULT_MAX_AGE_DAYS))


def current() -> model.Freshness:
    """This request's freshness (computed once per request)."""
    if "freshness" not in g:
        g.freshness = of_config(current_app.config)
    return g.freshness


def stamp(doc: dict, warn: bool = True) -> dict:
    """``doc`` stamped for this request (see :func:`service.render.freshness.stamped`)."""
    return stamped(doc, current(), warn)


def headers(fresh: model.Freshness) -> dict[str, str]:
    out = {AS_OF_HEADER: fresh.as_of.isoformat(), AGE_HEADER: str(fresh.age_days),
           STALE_HEADER: "true" if fresh.stale else "false"}
    if fresh.warning:
        out[WARNING_HEADER] = fresh.warning
    return out


def stamp_rows(rows: list[dict]) -> list[dict]:
    """Spreadsheet rows with this request's stamp on the first row (``tables_version``, ``as_of``, ``age_days``)."""
    return stamp_first_row(rows, current_app.config["TABLES"].version, current())


def footer() -> str:
    """The paragraph under an HTML table."""
    return stamp_line(current_app.config["TABLES"].version, current())
