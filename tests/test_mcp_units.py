"""The MCP server in-process (the SDK's in-memory client on ``service.mcp.server.build``): the tools' schemas
against the contract, resources, staleness, limits, refusals and exact numbers.  The server as a process, over
stdio and HTTP, every tool against the API's JSON: ``test_mcp.py``."""
import json
from datetime import timedelta

import anyio
import jsonschema
import pytest
import yaml
from mcp import Client, MCPError

from conftest import CONTRACT, DUTY, url
from service.mcp import arguments, wire
from service.mcp.contract import contract, input_schema, operation
from service.mcp.server import allowed, build
from service.mcp.tools import BY_NAME, TOOLS
from service.model.errors import InputError
from service.operations.schemas import MAX_BATCH_LINES, HtsListQuery, LineQuery, MeasuresQuery, TimelineQuery


def call(tables, calls):
    """Run ``calls(client)`` against the server over the SDK's in-memory transport (legacy handshake)."""
    async def main():
        async with Client(build(tables), mode="legacy") as client:
            return await calls(client)
    return anyio.run(main)


# ------------------------------------------------------------------ the contract, both ways

def _json_operations():
    """Every API operation under /v1/ answering JSON (not a formatted twin, not a POST-only GET)."""
    for path, item in contract()["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or not path.startswith("/v1/") or "{ext}" in path:
                continue
            if "application/json" in op["responses"].get("200", {}).get("content", {}):
                yield op["operationId"]


def test_every_json_operation_of_the_api_is_a_tool():
    carried = {tool.operation_id for tool in TOOLS}
    assert set(_json_operations()) == carried
    assert len(carried) == 14 and len(TOOLS) == 15   # credit_position is landedCost with project required


@pytest.mark.parametrize("tool", TOOLS, ids=lambda t: t.name)
def test_tool_schemas_are_json_schema_objects_from_the_contract(tool):
    schema, output = tool.input_schema(), tool.output_schema()
    for s in (schema, output):
        jsonschema.Draft202012Validator.check_schema(s)
        assert s["type"] == "object"   # MCP clients on the 2025-11-25 protocol refuse any other root
    refs, types = [], []
    stack = [schema, output]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            refs += [node["$ref"]] if "$ref" in node else []
            types += [node["type"]] if "type" in node else []
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs and all(r.startswith("#/$defs/") for r in refs), refs   # every ref resolves inside the schema
    assert all(isinstance(t, str) for t in types)   # one type per schema (anyOf for a union): portable
    assert tool.description().strip() and tool.title


def test_query_tools_take_exactly_the_operations_parameters():
    """A GET tool's properties are the query fields its operation's schema checks (and its own parameters): a
    parameter added to the API but not to the contract (or the reverse) fails here."""
    def fields(schema):
        return {f.data_key or name for name, f in schema().fields.items()} - {"format"}

    expected = {"quote_duty": fields(LineQuery) | {"scenario", "facts"},
                # entry_date is read by the timeline only to warn that it is not used: not in the contract
                "duty_timeline": fields(TimelineQuery) - {"entry_date"} | {"scenario", "facts"},
                "find_hts_lines": fields(HtsListQuery), "find_measures": fields(MeasuresQuery)}
    for name, names in expected.items():
        assert set(BY_NAME[name].input_schema()["properties"]) == names, name


def test_descriptions_come_from_the_contract():
    _, _, op = operation("getDuty")
    schema = BY_NAME["quote_duty"].input_schema()
    parameters = {p["$ref"].rsplit("/", 1)[1] for p in op["parameters"] if "$ref" in p}
    described = contract()["components"]["parameters"]
    for name in ("hts", "origin", "entry_date", "value"):
        assert name in parameters
        assert schema["properties"][name]["description"] == described[name]["description"].strip()
    assert BY_NAME["quote_duty"].description().startswith(op["summary"])
    assert input_schema("landedCost")["examples"][0]["lines"][0]["hts"] == "8507.60.00.20"


def test_the_contract_has_no_key_lost_to_a_yaml_slip():
    """An unquoted ``description: a, b: c`` in a flow mapping makes a key ``b`` with a null value and cuts the
    description short; four had (issue 17)."""
    found = []
    stack = [("", yaml.safe_load(CONTRACT.read_text(encoding="utf-8")))]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None and "example" not in path:
                    found.append(f"{path}/{key}")
                stack.append((f"{path}/{key}", value))
        elif isinstance(node, list):
            stack.extend((f"{path}/{i}", v) for i, v in enumerate(node))
    assert found == []


# ------------------------------------------------------------------ numbers

@pytest.mark.parametrize("number, text", [(100000.55, "100000.55"), (0.1, "0.1"), (105.5, "105.5"),
                                          (123456789012.345, "123456789012.345"), (1e-7, "1E-7"),
                                          (0.30000000000000004, "0.30000000000000004")])
def test_a_float_is_read_as_its_round_trip_text(number, text):
    # the wire (below) has already turned any number a float would change into its text
    assert str(arguments.exact_number(number, "value")) == text


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinities_are_refused_naming_the_field(number):
    with pytest.raises(InputError) as exc:
        arguments.body({"lines": [{"unit_price": number}]})
    assert list(exc.value.errors) == ["lines.0.unit_price"]


@pytest.mark.parametrize("written, read", [
    ('{"a": 7500.0000000000000001}', {"a": "7500.0000000000000001"}),     # a float would make it 7500.0
    ('{"a": [1e400, 1e-400, 0.1]}', {"a": ["1e400", "1e-400", 0.1]}),      # inf and 0.0; 0.1 is exact
    ('{"a": 123456789012345678901234567890}', {"a": 123456789012345678901234567890}),   # ints are exact
])
def test_the_wire_hands_on_a_number_a_float_would_change_as_its_text(written, read):
    assert json.loads(wire.exact_numbers(written)) == read
    assert json.loads(wire.exact_numbers(written.encode())) == read


@pytest.mark.parametrize("written", ['{"a": 105.5, "b": "x"}', "not json", '{"a": 0.30000000000000004}'])
def test_the_wire_passes_on_a_message_without_such_a_number_untouched(written):
    assert wire.exact_numbers(written) is written


def test_integers_stay_exact_and_nesting_is_limited_as_in_the_api():
    assert arguments.body({"quantity": 10 ** 30}) == {"quantity": 10 ** 30}

    def nested(levels):   # ``levels`` objects, the innermost holding a number
        deep = node = {}
        for _ in range(levels - 1):
            node["x"] = {}
            node = node["x"]
        node["x"] = 1
        return deep

    assert arguments.body(nested(arguments.MAX_DEPTH))   # as service.web.jsonio: containers count, not scalars
    with pytest.raises(InputError, match="nested too deeply"):
        arguments.body(nested(arguments.MAX_DEPTH + 1))


# ------------------------------------------------------------------ answers and refusals

def test_stale_tables_warn_on_every_answer_as_the_api_does(tables, client, monkeypatch):
    from service.model import freshness

    monkeypatch.setattr(freshness, "today_utc", lambda: tables.as_of + timedelta(days=45))

    async def calls(c):
        return (await c.call_tool("quote_duty", DUTY)).structured_content

    doc = call(tables, calls)
    assert doc["age_days"] == 45
    assert doc["warnings"][-1] == freshness.Freshness(tables.as_of, tables.as_of + timedelta(days=45), 30).warning
    api = client.get(url("/v1/duty", **DUTY)).get_json()   # the API on the same (patched) day
    assert doc == api


def test_a_batch_over_its_limit_is_the_apis_413(tables, client):
    body = {"lines": [DUTY] * (MAX_BATCH_LINES + 1)}

    async def calls(c):
        return await c.call_tool("quote_duty_batch", body)

    result = call(tables, calls)
    api = client.post("/v1/duty", json=body)
    assert result.is_error and api.status_code == 413
    assert json.loads(result.content[0].text) == api.get_json()


def test_an_unknown_tool_and_an_internal_failure_are_tool_errors_without_internals(tables, monkeypatch):
    from service.operations import reference

    def broken(t, args):
        raise KeyError("secret internal detail")

    monkeypatch.setattr(reference, "hts_lines", broken)

    async def calls(c):
        return await c.call_tool("no_such_tool", {}), await c.call_tool("find_hts_lines", {})

    unknown, failed = call(tables, calls)
    unknown_error, failed_error = json.loads(unknown.content[0].text), json.loads(failed.content[0].text)
    assert unknown.is_error and unknown_error["code"] == "unknown_tool"
    assert "quote_duty" in unknown_error["message"]
    assert failed.is_error and failed_error["status"] == 500
    assert "secret" not in failed.content[0].text


def test_a_path_tool_needs_its_parameter_and_refuses_others(tables):
    async def calls(c):
        return (await c.call_tool("get_hts_line", {}), await c.call_tool("get_hts_line", {"code": ["8507"]}),
                await c.call_tool("get_hts_line", {"code": "8507.60.00.20", "cde": "x"}),
                await c.call_tool("get_hts_line", {"code": 8507600020}))   # a number: the text of the path

    missing, listed, unknown, number = (json.loads(r.content[0].text) for r in call(tables, calls))
    assert missing["errors"] == {"code": ["missing required field"]}
    assert listed["errors"] == {"code": ["must be text"]}
    assert list(unknown["errors"]) == ["cde"] and missing["status"] == listed["status"] == unknown["status"] == 400
    assert number["hts"] == "8507.60.00.20" and number["hts_requested"] == "8507.60.00.20"


# ------------------------------------------------------------------ resources

def test_resources_are_the_apis_lookups(tables, client):
    async def calls(c):
        listed = [str(r.uri) for r in (await c.list_resources()).resources]
        templates = [t.uri_template for t in (await c.list_resource_templates()).resource_templates]
        read = {}
        for uri in [*listed, "tariff-stack://measures/adcvd/aam_china/ad_aam", "tariff-stack://hts/8507.60.00.20"]:
            contents = (await c.read_resource(uri)).contents[0]
            assert contents.mime_type == "application/json"
            read[uri] = yaml.safe_load(contents.text)
        return listed, templates, read

    listed, templates, read = call(tables, calls)
    assert templates == ["tariff-stack://measures/{+id}", "tariff-stack://hts/{code}"]
    api = {"tariff-stack://measures": "/v1/measures", "tariff-stack://hts": "/v1/hts",
           "tariff-stack://scenarios": "/v1/scenarios", "tariff-stack://templates": "/v1/projects/templates",
           "tariff-stack://measures/adcvd/aam_china/ad_aam": "/v1/measures/adcvd/aam_china/ad_aam",
           "tariff-stack://hts/8507.60.00.20": "/v1/hts/8507.60.00.20"}
    for uri, path in api.items():
        assert read[uri] == client.get(path).get_json(), uri
    assert listed == ["tariff-stack://tables", *list(api)[:4]]
    assert read["tariff-stack://tables"] == {"tables_version": tables.version, "as_of": tables.as_of.isoformat(),
                                             "age_days": 0, "coverage_from": tables.coverage_from.isoformat(),
                                             "hts_lines": len(tables.lines), "measures": len(tables.measures)}


@pytest.mark.parametrize("uri", ["tariff-stack://nothing", "tariff-stack://hts/0101.21.00",
                                 "tariff-stack://measures/no/such"])
def test_an_unknown_resource_is_a_protocol_error_naming_it(tables, uri):
    async def calls(c):
        with pytest.raises(MCPError) as exc:
            await c.read_resource(uri)
        return exc.value

    error = call(tables, calls)
    assert uri in error.error.message and error.error.code == -32602


def test_what_the_credit_tool_needs_the_scenario_a_get_carries_and_transport_parameters(tables):
    cells = {"hts": "8507.60.00.90", "origin": "KR", "quantity": "10", "unit_price": "100"}

    async def calls(c):
        return [await c.call_tool(*args) for args in [
            ("credit_position", {"entry_date": "2026-10-01", "lines": [cells]}),
            ("credit_position", {"entry_date": "2026-10-01", "lines": [cells], "project": None}),
            ("quote_duty", {**DUTY, "scenario": {"use": "s232_batteries_2027"}}),
            ("quote_duty", {**DUTY, "format": "csv"}),
            ("list_scenarios", {"format": "json"})]]

    results = call(tables, calls)
    errors = [json.loads(r.content[0].text)["errors"] for r in results]
    assert all(r.is_error for r in results)
    assert "construction_start" in errors[0]["project"][0] and errors[1] == errors[0]
    assert "name of a shipped scenario" in errors[2]["scenario"][0]
    assert list(errors[3]) == ["format"] and list(errors[4]) == ["format"]


def test_allowed_hosts_take_a_name_on_any_port_or_none():
    hosts, origins = allowed(["tariffs.example.com", "api.example.com:8443", "x.example.com:*"])
    assert {"127.0.0.1", "127.0.0.1:*", "localhost", "[::1]:*", "tariffs.example.com", "tariffs.example.com:*",
            "api.example.com:8443", "x.example.com", "x.example.com:*"} <= set(hosts)
    assert "api.example.com" not in hosts and "api.example.com:*" not in hosts
    assert {"https://tariffs.example.com", "https://api.example.com:8443", "http://localhost:*"} <= set(origins)
    for bad in ("https://tariffs.example.com", "tariffs.example.com/mcp", "", "a b", "x:port"):
        with pytest.raises(ValueError):
            allowed([bad])
