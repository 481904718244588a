"""Ranges instead of false precision (issue 15, item 4): a quote keeps today's documented assumption
for a missing fact and adds the lowest and highest duty the fact's possible values give.

The figures are the table rows' rates (cited on each layer); the arithmetic is in the comments.
Responses through the ``client`` fixture are validated against openapi.yaml.
"""
import json
from decimal import Decimal

from conftest import url

from service import parse_line, quote
from service.engine import ranges
from service.engine.landed_cost import parse_entry, price_entry
from service.engine.line_input import known_facts
from service.engine.quote import quote_stack

RACK = {"hts": "7308.90.95.90", "origin": "CN", "entry_date": "2026-03-02", "value": "100000"}
BATTERY_MX = {"hts": "8507.60.00.90", "origin": "MX", "entry_date": "2026-10-01", "value": "100000"}
CABLE = {"hts": "8544.42.10", "origin": "DE", "entry_date": "2026-10-01", "value": "100000"}
PLAIN = {"hts": "8504.40.95.10", "origin": "CN", "entry_date": "2026-03-02", "value": "100000"}


def quoted(tables, data):
    line = parse_line(data, tables.aliases, known_facts(tables))
    return ranges.with_duty_range(tables, line, quote(tables, line))


def by_fact(doc):
    return {f["fact"]: f for f in doc["duty_range"]["facts"]}


def values(fact):
    return {v["value"]: v["total_duty"] for v in fact["values"]}


def test_a_missing_steel_content_gives_a_range_from_none_to_the_full_value(tables):
    # 7308.90.95.90 (steel structures) from China on 2026-03-02, the 2025 Section 232 regime (its rows
    # end 2026-04-06): 232 steel derivative 50% on the steel content (9903.81.90), Section 301 list 3
    # 25% (9903.88.02), Section 122 10% on the value less the steel content (9903.03.01), column 1 free.
    # Today's assumption: steel content = the full value (CBP treats undeclared metal as the full value)
    #   232 50% x 100,000 = 50,000; 301 25,000; 122 10% x (100,000 - 100,000) = 0   -> 75,000
    # No steel content:
    #   232 50% x 0 = 0; 301 25,000; 122 10% x 100,000 = 10,000                      -> 35,000
    doc = quoted(tables, RACK)
    assert doc["total_duty"] == "75000.00"
    r = doc["duty_range"]
    assert (r["assumed"], r["low"], r["high"]) == ("75000.00", "35000.00", "75000.00")
    steel = by_fact(doc)["steel_content_value"]
    assert steel["assumption"] == "100000.00" and steel["moves"] is True
    assert values(steel) == {"0.00": "35000.00", "100000.00": "75000.00"}
    # the answer itself is unchanged: the assumption is still reported
    assert any(a["fact"] == "steel_content_value" for a in doc["assumptions"])


def test_a_given_steel_content_gives_no_range(tables):
    # 40,000 of steel: 232 20,000 + 301 25,000 + 122 10% x 60,000 = 6,000 -> 51,000, nothing assumed
    doc = quoted(tables, {**RACK, "steel_content_value": "40000"})
    assert doc["total_duty"] == "51000.00"
    assert "duty_range" not in doc


def test_vehicle_part_and_the_usmca_claim_move_a_mexican_battery(tables):
    # 8507.60.00.90 (lithium-ion, not for EVs) from Mexico on 2026-10-01, column 1 3.4%.
    # Today: vehicle_part=no (the table default), no preference:
    #   Section 301 forced-labor action, Mexico 10% (9903.05.55) = 10,000 + column 1 3,400      -> 13,400
    # vehicle_part=yes: Section 232 auto parts 25% (9903.94.05) = 25,000; the forced-labor action is
    #   off for Section 232 goods (9903.05.90); + 3,400                                        -> 28,400
    # preference S (USMCA): column 1 special rate free; forced-labor duty off (9903.05.94)        -> 0
    #   and with vehicle_part=yes the USMCA parts exemption (9903.94.06) takes the 232 duty off -> 0
    # preference S+: 8507.60.00.90 does not list S+, so column 1 general 3,400; 301 off           -> 3,400
    doc = quoted(tables, BATTERY_MX)
    assert doc["total_duty"] == "13400.00"
    r = doc["duty_range"]
    assert (r["assumed"], r["low"], r["high"]) == ("13400.00", "0.00", "28400.00")
    facts = by_fact(doc)
    assert facts["vehicle_part"]["assumption"] == "no"
    assert values(facts["vehicle_part"]) == {"yes": "28400.00", "no": "13400.00"}
    assert facts["preference"]["assumption"] == "none"
    assert values(facts["preference"]) == {"none": "13400.00", "S": "0.00", "S+": "3400.00"}
    assert facts["vehicle_part"]["moves"] and facts["preference"]["moves"]
    # 2 x 3 values: every combination priced
    assert "every combination" in r["method"] and "(6 combinations)" in r["method"]


def test_facts_given_leave_nothing_to_range(tables):
    # vehicle_part=yes and preference S given: 0 (see above), nothing assumed, nothing offered
    doc = quoted(tables, {**BATTERY_MX, "facts": "vehicle_part=yes", "preference": "S"})
    assert doc["total_duty"] == "0.00"
    assert "duty_range" not in doc


def test_a_missing_metal_weight_share_ranges_below_and_at_the_15_percent_test(tables):
    # 8544.42.10 (copper cable with connectors) from Germany on 2026-10-01, column 1 free.
    # Today: metal_weight_share assumed at least 0.15 (the annex's weight test), us_melted=no,
    #   equipment_part=no: Section 232 copper derivative 25% (9903.82.09)                       -> 25,000
    # metal_weight_share 0 (below 15%): not subject to 232 (9903.82.03); the Section 301
    #   forced-labor action, EU 10% (9903.05.39), is then no longer off as a 232 article          -> 10,000
    # us_melted=yes: the 10% tier (9903.82.06)                                                    -> 10,000
    # equipment_part=yes: 15% in all less column 1 0% (9903.82.25)                                -> 15,000
    doc = quoted(tables, CABLE)
    r = doc["duty_range"]
    assert (r["assumed"], r["low"], r["high"]) == ("25000.00", "10000.00", "25000.00")
    facts = by_fact(doc)
    share = facts["metal_weight_share"]
    assert share["assumption"] == "0.15"
    assert values(share) == {"0": "10000.00", "0.15": "25000.00"}
    assert values(facts["us_melted"]) == {"yes": "10000.00", "no": "25000.00"}
    assert values(facts["equipment_part"]) == {"yes": "15000.00", "no": "25000.00"}
    assert all(f["moves"] for f in facts.values())


def test_a_line_with_no_missing_fact_has_no_range(tables):
    # 8504.40.95.10 from China on 2026-03-02: 301 25% + Section 122 10% + column 1 free = 35,000,
    # nothing assumed and nothing offered
    doc = quoted(tables, PLAIN)
    assert doc["total_duty"] == "35000.00" and doc["assumptions"] == []
    assert "duty_range" not in doc
    line = parse_line(PLAIN)
    assert ranges.duty_range(tables, line, quote_stack(tables, line)) is None


def test_the_range_scales_to_the_cent_with_the_value(tables):
    # The same rack at 1,234.57: steel at full value 50% = 617.285 -> 617.29 (half up), 301 25% =
    # 308.6425 -> 308.64: 925.93; no steel: 122 10% = 123.457 -> 123.46, + 308.64 = 432.10.
    doc = quoted(tables, {**RACK, "value": "1234.57"})
    assert doc["total_duty"] == "925.93"
    r = doc["duty_range"]
    assert (r["low"], r["high"]) == ("432.10", "925.93")
    assert values(by_fact(doc)["steel_content_value"]) == {"0.00": "432.10", "1234.57": "925.93"}


def test_too_many_combinations_price_each_fact_alone_and_the_extremes(tables, monkeypatch):
    # With at most 4 combinations allowed, the cable's 2 x 2 x 2 = 8 are too many: each fact alone
    # (as above) and all low / all high; the low and high are the same as with every combination.
    monkeypatch.setattr(ranges, "MAX_COMBINATIONS", 4)
    ranges.caches_for(tables).ranges.clear()
    doc = quoted(tables, CABLE)
    r = doc["duty_range"]
    assert "8 combinations are too many" in r["method"]
    assert (r["low"], r["high"]) == ("10000.00", "25000.00")
    assert values(by_fact(doc)["equipment_part"]) == {"yes": "15000.00", "no": "25000.00"}


def test_get_and_batch_serve_the_range(client):
    doc = client.get(url("/v1/duty", **RACK)).get_json()
    assert (doc["duty_range"]["low"], doc["duty_range"]["high"]) == ("35000.00", "75000.00")
    batch = client.post("/v1/duty", json={"lines": [RACK, PLAIN]}).get_json()
    first, second = (x["result"] for x in batch["results"])
    assert first["duty_range"]["low"] == "35000.00"
    assert "duty_range" not in second


def test_cli_text_names_the_range(capsys):
    from service.cli import main
    assert main(["quote", "--hts", RACK["hts"], "--origin", "CN", "--entry-date", RACK["entry_date"],
                 "--value", "100000"]) == 0
    out = capsys.readouterr().out
    assert "Duty range if the assumed facts are otherwise: 35000.00 to 75000.00 USD" in out
    assert "steel_content_value (assumed 100000.00; moves the duty): 0.00: 35000.00, 100000.00: 75000.00" in out


ENTRY = {
    "entry_date": "2026-10-01", "export_date": "2026-09-01", "mode": "vessel",
    "costs": {"international_freight": {"amount": "2000", "currency": "USD"}},
    "lines": [
        {"id": "cells", "hts": "8507.60.00.90", "origin": "MX", "quantity": "10", "unit_price": "10000",
         "incoterm": "FOB"},
        {"id": "cable", "hts": "8544.42.10", "origin": "DE", "quantity": "1", "unit_price": "50000",
         "incoterm": "FOB"},
        {"id": "plain", "hts": "8504.40.95.10", "origin": "CN", "quantity": "1", "unit_price": "20000",
         "incoterm": "FOB"},
    ],
}


def test_landed_cost_totals_sum_the_lines_ranges(client):
    # Dutiable values (FOB, USD): cells 100,000, cable 50,000, plain 20,000.
    # cells (as above): 13,400 today, 0 to 28,400.
    # cable at 50,000: 25% = 12,500 today; low 10% = 5,000; high 12,500.
    # plain on 2026-10-01: 301 25% + forced-labor 12.5% (9903.05.31) = 37.5% x 20,000 = 7,500, no range.
    # Entry duty 13,400 + 12,500 + 7,500 = 33,400; low 0 + 5,000 + 7,500 = 12,500;
    # high 28,400 + 12,500 + 7,500 = 48,400.
    r = client.post("/v1/landed-cost", json=ENTRY)
    assert r.status_code == 200, r.get_json()
    doc = r.get_json()
    lines = {x["id"]: x for x in doc["lines"]}
    assert lines["cells"]["duty_range"] == {"low": "0.00", "high": "28400.00",
                                            "facts": ["vehicle_part", "preference"]}
    assert lines["cable"]["duty_range"]["low"] == "5000.00"
    assert lines["plain"]["duty"]["total"] == "7500.00" and "duty_range" not in lines["plain"]
    t = doc["totals"]
    assert t["duty"] == "33400.00"
    tr = t["duty_range"]
    assert (tr["low"], tr["high"]) == ("12500.00", "48400.00")
    # the landed cost moves by the duty only: low = landed - (33,400 - 12,500), high = landed + 15,000
    landed = Decimal(t["landed_cost"])
    assert Decimal(tr["landed_cost_low"]) == landed - Decimal("20900.00")
    assert Decimal(tr["landed_cost_high"]) == landed + Decimal("15000.00")
    assert {"line": 0, "id": "cells", "fact": "preference"} in tr["facts"]
    assert not any(f["id"] == "plain" for f in tr["facts"])
    assert "MPF" in tr["method"] and "independently" in tr["method"]


def test_landed_cost_without_assumed_facts_has_no_range(tables):
    entry = json.loads(json.dumps(ENTRY))
    entry["lines"] = [entry["lines"][2]]
    result = price_entry(tables, parse_entry(tables, entry))
    assert result.totals.duty_range is None and result.lines[0].priced.duty_range is None
