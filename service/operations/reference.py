"""The tables, browsable: measures with their dated history, covered HTS lines, the shipped scenarios.

Lookups answer lists: a misspelled filter (``prefx=8507``) would silently widen one to every entry, so an
unknown parameter is refused naming it (``_``-prefixed cache-busters and ``errors=`` pass).  The HTTP API
(``/v1/measures``, ``/v1/hts``, ``/v1/scenarios``) and the MCP server call these.
"""
from __future__ import annotations

from service.model import countries, hts
from service.model.errors import InputError
from service.tables.documents import find_hts, find_measures, get_hts, get_measure, hts_doc, measure_doc
from service.engine.line_input import did_you_mean, parse_date
from service.engine.scenario.apply import listing
from service.operations.schemas import CACHE_BUSTER_PREFIX, validated


def checked(schema, query) -> dict:
    """``query`` checked by ``schema``, an unknown parameter refused."""
    known = set(schema().fields) | {"errors"}
    unknown = sorted(k for k in query if k not in known and not k.startswith(CACHE_BUSTER_PREFIX))
    if unknown:
        raise InputError(f"invalid request: {unknown[0]}: unknown parameter",
                         {k[:40]: ["unknown parameter" + did_you_mean(k, sorted(known))] for k in unknown})
    return validated(schema, query)


def measures(t, args: dict) -> dict:
    """``GET /v1/measures``: the measures matching the (checked) filters program, hts, origin, on."""
    program = args.get("program") or None
    if program and program not in t.programs:
        raise InputError.field("program", f"unknown program {program!r}; known: {', '.join(sorted(t.programs))}")
    digits = _parse("hts", hts.normalize, args["hts"]) if args.get("hts") else None
    origin = _parse("origin", lambda v: countries.normalize(v, t.aliases), args["origin"]) if args.get("origin") else None
    on = parse_date(args["on"], "on") if args.get("on") else None
    found = [measure_doc(m) for m in find_measures(t, program, digits, origin, on)]
    return {"tables_version": t.version, "count": len(found), "measures": found}


def measure(t, measure_id: str) -> dict:
    """``GET /v1/measures/{id}``: one measure with its dated history."""
    return {"tables_version": t.version, **measure_doc(get_measure(t, measure_id))}


def hts_lines(t, args: dict) -> dict:
    """``GET /v1/hts``: the covered lines, optionally under a code ``prefix`` and holding ``words``."""
    prefix = _parse("prefix", hts.normalize, args["prefix"]) if args.get("prefix") else None
    found = [hts_doc(line) for line in find_hts(t, prefix, args.get("words"))]
    return {"tables_version": t.version, "count": len(found), "lines": found}


def hts_line(t, code: str) -> dict:
    """``GET /v1/hts/{code}``: one covered line, the code as requested beside it."""
    digits = _parse("code", hts.normalize, code)
    line = get_hts(t, digits)
    return {"tables_version": t.version, "hts_requested": hts.dotted(digits), **hts_doc(line)}


def scenarios(t) -> dict:
    """``GET /v1/scenarios``: the shipped hypothetical scenarios."""
    docs = listing(t)
    return {"tables_version": t.version, "count": len(docs), "scenarios": docs}


def _parse(name, parser, raw):
    try:
        return parser(raw)
    except ValueError as exc:
        raise InputError.field(name, str(exc)) from None

