"""Bill operations: a landed cost, a domestic-vs-imported comparison, a delivery schedule, the templates.

Each takes the decoded JSON body (numbers as ``Decimal``), calls the engine and returns the document; a refusal
is raised.  The HTTP API (``POST /v1/landed-cost``, ``/v1/compare``, ``/v1/schedule``, ``GET
/v1/projects/templates``) and the MCP server call these.  ``fmt`` is the form the caller will render: a scenario
or a project is answered as JSON only (``service.operations.scenarios``).
"""
from __future__ import annotations

from service.model.templates import get_template
from service.engine.compare import compare as engine_compare
from service.engine.credit.position import entry_credit
from service.engine.entry import parse_entry
from service.engine.landed_cost import price_entry
from service.engine.landed_doc import entry_doc
from service.engine.scenario.run import compare_with, landed_with, schedule_with
from service.engine.schedule import schedule as engine_schedule
from service.operations.scenarios import project_body, scenario_body


def landed(t, data: dict, fmt: str = "json") -> tuple[object, dict]:
    """``POST /v1/landed-cost``: the priced entry (its sheet rows read it) and the document."""
    scenario = scenario_body(t, data, fmt)
    entry = parse_entry(t, data, with_project=True)
    project = project_body(data, fmt)
    if scenario:
        return landed_with(t, scenario, entry, project)
    result = price_entry(t, entry)
    doc = entry_doc(result)
    credit = entry_credit(t, project, result)
    if credit is not None:
        doc["credit"] = credit
    return result, doc


def landed_cost(t, data: dict) -> dict:
    """``POST /v1/landed-cost``'s JSON document."""
    return landed(t, data)[1]


def compare(t, data: dict, fmt: str = "json") -> dict:
    """``POST /v1/compare``'s document."""
    scenario = scenario_body(t, data, fmt)
    return compare_with(t, scenario, data) if scenario else engine_compare(t, data)


def schedule(t, data: dict, fmt: str = "json") -> dict:
    """``POST /v1/schedule``'s document."""
    scenario = scenario_body(t, data, fmt)
    return schedule_with(t, scenario, data) if scenario else engine_schedule(t, data)


def templates(t) -> dict:
    """``GET /v1/projects/templates``: every template."""
    docs = [t.templates[k].doc() for k in sorted(t.templates)]
    return {"tables_version": t.version, "count": len(docs), "templates": docs}


def template(t, template_id: str) -> dict:
    """``GET /v1/projects/templates/{id}``; an unknown id is refused naming the known ones."""
    return {"tables_version": t.version, **get_template(t, template_id).doc()}
