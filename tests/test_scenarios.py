"""Scenarios (issue 15, item 3): hypothetical measures added and existing ones ended, on every pricing endpoint,
each changed layer and figure marked and the figures without the scenario given.  Worked by hand.

Rates used below, all from the shipped tables (tariff_tables/measures), on entry dates in 2027:
* 8507.60.00.90 / .20 from CN: Section 301 forced-labor action 12.5% (9903.05.31, from 2026-07-24)
  + Section 301 non-EV lithium-ion batteries 25% (9903.91.06, from 2026-01-01) + MFN 3.4% = 40.9%.
* 8507.60.00.90 from KE (Kenya): MFN 3.4% only (no forced-labor action on Kenya).
* MPF FY2027 (2026-10-01 to 2027-09-30): 0.3464% of the value between its minimum and maximum.
Shipped scenarios (tariff_tables/scenarios):
* s232_batteries_2027: Section 232 25% on 8507.60 from every origin from 2027-01-01.  Its program is
  section_232, so the forced-labor action's exemption for Section 232 goods (note 52(f), 9903.05.90, which the
  tables model for every section_232 layer) takes the goods out of the 12.5%.
* forced_labor_higher: the CN forced-labor measure ends on 2027-01-01; a 50% successor keeps its exemptions.
* s301_batteries_50: a 50% measure replaces the 25% one on 8507.60.00 except the EV batteries .10.
"""
import gc
import json
import shutil

import pytest
from conftest import url

from service import TableError, load_tables
from service.engine import cache
from service.engine.scenario import apply as sc
from service.engine.quote import quote
from service.engine.line_input import known_facts, parse_line
from service.tables.load import default_dir

S232 = "scenario/s232_batteries_2027/li_ion_batteries"
FORCED_CN = "section_301/forced_labor_2026/CN"
LINE = {"hts": "8507.60.00.90", "origin": "CN", "value": "100000"}
CELLS = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "1000", "unit_price": "100"}   # 100,000 USD


def duty(client, **params):
    r = client.get(url("/v1/duty", **params))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def layer(doc_layers, measure_id):
    found = [x for x in doc_layers if x["measure_id"] == measure_id]
    assert len(found) <= 1
    return found[0] if found else None


# ------------------------------------------------------------------ duty

def test_quote_with_and_without_the_232_battery_scenario(client):
    doc = duty(client, **LINE, entry_date="2027-03-01", scenario="s232_batteries_2027")
    # With: 232 25% 25,000 + 301 25% 25,000 + MFN 3,400 = 53,400 (0.534); forced labor 12.5% displaced.
    assert (doc["total_duty"], doc["effective_rate"]) == ("53400.00", "0.534")
    added = layer(doc["layers"], S232)
    assert (added["scenario"], added["rate"], added["duty"]) == ("added", "0.25", "25000.00")
    assert "hypothetical scenario, not law" in added["citation"]
    assert layer(doc["layers"], FORCED_CN) is None
    assert all("scenario" not in x for x in doc["layers"] if x["measure_id"] != S232)   # unchanged layers unmarked
    block = doc["scenario"]
    # Without: 12,500 + 25,000 + 3,400 = 40,900 (0.409); the scenario adds 25,000 and takes 12,500 away.
    assert block["without_scenario"]["total_duty"] == "40900.00"
    assert block["without_scenario"]["effective_rate"] == "0.409"
    gone = block["without_scenario"]["layers"]
    assert [(x["measure_id"], x["scenario"], x["duty"]) for x in gone] == [(FORCED_CN, "displaced", "12500.00")]
    assert block["changed"] == ["total_duty", "effective_rate", "layers"]
    assert block["name"] == "s232_batteries_2027" and [m["id"] for m in block["measures_added"]] == [S232]
    assert block["measures_added"][0]["values"][0]["citation"].startswith("hypothetical scenario, not law")


def test_difference_is_a_quarter_of_the_value_where_no_forced_labor_duty_applies(client):
    doc = duty(client, **{**LINE, "origin": "KE"}, entry_date="2027-03-01", scenario="s232_batteries_2027")
    # Kenya: MFN 3,400 without; + 232 25% of 100,000 = 25,000 -> 28,400 with.
    assert doc["total_duty"] == "28400.00" and doc["scenario"]["without_scenario"]["total_duty"] == "3400.00"


def test_the_day_before_and_the_day_the_scenario_starts(client):
    before = duty(client, **LINE, entry_date="2026-12-31", scenario="s232_batteries_2027")
    # 2026-12-31: the scenario's value starts 2027-01-01: nothing changes (40,900 both ways), nothing marked.
    assert before["total_duty"] == before["scenario"]["without_scenario"]["total_duty"] == "40900.00"
    assert before["scenario"]["changed"] == [] and before["scenario"]["without_scenario"]["layers"] == []
    assert all("scenario" not in x for x in before["layers"])
    on = duty(client, **LINE, entry_date="2027-01-01", scenario="s232_batteries_2027")
    assert on["total_duty"] == "53400.00" and layer(on["layers"], S232)["scenario"] == "added"


def test_the_tables_themselves_are_unchanged_after_a_scenario(client, tables):
    duty(client, **LINE, entry_date="2027-03-01", scenario="s232_batteries_2027")
    plain = duty(client, **LINE, entry_date="2027-03-01")
    assert plain["total_duty"] == "40900.00" and "scenario" not in plain
    assert S232 not in tables.measures and not any(m.startswith("scenario/") for m in tables.measures)


def test_batch_names_the_scenario_once_and_each_result_carries_its_figures(client):
    body = {"scenario": "s232_batteries_2027",
            "lines": [{**LINE, "entry_date": "2027-03-01"}, {**LINE, "entry_date": "2026-12-31"}]}
    doc = client.post("/v1/duty", json=body).get_json()
    first, second = (x["result"] for x in doc["results"])
    assert (first["total_duty"], first["scenario"]["without_scenario"]["total_duty"]) == ("53400.00", "40900.00")
    assert second["scenario"]["changed"] == []
    assert doc["scenario"]["name"] == "s232_batteries_2027" and doc["scenario"]["measures_added"]


def test_timeline_shows_the_scenario_step(client):
    r = client.get(url("/v1/timeline", hts="8507.60.00.90", origin="CN", **{"from": "2026-11-01", "to": "2027-06-01"},
                       scenario="s232_batteries_2027"))
    doc = r.get_json()
    # Notional value 1,000: 40.9% -> 409.00 until 2027-01-01, then 53.4% -> 534.00.
    steps = [(x["from"], x["to"], x["total_duty"]) for x in doc["intervals"]]
    assert steps == [("2026-11-01", "2027-01-01", "409.00"), ("2027-01-01", "2027-06-01", "534.00")]
    assert layer(doc["intervals"][1]["layers"], S232)["scenario"] == "added"
    assert all("scenario" not in x for x in doc["intervals"][0]["layers"])
    without = doc["scenario"]["without_scenario"]["intervals"]
    assert [(x["from"], x["to"], x["total_duty"]) for x in without] == [("2026-11-01", "2027-06-01", "409.00")]
    assert doc["scenario"]["changed"] == ["intervals"]


# ------------------------------------------------------------------ schedule, landed cost, compare

def test_schedule_with_a_232_battery_duty_from_2027(client):
    """Acceptance: a scenario that adds a Section 232 battery duty from 2027 to a delivery schedule."""
    body = {"scenario": "s232_batteries_2027", "lines": [CELLS],
            "shipments": [{"entry_date": "2027-03-01", "name": "after"}, {"entry_date": "2026-12-15", "name": "before"}]}
    doc = client.post("/v1/schedule", json=body).get_json()
    before, after = doc["shipments"]
    # Before: 40.9% of 100,000 = 40,900; + MPF 346.40 (0.3464%) = 141,246.40, with or without the scenario.
    assert (before["name"], before["totals"]["duty"], before["totals"]["landed_cost"]) == \
        ("before", "40900.00", "141246.40")
    assert "scenario_layers" not in before["lines"][0]
    # After: 232 25,000 + 301 25,000 + MFN 3,400 = 53,400; landed 100,000 + 53,400 + 346.40 = 153,746.40.
    assert (after["totals"]["duty"], after["totals"]["landed_cost"]) == ("53400.00", "153746.40")
    marked = after["lines"][0]["scenario_layers"]
    assert [(x["measure_id"], x["scenario"], x["duty"]) for x in marked] == [(S232, "added", "25000.00")]
    assert "9903.99.99" in after["lines"][0]["headings"]
    without = doc["scenario"]["without_scenario"]["shipments"]
    assert [(s["entry_date"], s["totals"]["duty"], s["totals"]["landed_cost"]) for s in without] == [
        ("2026-12-15", "40900.00", "141246.40"), ("2027-03-01", "40900.00", "141246.40")]
    assert "shipments.1.totals.duty" in doc["scenario"]["changed"]
    assert not any(c.startswith("shipments.0.") for c in doc["scenario"]["changed"])
    change = {(x["measure_id"], x["change"]): x.get("scenario") for x in doc["changes"][0]["layers"]}
    assert change == {(S232, "starts"): "added", (FORCED_CN, "ends"): "displaced"}
    assert any(m["measure_id"] == S232 and m["scenario"] == "added" and m["day"] == "2027-01-01"
               for m in doc["changes"][0]["measures"])


def test_landed_cost_with_the_forced_labor_rate_raised(client):
    body = {"scenario": "forced_labor_higher", "entry_date": "2027-02-01", "lines": [CELLS]}
    doc = client.post("/v1/landed-cost", json=body).get_json()
    # With: forced labor 50% 50,000 + 301 25% 25,000 + MFN 3,400 = 78,400; without: 12.5% -> 40,900.
    assert doc["totals"]["duty"] == "78400.00"
    layers = doc["lines"][0]["duty"]["layers"]
    assert layer(layers, "scenario/forced_labor_higher/CN_50")["scenario"] == "added"
    block = doc["scenario"]
    assert block["without_scenario"]["totals"]["duty"] == "40900.00"
    # landed: 100,000 + 40,900 + 346.40 = 141,246.40 without; + 37,500 more duty = 178,746.40 with.
    assert (block["without_scenario"]["totals"]["landed_cost"], doc["totals"]["landed_cost"]) == \
        ("141246.40", "178746.40")
    assert [(x["measure_id"], x["scenario"]) for x in block["without_scenario"]["lines"][0]["layers"]] == [
        (FORCED_CN, "ended")]
    ended = block["measures_ended"][0]
    assert (ended["measure_id"], ended["on"], ended["successor"]) == (FORCED_CN, "2027-01-01",
                                                                     "scenario/forced_labor_higher/CN_50")
    assert "9903.05.31" in ended["citations"][0]


def test_a_successor_keeps_the_exemptions_of_the_measure_it_replaces(tables):
    """7308.90.95 from CN pays Section 232 (9903.82.02), so the forced-labor duty is exempt (9903.05.90); the
    50% successor is named by that exemption too, so it stays off."""
    line = parse_line({"hts": "7308.90.95", "origin": "CN", "entry_date": "2027-02-01", "value": "100000"},
                      tables.aliases, known_facts(tables))
    derived = sc.apply(tables, sc.shipped(tables, "forced_labor_higher"))
    doc = quote(derived, line)
    # 301 9903.88.02 25% 25,000 + 232 50% 50,000 + MFN 0 = 75,000, as without the scenario.
    assert doc["total_duty"] == quote(tables, line)["total_duty"] == "75000.00"
    assert all(not x["measure_id"].startswith("scenario/") for x in doc["layers"])


def test_compare_with_the_301_battery_rate_raised(client):
    body = {"scenario": "s301_batteries_50", "entry_date": "2027-03-10", "mode": "air",
            "domestic": {"name": "US", "delivered_price": "140000"},
            "imported": [{"name": "CN", "lines": [CELLS]}]}
    doc = client.post("/v1/compare", json=body).get_json()
    q = doc["imported"][0]
    # With: forced labor 12,500 + 301 50% 50,000 + MFN 3,400 = 65,900; landed 100,000 + 65,900 + 346.40 = 166,246.40;
    # difference 166,246.40 - 140,000 = 26,246.40; break-even (140,000 - 166,246.40) / 100,000 = -0.262464.
    assert (q["duty"], q["landed_cost"], q["difference_vs_domestic"], q["break_even_additional_rate"]) == \
        ("65900.00", "166246.40", "26246.40", "-0.262464")
    w = doc["scenario"]["without_scenario"]["imported"][0]
    # Without: 40,900 duty; landed 141,246.40; difference 1,246.40; break-even -1,246.40 / 100,000 = -0.012464.
    assert (w["duty"], w["landed_cost"], w["difference_vs_domestic"], w["break_even_additional_rate"]) == \
        ("40900.00", "141246.40", "1246.40", "-0.012464")
    layers = q["detail"]["lines"][0]["duty"]["layers"]
    assert layer(layers, "scenario/s301_batteries_50/li_ion_non_ev_50")["scenario"] == "added"
    assert "imported.0.landed_cost" in doc["scenario"]["changed"] and "best" not in doc["scenario"]["changed"]


@pytest.mark.parametrize("name", ["s301_batteries_50", "s232_batteries_2027"])
def test_ev_batteries_are_outside_both_battery_scenarios(client, name):
    doc = duty(client, hts="8507.60.00.10", origin="CN", value="100000", entry_date="2027-03-10", scenario=name)
    # 8507.60.00.10 is outside both scenario measures: 301 25% 25,000 + auto-parts 232 25% (9903.94.05) 25,000
    # + MFN 3,400 = 53,400 either way (the 232 layer takes the goods out of the forced-labor duty).
    assert doc["total_duty"] == "53400.00" and doc["scenario"]["changed"] == []


# ------------------------------------------------------------------ a request's own scenario

def test_an_inline_scenario_with_an_end(client):
    body = {"scenario": {"name": "no_forced_labor", "description": "what if the CN forced-labor duty ended",
                         "end": [{"measure": FORCED_CN, "on": "2027-01-01", "note": "hypothetical"}]},
            "lines": [{**LINE, "entry_date": "2027-03-01"}, {**LINE, "entry_date": "2026-12-31"}]}
    doc = client.post("/v1/duty", json=body).get_json()
    after, before = (x["result"] for x in doc["results"])
    # After the end: 25,000 + 3,400 = 28,400; without: 40,900.  Before it: 40,900 both ways.
    assert (after["total_duty"], after["scenario"]["without_scenario"]["total_duty"]) == ("28400.00", "40900.00")
    assert [(x["measure_id"], x["scenario"]) for x in after["scenario"]["without_scenario"]["layers"]] == [
        (FORCED_CN, "ended")]
    assert before["total_duty"] == "40900.00" and before["scenario"]["changed"] == []
    assert doc["scenario"]["measures_ended"][0]["measure_id"] == FORCED_CN


def test_an_inline_scenario_can_start_from_a_shipped_one_and_add_a_measure(client):
    scenario = {"use": "s232_batteries_2027", "measures": [{
        "program": "section_301", "id": "extra", "title": "Hypothetical 5% on Kenyan batteries",
        "scope": {"origin": ["KE"], "hts": ["8507.60"]},
        "values": [{"from": "2027-01-01", "heading": "9903.99.98", "rate": "5%", "cite": "hypothetical scenario, not law",
                    "confidence": "unconfirmed"}]}]}
    doc = client.post("/v1/landed-cost", json={"scenario": scenario, "entry_date": "2027-03-01",
                                               "lines": [{**CELLS, "origin": "KE"}]}).get_json()
    # Kenya: MFN 3,400 + 232 25,000 + the added 5% 5,000 = 33,400; without: 3,400.
    assert doc["totals"]["duty"] == "33400.00" and doc["scenario"]["without_scenario"]["totals"]["duty"] == "3400.00"
    ids = {x["measure_id"]: x.get("scenario") for x in doc["lines"][0]["duty"]["layers"]}
    assert ids[S232] == ids["scenario/custom/extra"] == "added"
    assert doc["scenario"]["based_on"] == "s232_batteries_2027"


BAD = [
    ("unknown name", "s232_nope", "scenario"),
    ("not a name or object", ["s232_batteries_2027"], "scenario"),
    ("unknown key", {"measures": [], "colour": "red"}, "scenario.colour"),
    ("bad rate", {"measures": [{"program": "section_232", "id": "x", "title": "t", "scope": {"hts": ["8507.60"]},
                                "values": [{"from": "2027-01-01", "heading": "9903.99.99", "rate": "2.5",
                                            "cite": "c", "confidence": "unconfirmed"}]}]},
     "scenario.measures.0.values.0.rate"),
    ("rate as a number", {"measures": [{"program": "section_232", "id": "x", "title": "t", "scope": {"hts": ["8507.60"]},
                                        "values": [{"from": "2027-01-01", "heading": "9903.99.99", "rate": 0.25,
                                                    "cite": "c", "confidence": "unconfirmed"}]}]},
     "scenario.measures.0.values.0.rate"),
    ("unknown measure key", {"measures": [{"program": "section_232", "id": "x", "title": "t", "colour": "red",
                                           "scope": {"hts": ["8507.60"]}, "values": []}]}, "scenario.measures.0.colour"),
    ("unknown program", {"measures": [{"program": "section_999", "id": "x", "title": "t", "scope": {"hts": ["*"]},
                                       "values": []}]}, "scenario.measures.0.program"),
    ("scope reaching no line", {"measures": [{"program": "section_232", "id": "x", "title": "t",
                                              "scope": {"hts": ["0101"]},
                                              "values": [{"from": "2027-01-01", "heading": "9903.99.99", "rate": "1%",
                                                          "cite": "c", "confidence": "unconfirmed"}]}]},
     "scenario.measures.0"),
    ("unknown measure in end", {"end": [{"measure": "section_301/nope", "on": "2027-01-01"}]}, "scenario.end.0.measure"),
    ("bad end date", {"end": [{"measure": FORCED_CN, "on": "2027-02-30"}]}, "scenario.end.0.on"),
    ("end after the measure ended", {"end": [{"measure": "ieepa_reciprocal/reciprocal/CN", "on": "2027-01-01"}]},
     "scenario.end.0.on"),
    ("successor not added", {"end": [{"measure": FORCED_CN, "on": "2027-01-01", "successor": "x"}]},
     "scenario.end.0.successor"),
    ("empty scenario", {"name": "x"}, "scenario"),
    ("bad name", {"name": "Bad Name", "end": []}, "scenario.name"),
]


@pytest.mark.parametrize("name, value, field", BAD, ids=[b[0] for b in BAD])
def test_bad_scenarios_are_400_naming_the_field(client, name, value, field):
    for path, body in (("/v1/landed-cost", {"entry_date": "2027-03-01", "lines": [CELLS]}),
                       ("/v1/duty", {"lines": [{**LINE, "entry_date": "2027-03-01"}]})):
        r = client.post(path, json={**body, "scenario": value})
        assert r.status_code == 400, (name, r.get_json())
        assert field in r.get_json()["errors"], (name, r.get_json()["errors"])


def test_get_takes_shipped_names_only_and_json_only(client):
    r = client.get(url("/v1/duty", **LINE, entry_date="2027-03-01", scenario="nope"))
    assert r.status_code == 400 and "scenario" in r.get_json()["errors"]
    r = client.get(url("/v1/duty", **LINE, entry_date="2027-03-01", scenario="s232_batteries_2027", format="csv"))
    assert r.status_code == 400 and "JSON only" in r.get_data(as_text=True)   # the error itself comes as CSV


def test_shipped_scenarios_are_listed_with_descriptions(client):
    doc = client.get("/v1/scenarios").get_json()
    names = [s["name"] for s in doc["scenarios"]]
    assert names == ["forced_labor_higher", "s232_batteries_2027", "s301_batteries_50"] and doc["count"] == 3
    for s in doc["scenarios"]:
        assert s["description"].startswith("Hypothetical") and "not law" in s["description"]
        assert all("hypothetical scenario, not law" in v["citation"] for m in s["measures_added"] for v in m["values"])


# ------------------------------------------------------------------ loading and caches

def test_a_bad_shipped_scenario_stops_loading_with_file_and_line(tmp_path):
    root = tmp_path / "tables"
    shutil.copytree(default_dir(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = root / "scenarios" / "s232_batteries_2027.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[:text.index('rate: "25%"')].count("\n") + 1
    path.write_text(text.replace('rate: "25%"', 'rate: "2.5"'), encoding="utf-8")
    with pytest.raises(TableError) as exc:
        load_tables(root)
    assert f"scenarios/s232_batteries_2027.yaml:{line}" in str(exc.value) and "ambiguous" in str(exc.value)


def test_a_shipped_scenario_ending_an_unknown_measure_stops_loading(tmp_path):
    root = tmp_path / "tables"
    shutil.copytree(default_dir(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    (root / "scenarios" / "bad_end.yaml").write_text(
        'description: "x"\nend:\n  - measure: "section_301/nope"\n    "on": "2027-01-01"\n', encoding="utf-8")
    with pytest.raises(TableError) as exc:
        load_tables(root)
    assert "scenarios/bad_end.yaml:3" in str(exc.value) and "unknown measure" in str(exc.value)


def test_a_requests_derived_tables_and_their_caches_do_not_outlive_it(tables):
    line = parse_line({**LINE, "entry_date": "2027-03-01"}, tables.aliases, known_facts(tables))
    quote(tables, line)
    gc.collect()
    before = len(cache._by_tables)
    scenario = sc.scenario_of(tables, {"end": [{"measure": FORCED_CN, "on": "2027-01-01"}]})
    derived = sc.apply(tables, scenario)
    assert quote(derived, line)["total_duty"] == "28400.00"    # 40,900 - 12,500
    assert len(cache._by_tables) == before + 1
    del derived
    gc.collect()
    assert len(cache._by_tables) == before
    assert quote(tables, line)["total_duty"] == "40900.00"       # the tables' own caches untouched


# ------------------------------------------------------------------ the command line

def test_quote_command_with_a_shipped_scenario_and_a_scenario_file(capsys, tmp_path):
    from service.cli import main
    args = ["quote", "--hts", "8507.60.00.90", "--origin", "CN", "--entry-date", "2027-03-01", "--value", "100000"]
    assert main([*args, "--scenario", "s232_batteries_2027", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["total_duty"], doc["scenario"]["without_scenario"]["total_duty"]) == ("53400.00", "40900.00")
    own = tmp_path / "mine.yaml"
    own.write_text('description: "x"\nend:\n  - measure: "section_301/forced_labor_2026/CN"\n    "on": "2027-01-01"\n',
                   encoding="utf-8")
    assert main([*args, "--scenario", str(own)]) == 0
    text = capsys.readouterr().out
    # 40,900 - 12,500 forced labor = 28,400 with; 40,900 without.
    assert "28400.00" in text and "without it: total duty 40900.00 USD" in text and "ended: " + FORCED_CN in text
