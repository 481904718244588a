"""Landed cost, project templates, domestic-vs-imported comparison, schedules."""
from __future__ import annotations

from flask import Blueprint, request

from service.model.templates import get_template
from service.engine.compare import compare
from service.engine.credit.position import entry_credit
from service.engine.entry import parse_entry
from service.engine.landed_cost import price_entry
from service.engine.landed_doc import entry_doc
from service.engine.scenario.run import compare_with, landed_with, schedule_with
from service.engine.schedule import schedule
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, post_format, respond, split_suffix
from service.web.jsonio import read_json
from service.web.scenarios import project_body, scenario_body
from service.web.schemas import FormatQuery, validated

bp = Blueprint("landed", __name__)


@bp.post("/v1/landed-cost")
@bp.post(f"/v1/landed-cost.{EXT}")
def landed(ext=None):
    fmt = post_format(ext)
    t = tables()
    data = read_json()
    scenario = scenario_body(t, data, fmt)
    entry = parse_entry(t, data, with_project=True)
    project = project_body(data, fmt)
    if scenario:
        result, doc = landed_with(t, scenario, entry, project)
    else:
        result = price_entry(t, entry)
        doc = entry_doc(result)
        credit = entry_credit(t, project, result)
        if credit is not None:
            doc["credit"] = credit
    return respond(fmt, "landed_cost", doc, lambda doc: spreadsheet.landed_cost_rows(doc, result),
                   title="Landed cost")


@bp.post("/v1/compare")
@bp.post(f"/v1/compare.{EXT}")
def compare_view(ext=None):
    fmt = post_format(ext)
    t, data = tables(), read_json()
    scenario = scenario_body(t, data, fmt)
    doc = compare_with(t, scenario, data) if scenario else compare(t, data)
    return respond(fmt, "compare", doc, spreadsheet.compare_rows, title="Domestic vs imported")


@bp.post("/v1/schedule")
@bp.post(f"/v1/schedule.{EXT}")
def schedule_view(ext=None):
    fmt = post_format(ext)
    t, data = tables(), read_json()
    scenario = scenario_body(t, data, fmt)
    doc = schedule_with(t, scenario, data) if scenario else schedule(t, data)
    return respond(fmt, "schedule", doc, spreadsheet.schedule_rows, title="Schedule")


@bp.get("/v1/projects/templates")
@bp.get(f"/v1/projects/templates.{EXT}")
def templates(ext=None):
    fmt = chosen_format(validated(FormatQuery, request.args).get("format"), ext)
    t = tables()
    docs = [t.templates[k].doc() for k in sorted(t.templates)]
    doc = {"tables_version": t.version, "count": len(docs), "templates": docs}
    return respond(fmt, "templates", doc, lambda d: spreadsheet.template_rows(d["templates"]), title="Templates")


@bp.get("/v1/projects/templates/<template_id>")
def template(template_id):
    template_id, ext = split_suffix(template_id)
    fmt = chosen_format(validated(FormatQuery, request.args).get("format"), ext)
    t = tables()
    doc = {"tables_version": t.version, **get_template(t, template_id).doc()}
    return respond(fmt, "templates", doc, lambda d: spreadsheet.template_rows([d]), title=f"Template {template_id}")
