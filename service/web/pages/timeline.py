"""The timeline page ``/timeline`` (GET): GET /v1/timeline for one line and one or more origins."""
from __future__ import annotations

from decimal import Decimal

from flask import request
from werkzeug.datastructures import MultiDict

from service.model.errors import InputError, NotCovered
from service.render.charts import change_labels, fraction, program_rates, timeline_chart
from service.web.blueprints import tables
from service.operations.duty import timeline_query
from service.web.pages import bp
from service.web.pages.forms import filled, page, query_string, refusal
from service.web.pages.quote import covered_lines

MAX_ORIGINS = 8


def origins_of(query) -> list[str]:
    """The origins asked for: the field repeated, or a comma list, in order, without repeats."""
    seen: list[str] = []
    for value in query.getlist("origin"):
        for origin in value.split(","):
            if origin.strip() and origin.strip() not in seen:
                seen.append(origin.strip())
    return seen


def _docs(t, query, origins: list[str]) -> dict[str, dict]:
    """One timeline document per origin; a refusal names the field (``origin`` for a bad origin)."""
    if len(origins) > MAX_ORIGINS:
        raise InputError.field("origin", f"at most {MAX_ORIGINS} origins on one chart; got {len(origins)}")
    base = [(k, v) for k, v in query.items(multi=True) if k != "origin"]
    return {origin: timeline_query(t, MultiDict([*base, ("origin", origin)])) for origin in origins}


def rows(docs: dict[str, dict]) -> list[dict]:
    """The chart's figures as table rows: origin, interval, label, program rates, effective rate."""
    out = []
    for origin, doc in docs.items():
        value = Decimal(doc["customs_value"])
        for interval, label in zip(doc["intervals"], change_labels(doc["intervals"])):
            rates = program_rates(interval, value)
            out.append({"origin": origin, "from": interval["from"], "to": interval["to"], "label": label,
                        "effective_rate": interval["effective_rate"], "total_duty": interval["total_duty"],
                        "programs": [(p, fraction(r)) for p, r in sorted(rates.items())]})
    return out


@bp.get("/timeline")
def timeline_page():
    t = tables()
    query = filled(request.args)     # unknown parameters reach the API's reading: a warning, as on /v1/timeline
    origins = origins_of(query)
    docs, errors, message, status, hint = {}, {}, None, 200, None
    if "hts" in query or origins:
        try:
            if not origins:
                raise InputError.field("origin", "missing required field")
            docs = _docs(t, query, origins)
        except (InputError, NotCovered) as exc:
            errors, message, status, hint = refusal(exc)
    api = MultiDict([(k, v) for k, v in query.items(multi=True) if k != "origin"]
                    + [("origin", origins[0] if origins else "")])
    return page("timeline.html", status, title="Duty timeline", query=request.args, origins=", ".join(origins),
                docs=docs, errors=errors, message=message, hint=hint, lines=covered_lines(t),
                chart=timeline_chart(docs) if docs else "", rows=rows(docs),
                csv_url=f"/v1/timeline.csv?{query_string(api)}", api_urls=[
                    f"/v1/timeline?{query_string(MultiDict([*api.items(multi=True)][:-1] + [('origin', o)]))}"
                    for o in origins])
