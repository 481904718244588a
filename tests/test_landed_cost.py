"""Landed cost, templates, comparison and schedules, worked by hand.

Rates used below, all from the shipped tables:
* 8507.60.00.20 from CN on 2026-03-10: Section 301 25% (9903.91.06) + Section
  122 10% (9903.03.01) + MFN 3.4% = 38.4%; on 2026-01-15: 301 25% + IEEPA
  fentanyl 10% + reciprocal 10% + MFN 3.4% = 48.4%, plus the AD deposit of
  102.72% on anode material inside cells (until 2026-01-18).
* MPF FY2026 (2025-10-01 to 2026-09-30): 0.3464%, minimum 33.58, maximum 651.50.
* HMF: 0.125% of the value, vessel only.
"""
from decimal import Decimal

import pytest
from conftest import url

from service.engine.compare import compare
from service.engine.landed_cost import landed_cost, parse_entry
from service.engine.schedule import schedule
from service.model.errors import InputError

CELLS = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "1000"}
COSTS = {"international_freight": "5000", "insurance": "500", "brokerage": "300"}
ENTRY = {"entry_date": "2026-03-10", "export_date": "2026-02-05", "mode": "vessel", "costs": COSTS}
BESS_PRICES = {"cells": "45", "racks": "1200", "pcs": "60000", "transformer": "80000", "switchgear": "40000",
               "hvac": "6000", "fire_suppression": "5000", "enclosure": "25000",
               # balance-of-plant lines added in tables 2026.11.28-1
               "dc_fuses": "150", "dc_disconnects": "3000", "lv_breakers": "800", "contactors": "200",
               "connectors": "30", "dc_cable": "250", "chiller": "40000", "control_building": "60000",
               "equipment_racks": "2500"}


@pytest.fixture(scope="module")
def price(tables):
    def _price(body):
        return landed_cost(tables, parse_entry(tables, body))
    return _price


def test_fob_and_cif_give_the_same_dutiable_value(price):
    fob = price({**ENTRY, "lines": [{**CELLS, "unit_price": "100", "incoterm": "FOB"}]})
    # CIF price = 100 FOB + 5.00 freight + 0.50 insurance per cell = 105.50
    cif = price({**ENTRY, "lines": [{**CELLS, "unit_price": "105.5", "incoterm": "CIF"}]})
    for doc in (fob, cif):
        line = doc["lines"][0]
        assert line["dutiable_value"] == "100000.00"          # 105,500 - 5,000 - 500 for CIF
        assert line["duty"]["total"] == "38400.00"            # 38.4% of 100,000
        # landed = 100,000 + 38,400 duty + 5,000 + 500 + 300 brokerage
        #          + 346.40 MPF (0.3464%) + 125.00 HMF (0.125%) = 144,671.40
        assert doc["totals"]["landed_cost"] == "144671.40"
        assert line["per_unit"] == "144.6714"
    assert cif["lines"][0]["included_in_price"] == {"international_freight": "5000.00", "insurance": "500.00"}
    assert fob["lines"][0]["included_in_price"] == {}


def test_cif_without_stated_freight_is_an_error(tables):
    body = {**ENTRY, "costs": {"brokerage": "300"}, "lines": [{**CELLS, "unit_price": "105.5", "incoterm": "CIF"}]}
    with pytest.raises(InputError) as exc:
        landed_cost(tables, parse_entry(tables, body))
    assert "costs.international_freight" in exc.value.errors
    assert list(exc.value.errors) == ["costs.international_freight"]
    assert "CIF" in exc.value.errors["costs.international_freight"][0]


def test_fob_without_freight_is_a_reported_assumption(price):
    doc = price({**ENTRY, "costs": {}, "lines": [{**CELLS, "unit_price": "100"}]})
    assert any(a["fact"] == "costs.international_freight" for a in doc["assumptions"])


def test_mpf_minimum_and_maximum(price):
    small = price({**ENTRY, "mode": "air", "costs": {}, "lines": [{**CELLS, "quantity": "10", "unit_price": "100"}]})
    mpf = small["fees"][0]
    # 1,000 x 0.3464% = 3.46, below the FY2026 minimum: 33.58
    assert (mpf["fee"], mpf["amount"], mpf["clamped_to"]) == ("mpf", "33.58", "minimum")
    large = price({**ENTRY, "mode": "air", "costs": {}, "lines": [{**CELLS, "quantity": "2500", "unit_price": "100"}]})
    mpf = large["fees"][0]
    # 250,000 x 0.3464% = 866.00, above the FY2026 maximum: 651.50
    assert (mpf["amount"], mpf["clamped_to"]) == ("651.50", "maximum")
    # FY2025 limits apply to an entry of 2025-09-30: maximum 634.62
    fy25 = price({**ENTRY, "entry_date": "2025-09-30", "export_date": "2025-09-01", "mode": "air", "costs": {},
                  "lines": [{**CELLS, "quantity": "2500", "unit_price": "100"}]})
    assert fy25["fees"][0]["amount"] == "634.62"


def test_mpf_exempt_for_fta_preference(price):
    doc = price({**ENTRY, "mode": "air", "costs": {},
                 "lines": [{**CELLS, "origin": "KR", "preference": "KR", "unit_price": "100"},
                           {**CELLS, "origin": "CN", "quantity": "10", "unit_price": "100"}]})
    mpf = doc["fees"][0]
    # Only the CN line (1,000) is in the MPF base: the minimum, 33.58, all on line 1.
    assert mpf["exempt_lines"] == [0] and mpf["amount"] == "33.58"
    assert [x["fees"]["mpf"] for x in doc["lines"]] == ["0.00", "33.58"]


def test_hmf_only_for_vessel(price):
    body = {**ENTRY, "lines": [{**CELLS, "unit_price": "100"}]}
    vessel = price(body)
    air = price({**body, "mode": "air"})
    hmf_v = next(f for f in vessel["fees"] if f["fee"] == "hmf")
    hmf_a = next(f for f in air["fees"] if f["fee"] == "hmf")
    assert hmf_v["applied"] and hmf_v["amount"] == "125.00"   # 100,000 x 0.125%
    assert not hmf_a["applied"] and hmf_a["amount"] == "0.00"
    # the difference is exactly the HMF
    assert Decimal(vessel["totals"]["landed_cost"]) - Decimal(air["totals"]["landed_cost"]) == Decimal("125.00")


def test_cny_quote_converted_at_the_export_dates_rate(price):
    body = {"entry_date": "2025-07-10", "export_date": "2025-06-05", "mode": "air",
            "lines": [{**CELLS, "unit_price": "710", "currency": "CNY"}]}
    doc = price(body)
    line = doc["lines"][0]
    # CNY has a certified quarterly rate (19 CFR 159.34): 2025-Q2's first certified H.10 rate, 7.2697 on
    # 2025-04-01 (tariff_tables/fx/rates.yaml); 2025-06-05's own rate 7.1750 varies 1.32% (under 5%).
    # 710,000 CNY / 7.2697 = 97,665.653 -> 97,665.65 USD (half-up to the cent)
    assert line["fx"]["units_per_usd"] == "7.2697" and line["fx"]["source"] == "table"
    assert line["fx"]["rule"] == "quarterly" and line["fx"]["rate_date"] == "2025-04-01"
    assert line["price"] == {"amount": "710000.00", "currency": "CNY"}
    assert line["price_usd"] == "97665.65" == line["dutiable_value"]
    assert any(a["fact"] == "fx_rates.CNY" for a in doc["assumptions"])
    # A caller's certified rate wins: 710,000 / 7.1 = 100,000.00
    caller = price({**body, "fx_rates": {"CNY": "7.1"}})
    assert caller["lines"][0]["price_usd"] == "100000.00" and caller["lines"][0]["fx"]["source"] == "caller"
    # An export date the table does not cover is an error naming fx_rates, not a silent rate.
    with pytest.raises(InputError) as exc:
        price({**body, "entry_date": "2026-11-10", "export_date": "2026-10-05"})
    assert "fx_rates.CNY" in exc.value.errors
    assert list(exc.value.errors) == ["fx_rates.CNY"]
    assert "2026-10-05" in exc.value.errors["fx_rates.CNY"][0]


def test_per_kwh_for_a_cell_order(price):
    doc = price({"entry_date": "2026-03-10", "mode": "air", "template": "li_ion_cell_order",
                 "defaults": {"origin": "KR", "preference": "KR"}, "fill": {"cells": {"unit_price": "50"}}})
    t = doc["totals"]
    # 10,000 cells x 0.896 kWh = 8,960 kWh; price 500,000; KORUS: MFN free, Section 122 10% = 50,000;
    # MPF not charged (KR preference), no HMF by air: landed 550,000.00; 550,000 / 8,960 = 61.3839 $/kWh
    assert (t["energy_kwh"], t["duty"], t["fees"], t["landed_cost"]) == ("8960", "50000.00", "0.00", "550000.00")
    assert t["per_kwh"] == "61.3839" == doc["lines"][0]["per_kwh"]
    assert t["per_unit"] == "55"   # 550,000 / 10,000 cells


def test_allocation_by_value_weight_and_quantity(price):
    lines = [{**CELLS, "quantity": "100", "unit_price": "300", "weight_kg": "100"},
             {**CELLS, "quantity": "300", "unit_price": "100", "weight_kg": "300"}]
    body = {**ENTRY, "costs": {"international_freight": "1000.00"}, "lines": lines}
    by_value = price(body)
    # equal values (30,000 each): 500.00 each
    assert [x["costs"]["international_freight"] for x in by_value["lines"]] == ["500.00", "500.00"]
    by_weight = price({**body, "allocation": "weight"})
    # 100 kg and 300 kg: 250.00 and 750.00
    assert [x["costs"]["international_freight"] for x in by_weight["lines"]] == ["250.00", "750.00"]
    thirds = price({**body, "costs": {"international_freight": "100.00"}, "allocation": "quantity",
                    "lines": lines + [{**CELLS, "quantity": "100", "unit_price": "1"}]})
    parts = [Decimal(x["costs"]["international_freight"]) for x in thirds["lines"]]
    assert sum(parts) == Decimal("100.00")   # largest remainder: the cents always add up


def test_ddp_backs_out_the_duty(price):
    doc = price({**ENTRY, "mode": "air", "lines": [{**CELLS, "unit_price": "150", "incoterm": "DDP"}]})
    line = doc["lines"][0]
    # 150,000 DDP - 5,000 freight - 500 insurance = 144,500 = V + 0.384 V  ->  V = 104,407.51...
    v, duty = Decimal(line["dutiable_value"]), Decimal(line["duty"]["total"])
    assert v + duty <= Decimal("144500") < v + Decimal("0.01") + duty + Decimal("0.01")
    assert line["dutiable_value"] == "104407.51"


def test_bess_cn_vs_kr_vs_domestic_on_two_dates(tables):
    fill = {k: {"unit_price": p} for k, p in BESS_PRICES.items()}
    results = {}
    for day in ("2026-01-15", "2026-03-10"):
        doc = compare(tables, {
            "entry_date": day, "export_date": "2025-11-20", "mode": "vessel", "template": "bess_project",
            "domestic": {"name": "US integrator", "delivered_price": "800000"},
            "imported": [
                {"name": "CN", "defaults": {"origin": "CN"}, "fill": fill, "costs": {"international_freight": "20000"}},
                {"name": "KR", "defaults": {"origin": "KR", "preference": "KR"}, "fill": fill,
                 "costs": {"international_freight": "20000"}},
            ]})
        results[day] = doc
        cn, kr = doc["imported"]
        for q in (cn, kr):
            landed = Decimal(q["landed_cost"])
            # 4,480 cells x 0.896 kWh = 4,014.08 kWh
            assert q["energy_kwh"] == "4014.08"
            assert Decimal(q["per_kwh"]) == (landed / Decimal("4014.08")).quantize(Decimal("0.0001"))
            assert Decimal(q["difference_vs_domestic"]) == landed - Decimal("800000")
            assert sum(Decimal(x["duty"]["total"]) for x in q["detail"]["lines"]) == Decimal(q["duty"])
        assert Decimal(kr["landed_cost"]) < Decimal(cn["landed_cost"])
        assert doc["domestic"]["per_kwh"] == "199.2985"   # 800,000 / 4,014.08
    cells = {day: [x for x in results[day]["imported"][0]["detail"]["lines"] if x["id"] == "cells"][0]
             for day in results}
    # Cells, CN, 4,480 x 45 = 201,600:
    # 2026-01-15: 301 25% 50,400 + fentanyl 10% 20,160 + reciprocal 10% 20,160 + MFN 3.4% 6,854.40
    #             + AD 102.72% on 8% anode material (16,128) 16,566.68 = 114,141.08
    assert cells["2026-01-15"]["duty"]["total"] == "114141.08"
    # 2026-03-10: 301 25% 50,400 + Section 122 10% 20,160 + MFN 6,854.40 = 77,414.40
    assert cells["2026-03-10"]["duty"]["total"] == "77414.40"
    kr_cells = [x for x in results["2026-03-10"]["imported"][1]["detail"]["lines"] if x["id"] == "cells"][0]
    assert kr_cells["duty"]["total"] == "20160.00"     # KORUS: MFN free; Section 122 10%
    # The IEEPA duties ended on 2026-02-24: the CN quote is cheaper on the later date.
    assert Decimal(results["2026-03-10"]["imported"][0]["landed_cost"]) < \
        Decimal(results["2026-01-15"]["imported"][0]["landed_cost"])


def test_break_even_rate_reprices_to_the_domestic_cost(tables):
    fill = {k: {"unit_price": p} for k, p in BESS_PRICES.items()}
    body = {"entry_date": "2026-03-10", "export_date": "2025-11-20", "mode": "air", "template": "bess_project",
            "domestic": {"delivered_price": "1100000"},
            "imported": [{"name": "KR", "defaults": {"origin": "KR", "preference": "KR"}, "fill": fill}]}
    q = compare(tables, body)["imported"][0]
    rate = Decimal(q["break_even_additional_rate"])
    assert rate > 0 and q["cheaper"] == "imported"
    entry = parse_entry(tables, {k: v for k, v in body.items() if k not in ("domestic", "imported")}
                        | body["imported"][0])
    again = landed_cost(tables, entry, extra_rate=rate)
    # MPF is at its per-entry maximum either way (lines without a KORUS special rate pay it), so the
    # re-priced landed cost meets the domestic price within the rounding of a six-decimal rate on
    # ~800,000 (under one dollar).
    assert abs(Decimal(again["totals"]["landed_cost"]) - Decimal("1100000")) < Decimal("1")


def test_schedule_crosses_2026_01_01_and_2026_02_24(tables):
    doc = schedule(tables, {"mode": "vessel", "lines": [{**CELLS, "unit_price": "100"}],
                            "shipments": [{"entry_date": "2026-03-10", "name": "third"},
                                          {"entry_date": "2025-12-15", "name": "first"},
                                          {"entry_date": "2026-01-15", "name": "second"}]})
    assert [s["entry_date"] for s in doc["shipments"]] == ["2025-12-15", "2026-01-15", "2026-03-10"]
    duties = [s["totals"]["duty"] for s in doc["shipments"]]
    # 2025-12-15: 301 list 4A 7.5% + fentanyl 10% + reciprocal 10% + MFN 3.4% = 30.9% -> 30,900
    # 2026-01-15: 301 25% (9903.91.06) instead of 7.5% -> 48.4% -> 48,400
    # 2026-03-10: IEEPA ended 2026-02-24, Section 122 10% -> 38.4% -> 38,400
    assert duties == ["30900.00", "48400.00", "38400.00"]
    first, second = doc["changes"]
    assert {(c["measure_id"], c["change"]) for c in first["layers"]} == {
        ("section_301/lists/list_4a", "ends"), ("section_301/four_year_review/li_ion_2026", "starts")}
    assert any(m["day"] == "2026-01-01" and m["measure_id"] == "section_301/four_year_review/li_ion_2026"
               for m in first["measures"])
    layer_changes = {(c["measure_id"], c["change"]) for c in second["layers"]}
    assert ("ieepa_fentanyl/border/china", "ends") in layer_changes
    assert ("ieepa_reciprocal/reciprocal/CN", "ends") in layer_changes
    assert any(m.startswith("section_122/") and ch == "starts" for m, ch in layer_changes)
    assert any(m["day"] == "2026-02-24" and m["change"] == "ends" and m["citation"] for m in second["measures"])


# ------------------------------------------------------------------ over HTTP

def test_landed_cost_endpoint_json_and_csv(client):
    body = {**ENTRY, "lines": [{**CELLS, "unit_price": "100"}]}
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 200 and r.get_json()["totals"]["landed_cost"] == "144671.40"
    csv_text = client.post("/v1/landed-cost?format=csv", json=body).get_data(as_text=True)
    assert client.post("/v1/landed-cost.csv", json=body).get_data(as_text=True) == csv_text
    # Issue 11 (safe to sum): no total row; the entry's totals are in total_* columns of the line row.
    head, line = csv_text.strip().split("\r\n")
    assert head.startswith("row_type,line,id,description,hts,origin")
    assert line.split(",")[4] == "8507.60.00.20" and line.startswith("line,")
    cells = dict(zip(head.split(","), line.split(",")))
    assert cells["total_landed_cost"] == cells["landed_cost"] == "144671.40"
    assert "<thead>" in client.post("/v1/landed-cost?format=html", json=body).get_data(as_text=True)
    assert client.post("/v1/landed-cost?format=iqy", json=body).status_code == 400


def test_compare_and_schedule_endpoints(client):
    body = {"entry_date": "2026-03-10", "mode": "air",
            "domestic": {"name": "US", "delivered_price": {"amount": "140000", "currency": "USD"}},
            "imported": [{"name": "CN", "lines": [{**CELLS, "unit_price": "100"}]}]}
    doc = client.post("/v1/compare", json=body).get_json()
    q = doc["imported"][0]
    # 100,000 + 38,400 + 346.40 MPF = 138,746.40; domestic 140,000 -> imported cheaper by 1,253.60;
    # break-even: 1,253.60 / 100,000 = 0.012536
    assert (q["landed_cost"], q["difference_vs_domestic"], q["break_even_additional_rate"]) == \
        ("138746.40", "-1253.60", "0.012536")
    rows = client.post("/v1/compare.csv", json=body).get_data(as_text=True).strip().split("\r\n")
    assert rows[0].startswith("quote,kind,origins") and rows[1].startswith("US,domestic")
    sched = client.post("/v1/schedule", json={"lines": [{**CELLS, "unit_price": "100"}],
                                              "shipments": [{"entry_date": "2026-01-15"},
                                                            {"entry_date": "2026-03-10"}]})
    assert sched.status_code == 200 and len(sched.get_json()["changes"]) == 1


def test_templates_endpoints(client, tables):
    listing = client.get("/v1/projects/templates").get_json()
    assert {t["id"] for t in listing["templates"]} == {"li_ion_cell_order", "graphite_anode_order",
                                                       "structural_steel_order", "bess_project"}
    bess = client.get("/v1/projects/templates/bess_project").get_json()
    assert [x["id"] for x in bess["lines"]] == ["cells", "racks", "pcs", "transformer", "switchgear", "hvac",
                                                "fire_suppression", "enclosure", "dc_fuses", "dc_disconnects",
                                                "lv_breakers", "contactors", "connectors", "dc_cable", "chiller",
                                                "control_building", "equipment_racks"]
    assert bess["energy_kwh"] == "4014.08" and "Planning assumption" in bess["basis"]
    rows = client.get("/v1/projects/templates/bess_project.csv").get_data(as_text=True).strip().split("\r\n")
    assert len(rows) == 1 + 17
    missing = client.get("/v1/projects/templates/nope")
    assert missing.status_code == 404 and "bess_project" in missing.get_json()["hint"]
    assert missing.get_json()["code"] == "not_covered" and list(missing.get_json()["errors"]) == ["template"]


@pytest.mark.parametrize("body, field", [
    ({"lines": [{**CELLS, "unit_price": "1"}]}, "entry_date"),
    ({**ENTRY, "lines": [{**CELLS, "unit_price": "-1"}]}, "lines.0.unit_price"),
    ({**ENTRY, "lines": [{**CELLS, "unit_price": "1", "incoterm": "FAS"}]}, "lines.0.incoterm"),
    ({**ENTRY, "lines": [{**CELLS, "unit_price": "1", "currency": "XYZ"}]}, "lines.0.currency"),
    ({**ENTRY, "lines": [{**CELLS, "unit_price": "1", "hts": "85x"}]}, "lines.0.hts"),
    ({**ENTRY, "lines": [{**CELLS, "unit_price": "1", "steel_content_share": "1.5"}]},
     "lines.0.steel_content_share"),
    ({**ENTRY, "costs": {"freight": "1"}, "lines": [{**CELLS, "unit_price": "1"}]}, "costs.freight"),
    ({**ENTRY, "template": "bess_project", "fill": {"batteries": {}}}, "fill"),
    ({**ENTRY, "allocation": "weight", "lines": [{**CELLS, "unit_price": "1"}]}, "lines.0.weight_kg"),
])
def test_landed_cost_bad_input_is_400_naming_the_field(client, body, field):
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["errors"], r.get_json()


def test_price_csv_file(tmp_path):
    from service.cli import main
    repo_example = __import__("conftest").REPO / "examples" / "lines.csv"
    out = tmp_path / "out.csv"
    code = main(["price", str(repo_example), "-o", str(out), "--no-progress"])
    rows = out.read_bytes().decode("utf-8").strip().split("\r\n")
    assert code == 1   # one line in the example is deliberately not covered
    assert rows[0].startswith("po,hts,origin,entry_date,value")
    assert rows[0].endswith("hts_priced,description,customs_value,total_duty,effective_rate,currency,headings,"
                            "status,error,tables_version,tables_as_of")
    assert ",48400.00,0.484,USD," in rows[1]
    assert ",not_covered,HTS 9999.99.99 is not covered" in rows[-1]


# ------------------------------------------------ edge cases found in review

E = {"entry_date": "2026-03-02", "export_date": "2026-02-01", "mode": "vessel"}
L = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "100", "unit_price": "50"}


@pytest.mark.parametrize("body, field", [
    ({**E, "lines": [{**L, "quantity": "1E-30"}]}, "lines.0.quantity"),
    ({**E, "lines": [{**L, "energy_kwh": "1e-30"}]}, "lines.0.energy_kwh"),
    ({**E, "fx_rates": {"CNY": "1e-30"}, "lines": [{**L, "currency": "CNY"}]}, "fx_rates.CNY"),
    ({**E, "fx_rates": {"cny": "7", "CNY": "8"}, "lines": [{**L, "currency": "CNY"}]}, "fx_rates.CNY"),
    ({**E, "lines": [L, {**L, "quantity": "1000001", "unit_price": "1000000"}]}, "lines.1.unit_price"),
    ({**E, "lines": [{**L, "origin": "KR", "preference": "S"}]}, "lines.0.preference"),
    ({**E, "export_date": "2026-06-01", "lines": [L]}, "export_date"),
    ({**E, "lines": [{**L, "id": "a"}, {**L, "id": "a", "origin": "VN"}]}, "lines.1.id"),
    ({**E, "lines": [{**L, "id": "2"}, L]}, "lines.1.id"),
    ({**E, "lines": [{**L, "template_line": "bess_project/cells"}]}, "lines.0.template_line"),
    ({**E, "name": 5, "lines": [L]}, "name"),
    ({**E, "template": "bess_project", "fill": {"cells": {"omit": "yes"}}}, "fill.cells.omit"),
])
def test_review_cases_are_400_naming_the_field(client, body, field):
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    assert field in r.get_json()["errors"], r.get_json()


def test_uncovered_hts_in_a_line_is_a_404_naming_the_line(client):
    r = client.post("/v1/landed-cost", json={**E, "lines": [L, {**L, "hts": "9999.99.99"}]})
    assert r.status_code == 404 and "lines.1.hts" in r.get_json()["errors"]
    c = client.post("/v1/compare", json={**E, "domestic": {"delivered_price": "1"},
                                         "imported": [{"lines": [{**L, "hts": "9999.99.99"}]}]})
    assert c.status_code == 404 and "imported.0.lines.0.hts" in c.get_json()["errors"]


def test_lone_surrogates_are_400_not_500(client):
    for raw in (b'{"entry_date": "2026-03-02", "lines": [{"description": "\\ud800"}]}',
                b'{"\\ud800": 1, "lines": []}',
                b'{"lines": [{"\\udc80x": 1}]}'):
        for path in ("/v1/landed-cost", "/v1/duty", "/v1/schedule"):
            r = client.post(path, data=raw, content_type="application/json")
            assert r.status_code == 400 and r.get_json()["code"] == "malformed_json", (path, raw)
    # a valid surrogate pair (an emoji) is text and is kept
    r = client.post("/v1/landed-cost", json={**E, "lines": [{**L, "description": "cells \U0001F50B"}]})
    assert r.status_code == 200 and r.get_json()["lines"][0]["description"] == "cells \U0001F50B"


def test_mpf_exemption_needs_the_preference_to_apply(price):
    # S+ is not in 8507.60.00.20's special column: column 1 general applies, so MPF is charged.
    doc = price({**E, "lines": [{**L, "origin": "MX", "preference": "S+"}]})
    mpf = doc["fees"][0]
    assert mpf["applied"] and mpf["amount"] == "33.58" and mpf["exempt_lines"] == []
    # S (USMCA) is listed: duty-free special rate applied, MPF exempt.
    doc = price({**E, "lines": [{**L, "origin": "MX", "preference": "S"}]})
    assert doc["fees"][0]["amount"] == "0.00"


def test_dap_without_inland_freight_is_a_reported_assumption(price):
    doc = price({**E, "costs": {"international_freight": "100"}, "lines": [{**L, "incoterm": "DAP"}]})
    assert doc["lines"][0]["dutiable_value"] == "4900.00"     # 5,000 less the stated 100 freight
    facts = {a["fact"] for a in doc["assumptions"]}
    assert "costs.insurance" in facts


def test_ddp_back_out_is_fast_and_exact(price):
    import time
    lines = [{**L, "incoterm": "DDP", "unit_price": str(150 + i), "aluminum_content_share": "0.1"}
             for i in range(200)]
    started = time.perf_counter()
    doc = price({**E, "mode": "air", "costs": {"international_freight": "1000"}, "lines": lines})
    elapsed = time.perf_counter() - started
    for x in doc["lines"]:
        v, duty = Decimal(x["dutiable_value"]), Decimal(x["duty"]["total"])
        target = Decimal(x["price_usd"]) - Decimal(x["included_in_price"]["international_freight"])
        assert v + duty <= target   # the largest such value to the cent:
        nxt = price({**E, "mode": "air", "lines": [{**L, "quantity": "1", "unit_price": str(v + Decimal("0.01")),
                                                     "aluminum_content_share": "0.1"}]}) if x["index"] == 0 else None
        if nxt:
            assert v + Decimal("0.01") + Decimal(nxt["lines"][0]["duty"]["total"]) > target
    print(f"200 DDP lines: {elapsed:.2f} s")   # reported, not asserted


def test_schedule_and_compare_names_must_be_text(client):
    r = client.post("/v1/schedule", json={"lines": [L], "shipments": [{"entry_date": "2026-03-02", "name": 3}]})
    assert r.status_code == 400 and "shipments.0.name" in r.get_json()["errors"]
    r = client.post("/v1/compare", json={**E, "domestic": {"name": 5, "delivered_price": "1"},
                                         "imported": [{"lines": [L]}]})
    assert r.status_code == 400 and "domestic.name" in r.get_json()["errors"]
    # Issue 11: a schedule is served as CSV now; a format it cannot serve (a web query) is still a 400.
    r = client.post("/v1/schedule?format=iqy", json={"lines": [L], "shipments": [{"entry_date": "2026-03-02"}]})
    assert r.status_code == 400 and "format" in r.get_json()["errors"]
    big = {"lines": [L] * 1000, "shipments": [{"entry_date": "2026-03-02"}] * 11}
    r = client.post("/v1/schedule", json=big)
    assert r.status_code == 400 and "shipments" in r.get_json()["errors"]
