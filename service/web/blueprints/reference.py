"""The tables, browsable: measures with their dated history, covered HTS lines.

Each parses the request, calls its operation (``service.operations.reference``) and renders the document.
"""
from __future__ import annotations

from flask import Blueprint, request

from service.model.errors import InputError
from service.operations import reference
from service.operations.schemas import FormatQuery, HtsListQuery, MeasuresQuery
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, respond, split_suffix

bp = Blueprint("reference", __name__)


@bp.get("/v1/measures")
@bp.get(f"/v1/measures.{EXT}")
def measures(ext=None):
    args = reference.checked(MeasuresQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    doc = reference.measures(tables(), args)
    return respond(fmt, "measures", doc, lambda d: spreadsheet.measure_rows(d["measures"]), title="Measures")


@bp.get("/v1/measures/<path:measure_id>")
def measure(measure_id):
    measure_id, ext = split_suffix(measure_id)
    fmt = chosen_format(reference.checked(FormatQuery, request.args).get("format"), ext)
    doc = reference.measure(tables(), measure_id)
    return respond(fmt, "measures", doc, lambda d: spreadsheet.measure_rows([d]), title=f"Measure {measure_id}")


@bp.get("/v1/hts")
@bp.get(f"/v1/hts.{EXT}")
def hts_list(ext=None):
    args = reference.checked(HtsListQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    doc = reference.hts_lines(tables(), args)
    return respond(fmt, "hts", doc, lambda d: spreadsheet.hts_rows(d["lines"]), title="Covered HTS lines")


@bp.get("/v1/hts/<code>")
def hts_line(code):
    code, ext = split_suffix(code)
    fmt = chosen_format(reference.checked(FormatQuery, request.args).get("format"), ext)
    doc = reference.hts_line(tables(), code)
    return respond(fmt, "hts", doc, lambda d: spreadsheet.hts_rows([d]), title=f"HTS {doc['hts']}")


@bp.get("/v1/scenarios")
def scenarios():
    """The shipped hypothetical scenarios (JSON only: each is a nested document of measures)."""
    if reference.checked(FormatQuery, request.args).get("format") not in (None, "json"):
        raise InputError.field("format", "the scenarios are served as JSON only")
    return respond("json", "scenarios", reference.scenarios(tables()), lambda d: [])
