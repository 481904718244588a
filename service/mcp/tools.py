"""The tools: each one API operation, called through the same function the API calls.

A tool is named for what an assistant would ask, and carries the ``operationId`` of its API operation: its
input and output schemas and its description come from that operation in ``openapi.yaml``
(``service.mcp.contract``), and its answer is the operation's JSON document.  Three kinds of call:

* ``query``: a GET operation's query parameters (``quote_duty`` is ``GET /v1/duty``);
* ``path``: a GET of one item, named by a path parameter (``get_hts_line`` is ``GET /v1/hts/{code}``);
* ``body``: a POST operation's JSON body (``landed_cost`` is ``POST /v1/landed-cost``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from service.model.errors import InputError
from service.operations import audit, bills, duty, reference
from service.operations.schemas import MAX_AUDIT_LINES, MAX_BATCH_LINES, FormatQuery, HtsListQuery, MeasuresQuery
from service.mcp import arguments
from service.mcp.contract import description, input_schema, output_schema


@dataclass(frozen=True)
class Tool:
    name: str
    operation_id: str           # the API operation in openapi.yaml
    title: str
    kind: str                   # query, path or body
    call: Callable              # (tables, arguments) -> document
    lines_limit: tuple = ()     # (limit, what) of a body of lines: more is refused as the API's 413
    required_too: tuple = ()    # (field, why) this tool requires beyond the operation's
    note: str = ""              # said before the operation's own description

    def input_schema(self) -> dict:
        schema = input_schema(self.operation_id)
        if self.required_too:
            schema["required"] = [*schema.get("required", []), *(name for name, _ in self.required_too)]
        return schema

    def output_schema(self) -> dict:
        return output_schema(self.operation_id)

    def description(self) -> str:
        return "\n\n".join(part for part in (self.note, description(self.operation_id)) if part)


def _path_call(call: Callable, name: str) -> Callable:
    """A GET of one item: ``name`` is its path parameter (text, required); any other argument is refused, as an
    unknown query parameter of that GET is."""
    def path_call(t, given: dict):
        given = dict(given)
        value = given.pop(name, None)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InputError.field(name, "missing required field")
        if not isinstance(value, str):
            raise InputError.field(name, "must be text")
        reference.checked(FormatQuery, given)
        return call(t, value)
    return path_call


def _listing(call: Callable) -> Callable:
    """A GET of a whole list without filters: any argument is refused, as an unknown query parameter."""
    def listing(t, given: dict):
        reference.checked(FormatQuery, given)
        return call(t)
    return listing


TOOLS = (
    Tool("find_hts_lines", "listHts", "Find covered HTS lines", "query",
         lambda t, a: reference.hts_lines(t, reference.checked(HtsListQuery, a)),
         note="Search the HTS lines these tables cover, by code prefix and/or words of the description; use it to "
              "find the code to quote."),
    Tool("get_hts_line", "getHts", "One HTS line", "path", _path_call(reference.hts_line, "code")),
    Tool("find_measures", "listMeasures", "Find measures", "query",
         lambda t, a: reference.measures(t, reference.checked(MeasuresQuery, a))),
    Tool("get_measure", "getMeasure", "One measure", "path", _path_call(reference.measure, "id")),
    Tool("quote_duty", "getDuty", "Quote one import line", "query", duty.quote),
    Tool("quote_duty_batch", "postDuty", "Quote a batch of lines", "body", duty.batch,
         lines_limit=(MAX_BATCH_LINES, "a batch")),
    Tool("duty_timeline", "getTimeline", "Duty of a line over entry dates", "query", duty.timeline),
    Tool("landed_cost", "landedCost", "Landed cost of an entry", "body", bills.landed_cost),
    Tool("credit_position", "landedCost", "Tax-credit position of a project's imported bill", "body",
         bills.landed_cost,
         required_too=(("project", "the credit position is the project's (construction_start and the credit facts "
                                   "you know); landed_cost prices the entry without one"),),
         note="The 48E investment tax credit position of an energy-storage project whose bill is this entry: "
              "the landed cost with `project` required (construction_start and the facts you know); the answer's "
              "`credit` holds the basis, the material-assistance cost ratio, the domestic-content test, the rate, "
              "the credit and the net cost, with every assumed fact and its range. To weigh it against a "
              "domestic quote, use compare_quotes with the same project."),
    Tool("list_templates", "listTemplates", "Project templates", "query", _listing(bills.templates)),
    Tool("get_template", "getTemplate", "One project template", "path", _path_call(bills.template, "id")),
    Tool("compare_quotes", "compare", "Domestic quote against imported ones", "body", bills.compare),
    Tool("delivery_schedule", "schedule", "Duty over a delivery schedule", "body", bills.schedule),
    Tool("audit_entries", "audit", "Audit past entries for refunds", "body", audit.audit,
         lines_limit=(MAX_AUDIT_LINES, "an audit")),
    Tool("list_scenarios", "getScenarios", "Hypothetical scenarios", "query", _listing(reference.scenarios)),
)
BY_NAME = {tool.name: tool for tool in TOOLS}


TRANSPORT_ARGUMENTS = ("format", "errors")   # how the API writes an answer; a tool answers JSON, refusals as errors


def prepared(tool: Tool, given: dict) -> dict:
    """The tool's arguments as its operation reads them (``service.mcp.arguments``); a field the tool requires
    beyond its operation (``credit_position``'s ``project``) missing or null is refused, naming it."""
    for name, why in tool.required_too:
        if given.get(name) is None:
            raise InputError.field(name, f"missing required field: {why}")
    if tool.kind == "body":
        return arguments.body(given)
    for name in TRANSPORT_ARGUMENTS:
        if name in given:
            raise InputError.field(name, "not a tool parameter: a tool answers the JSON document, and a refusal "
                                         "is a tool error (the API's format= and errors= choose an HTTP answer's "
                                         "form)")
    return arguments.query(given)
