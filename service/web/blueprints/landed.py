"""Landed cost, project templates, domestic-vs-imported comparison, schedules.

Each parses the request, calls its operation (``service.operations.bills``) and renders the document.
"""
from __future__ import annotations

from flask import Blueprint, request

from service.operations import bills
from service.operations.schemas import FormatQuery, validated
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, post_format, respond, split_suffix
from service.web.jsonio import read_json

bp = Blueprint("landed", __name__)


@bp.post("/v1/landed-cost")
@bp.post(f"/v1/landed-cost.{EXT}")
def landed(ext=None):
    fmt = post_format(ext)
    result, doc = bills.landed(tables(), read_json(), fmt)
    return respond(fmt, "landed_cost", doc, lambda doc: spreadsheet.landed_cost_rows(doc, result),
                   title="Landed cost")


@bp.post("/v1/compare")
@bp.post(f"/v1/compare.{EXT}")
def compare_view(ext=None):
    fmt = post_format(ext)
    doc = bills.compare(tables(), read_json(), fmt)
    return respond(fmt, "compare", doc, spreadsheet.compare_rows, title="Domestic vs imported")


@bp.post("/v1/schedule")
@bp.post(f"/v1/schedule.{EXT}")
def schedule_view(ext=None):
    fmt = post_format(ext)
    doc = bills.schedule(tables(), read_json(), fmt)
    return respond(fmt, "schedule", doc, spreadsheet.schedule_rows, title="Schedule")


@bp.get("/v1/projects/templates")
@bp.get(f"/v1/projects/templates.{EXT}")
def templates(ext=None):
    fmt = chosen_format(validated(FormatQuery, request.args).get("format"), ext)
    doc = bills.templates(tables())
    return respond(fmt, "templates", doc, lambda d: spreadsheet.template_rows(d["templates"]), title="Templates")


@bp.get("/v1/projects/templates/<template_id>")
def template(template_id):
    template_id, ext = split_suffix(template_id)
    fmt = chosen_format(validated(FormatQuery, request.args).get("format"), ext)
    doc = bills.template(tables(), template_id)
    return respond(fmt, "templates", doc, lambda d: spreadsheet.template_rows([d]), title=f"Template {template_id}")
