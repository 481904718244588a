"""Duty operations: one line, a batch of lines, a line over time.

Each takes the request's fields as plain data (a query mapping for a line, the decoded JSON body for a batch),
checks their shape, calls the engine and returns the document; a refusal is raised
(:class:`~service.model.errors.InputError`, :class:`~service.model.errors.NotCovered`).  The HTTP API
(``GET /v1/duty``, ``POST /v1/duty``, ``GET /v1/timeline``), the pages and the MCP server call these.
"""
from __future__ import annotations

from datetime import timedelta

from service.model.errors import InputError, NotCovered
from service.engine.line_input import FIELDS, did_you_mean, known_facts, parse_date, parse_line
from service.engine.ranges import answered_quote
from service.engine.scenario.apply import summary
from service.engine.scenario.run import quote_with, timeline_with
from service.engine.timeline import timeline as engine_timeline
from service.operations.errors import refusal
from service.operations.scenarios import scenario_body, scenario_param
from service.operations.schemas import (CACHE_BUSTER_PREFIX, MAX_TEXT, BatchBody, LineQuery, TimelineQuery,
                                        validated)

TIMELINE_VALUE = "1000"
QUOTE_OWN = ("scenario",)                    # a line query's parameters beyond the line's fields
TIMELINE_OWN = ("from", "to", "scenario")


def quote(t, query, fmt: str = "json") -> dict:
    """``GET /v1/duty``'s document for a query mapping (``scenario=`` included)."""
    args, fact_fields, warnings = line_request(t, LineQuery, QUOTE_OWN, query)
    return line_quote(t, args, fact_fields, warnings, scenario_param(t, query.get("scenario"), fmt))


def timeline(t, query, fmt: str = "json") -> dict:
    """``GET /v1/timeline``'s document for a query mapping (``scenario=`` included)."""
    args, fact_fields, warnings = line_request(t, TimelineQuery, TIMELINE_OWN, query)
    return line_timeline(t, args, fact_fields, warnings, scenario_param(t, query.get("scenario"), fmt))


def quote_query(t, query) -> dict:
    """``GET /v1/duty``'s document without a scenario (the quote page)."""
    return line_quote(t, *line_request(t, LineQuery, (), query))


def timeline_query(t, query) -> dict:
    """``GET /v1/timeline``'s document without a scenario (the timeline page)."""
    return line_timeline(t, *line_request(t, TimelineQuery, ("from", "to"), query))


def batch(t, body: dict, fmt: str = "json") -> dict:
    """``POST /v1/duty``'s document: one result per line, in order; a bad line fails alone with its envelope."""
    body = validated(BatchBody, body)
    scenario = scenario_body(t, body, fmt)
    results = [_batch_result(t, index, item, scenario) for index, item in enumerate(body["lines"])]
    doc = {"tables_version": t.version, "count": len(results),
           "failed": sum(1 for r in results if r["status"] != 200), "results": results}
    if scenario:
        doc["scenario"] = summary(t, scenario)
    return doc


def _batch_result(t, index: int, item, scenario) -> dict:
    try:
        if not isinstance(item, dict):
            raise InputError("a line must be a JSON object", {"line": ["must be a JSON object"]})
        line = parse_line(item, t.aliases, known_facts(t))
        result = quote_with(t, scenario, line, brief=True) if scenario else answered_quote(t, line)
        return {"index": index, "status": 200, "result": result}
    except (InputError, NotCovered) as exc:
        error = refusal(t.version, exc)
        return {"index": index, "status": error["status"], "error": error}


def line_request(t, schema, own: tuple[str, ...], query) -> tuple[dict, dict, list[str]]:
    """The query of a line operation: its checked parameters, the facts given as parameters of
    their own (``vehicle_part=yes``, as a quote's advice words it), and a warning for every
    other parameter (never silently dropped; cache-busters ``_ts=``, ``_=`` excepted).

    A parameter given twice (a query MultiDict's ``getlist``) is refused: which one was meant cannot be known.
    """
    facts = known_facts(t)
    _refuse_repeated(query)
    args = validated(schema, query)
    known = (*FIELDS, "format", "currency", "errors", *own)   # errors=inline: web/errors.py
    fact_fields, warnings = {}, []
    for name, value in query.items():
        if name in known or name.startswith(CACHE_BUSTER_PREFIX):
            continue
        if name in facts:
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise InputError.field(name, f"must be text of at most {MAX_TEXT} characters")
            if value != "":
                fact_fields[name] = value
            continue
        warnings.append(f"unknown parameter {name[:40]!r} ignored" + did_you_mean(name, [*known, *facts])
                        .replace("; did you mean", ": did you mean"))
    _refuse_other_currency(args.get("currency"))
    return args, fact_fields, warnings


def _refuse_repeated(query) -> None:
    getlist = getattr(query, "getlist", None)
    repeated = sorted({k for k in query if len(getlist(k)) > 1}) if getlist else []
    if repeated:
        raise InputError(f"invalid request: {repeated[0]}: given more than once",
                         {k: ["given more than once"] for k in repeated})


def _refuse_other_currency(currency) -> None:
    if currency not in (None, "") and currency.strip().upper() != "USD":
        raise InputError.field("currency", f"{currency[:20]!r}: a duty line is priced in USD; give the customs value "
                                           "in USD, or price the goods with POST /v1/landed-cost, which converts "
                                           "at the export date's rate")


def _line_fields(args: dict) -> dict:
    return {k: v for k, v in args.items() if k in FIELDS and v not in (None, "")}


def _with_warnings(doc: dict, warnings: list[str]) -> dict:
    """``doc`` (shared through the quote caches: never changed) with the request's warnings, as a copy."""
    if not warnings:
        return doc
    return {**doc, "warnings": [*doc.get("warnings", []), *warnings]}


def line_quote(t, args: dict, fact_fields: dict, warnings: list[str], scenario=None) -> dict:
    """``GET /v1/duty``'s document for a checked query."""
    line = parse_line({**_line_fields(args), **fact_fields}, t.aliases, known_facts(t))
    doc = quote_with(t, scenario, line) if scenario else answered_quote(t, line)
    return _with_warnings(doc, warnings)


def line_timeline(t, args: dict, fact_fields: dict, warnings: list[str], scenario=None) -> dict:
    """``GET /v1/timeline``'s document for a checked query."""
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
    doc = engine_timeline(t, line, start, end) if not scenario else timeline_with(t, scenario, line, start, end)
    doc["assumptions"] = ([{"fact": "value", "assumption": f"no value given: a notional {TIMELINE_VALUE} USD is "
                                                            "priced; effective rates hold for any value unless a "
                                                            "layer is specific or content-based"}]
                          if notional else []) + [{"fact": f, "assumption": a} for f, a in line.readings]
    doc["warnings"] = [*doc.pop("warnings"), *warnings]   # after the assumptions, as before
    return doc
