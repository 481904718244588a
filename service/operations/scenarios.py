"""A request's ``scenario``: a shipped scenario's name on GET (``scenario=NAME``), a name or an object in a JSON
body.  Scenario answers are JSON only: the marks and the figures without the scenario have no column in the
tabular forms, which would show hypothetical figures as if they were the tables'.  So is a landed cost's
``project`` (its credit position has no column in the landed-cost sheet)."""
from __future__ import annotations

from service.model.errors import InputError
from service.engine.credit.inputs import parse_project
from service.engine.scenario.apply import scenario_of


def scenario_param(tables, name: str | None, fmt: str = "json"):
    """``scenario=NAME`` of a GET (shipped scenarios only), or None."""
    if name is not None and not isinstance(name, str):
        raise InputError.field("scenario", "must be the name of a shipped scenario (GET /v1/scenarios); a scenario "
                                           "of your own goes in the body of a POST operation")
    return _json_only(scenario_of(tables, name) if name else None, fmt)


def scenario_body(tables, data, fmt: str = "json"):
    """The ``scenario`` of a JSON body, taken out of it (the engine's parsers refuse unknown fields), or None."""
    value = data.pop("scenario", None) if isinstance(data, dict) else None
    return _json_only(scenario_of(tables, value), fmt)


def project_body(data: dict, fmt: str = "json"):
    """The landed cost's ``project`` (its credit position), or None; JSON only: the landed-cost sheet has a row
    per line and no credit column (POST /v1/compare.csv shows the credit beside each quote)."""
    project = parse_project(data.get("project"))
    if project is not None and fmt != "json":
        raise InputError.field("format", f"a landed cost with a project is served as JSON only (got {fmt}): the "
                                         "credit position has no column in the landed-cost sheet; "
                                         "POST /v1/compare.csv shows it beside each quote")
    return project


def _json_only(scenario, fmt: str):
    if scenario is not None and fmt != "json":
        raise InputError.field("format", f"a scenario answer is served as JSON only (got {fmt}): its marks and its "
                                         "figures without the scenario have no column in the tabular forms")
    return scenario
