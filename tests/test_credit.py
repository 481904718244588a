"""The 48E credit position on compare and landed cost, worked by hand.

Table values used (tariff_tables/incentives/itc_48e_storage.yaml, keyed by
the day construction began): 6% base, 30% with prevailing wage and
apprenticeship, +10 points domestic content and +10 energy community on the
30% rate (+2 / +2 on the 6% rate), phase-down 100% through 2033; MACR
threshold 0 (no test) before 2026, 55% in 2026, 60% 2027, 65% 2028;
domestic-content manufactured-products share 50% in 2026, 55% from 2027.
45X (pc_45x_battery.yaml, by year sold): cells $35/kWh, modules $10/kWh.

Duty figures (entry 2026-10-01, value 1,000,000, FOB, no freight):
* 8507.60.00.90 from CN: 301 12.5% (9903.05.31) + 301 25% (9903.91.06) +
  MFN 3.4% = 40.9% -> 409,000.00;
* 8507.60.00.90 from KR: 301 9.1% (9903.05.71) + MFN 3.4% = 12.5% -> 125,000.00;
* MPF FY2027 (from 2026-10-01): 0.3464% of 1,000,000 = 3,464 -> the maximum 670.86;
  no mode given, so no HMF.
"""
import csv
import io
from decimal import Decimal

import pytest

MPF = Decimal("670.86")


def cells(origin, **extra):
    return {"id": "cells", "hts": "8507.60.00.90", "origin": origin, "quantity": "10000", "unit_price": "100.00",
            "energy_kwh_per_unit": "1", **extra}


def project(start="2026-03-01", **extra):
    return {"construction_start": start, "prevailing_wage": "yes", "energy_community": "no",
            "other_basis_costs": "500000", "taxpayer_foreign_entity": "no", "placed_in_service": "2028-12-01",
            **extra}


def compare_body(imported_line, domestic_credit, delivered="1300000", start="2026-03-01", **project_extra):
    return {"entry_date": "2026-10-01",
            "imported": [{"name": "imported", "lines": [imported_line]}],
            "domestic": {"name": "US package", "delivered_price": delivered, "credit": domestic_credit},
            "project": project(start, **project_extra)}


def post_compare(client, body):
    r = client.post("/v1/compare", json=body)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def money(text):
    return Decimal(text)


# ------------------------------------------------------------- acceptance cases

def test_pfe_cells_fail_macr_and_domestic_package_earns_domestic_content_bonus(client):
    doc = post_compare(client, compare_body(cells("CN", supplier_pfe="yes"),
                                            {"pfe_share": "0.2", "us_manufactured_share": "0.6"}))
    imported, domestic = doc["imported"][0], doc["domestic"]
    # Imported: landed = 1,000,000 + 409,000 + 670.86 = 1,409,670.86.  MACR = (1,409,670.86 - 1,409,670.86)
    # / 1,409,670.86 = 0 < 0.55 (construction 2026): not energy storage technology, no credit.
    assert imported["landed_cost"] == "1409670.86"
    credit = imported["credit"]
    assert credit["macr"]["ratio"] == "0" and credit["macr"]["threshold"] == "0.55"
    assert credit["macr"]["passes"] is False
    assert credit["amount"] == "0.00"
    assert "48E(c)(3)" in credit["rate"]["zero_because"]
    # Net = landed + other project costs 500,000 - 0 = 1,909,670.86.
    assert imported["net_cost"] == "1909670.86"
    # Domestic: MACR = 1 - 0.2 = 0.8 >= 0.55; US-made 0.6 >= 0.5 and no structural steel: the bonus.
    # Rate 30% + 10% = 40% of basis 1,300,000 + 500,000 = 1,800,000 -> 720,000.00; net 1,080,000.00;
    # per kWh (the imported scope's 10,000 kWh) 108.
    dcredit = domestic["credit"]
    assert dcredit["macr"]["ratio"] == "0.8" and dcredit["macr"]["passes"] is True
    assert dcredit["domestic_content"]["passes"] is True
    assert [p["parameter"] for p in dcredit["rate"]["parts"]] == ["increased_rate", "domestic_content_bonus_increased",
                                                                 "phase_down"]
    assert dcredit["rate"]["total"] == "0.4"
    assert dcredit["basis"]["total"] == "1800000.00"
    assert dcredit["amount"] == "720000.00"
    assert domestic["net_cost"] == "1080000.00" and money(domestic["net_per_kwh"]) == 108
    # 1,909,670.86 - 1,080,000.00 = 829,670.86; break-even on net: (1,080,000 - 1,909,670.86) / (1,000,000 - 0)
    assert imported["net_difference_vs_domestic"] == "829670.86"
    assert imported["net_cheaper"] == "domestic"
    assert imported["break_even_additional_rate_net"] == "-0.829671"
    assert doc["best_net"] == "domestic"


def test_the_same_project_started_in_2028_meets_a_higher_threshold(client):
    facts = {"pfe_share": "0.4", "us_manufactured_share": "0.6"}
    started_2026 = post_compare(client, compare_body(cells("CN", supplier_pfe="yes"), facts))["domestic"]
    started_2028 = post_compare(client, compare_body(cells("CN", supplier_pfe="yes"), facts,
                                                     start="2028-02-01"))["domestic"]
    # MACR = 1 - 0.4 = 0.6: passes 2026's 55%, fails 2028's 65%.
    assert started_2026["credit"]["macr"]["passes"] is True
    assert started_2026["credit"]["amount"] == "720000.00"          # 40% of 1,800,000
    assert started_2028["credit"]["macr"]["threshold"] == "0.65"
    assert started_2028["credit"]["macr"]["passes"] is False
    assert started_2028["credit"]["amount"] == "0.00"
    assert started_2028["net_cost"] == "1800000.00"                # 1,300,000 + 500,000 - 0
    # The domestic-content share required in 2028 is 55% (0.6 would pass it; the MACR failure decides).
    assert started_2028["credit"]["domestic_content"]["manufactured_required"] == "0.55"


def test_the_credit_makes_the_imported_quote_cheaper_net(client):
    doc = post_compare(client, compare_body(cells("KR", supplier_pfe="no"), {"pfe_share": "0.5"},
                                            delivered="1100000"))
    imported, domestic = doc["imported"][0], doc["domestic"]
    # Landed: 1,000,000 + 125,000 + 670.86 = 1,125,670.86 > 1,100,000: domestic cheaper before credits.
    assert imported["landed_cost"] == "1125670.86" and imported["cheaper"] == "domestic"
    # Imported: MACR 1 passes; imported goods are not US-made, so no domestic-content bonus: 30% of
    # 1,125,670.86 + 500,000 = 1,625,670.86 -> 487,701.258 -> 487,701.26; net 1,137,969.60.
    assert imported["credit"]["macr"]["ratio"] == "1"
    assert imported["credit"]["domestic_content"]["passes"] is False
    assert imported["credit"]["amount"] == "487701.26"
    assert imported["net_cost"] == "1137969.60"
    # Domestic: half its cost from a PFE, MACR 0.5 < 0.55: no credit; net 1,100,000 + 500,000 = 1,600,000.
    assert domestic["credit"]["amount"] == "0.00" and domestic["net_cost"] == "1600000.00"
    # Net: imported cheaper by 462,030.40; break-even on net = 462,030.40 / (1,000,000 - 0.3 x 1,000,000)
    # = 0.6600434... -> 0.660043 (the extra duty on these eligible cells earns the 30% credit).
    assert imported["net_difference_vs_domestic"] == "-462030.40"
    assert imported["net_cheaper"] == "imported" and doc["best_net"] == "imported"
    assert imported["break_even_additional_rate_net"] == "0.660043"


def test_missing_credit_facts_give_a_range_on_landed_cost(client):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR")], "project": {"construction_start": "2026-03-01"}}
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 200, r.get_json()
    credit = r.get_json()["credit"]
    # Assumed: a KR supplier is not a PFE, wages met (30%), no energy community:
    # 30% of 1,125,670.86 = 337,701.258 -> 337,701.26.
    assert credit["amount"] == "337701.26"
    facts = {a["fact"] for a in credit["assumptions"]}
    assert {"lines.0.supplier_pfe", "project.prevailing_wage", "project.energy_community",
            "project.taxpayer_foreign_entity", "project.placed_in_service"} <= facts
    rng = credit["range"]
    # The duty range too: vehicle_part (assumed no) = yes puts the cells under the auto-parts 232 duty for
    # Korea (11.6% + MFN 3.4% = 150,000, 25,000 more); it moves landed cost and basis up by 25,000.
    assert (rng["duty_low_shift"], rng["duty_high_shift"]) == ("0.00", "25000.00")
    # Worst: the supplier a PFE -> MACR 0, no credit.  Best: energy community too -> 40%, on the highest
    # basis 1,150,670.86 -> 460,268.344.
    assert rng["credit_low"] == "0.00" and rng["credit_high"] == "460268.34"
    # Lowest net: the lowest duties and the best facts: 1,125,670.86 - 40% x 1,125,670.86 (450,268.34).
    assert rng["net_cost_low"] == "675402.52"
    # Highest net: the highest duties and no credit: 1,150,670.86.
    assert rng["net_cost_high"] == "1150670.86"
    by_fact = {f["fact"]: f for f in rng["facts"]}
    assert by_fact["supplier_pfe"]["credit_worst"] == "0.00"
    assert by_fact["prevailing_wage"]["credit_worst"] == "67540.25"    # 6% x 1,125,670.86 = 67,540.2516
    assert by_fact["energy_community"]["credit_best"] == "450268.34"
    assert by_fact["taxpayer_foreign_entity"]["credit_worst"] == "0.00"     # 48E(d)(6): no credit at all
    # The structural steel outside the bill does not move it: imported lines are not US-made, so the
    # domestic-content bonus is out of reach whatever the steel.
    assert {f for f, x in by_fact.items() if x["moves"]} == {"supplier_pfe", "prevailing_wage", "energy_community",
                                                             "taxpayer_foreign_entity"}
    assert by_fact["steel_iron_us"]["moves"] is False


def test_imported_structural_steel_fails_the_domestic_content_steel_test(client):
    body = {"entry_date": "2026-10-01", "template": "structural_steel_order",
            "defaults": {"origin": "KR"}, "fill": {"structures": {"unit_price": "1000"}, "plate": {"unit_price": "800"}},
            "project": project(other_manufactured_costs="1000000", other_manufactured_us_costs="1000000")}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    # Every manufactured product is the project's other (US-made) products: the share is 1, but the imported
    # structural steel is not US-produced (49 CFR 661.5): no bonus.
    dc = credit["domestic_content"]
    assert dc["steel_iron_lines"] == ["structures", "plate"]
    assert dc["steel_iron_passes"] is False and dc["manufactured_us_share"] == "1"
    assert dc["passes"] is False


def test_a_foreign_entity_taxpayer_gets_nothing(client):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(taxpayer_foreign_entity="yes")}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    assert credit["amount"] == "0.00" and "48E(d)(6)" in credit["rate"]["zero_because"]


def test_not_eligible_lines_stay_out_of_basis_and_macr(client):
    body = {"entry_date": "2026-10-01", "template": "graphite_anode_order", "defaults": {"origin": "CN"},
            "fill": {"anode_material": {"unit_price": "5"}}, "project": project()}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    assert credit["basis"]["excluded_lines"] == ["anode_material"]
    assert credit["basis"]["total"] == "500000.00"          # the other project costs only
    assert credit["macr"]["items"] == [] and credit["macr"]["ratio"] is None


def test_maker_credit_is_context_for_the_domestic_quote(client):
    doc = post_compare(client, compare_body(cells("KR"), {"maker_components": ["battery_cell", "battery_module"],
                                                          "maker_pfe_share": "0.3"}))
    maker = doc["domestic"]["maker_credit"]
    # Sold 2026 (the compare's entry date): (35 + 10) x 100% = 45 per kWh; x 10,000 kWh = 450,000.00.
    # Its MACR 1 - 0.3 = 0.7 >= 0.60 (2026).
    assert maker["per_kwh"] == "45" and maker["total"] == "450000.00" and maker["macr_passes"] is True
    assert "not the buyer's" in maker["whose"]
    # It does not lower the buyer's net cost: 1,300,000 + 500,000 - 30% x 1,800,000 (US share not given).
    assert doc["domestic"]["net_cost"] == "1260000.00"


# ------------------------------------------------------------- dates (both sides of each)

@pytest.mark.parametrize("start, threshold", [("2025-12-31", "0"), ("2026-01-01", "0.55"), ("2026-12-31", "0.55"),
                                              ("2027-01-01", "0.6"), ("2027-12-31", "0.6"), ("2028-01-01", "0.65"),
                                              ("2028-12-31", "0.65"), ("2029-01-01", "0.7"), ("2029-12-31", "0.7"),
                                              ("2030-01-01", "0.75")])
def test_macr_threshold_by_construction_start(client, start, threshold):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(start, placed_in_service="2031-01-01")}
    macr = client.post("/v1/landed-cost", json=body).get_json()["credit"]["macr"]
    assert macr["threshold"] == threshold and macr["applies"] is (threshold != "0")


@pytest.mark.parametrize("start, share", [("2025-06-15", "0.4"), ("2025-06-16", "0.45"), ("2025-12-31", "0.45"),
                                          ("2026-01-01", "0.5"), ("2026-12-31", "0.5"), ("2027-01-01", "0.55")])
def test_domestic_content_share_by_construction_start(client, start, share):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(start, placed_in_service="2027-01-01")}
    dc = client.post("/v1/landed-cost", json=body).get_json()["credit"]["domestic_content"]
    assert dc["manufactured_required"] == share


@pytest.mark.parametrize("start, rate", [("2033-12-31", "0.3"), ("2034-01-01", "0.225"), ("2034-12-31", "0.225"),
                                         ("2035-01-01", "0.15"), ("2035-12-31", "0.15"), ("2036-01-01", "0")])
def test_phase_down_by_construction_start(client, start, rate):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(start, placed_in_service="2036-06-01")}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    assert credit["rate"]["total"] == rate        # 30% x 100% / 75% / 50% / 0%


# ------------------------------------------------------------- bad input: 400 naming the field

@pytest.mark.parametrize("change, field", [
    (lambda b: b["project"].pop("construction_start"), "project.construction_start"),
    (lambda b: b["project"].update(wages="yes"), "project.wages"),
    (lambda b: b["project"].update(construction_start="2022-05-01"), "project.construction_start"),
    (lambda b: b["project"].update(placed_in_service="2024-12-31", construction_start="2024-01-01"),
     "project.placed_in_service"),
    (lambda b: b["project"].update(prevailing_wage="maybe"), "project.prevailing_wage"),
    (lambda b: b["project"].update(other_basis_costs="-5"), "project.other_basis_costs"),
    (lambda b: b["lines"][0].update(supplier_pfe="perhaps"), "lines.0.supplier_pfe"),
    (lambda b: b["lines"][0].update(credit_class="battery"), "lines.0.credit_class"),
    (lambda b: b.update(project="2026-01-01"), "project"),
])
def test_bad_credit_input_is_a_400_naming_the_field(client, change, field):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR")], "project": project()}
    change(body)
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 400, r.get_json()
    assert field in r.get_json()["errors"], r.get_json()


def test_domestic_credit_facts_need_a_project(client):
    body = compare_body(cells("KR"), {"pfe_share": "0.1"})
    body.pop("project")
    r = client.post("/v1/compare", json=body)
    assert r.status_code == 400 and "domestic.credit" in r.get_json()["errors"]


@pytest.mark.parametrize("credit, field", [({"pfe_share": "1.5"}, "domestic.credit.pfe_share"),
                                           ({"maker_components": ["cell"]}, "domestic.credit.maker_components"),
                                           ({"pfe_share": "0.6", "us_manufactured_share": "0.6"},
                                            "domestic.credit.us_manufactured_share"),
                                           ({"share": "0.1"}, "domestic.credit.share")])
def test_bad_domestic_credit_facts(client, credit, field):
    r = client.post("/v1/compare", json=compare_body(cells("KR"), credit))
    assert r.status_code == 400 and field in r.get_json()["errors"], r.get_json()


def test_project_is_refused_where_nothing_reads_it(client):
    shipment = {"entry_date": "2026-10-01", "lines": [cells("KR")], "project": project()}
    r = client.post("/v1/schedule", json={"lines": [cells("KR")], "shipments": [shipment]})
    assert r.status_code == 400


def test_compare_csv_puts_landed_cost_credit_and_net_side_by_side(client):
    body = compare_body(cells("CN", supplier_pfe="yes"), {"pfe_share": "0.2", "us_manufactured_share": "0.6"})
    r = client.post("/v1/compare.csv", json=body)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    domestic, imported = rows
    # The figures of the JSON answer (test_pfe_cells_fail_macr_...), one row per quote.
    assert (domestic["landed_cost"], domestic["credit"], domestic["net_cost"], domestic["net_per_kwh"]) == \
        ("1300000.00", "720000.00", "1080000.00", "108")
    assert (imported["landed_cost"], imported["credit"], imported["net_cost"], imported["macr_passes"]) == \
        ("1409670.86", "0.00", "1909670.86", "no")
    assert domestic["best_net"] == "domestic" and imported["break_even_additional_rate_net"] == "-0.829671"


def test_compare_without_project_leaves_the_credit_columns_empty(client):
    body = compare_body(cells("KR"), None)
    body.pop("project")
    body["domestic"].pop("credit")
    r = client.post("/v1/compare.csv", json=body)
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert all(row["credit"] == "" and row["net_cost"] == "" for row in rows)
    assert "credit" not in client.post("/v1/compare", json=body).get_json()["imported"][0]


@pytest.mark.parametrize("template, classes", [
    ("bess_project", {"manufactured_product"}), ("li_ion_cell_order", {"manufactured_product"}),
    ("structural_steel_order", {"steel_iron"}), ("graphite_anode_order", {"not_eligible"})])
def test_templates_carry_the_credit_class_of_every_line(client, template, classes):
    doc = client.get(f"/v1/projects/templates/{template}").get_json()
    assert {x["credit_class"] for x in doc["lines"]} == classes
    assert "48E" in doc["basis"] or "tax credit" in doc["basis"]     # the planning assumption is labelled


def test_a_fill_overrides_the_template_credit_facts(client):
    body = {"entry_date": "2026-10-01", "template": "li_ion_cell_order", "defaults": {"origin": "VN"},
            "fill": {"cells": {"unit_price": "50", "supplier_pfe": "yes"}}, "project": project()}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    # A Vietnamese plant of a Chinese-controlled maker: the caller says PFE; the ratio is 0, no credit.
    assert credit["macr"]["items"][0]["given"] is True and credit["macr"]["ratio"] == "0"
    assert credit["amount"] == "0.00"


def test_compare_shows_each_quotes_duty_range(client):
    doc = post_compare(client, compare_body(cells("KR", supplier_pfe="no"), {"pfe_share": "0.5"}))
    # vehicle_part assumed no: 125,000; yes: 150,000 (the auto-parts 232 duty for Korea, 11.6% + 3.4%).
    assert doc["imported"][0]["duty_range"] == {"low": "125000.00", "high": "150000.00",
                                                "landed_cost_low": "1125670.86", "landed_cost_high": "1150670.86"}
    rows = list(csv.DictReader(io.StringIO(client.post("/v1/compare.csv", json=compare_body(
        cells("KR", supplier_pfe="no"), {"pfe_share": "0.5"})).get_data(as_text=True))))
    assert (rows[1]["duty_low"], rows[1]["duty_high"]) == ("125000.00", "150000.00")
    facts = {"vehicle_part": "no"}
    settled = post_compare(client, compare_body(cells("KR", supplier_pfe="no", facts=facts), {"pfe_share": "0.5"}))
    assert settled["imported"][0]["duty_range"] is None


# ------------------------------------------------------------- exact thresholds, the 6% tier, capacity

def test_exact_thresholds_pass(client):
    # pfe_share 0.45: MACR 1 - 0.45 = 0.55, exactly 2026's threshold; US-made 0.5, exactly 2026's share.
    doc = post_compare(client, compare_body(cells("KR"), {"pfe_share": "0.45", "us_manufactured_share": "0.5"}))
    credit = doc["domestic"]["credit"]
    assert credit["macr"]["ratio"] == "0.55" and credit["macr"]["passes"] is True
    assert credit["domestic_content"]["manufactured_passes"] is True
    assert credit["amount"] == "720000.00"      # 40% of 1,800,000


def test_the_6_percent_tier_takes_2_point_bonuses(client):
    # Wages not met, 5 MW, energy community, domestic content met through 3,000,000 of US-made other products:
    # 6% + 2 + 2 = 10% of 1,125,670.86 + 3,000,000 + 500,000 = 4,625,670.86 -> 462,567.086 -> 462,567.09.
    extra = dict(prevailing_wage="no", capacity_mw="5", energy_community="yes", other_manufactured_costs="3000000",
                 other_manufactured_us_costs="3000000", steel_iron_us="yes")
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")], "project": project(**extra)}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    # US-made share: 3,000,000 / (1,125,670.86 + 3,000,000) = 0.72716... >= 0.5
    assert credit["domestic_content"]["passes"] is True
    assert [p["parameter"] for p in credit["rate"]["parts"]] == [
        "base_rate", "domestic_content_bonus_base", "energy_community_bonus_base", "phase_down"]
    assert credit["rate"]["total"] == "0.1" and credit["amount"] == "462567.09"


def test_under_1_mw_gets_30_percent_without_the_wage_requirements(client):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(prevailing_wage="no", capacity_mw="0.5")}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    assert credit["rate"]["total"] == "0.3"     # 30% of 1,125,670.86 + 500,000 = 487,701.26
    assert credit["amount"] == "487701.26"


def test_capacity_not_given_with_wages_not_met_is_an_assumption_and_a_range(client):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR", supplier_pfe="no")],
            "project": project(prevailing_wage="no")}
    credit = client.post("/v1/landed-cost", json=body).get_json()["credit"]
    assert "project.capacity_mw" in {a["fact"] for a in credit["assumptions"]}
    # Assumed 1 MW or more: 6% of 1,625,670.86 = 97,540.25; under 1 MW: 30% = 487,701.26.
    assert credit["amount"] == "97540.25"
    by_fact = {f["fact"]: f for f in credit["range"]["facts"]}
    assert (by_fact["capacity_mw"]["credit_worst"], by_fact["capacity_mw"]["credit_best"]) == \
        ("97540.25", "487701.26")


def test_structural_steel_outside_the_bill_moves_the_domestic_bonus(client):
    facts = {"pfe_share": "0.2", "us_manufactured_share": "0.6"}
    assumed = post_compare(client, compare_body(cells("KR"), facts))["domestic"]["credit"]
    # Not given: taken as US-produced (reported): the bonus, 40% of 1,800,000; imported steel outside: 30%.
    assert assumed["amount"] == "720000.00"
    assert "project.steel_iron_us" in {a["fact"] for a in assumed["assumptions"]}
    steel = {f["fact"]: f for f in assumed["range"]["facts"]}["steel_iron_us"]
    assert (steel["credit_worst"], steel["credit_best"]) == ("540000.00", "720000.00")
    foreign = post_compare(client, compare_body(cells("KR"), facts, steel_iron_us="no"))["domestic"]["credit"]
    assert foreign["domestic_content"]["steel_iron_passes"] is False and foreign["amount"] == "540000.00"


# ------------------------------------------------------------- 45X by year sold (both sides)

@pytest.mark.parametrize("sold, per_kwh, threshold", [
    ("2029-12-31", "45", "0.8"), ("2030-01-01", "33.75", "0.85"), ("2030-12-31", "33.75", "0.85"),
    ("2031-01-01", "22.5", "0.85"), ("2032-12-31", "11.25", "0.85"), ("2033-01-01", "0", "0.85")])
def test_maker_credit_phase_out_by_year_sold(client, sold, per_kwh, threshold):
    body = compare_body(cells("KR"), {"maker_components": ["battery_cell", "battery_module"],
                                      "maker_pfe_share": "0"}, start="2026-03-01")
    body["entry_date"] = sold
    maker = post_compare(client, body)["domestic"]["maker_credit"]
    # (35 + 10) x 100% / 75% / 50% / 25% / 0%; the maker's MACR 1 passes every threshold.
    assert (maker["per_kwh"], maker["macr_threshold"], maker["macr_passes"]) == (per_kwh, threshold, True)


@pytest.mark.parametrize("sold, threshold, passes", [("2026-12-31", "0.6", True), ("2027-01-01", "0.65", False),
                                                     ("2028-01-01", "0.7", False), ("2029-01-01", "0.8", False)])
def test_maker_macr_threshold_by_year_sold(client, sold, threshold, passes):
    body = compare_body(cells("KR"), {"maker_components": ["battery_module_without_cells"],
                                      "maker_pfe_share": "0.38"})
    body["entry_date"] = sold
    maker = post_compare(client, body)["domestic"]["maker_credit"]
    # The maker's ratio 1 - 0.38 = 0.62: passes 60% (2026), fails 65% (2027) and later; a cell-less module
    # earns $45/kWh, nothing when the ratio fails.
    assert (maker["macr_threshold"], maker["macr_passes"]) == (threshold, passes)
    assert maker["per_kwh"] == ("45" if passes else "0")


def test_maker_cell_and_module_from_2027_carry_the_integration_condition(client):
    body = compare_body(cells("KR"), {"maker_components": ["battery_cell", "battery_module"]})
    body["entry_date"] = "2027-02-01"
    maker = post_compare(client, body)["domestic"]["maker_credit"]
    assert any("45X(d)(4)(B)" in c for c in maker["conditions"])
    body["entry_date"] = "2026-12-31"
    assert not any("45X(d)(4)(B)" in c for c in post_compare(client, body)["domestic"]["maker_credit"]["conditions"])


# ------------------------------------------------------------- with a scenario

def test_a_scenario_marks_the_net_verdict_of_a_comparison(client):
    # KR cells entered 2027-03-01: 301 forced labor 9.1% + MFN 3.4% = 125,000 without the scenario.  The
    # s232_batteries_2027 scenario adds 25% and, as the tables' 232 duties do, takes the goods out of the
    # forced-labor duty (note 52(f) as modelled): 25% + 3.4% = 284,000.  Landed (MPF 670.86): 1,284,670.86
    # with it, 1,125,670.86 without.  Imported credit 30% of (landed + 500,000); the domestic 1,200,000 with
    # pfe 0.5 fails the ratio (0.5 < 0.6 in 2027): net 1,700,000.
    body = compare_body(cells("KR", supplier_pfe="no", facts={"vehicle_part": "no"}), {"pfe_share": "0.5"},
                        delivered="1200000", start="2027-02-01")
    body["entry_date"] = "2027-03-01"
    body["scenario"] = "s232_batteries_2027"
    doc = post_compare(client, body)
    imported, without = doc["imported"][0], doc["scenario"]["without_scenario"]["imported"][0]
    # With: 30% of 1,784,670.86 = 535,401.258 -> net 1,784,670.86 - 535,401.26 = 1,249,269.60.
    # Without: 1,625,670.86 - 487,701.26 = 1,137,969.60.
    assert imported["net_cost"] == "1249269.60" and without["net_cost"] == "1137969.60"
    assert without["credit"] == {"amount": "487701.26", "net_cost": "1137969.60"}
    changed = set(doc["scenario"]["changed"])
    assert {"imported.0.net_cost", "imported.0.credit.amount", "imported.0.net_difference_vs_domestic"} <= changed
    assert doc["scenario"]["without_scenario"]["best_net"] == doc["best_net"] == "imported"


def test_a_scenario_gives_the_landed_credit_with_and_without(client):
    body = {"entry_date": "2027-03-01", "lines": [cells("KR", supplier_pfe="no", facts={"vehicle_part": "no"})],
            "project": project("2027-02-01"), "scenario": "s232_batteries_2027"}
    doc = client.post("/v1/landed-cost", json=body).get_json()
    assert doc["credit"]["amount"] == "535401.26"          # 30% of 1,284,670.86 + 500,000 (as above)
    assert doc["scenario"]["without_scenario"]["credit"] == {"amount": "487701.26", "net_cost": "1137969.60"}
    assert {"credit.amount", "credit.net_cost"} <= set(doc["scenario"]["changed"])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_a_landed_cost_with_a_project_is_json_only(client, fmt):
    body = {"entry_date": "2026-10-01", "lines": [cells("KR")], "project": project()}
    r = client.post(f"/v1/landed-cost.{fmt}", json=body)
    assert r.status_code == 400
