"""Duty endpoints: one line (GET), a batch (POST), a line over time (timeline).

Each parses the request, calls its operation (``service.operations.duty``) and renders the document.
"""
from __future__ import annotations

from flask import Blueprint, request

from service.operations.duty import (QUOTE_OWN, TIMELINE_OWN, batch, line_quote, line_request, line_timeline)
from service.operations.scenarios import scenario_param
from service.operations.schemas import MAX_BATCH_LINES, LineQuery, TimelineQuery
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, post_format, respond
from service.web.jsonio import read_lines_body

bp = Blueprint("duty", __name__)


@bp.get("/v1/duty")
@bp.get(f"/v1/duty.{EXT}")
def duty(ext=None):
    t = tables()
    args, fact_fields, warnings = line_request(t, LineQuery, QUOTE_OWN, request.args)
    fmt = chosen_format(args.get("format"), ext)
    doc = line_quote(t, args, fact_fields, warnings, scenario_param(t, request.args.get("scenario"), fmt))
    return respond(fmt, "duty", doc, spreadsheet.duty_rows, title=f"Duty stack {doc['hts']} {doc['origin']}")


@bp.post("/v1/duty")
@bp.post(f"/v1/duty.{EXT}")
def duty_batch(ext=None):
    fmt = post_format(ext)
    doc = batch(tables(), read_lines_body(MAX_BATCH_LINES, "a batch"), fmt)
    return respond(fmt, "duty_batch", doc, spreadsheet.duty_batch_rows, title="Duty batch")


@bp.get("/v1/timeline")
@bp.get(f"/v1/timeline.{EXT}")
def timeline_view(ext=None):
    t = tables()
    args, fact_fields, warnings = line_request(t, TimelineQuery, TIMELINE_OWN, request.args)
    fmt = chosen_format(args.get("format"), ext)
    doc = line_timeline(t, args, fact_fields, warnings, scenario_param(t, request.args.get("scenario"), fmt))
    return respond(fmt, "timeline", doc, spreadsheet.timeline_rows, title=f"Duty timeline {doc['hts']} {doc['origin']}")
