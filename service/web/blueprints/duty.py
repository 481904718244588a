"""Duty endpoints: one line (GET), a batch (POST), a line over time (timeline)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request

from service.model.errors import InputError, NotCovered
from service.engine.line_input import FIELDS, did_you_mean, known_facts, parse_date, parse_line
from service.engine.ranges import answered_quote
from service.engine.scenario.apply import summary
from service.engine.scenario.run import quote_with, timeline_with
from service.engine.timeline import timeline
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.errors import envelope
from service.web.formats import EXT, chosen_format, post_format, respond
from service.web.jsonio import read_lines_body
from service.web.scenarios import scenario_body, scenario_param
from service.web.schemas import (CACHE_BUSTER_PREFIX, MAX_BATCH_LINES, MAX_TEXT, BatchBody, LineQuery,
                                 TimelineQuery, validated)

bp = Blueprint("duty", __name__)
TIMELINE_VALUE = "1000"


def _line_fields(args: dict) -> dict:
    return {k: v for k, v in args.items() if k in FIELDS and v not in (None, "")}


def _line_request(t, schema, own: tuple[str, ...], query=None) -> tuple[dict, dict, list[str]]:
    """The query of a line endpoint: its checked parameters, the facts given as parameters of
    their own (``vehicle_part=yes``, as a quote's advice words it), and a warning for every
    other parameter (never silently dropped; cache-busters ``_ts=``, ``_=`` excepted).

    A parameter given twice is refused: which one was meant cannot be known.
    ``query`` (a MultiDict) defaults to the request's query string (the pages pass their own).
    """
    query = request.args if query is None else query
    facts = known_facts(t)
    repeated = sorted({k for k in query if len(query.getlist(k)) > 1})
    if repeated:
        raise InputError(f"invalid request: {repeated[0]}: given more than once",
                         {k: ["given more than once"] for k in repeated})
    args = validated(schema, query)
    known = (*FIELDS, "format", "currency", "errors", *own)   # errors=inline: web/errors.py
    fact_fields, warnings = {}, []
    for name, value in query.items():
        if name in known or name.startswith(CACHE_BUSTER_PREFIX):
            continue
        if name in facts:
            if len(value) > MAX_TEXT:
                raise InputError.field(name, f"must be text of at most {MAX_TEXT} characters")
            if value != "":
                fact_fields[name] = value
            continue
        warnings.append(f"unknown parameter {name[:40]!r} ignored" + did_you_mean(name, [*known, *facts])
                        .replace("; did you mean", ": did you mean"))
    currency = args.get("currency")
    if currency not in (None, "") and currency.strip().upper() != "USD":
        raise InputError.field("currency", f"{currency[:20]!r}: a duty line is priced in USD; give the customs value "
                                           "in USD, or price the goods with POST /v1/landed-cost, which converts "
                                           "at the export date's rate")
    return args, fact_fields, warnings


def _with_warnings(doc: dict, warnings: list[str]) -> dict:
    """``doc`` (shared through the quote caches: never changed) with the request's warnings, as a copy."""
    if not warnings:
        return doc
    return {**doc, "warnings": [*doc.get("warnings", []), *warnings]}


def line_quote(t, args: dict, fact_fields: dict, warnings: list[str], scenario=None) -> dict:
    """GET /v1/duty's document for a checked query (the quote page calls this too)."""
    line = parse_line({**_line_fields(args), **fact_fields}, t.aliases, known_facts(t))
    doc = quote_with(t, scenario, line) if scenario else answered_quote(t, line)
    return _with_warnings(doc, warnings)


def quote_query(t, query) -> dict:
    """GET /v1/duty's document (no scenario) for a query MultiDict; raises as the endpoint does."""
    return line_quote(t, *_line_request(t, LineQuery, (), query))


def timeline_query(t, query) -> dict:
    """GET /v1/timeline's document (no scenario) for a query MultiDict; raises as the endpoint does."""
    args, fact_fields, warnings = _line_request(t, TimelineQuery, ("from", "to"), query)
    return line_timeline(t, args, fact_fields, warnings)


@bp.get("/v1/duty")
@bp.get(f"/v1/duty.{EXT}")
def duty(ext=None):
    t = tables()
    args, fact_fields, warnings = _line_request(t, LineQuery, ("scenario",))
    fmt = chosen_format(args.get("format"), ext)
    scenario = scenario_param(t, fmt)
    doc = line_quote(t, args, fact_fields, warnings, scenario)
    return respond(fmt, "duty", doc, spreadsheet.duty_rows, title=f"Duty stack {doc['hts']} {doc['origin']}")


@bp.post("/v1/duty")
@bp.post(f"/v1/duty.{EXT}")
def duty_batch(ext=None):
    fmt = post_format(ext)
    body = validated(BatchBody, read_lines_body(MAX_BATCH_LINES, "a batch"))
    t = tables()
    scenario = scenario_body(t, body, fmt)
    results = []
    failed = 0
    for index, item in enumerate(body["lines"]):
        try:
            if not isinstance(item, dict):
                raise InputError("a line must be a JSON object", {"line": ["must be a JSON object"]})
            line = parse_line(item, t.aliases, known_facts(t))
            result = quote_with(t, scenario, line, brief=True) if scenario else answered_quote(t, line)
            results.append({"index": index, "status": 200, "result": result})
        except InputError as exc:
            failed += 1
            results.append({"index": index, "status": 400,
                            "error": envelope(400, "invalid_input", exc.message, exc.errors)[0]})
        except NotCovered as exc:
            failed += 1
            results.append({"index": index, "status": 404,
                            "error": envelope(404, "not_covered", exc.message, {exc.field: [exc.message]},
                                              hint=exc.hint)[0]})
    doc = {"tables_version": t.version, "count": len(results), "failed": failed, "results": results}
    if scenario:
        doc["scenario"] = summary(t, scenario)
    return respond(fmt, "duty_batch", doc, spreadsheet.duty_batch_rows, title="Duty batch")


def line_timeline(t, args: dict, fact_fields: dict, warnings: list[str], scenario=None) -> dict:
    """GET /v1/timeline's document for a checked query (the timeline page calls this too)."""
    warnings = list(warnings)
    start = parse_date(args["from_"], "from") if args.get("from_") else t.coverage_from
    end = parse_date(args["to"], "to") if args.get("to") else None
    if end is None:  # default: one year past the tables' as-of date
        end = max(t.as_of, start) + timedelta(days=366)
    data = _line_fields(args)
    if data.get("entry_date"):
        warnings.append("entry_date is not used by the timeline, which prices every entry date from 'from' to "
                        "'to': ignored")
    data["entry_date"] = start.isoformat()
    notional = "value" not in data
    if notional:
        data["value"] = TIMELINE_VALUE
    line = parse_line({**data, **fact_fields}, t.aliases, known_facts(t))
    doc = timeline_with(t, scenario, line, start, end) if scenario else timeline(t, line, start, end)
    doc["assumptions"] = ([{"fact": "value", "assumption": f"no value given: a notional {TIMELINE_VALUE} USD is "
                                                            "priced; effective rates hold for any value unless a "
                                                            "layer is specific or content-based"}]
                          if notional else []) + [{"fact": f, "assumption": a} for f, a in line.readings]
    doc["warnings"] = [*doc.pop("warnings"), *warnings]   # after the assumptions, as before
    return doc


@bp.get("/v1/timeline")
@bp.get(f"/v1/timeline.{EXT}")
def timeline_view(ext=None):
    t = tables()
    args, fact_fields, warnings = _line_request(t, TimelineQuery, ("from", "to", "scenario"))
    fmt = chosen_format(args.get("format"), ext)
    scenario = scenario_param(t, fmt)
    doc = line_timeline(t, args, fact_fields, warnings, scenario)
    return respond(fmt, "timeline", doc, spreadsheet.timeline_rows, title=f"Duty timeline {doc['hts']} {doc['origin']}")
