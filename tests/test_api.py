"""The JSON API: each endpoint, the batch, the timeline and the tables browser.

Every response here is validated against openapi.yaml by the ``client``
fixture (openapi-core).
"""
import pytest
from conftest import DUTY, url

from service import parse_line
from service.engine.ranges import with_duty_range
from service.model.freshness import DEFAULT_MAX_AGE_DAYS, Freshness
from service.render.freshness import stamped
from service.web.app import VERSION_HEADER


def test_duty_get_is_the_48_4_percent_stack(client, tables):
    r = client.get(url("/v1/duty", **DUTY))
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["effective_rate"] == "0.484"
    assert doc["total_duty"] == "48400.00"
    charged = [(x["program"], x["heading"], x["rate"]) for x in doc["layers"] if x["duty"] != "0.00"]
    assert charged == [
        ("section_301", "9903.91.06", "0.25"),
        ("ieepa_fentanyl", "9903.01.24", "0.1"),
        ("ieepa_reciprocal", "9903.01.25", "0.1"),
        ("mfn", "8507.60.00.20", "0.034"),
    ]
    # The AD deposit on anode material inside the cells is listed at 0.00 on a
    # zero base, with the assumption that says why.
    assert any(a["fact"] == "aam_content_value" for a in doc["assumptions"])
    assert all(x["citation"] for x in doc["layers"])
    assert r.headers[VERSION_HEADER] == tables.version == doc["tables_version"]
    for key in ("not_applied", "assumptions", "filing_lines", "warnings"):
        assert isinstance(doc[key], list)


def test_duty_get_equals_the_cli_document(client, q, tables):
    doc = client.get(url("/v1/duty", **DUTY)).get_json()
    # The library document with its duty range (vehicle_part is assumed), stamped with the tables'
    # as-of date and age right after tables_version.
    line = parse_line(DUTY, tables.aliases)
    library = with_duty_range(tables, line, q(**DUTY))
    assert "duty_range" in library
    assert doc == stamped(library, Freshness(tables.as_of, tables.as_of, DEFAULT_MAX_AGE_DAYS))
    assert list(doc)[:3] == ["tables_version", "as_of", "age_days"]


def test_duty_get_passes_optional_facts(client):
    # Steel-content split (issue 2 worked example): 232 on 4,000 of steel,
    # reciprocal on the 6,000 non-steel part.
    doc = client.get(url("/v1/duty", hts="7326.90.86.88", origin="CN", entry_date="2025-07-01", value="10000",
                         steel_content_value="4000")).get_json()
    steel = [x for x in doc["layers"] if x["program"] == "section_232"]
    assert [(x["base_amount"], x["duty"]) for x in steel] == [("4000.00", "2000.00")]
    assert doc["total_duty"] == "7390.00"
    assert len(doc["filing_lines"]) == 2


def test_duty_get_in_transit_and_preference(client):
    transit = client.get(url("/v1/duty", hts="8507.60.00.20", origin="CN", entry_date="2025-04-20", value="100000",
                             mode="vessel", loaded_date="2025-04-03")).get_json()
    assert transit["effective_rate"] == "0.309"
    usmca = client.get(url("/v1/duty", hts="8507.60.00.20", origin="CA", entry_date="2025-05-20", value="100000",
                           preference="S")).get_json()
    assert usmca["total_duty"] == "0.00"


def test_unknown_query_parameters_are_reported_cache_busters_ignored(client):
    # Issue 11 item 5: an unknown parameter is reported as a warning, not dropped;
    # cache-busters (_ts=, _=) stay silent.
    plain = client.get(url("/v1/duty", **DUTY)).get_json()
    busted = client.get(url("/v1/duty", **DUTY, _ts="1732000000", _="1")).get_json()
    assert busted == plain
    unknown = client.get(url("/v1/duty", **DUTY, _ts="1732000000", update="x")).get_json()
    assert unknown == {**plain, "warnings": plain["warnings"] + ["unknown parameter 'update' ignored"]}


def test_batch_keeps_order_and_isolates_bad_lines(client):
    lines = [
        DUTY,
        {**DUTY, "origin": "ZZ"},
        {**DUTY, "hts": "9999.99.99"},
        "not an object",
        {**DUTY, "value": 250000.5},          # a JSON number: read as an exact decimal
        {**DUTY, "colour": "red"},
    ]
    r = client.post("/v1/duty", json={"lines": lines})
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["count"] == 6 and doc["failed"] == 4
    assert [x["index"] for x in doc["results"]] == list(range(6))
    assert [x["status"] for x in doc["results"]] == [200, 400, 404, 400, 200, 400]
    assert doc["results"][0]["result"]["effective_rate"] == "0.484"
    assert "origin" in doc["results"][1]["error"]["errors"]
    assert doc["results"][2]["error"]["code"] == "not_covered" and doc["results"][2]["error"]["hint"]
    assert doc["results"][4]["result"]["customs_value"] == "250000.50"
    # Each layer rounds half-up to the cent: 62500.125 -> 62500.13 (25%), 25000.05 twice (10% + 10%),
    # 8500.017 -> 8500.02 (3.4%); total 121000.25 (the unrounded product is 121000.242).
    assert doc["results"][4]["result"]["total_duty"] == "121000.25"
    assert doc["results"][5]["error"]["errors"]["colour"] == ["unknown field"]


def test_timeline_steps_match_point_quotes(client):
    r = client.get(url("/v1/timeline", hts="8507.60.00.20", origin="CN", **{"from": "2024-06-01", "to": "2026-06-01"},
                       value="100000"))
    assert r.status_code == 200
    doc = r.get_json()
    steps = doc["intervals"]
    assert steps[0]["from"] == "2024-06-01" and steps[-1]["to"] == "2026-06-01"
    for a, b in zip(steps, steps[1:]):
        assert a["to"] == b["from"]                      # contiguous, no gaps
        # merged: neighbouring intervals differ in some layer's heading or rate
        assert [(x["heading"], x["rate"]) for x in a["layers"]] != [(x["heading"], x["rate"]) for x in b["layers"]]
    starts = [s["from"] for s in steps]
    for day in ("2025-02-04", "2025-03-04", "2026-01-01", "2026-02-24"):
        assert day in starts
    for step in steps:
        point = client.get(url("/v1/duty", hts="8507.60.00.20", origin="CN", entry_date=step["from"],
                               value="100000")).get_json()
        assert point["effective_rate"] == step["effective_rate"], step["from"]
    assert doc["assumptions"] == []


def test_timeline_defaults_and_notional_value(client, tables):
    doc = client.get(url("/v1/timeline", hts="8507.60.00.20", origin="KR")).get_json()
    assert doc["from"] == tables.coverage_from.isoformat()
    assert doc["customs_value"] == "1000.00"
    assert doc["assumptions"][0]["fact"] == "value"


@pytest.mark.parametrize("params, field", [
    ({"from": "2026-01-01", "to": "2025-01-01"}, "to"),
    ({"from": "2020-01-01", "to": "2025-01-01"}, "from"),
    ({"from": "2026-13-01"}, "from"),
])
def test_timeline_bad_ranges(client, params, field):
    r = client.get(url("/v1/timeline", hts="8507.60.00.20", origin="CN", **params))
    assert r.status_code == 400
    assert field in r.get_json()["errors"]


def test_measures_list_filters(client, tables):
    everything = client.get("/v1/measures").get_json()
    assert everything["count"] == len(tables.measures)
    s301 = client.get(url("/v1/measures", program="section_301")).get_json()
    assert s301["count"] and all(m["program"] == "section_301" for m in s301["measures"])
    on_day = client.get(url("/v1/measures", hts="8507.60.00.20", origin="CN", on="2026-01-15")).get_json()
    ids = {m["id"] for m in on_day["measures"]}
    assert "section_301/four_year_review/li_ion_2026" in ids
    assert not any(i.startswith("section_122/") and tables.measures[i].kind == "duty" for i in ids)  # from 2026-02-24
    for m in on_day["measures"]:
        assert any(v["from"] <= "2026-01-15" and (v["to"] is None or "2026-01-15" < v["to"]) for v in m["values"])


def test_measure_detail_has_full_history(client):
    doc = client.get("/v1/measures/section_301/lists/list_3").get_json()
    assert doc["id"] == "section_301/lists/list_3"
    assert len(doc["values"]) >= 2
    assert [v["from"] for v in doc["values"]] == sorted(v["from"] for v in doc["values"])
    assert all(v["citation"] and v["source"].startswith("measures/section_301/lists.yaml:") for v in doc["values"])
    encoded = client.get("/v1/measures/section_301%2Flists%2Flist_3").get_json()
    assert encoded == doc


def test_measure_not_found_has_hint(client):
    r = client.get("/v1/measures/section_301/lists/list_99")
    assert r.status_code == 404
    body = r.get_json()
    assert body["code"] == "not_covered" and "section_301/lists/list_3" in body["hint"]
    assert list(body["errors"]) == ["id"]


def test_hts_detail_and_parent_resolution(client):
    doc = client.get("/v1/hts/8507.60.00.20").get_json()
    assert doc["hts"] == "8507.60.00.20" and doc["rates"][0]["general"] == "3.4%"
    parent = client.get("/v1/hts/8504.40.40.00").get_json()   # a statistical suffix under a covered 8-digit line
    assert parent["hts"] == "8504.40.40" and parent["hts_requested"] == "8504.40.40.00"
    listing = client.get(url("/v1/hts", prefix="8507")).get_json()
    assert listing["count"] >= 2 and all(x["hts"].startswith("8507") for x in listing["lines"])


def test_hts_not_covered_is_404_with_hint(client):
    r = client.get("/v1/hts/8507.99.99")
    assert r.status_code == 404
    body = r.get_json()
    assert body["code"] == "not_covered" and "8507.60.00.20" in body["hint"]
    assert list(body["errors"]) == ["hts"]


def test_health_and_contract_endpoints(client, tables):
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["tables_version"] == tables.version
    from conftest import CONTRACT
    served = client.get("/openapi.yaml")
    assert served.status_code == 200 and served.get_data(as_text=True) == CONTRACT.read_text(encoding="utf-8")
    docs = client.get("/docs").get_data(as_text=True)
    for path in ("/v1/duty", "/v1/timeline", "/v1/measures/{id}", "/v1/hts/{code}", "/healthz"):
        assert f"{path}</code>" in docs
    assert client.get("/").status_code == 302


def test_every_response_carries_the_tables_version(client, tables):
    for path in ("/healthz", "/v1/duty", "/nope", "/v1/hts/0000"):
        assert client.get(path).headers[VERSION_HEADER] == tables.version
