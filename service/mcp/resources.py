"""The tables as read-only resources: their version and as-of date, the measures, the covered HTS lines, the
scenarios and templates, and one measure or line by its id (resource templates).

Each resource is the API's document of the same lookup (``GET /v1/measures``, ``/v1/hts/{code}``, ...), stamped
with the tables' as-of date and age.  An unknown resource, measure or code is a protocol error naming it.
"""
from __future__ import annotations

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp.shared.uri_template import UriTemplate

from service.model.errors import InputError, NotCovered
from service.operations import bills, reference
from service.render import json_text
from service.mcp.answers import stamp

SCHEME = "tariff-stack://"
JSON = "application/json"

# uri: (name, description, document of the tables)
FIXED = {
    f"{SCHEME}tables": ("tables", "The tables' version, as-of date, coverage and counts: which law the answers "
                                  "know (measures announced after the as-of date are not in them).",
                        lambda t: {"tables_version": t.version, "as_of": t.as_of.isoformat(),
                                   "coverage_from": t.coverage_from.isoformat(), "hts_lines": len(t.lines),
                                   "measures": len(t.measures)}),
    f"{SCHEME}measures": ("measures", "Every measure (Section 301, 232, 122, IEEPA, AD/CVD, ...) with its dated "
                                      "rates and citations: GET /v1/measures.",
                          lambda t: reference.measures(t, {})),
    f"{SCHEME}hts": ("hts-lines", "Every covered HTS line with its dated column 1 rates: GET /v1/hts.",
                     lambda t: reference.hts_lines(t, {})),
    f"{SCHEME}scenarios": ("scenarios", "The shipped hypothetical scenarios (none of them law): GET /v1/scenarios.",
                           reference.scenarios),
    f"{SCHEME}templates": ("templates", "The project templates (BESS, cells, steel, anode material): "
                                        "GET /v1/projects/templates.", bills.templates),
}
# template: (name, description, document of (tables, matched value))
TEMPLATES = {
    f"{SCHEME}measures/{{+id}}": ("measure", "One measure by id (adcvd/aam_china/ad_aam): GET /v1/measures/{id}.",
                                  "id", reference.measure),
    f"{SCHEME}hts/{{code}}": ("hts-line", "One covered HTS line (8507.60.00.20): GET /v1/hts/{code}.",
                              "code", reference.hts_line),
}
_PARSED = [(UriTemplate.parse(uri), variable, document) for uri, (_, _, variable, document) in TEMPLATES.items()]


def lister(tables):
    async def list_resources(ctx, params) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[
            types.Resource(uri=uri, name=name, description=text, mime_type=JSON)
            for uri, (name, text, _) in FIXED.items()])
    return list_resources


def template_lister():
    async def list_resource_templates(ctx, params) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(resource_templates=[
            types.ResourceTemplate(uri_template=uri, name=name, description=text, mime_type=JSON)
            for uri, (name, text, _, _) in TEMPLATES.items()])
    return list_resource_templates


def reader(tables):
    """``resources/read``: the document of a resource, stamped as the API stamps it."""
    async def read_resource(ctx, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        text = json_text.encode(stamp(tables, document(tables, uri))).decode("utf-8")
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=JSON, text=text)])
    return read_resource


def document(tables, uri: str) -> dict:
    """The document a resource URI names; an unknown one (or an unknown measure or code) is an ``MCPError``,
    the URI cut to 200 characters in its message."""
    shown = uri if len(uri) <= 200 else uri[:200] + "..."
    if uri in FIXED:
        return FIXED[uri][2](tables)
    for template, variable, doc in _PARSED:
        match = template.match(uri)
        if match is not None:
            try:
                return doc(tables, match[variable])
            except (InputError, NotCovered) as exc:
                raise MCPError(code=types.INVALID_PARAMS, message=f"{shown}: {exc.message}",
                               data={"uri": shown}) from None
    raise MCPError(code=types.INVALID_PARAMS, message=f"no resource {shown}; the resources: {', '.join(FIXED)} "
                                                      f"and {', '.join(TEMPLATES)}", data={"uri": shown})
