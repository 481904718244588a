"""The MCP server (issue 17): every tool, through the official SDK's client, against the API's JSON.

``tariff-stack mcp`` is started for real, over stdio (legacy handshake, as today's desktop assistants connect) and
over streamable HTTP on loopback (the current protocol and the legacy one); each tool's answer must equal the
API's JSON document for the same request, whole (so every amount to the cent, every layer, assumption, citation
and warning), and each refusal must be a tool error holding the API's error envelope, naming the field.

Both sides run on the same day: the API test app takes the real clock (``CLOCK``) as the server process does,
and the staleness limit is set far out on both, so ``as_of``/``age_days`` agree (the staleness warning is
checked in-process, ``test_mcp_units.py``).
"""
import contextlib
import json
import os
import subprocess
import time
from datetime import datetime, timezone

import anyio
import jsonschema
import pytest
import requests
from mcp import Client, StdioServerParameters

from conftest import contract_client, free_port, tariff_stack_executable, url

pytestmark = pytest.mark.slow

LIMIT_DAYS = "36500"       # no staleness warning on either side, whatever day the suite runs
QUOTE = {"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": "100000"}
PROJECT = {"construction_start": "2026-03-01", "prevailing_wage": "yes", "energy_community": "no",
           "other_basis_costs": "500000", "taxpayer_foreign_entity": "no", "placed_in_service": "2028-12-01"}
CELLS = {"id": "cells", "hts": "8507.60.00.90", "origin": "KR", "quantity": "10000", "unit_price": "100.00",
         "energy_kwh_per_unit": "1"}


def _real_today():
    return datetime.now(timezone.utc).date()


@pytest.fixture(scope="module")
def api(tables, openapi):
    """The API on the real clock and the far staleness limit, as the server process runs."""
    from service.web.app import create_app

    app = create_app(tables, {"CLOCK": _real_today, "MAX_TABLE_AGE_DAYS": LIMIT_DAYS})
    return contract_client(app, openapi)


def _env() -> dict:
    return {**os.environ, "TARIFF_STACK_MAX_TABLE_AGE_DAYS": LIMIT_DAYS}


# (tool, arguments, the API request: ("GET", path, query) or ("POST", path, body)); successes first.
CASES = [
    ("find_hts_lines", {"prefix": "8507.60"}, ("GET", "/v1/hts", {"prefix": "8507.60"})),
    ("find_hts_lines", {"words": "graphite"}, ("GET", "/v1/hts", {"words": "graphite"})),
    ("get_hts_line", {"code": "8507600020"}, ("GET", "/v1/hts/8507600020", {})),
    ("find_measures", {"program": "section_301", "on": "2026-01-15"},
     ("GET", "/v1/measures", {"program": "section_301", "on": "2026-01-15"})),
    ("get_measure", {"id": "adcvd/aam_china/ad_aam"}, ("GET", "/v1/measures/adcvd/aam_china/ad_aam", {})),
    ("quote_duty", QUOTE, ("GET", "/v1/duty", QUOTE)),
    ("quote_duty", {"hts": "7308.90.95.90", "origin": "Vietnam", "entry_date": "2026-03-02", "value": "100000",
                    "vehicle_part": "no", "steel_contnt": "5"},
     ("GET", "/v1/duty", {"hts": "7308.90.95.90", "origin": "Vietnam", "entry_date": "2026-03-02",
                          "value": "100000", "vehicle_part": "no", "steel_contnt": "5"})),
    ("quote_duty", {**QUOTE, "entry_date": "2027-02-01", "scenario": "s232_batteries_2027"},
     ("GET", "/v1/duty", {**QUOTE, "entry_date": "2027-02-01", "scenario": "s232_batteries_2027"})),
    ("quote_duty_batch", {"lines": [QUOTE, {**QUOTE, "origin": "KR", "preference": "KR", "value": 50000.25},
                                    {**QUOTE, "origin": "ZZ"}]},
     ("POST", "/v1/duty", {"lines": [QUOTE, {**QUOTE, "origin": "KR", "preference": "KR", "value": 50000.25},
                                     {**QUOTE, "origin": "ZZ"}]})),
    ("duty_timeline", {"hts": "8507.60.00.20", "origin": "CN", "from": "2025-01-01", "to": "2026-06-01"},
     ("GET", "/v1/timeline", {"hts": "8507.60.00.20", "origin": "CN", "from": "2025-01-01", "to": "2026-06-01"})),
    ("landed_cost", {"entry_date": "2026-03-10", "mode": "air", "template": "li_ion_cell_order",
                     "defaults": {"origin": "KR", "preference": "KR"}, "fill": {"cells": {"unit_price": 50}}},
     ("POST", "/v1/landed-cost", {"entry_date": "2026-03-10", "mode": "air", "template": "li_ion_cell_order",
                                  "defaults": {"origin": "KR", "preference": "KR"},
                                  "fill": {"cells": {"unit_price": 50}}})),
    ("credit_position", {"entry_date": "2026-10-01", "lines": [CELLS], "project": PROJECT},
     ("POST", "/v1/landed-cost", {"entry_date": "2026-10-01", "lines": [CELLS], "project": PROJECT})),
    ("list_templates", {}, ("GET", "/v1/projects/templates", {})),
    ("get_template", {"id": "bess_project"}, ("GET", "/v1/projects/templates/bess_project", {})),
    ("compare_quotes", {"entry_date": "2026-10-01", "imported": [{"name": "KR", "lines": [CELLS]}],
                        "domestic": {"name": "US", "delivered_price": "1100000",
                                     "credit": {"pfe_share": 0.5, "us_manufactured_share": "0.4"}},
                        "project": PROJECT},
     ("POST", "/v1/compare", {"entry_date": "2026-10-01", "imported": [{"name": "KR", "lines": [CELLS]}],
                              "domestic": {"name": "US", "delivered_price": "1100000",
                                           "credit": {"pfe_share": 0.5, "us_manufactured_share": "0.4"}},
                              "project": PROJECT})),
    ("list_scenarios", {}, ("GET", "/v1/scenarios", {})),
]
# Outside the contract's types, read as the API would read the same text: a JSON number where a query
# parameter is text (an assistant's habit) is the text the URL would carry.
LENIENT = [
    ("quote_duty", {**QUOTE, "value": 100000.55}, ("GET", "/v1/duty", {**QUOTE, "value": "100000.55"})),
    ("quote_duty", {**QUOTE, "value": 12345678.123456789},
     ("GET", "/v1/duty", {**QUOTE, "value": "12345678.123456789"})),   # 17 digits a float carries exactly
    ("duty_timeline", {**QUOTE, "value": 2500, "vehicle_part": True},
     ("GET", "/v1/timeline", {**QUOTE, "value": "2500", "vehicle_part": "true"})),
]
# The contract's own examples of the POST operations, as tools.
EXAMPLE_TOOLS = ("quote_duty_batch", "landed_cost", "compare_quotes", "delivery_schedule", "audit_entries")
ERRORS = [
    ("quote_duty", {**QUOTE, "origin": "XX"}, ("GET", "/v1/duty", {**QUOTE, "origin": "XX"}), "origin"),
    ("quote_duty", {k: v for k, v in QUOTE.items() if k != "hts"},
     ("GET", "/v1/duty", {k: v for k, v in QUOTE.items() if k != "hts"}), "hts"),
    ("quote_duty", {**QUOTE, "hts": "0101.21.00"}, ("GET", "/v1/duty", {**QUOTE, "hts": "0101.21.00"}), "hts"),
    ("quote_duty", {**QUOTE, "value": "100.000,00"}, ("GET", "/v1/duty", {**QUOTE, "value": "100.000,00"}), "value"),
    ("find_hts_lines", {"prefx": "8507"}, ("GET", "/v1/hts", {"prefx": "8507"}), "prefx"),
    ("get_hts_line", {"code": "85.07"}, ("GET", "/v1/hts/85.07", {}), "code"),
    ("get_template", {"id": "bess"}, ("GET", "/v1/projects/templates/bess", {}), "template"),
    ("landed_cost", {"entry_date": "2026-03-10", "lines": [{**CELLS, "unit_price": "-1"}]},
     ("POST", "/v1/landed-cost", {"entry_date": "2026-03-10", "lines": [{**CELLS, "unit_price": "-1"}]}),
     "lines.0.unit_price"),
    ("credit_position", {"entry_date": "2026-10-01", "lines": [CELLS], "project": {"prevailing_wage": "yes"}},
     ("POST", "/v1/landed-cost", {"entry_date": "2026-10-01", "lines": [CELLS],
                                  "project": {"prevailing_wage": "yes"}}), "project.construction_start"),
    ("delivery_schedule", {"lines": [CELLS], "shipments": []},
     ("POST", "/v1/schedule", {"lines": [CELLS], "shipments": []}), "shipments"),
    ("audit_entries", {"lines": [{"hts": "8507.60.00.20"}]},
     ("POST", "/v1/audit", {"lines": [{"hts": "8507.60.00.20"}]}), "lines.0.origin"),
    ("compare_quotes", {"imported": []}, ("POST", "/v1/compare", {"imported": []}), "imported"),
]


CALLS = len(CASES) + len(LENIENT) + len(EXAMPLE_TOOLS) + len(ERRORS)


def api_json(api, request) -> tuple[int, dict]:
    method, path, data = request
    response = api.get(url(path, **data)) if method == "GET" else api.post(path, json=data)
    return response.status_code, response.get_json()


def example_arguments(name: str) -> dict:
    from service.mcp.tools import BY_NAME

    return BY_NAME[name].input_schema()["examples"][0]


def example_request(name: str) -> tuple:
    from service.mcp.contract import operation
    from service.mcp.tools import BY_NAME

    path, _, _ = operation(BY_NAME[name].operation_id)
    return ("POST", path, example_arguments(name))


async def exercise(client: Client, api) -> int:
    """Every case through ``client``; returns the number of tool calls checked."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    checked = 0
    examples = [(n, example_arguments(n), example_request(n)) for n in EXAMPLE_TOOLS]
    for name, arguments, request in [*CASES, *examples, *LENIENT]:
        result = await client.call_tool(name, arguments)
        status, expected = api_json(api, request)
        assert status == 200, (name, expected)
        assert not result.is_error, (name, result.structured_content)
        assert result.structured_content == expected, name
        assert json.loads(result.content[0].text) == expected, name
        if (name, arguments, request) not in LENIENT:
            jsonschema.validate(arguments, tools[name].input_schema)   # the schema accepts what the API accepts
        checked += 1
    for name, arguments, request, field in ERRORS:
        result = await client.call_tool(name, arguments)
        error = json.loads(result.content[0].text)
        assert result.is_error and result.structured_content is None, (name, error)   # the envelope is the text
        status, expected = api_json(api, request)
        assert error == expected, name
        assert field in expected["errors"] and expected["status"] == status in (400, 404), (name, expected)
        checked += 1
    return checked


def _stdio(mode: str, api) -> int:
    async def main():
        params = StdioServerParameters(command=tariff_stack_executable(), args=["mcp"], env=_env())
        async with Client(params, mode=mode) as client:
            assert client.server_info.name == "tariff-stack"
            return await exercise(client, api)
    return anyio.run(main)


def test_every_tool_over_stdio_answers_the_apis_json(api):
    # The legacy handshake (initialize): how today's desktop assistants connect over stdio.
    assert _stdio("legacy", api) == CALLS


@contextlib.contextmanager
def mcp_http(log_path, *options):
    """``tariff-stack mcp --http`` on a free loopback port with ``options``; its base URL."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([tariff_stack_executable(), "mcp", "--http", "--port", str(port), *options],
                                env=_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                requests.get(base + "/", timeout=1)   # any answer (404: the server has /mcp only) means it is up
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "mcp --http did not answer within 30 s:\n" + log_path.read_text()
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def http_server(tmp_path_factory):
    with mcp_http(tmp_path_factory.mktemp("mcp") / "mcp.log") as base:
        yield base


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_every_tool_over_http_answers_the_apis_json(http_server, api, mode):
    async def main():
        async with Client(http_server + "/mcp", mode=mode) as client:
            assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
            return await exercise(client, api)
    assert anyio.run(main) == CALLS


def test_http_refuses_a_host_it_was_not_told_about(http_server):
    """DNS-rebinding protection: a page on another site cannot drive the loopback server through the browser."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    accept = {"Accept": "application/json, text/event-stream"}
    assert requests.post(http_server + "/mcp", json=init, headers=accept, timeout=10).status_code == 200
    assert requests.post(http_server + "/mcp", json=init, timeout=10,
                         headers={**accept, "Host": "tariffs.example.com"}).status_code == 421
    assert requests.post(http_server + "/mcp", json=init, timeout=10,
                         headers={**accept, "Origin": "http://evil.example"}).status_code == 403


def test_mcp_options_of_http_need_http():
    run = subprocess.run([tariff_stack_executable(), "mcp", "--port", "9"], capture_output=True, text=True,
                         timeout=60, env=_env())
    assert run.returncode == 2 and "need --http" in run.stderr
    assert run.stdout == ""


def test_stdio_writes_nothing_but_protocol_on_stdout(tmp_path):
    """An assistant reads stdout as JSON-RPC: one initialize request is answered by one JSON line, and the
    table loading says nothing there."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    run = subprocess.run([tariff_stack_executable(), "mcp"], input=json.dumps(init) + "\n", capture_output=True,
                         text=True, timeout=60, env=_env())
    lines = run.stdout.splitlines()
    assert len(lines) == 1, run.stdout
    answer = json.loads(lines[0])
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "tariff-stack"
    assert answer["result"]["capabilities"]["tools"] is not None and "resources" in answer["result"]["capabilities"]


# A raw message, as an assistant writes it: an amount with more digits than a binary float holds.  The SDK alone
# would decode it as 7500.0 and the audit would pass; read exactly, it is the API's refusal (a fraction of a cent).
LOSSY_AUDIT = ('{"audit_date": "2026-06-01", "lines": [{"entry_number": "ABC12345678", "line_number": 1, '
               '"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2025-06-10", "deposit_date": "2025-06-20", '
               '"value": "100000", "paid": [{"heading": "9903.88.15", "amount": 7500.0000000000000001}]}]}')
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def _lossy_call(request_id: int) -> str:
    return ('{"jsonrpc": "2.0", "id": %d, "method": "tools/call", '
            '"params": {"name": "audit_entries", "arguments": %s}}' % (request_id, LOSSY_AUDIT))


def _api_refusal(api) -> dict:
    response = api.post("/v1/audit", data=LOSSY_AUDIT, content_type="application/json")
    assert response.status_code == 400
    return response.get_json()


def test_stdio_reads_a_number_exactly_as_the_api_does(api):
    lines = [json.dumps(INIT), json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}), _lossy_call(2)]
    proc = subprocess.Popen([tariff_stack_executable(), "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=_env())
    try:
        proc.stdin.write("\n".join(lines) + "\n")
        proc.stdin.flush()
        answers = [json.loads(proc.stdout.readline()) for _ in range(2)]   # initialize, then the call
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
        proc.stdout.close()
    result = answers[1]["result"]
    error = json.loads(result["content"][0]["text"])
    assert result["isError"] and "fraction of a cent" in error["errors"]["lines.0.paid.0.amount"][0]
    assert error == _api_refusal(api)


def test_http_reads_a_number_exactly_and_serves_post_only(http_server, api):
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2025-11-25"}
    answer = requests.post(http_server + "/mcp", data=_lossy_call(7), headers=headers, timeout=30).json()
    assert answer["id"] == 7 and answer["result"]["isError"]
    assert json.loads(answer["result"]["content"][0]["text"]) == _api_refusal(api)
    for method in ("GET", "DELETE"):   # stateless: no event stream to open, no session to end
        response = requests.request(method, http_server + "/mcp", timeout=10, headers={"Accept": "text/event-stream"})
        assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_allowed_hosts_are_answered_with_any_port_or_none(tmp_path):
    init = {"json": INIT, "timeout": 10, "headers": {"Accept": "application/json, text/event-stream"}}
    with mcp_http(tmp_path / "mcp.log", "--allowed-host", "tariffs.example.com",
                  "--allowed-host", "api.example.com:8443") as base:
        def status(host=None, origin=None):
            headers = {**init["headers"], **({"Host": host} if host else {}), **({"Origin": origin} if origin else {})}
            return requests.post(base + "/mcp", json=INIT, headers=headers, timeout=10).status_code

        assert [status(h) for h in ("tariffs.example.com", "tariffs.example.com:443", "api.example.com:8443",
                                    "127.0.0.1", "localhost:8765")] == [200] * 5
        assert [status(h) for h in ("api.example.com", "evil.example.com", "tariffs.example.com.evil.com")] \
            == [421] * 3
        assert status("tariffs.example.com", "https://tariffs.example.com") == 200
        assert status("tariffs.example.com", "https://evil.example.com") == 403


def test_an_allowed_host_that_is_not_a_host_name_stops_the_command():
    run = subprocess.run([tariff_stack_executable(), "mcp", "--http", "--allowed-host", "https://tariffs.example.com"],
                         capture_output=True, text=True, timeout=60, env=_env())
    assert run.returncode == 2 and "is not a host name" in run.stderr
