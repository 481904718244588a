"""The quote page ``/quote`` (GET): the form, and the answer of GET /v1/duty for the same query."""
from __future__ import annotations

from decimal import Decimal

from flask import request

from service.engine.line_input import CONTENT_FIELDS, FIELDS, known_facts
from service.model.errors import InputError, NotCovered
from service.render.charts import layers_chart
from service.web.blueprints import tables
from service.operations.duty import quote_query
from service.web.pages import bp
from service.web.pages.forms import filled, page, query_string, refusal

MAIN_FIELDS = ("hts", "origin", "entry_date", "value")


def covered_lines(t) -> list[tuple[str, str]]:
    """The tables' lines for the HTS datalist: dotted code and description."""
    return [(_dotted(digits), line.description) for digits, line in sorted(t.lines.items())]


def _dotted(digits: str) -> str:
    parts = [digits[:4], digits[4:6], digits[6:8], digits[8:10]]
    return ".".join(p for p in parts if p)


def relevant_facts(t, query, doc: dict | None) -> list:
    """The facts to ask for: those the answer assumed or ranged over, and those already given."""
    rules = known_facts(t)
    names = set(query) & (set(rules) | set(CONTENT_FIELDS))
    if doc:
        names |= {a["fact"] for a in doc.get("assumptions", [])}
        names |= {f["fact"] for f in (doc.get("duty_range") or {}).get("facts", [])}
    facts = [rules[n] for n in sorted(names) if n in rules]
    contents = [n for n in CONTENT_FIELDS if n in names]
    return facts, contents


def landed_cost(doc: dict) -> str:
    """Customs value plus total duty (no freight or fees): 100000.00 + 40900.00 = 140900.00."""
    return str(Decimal(doc["customs_value"]) + Decimal(doc["total_duty"]))


@bp.get("/quote")
def quote_page():
    t = tables()
    query = filled(request.args)
    doc, errors, message, status, hint = None, {}, None, 200, None
    if any(name in query for name in MAIN_FIELDS):
        try:
            # Every parameter given goes to the API's reading: one it does not know is a warning there and
            # here (never silently dropped), as on GET /v1/duty.
            doc = quote_query(t, filled(request.args))
        except (InputError, NotCovered) as exc:
            errors, message, status, hint = refusal(exc)
    facts, contents = relevant_facts(t, query, doc)
    qs = query_string(filled(request.args, (*FIELDS, *known_facts(t))))
    return page("quote.html", status, title="Duty quote", query=request.args, doc=doc, errors=errors,
                message=message, hint=hint, lines=covered_lines(t), facts=facts, contents=contents,
                chart=layers_chart(doc) if doc else "", landed=landed_cost(doc) if doc else None,
                csv_url=f"/v1/duty.csv?{qs}", api_url=f"/v1/duty?{qs}")
