"""The tables, browsable: measures with their dated history, covered HTS lines."""
from __future__ import annotations

from flask import Blueprint, request

from service.model import countries, hts
from service.model.errors import InputError
from service.tables.documents import find_hts, find_measures, get_hts, get_measure, hts_doc, measure_doc
from service.engine.line_input import did_you_mean, parse_date
from service.engine.scenario.apply import listing
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, respond, split_suffix
from service.web.schemas import CACHE_BUSTER_PREFIX, FormatQuery, HtsListQuery, MeasuresQuery, validated

bp = Blueprint("reference", __name__)


def _parse(name, parser, raw):
    try:
        return parser(raw)
    except ValueError as exc:
        raise InputError.field(name, str(exc)) from None


def _refuse_unknown(schema) -> None:
    """A lookup answers a list: a misspelled filter (``prefx=8507``) would silently widen it to every
    entry, so an unknown parameter is a 400 naming it (``_``-prefixed cache-busters and ``errors=`` pass)."""
    known = set(schema().fields) | {"errors"}
    unknown = sorted(k for k in request.args if k not in known and not k.startswith(CACHE_BUSTER_PREFIX))
    if unknown:
        raise InputError(f"invalid request: {unknown[0]}: unknown parameter",
                         {k[:40]: ["unknown parameter" + did_you_mean(k, sorted(known))] for k in unknown})


@bp.get("/v1/measures")
@bp.get(f"/v1/measures.{EXT}")
def measures(ext=None):
    _refuse_unknown(MeasuresQuery)
    args = validated(MeasuresQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    program = args.get("program") or None
    if program and program not in t.programs:
        raise InputError.field("program", f"unknown program {program!r}; known: {', '.join(sorted(t.programs))}")
    digits = _parse("hts", hts.normalize, args["hts"]) if args.get("hts") else None
    origin = _parse("origin", lambda v: countries.normalize(v, t.aliases), args["origin"]) if args.get("origin") else None
    on = parse_date(args["on"], "on") if args.get("on") else None
    found = [measure_doc(m) for m in find_measures(t, program, digits, origin, on)]
    doc = {"tables_version": t.version, "count": len(found), "measures": found}
    return respond(fmt, "measures", doc, lambda d: spreadsheet.measure_rows(d["measures"]), title="Measures")


@bp.get("/v1/measures/<path:measure_id>")
def measure(measure_id):
    measure_id, ext = split_suffix(measure_id)
    _refuse_unknown(FormatQuery)
    args = validated(FormatQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    doc = {"tables_version": t.version, **measure_doc(get_measure(t, measure_id))}
    return respond(fmt, "measures", doc, lambda d: spreadsheet.measure_rows([d]), title=f"Measure {measure_id}")


@bp.get("/v1/hts")
@bp.get(f"/v1/hts.{EXT}")
def hts_list(ext=None):
    _refuse_unknown(HtsListQuery)
    args = validated(HtsListQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    prefix = _parse("prefix", hts.normalize, args["prefix"]) if args.get("prefix") else None
    found = [hts_doc(line) for line in find_hts(t, prefix)]
    doc = {"tables_version": t.version, "count": len(found), "lines": found}
    return respond(fmt, "hts", doc, lambda d: spreadsheet.hts_rows(d["lines"]), title="Covered HTS lines")


@bp.get("/v1/hts/<code>")
def hts_line(code):
    code, ext = split_suffix(code)
    _refuse_unknown(FormatQuery)
    args = validated(FormatQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    digits = _parse("code", hts.normalize, code)
    line = get_hts(t, digits)
    doc = {"tables_version": t.version, "hts_requested": hts.dotted(digits), **hts_doc(line)}
    return respond(fmt, "hts", doc, lambda d: spreadsheet.hts_rows([d]), title=f"HTS {line.code}")


@bp.get("/v1/scenarios")
def scenarios():
    """The shipped hypothetical scenarios (JSON only: each is a nested document of measures)."""
    _refuse_unknown(FormatQuery)
    if validated(FormatQuery, request.args).get("format") not in (None, "json"):
        raise InputError.field("format", "the scenarios are served as JSON only")
    t = tables()
    docs = listing(t)
    return respond("json", "scenarios", {"tables_version": t.version, "count": len(docs), "scenarios": docs},
                   lambda d: [])
