"""Worked examples for the regime in force since mid-2026: the Section 301
forced-labor and Brazil actions, Section 338 on Canada, the Section 232 auto
parts exemptions and country rates, MPF FY2027 and AD/CVD on aluminum foil.
Each rule is tested on both sides of its start and end dates (python-holidays
style), through the engine; a few through the CLI and the HTTP API.

Sources for every figure are the table rows' citations; the arithmetic is in
the comments.
"""
import json
import os
import subprocess
import sys

import pytest

from conftest import DUTY, layer, url

CELL = "8507.60.00.20"   # lithium-ion battery, non-EV (2024-2025 suffix)
FL = "section_301/forced_labor_2026"


def headings(r, program=None):
    return {x["heading"] for x in r["layers"] if program is None or x["program"] == program}


def filed(r, line=0):
    return [n["number"] for n in r["filing_lines"][line]["numbers"]]


# ------------------------------------------------ Section 301 forced-labor action

def test_day_before_the_forced_labor_action_section_122_applies(q):
    # 3.4 MFN + 25 (9903.91.06) + 10 Section 122 (last day 2026-07-23) = 38.4
    r = q(CELL, "CN", "2026-07-23")
    assert r["effective_rate"] == "0.384"
    assert headings(r, "section_301") == {"9903.91.06"}


def test_first_day_china_pays_12_5_percent_under_its_own_heading(q):
    # 3.4 + 25 (9903.91.06) + 12.5 (9903.05.31) = 40.9; Section 122 ended 2026-07-24 (exclusive)
    r = q(CELL, "CN", "2026-07-24")
    assert r["effective_rate"] == "0.409"
    assert headings(r, "section_301") == {"9903.91.06", "9903.05.31"}
    assert layer(r, "section_122") is None
    assert filed(r) == ["9903.05.31", "9903.91.06", "9903.94.06", CELL]  # 9903.94.06: not a vehicle part


@pytest.mark.parametrize("origin, heading", [
    ("MA", "9903.05.56"), ("NO", "9903.05.60"), ("ZA", "9903.05.69"), ("AE", "9903.05.80"), ("IL", "9903.05.47"),
    ("PE", "9903.05.63"), ("SA", "9903.05.67"), ("NZ", "9903.05.57"), ("CO", "9903.05.32"), ("EG", "9903.05.36"),
    ("VN", "9903.05.84"), ("AU", "9903.05.23"), ("TH", "9903.05.77"), ("SG", "9903.05.68"),
])
def test_economies_in_the_12_5_percent_tier(q, origin, heading):
    r = q(CELL, origin, "2026-08-03")
    fl = layer(r, "section_301", heading)
    assert fl is not None, r["layers"]
    assert fl["rate"] == "0.125" and fl["duty"] == "12500.00"
    assert fl["confidence"] == "confirmed"


@pytest.mark.parametrize("origin, heading", [
    ("IN", "9903.05.44"), ("MY", "9903.05.54"), ("ID", "9903.05.45"), ("GB", "9903.05.81"), ("KH", "9903.05.28"),
    ("JO", "9903.05.50"), ("TT", "9903.05.78"),
])
def test_economies_in_the_10_percent_tier(q, origin, heading):
    r = q(CELL, origin, "2026-08-03")
    assert layer(r, "section_301", heading)["rate"] == "0.1"


@pytest.mark.parametrize("origin, top_up, total", [
    # column 1 3.4%: EU and Taiwan top up to 10% (6.6%), Japan, Korea, Switzerland to 12.5% (9.1%)
    ("DE", "9903.05.39", "0.1"), ("TW", "9903.05.76", "0.1"),
    ("JP", "9903.05.49", "0.125"), ("KR", "9903.05.71", "0.125"), ("CH", "9903.05.74", "0.125"),
])
def test_all_in_economies_pay_the_difference_to_the_threshold(q, origin, top_up, total):
    r = q(CELL, origin, "2026-08-03")
    assert layer(r, "section_301", top_up) is not None
    assert r["effective_rate"] == total


def test_liechtenstein_has_no_heading(q):
    r = q(CELL, "LI", "2026-08-03")
    assert layer(r, "section_301") is None
    assert r["effective_rate"] == "0.034"


def test_in_transit_goods_entered_before_july_28_are_not_subject(q):
    # loaded on a vessel before 2026-07-24 and entered before 2026-07-28: 9903.05.85, no duty
    r = q(CELL, "CN", "2026-07-27", mode="vessel", loaded_date="2026-07-20")
    assert "9903.05.31" not in headings(r)
    assert "9903.05.85" in filed(r)
    # entered on 2026-07-28: the in-transit rule no longer helps
    r = q(CELL, "CN", "2026-07-28", mode="vessel", loaded_date="2026-07-20")
    assert "9903.05.31" in headings(r)
    # loaded on 2026-07-24 itself: too late
    r = q(CELL, "CN", "2026-07-27", mode="vessel", loaded_date="2026-07-24")
    assert "9903.05.31" in headings(r)
    # air freight does not qualify (vessel only)
    r = q(CELL, "CN", "2026-07-27", mode="air", loaded_date="2026-07-20")
    assert "9903.05.31" in headings(r)


def test_note_52b_minerals_are_exempt(q):
    # natural graphite from China: 25% (9903.91.06) only; 9903.05.86 filed for the forced-labor action
    r = q("2504.10.50", "CN", "2026-08-03")
    assert r["effective_rate"] == "0.25"
    assert "9903.05.86" in filed(r)
    for hts in ("2825.20.00", "2836.91.00.50", "2833.24.00"):
        r = q(hts, "CL", "2026-08-03")
        assert layer(r, "section_301") is None, hts
        assert "9903.05.86" in filed(r), hts


def test_artificial_graphite_is_not_on_the_52b_list(q):
    # 3801.10.50 from China: List 3 25% + 12.5% forced labor
    r = q("3801.10.50.90", "CN", "2026-08-03")
    assert "9903.05.31" in headings(r) and "9903.88.03" in headings(r)


def test_usmca_goods_are_exempt_only_with_the_claim(q):
    r = q(CELL, "MX", "2026-08-03", preference="S")
    assert layer(r, "section_301") is None
    assert "9903.05.94" in filed(r)
    r = q(CELL, "MX", "2026-08-03")
    assert layer(r, "section_301", "9903.05.55")["rate"] == "0.1"
    r = q(CELL, "CA", "2026-08-03", preference="S")
    assert "9903.05.93" in filed(r)


def test_civil_aircraft_and_pharmaceutical_use_are_claims(q):
    r = q(CELL, "CN", "2026-08-03", claims="9903.05.88")
    assert "9903.05.31" not in headings(r)
    r = q(CELL, "CN", "2026-08-03")
    assert "9903.05.31" in headings(r)
    assert any(n["heading"] == "9903.05.88" for n in r["not_applied"])
    r = q("2842.90.90.50", "IN", "2026-08-03", claims="9903.05.89")
    assert layer(r, "section_301") is None


def test_section_232_articles_are_out_of_the_forced_labor_action(q):
    # hot-rolled steel of Vietnam: Section 232 applies, so 9903.05.90 is filed instead of 9903.05.84
    r = q("7208.51.00", "VN", "2026-08-03")
    assert layer(r, "section_232") is not None
    assert layer(r, "section_301") is None
    assert "9903.05.90" in filed(r)


def test_forced_labor_layer_reports_its_court_challenge(q):
    r = q(CELL, "CN", "2026-08-03")
    status = layer(r, "section_301", "9903.05.31")["legal_status"]
    assert status["state"] == "challenged" and "1:26-cv-03555" in status["summary"]
    assert any("9903.05.31" in w and "challenged" in w for w in r["warnings"])
    # the duty is unchanged by the status
    assert layer(r, "section_301", "9903.05.31")["duty"] == "12500.00"


def test_section_122_layer_reports_the_trade_court_ruling(q):
    r = q(CELL, "CN", "2026-03-10")
    s122 = layer(r, "section_122")
    assert s122["duty"] == "10000.00"
    assert s122["legal_status"]["state"] == "ruled_unlawful_on_appeal"


# ------------------------------------------------ Section 301 Brazil

def test_brazil_action_starts_two_days_before_the_forced_labor_action(q):
    assert layer(q(CELL, "BR", "2026-07-21"), "section_301") is None
    r = q(CELL, "BR", "2026-07-22")
    assert headings(r, "section_301") == {"9903.05.01"}
    r = q(CELL, "BR", "2026-07-24")
    # 3.4 + 25 + 12.5 = 40.9
    assert headings(r, "section_301") == {"9903.05.01", "9903.05.27"}
    assert r["effective_rate"] == "0.409"


def test_brazil_in_transit_and_mineral_exemptions(q):
    r = q(CELL, "BR", "2026-07-28", mode="vessel", loaded_date="2026-07-21")
    assert "9903.05.01" not in headings(r) and "9903.05.02" in filed(r)
    r = q(CELL, "BR", "2026-07-29", mode="vessel", loaded_date="2026-07-21")
    assert "9903.05.01" in headings(r)
    r = q("2504.10.10", "BR", "2026-08-03")
    assert layer(r, "section_301") is None
    assert {"9903.05.03", "9903.05.86"} <= set(filed(r))


# ------------------------------------------------ Section 338 (Canada)

def test_section_338_starts_on_august_22_whatever_the_usmca_claim(q):
    # Proclamation 11056 moved the start from Aug. 19 to Aug. 22
    assert layer(q("8544.49.30", "CA", "2026-08-21", preference="S"), "section_338") is None
    r = q("8544.49.30", "CA", "2026-08-22", preference="S")
    s338 = layer(r, "section_338")
    assert s338["heading"] == "9903.03.14" and s338["rate"] == "0.5" and s338["duty"] == "50000.00"
    # USMCA claim: column 1 free, forced-labor action exempt (9903.05.93), Section 338 still due
    assert r["effective_rate"] == "0.5"
    assert "9903.05.93" in filed(r)


def test_section_338_reaches_goods_of_canada_only(q):
    assert layer(q("8544.49.30", "MX", "2026-09-01"), "section_338") is None


def test_steel_structures_join_the_list_on_september_15_and_stack_on_section_232(q):
    before = q("7308.90.30", "CA", "2026-09-14")
    assert layer(before, "section_338") is None
    after = q("7308.90.30", "CA", "2026-09-15")
    assert layer(after, "section_338")["duty"] == "50000.00"
    assert layer(after, "section_232") is not None
    assert "9903.03.15" not in filed(after)
    # 7308.90.70 was not added
    assert layer(q("7308.90.70", "CA", "2026-09-15"), "section_338") is None


# ------------------------------------------------ Section 232 auto parts

def test_stationary_batteries_are_declared_under_9903_94_06(q):
    r = q(CELL, "CN", "2025-06-02")
    assert layer(r, "section_232") is None
    assert "9903.94.06" in filed(r)
    assert any(a["fact"] == "vehicle_part" for a in r["assumptions"])
    r = q(CELL, "CN", "2025-06-02", facts="vehicle_part=yes")
    assert layer(r, "section_232")["heading"] == "9903.94.05"
    assert "9903.94.06" not in filed(r)


def test_usmca_ev_batteries_are_exempt_from_the_auto_parts_duty(q):
    assert layer(q("8507.60.00.10", "MX", "2025-06-02"), "section_232")["rate"] == "0.25"
    r = q("8507.60.00.10", "MX", "2025-06-02", preference="S")
    assert layer(r, "section_232") is None
    assert "9903.94.06" in filed(r)
    # the day before the auto-parts duty started there was nothing to exempt
    assert "9903.94.06" not in filed(q("8507.60.00.10", "MX", "2025-05-02", preference="S"))


def test_uk_ev_batteries_pay_10_percent_in_all_under_9903_94_32(q):
    r = q("8507.60.00.10", "GB", "2025-06-30")
    uk = layer(r, "section_232")
    assert uk["heading"] == "9903.94.32"
    # 10% in lieu of column 1: 3.4% column 1 + 6.6% = 10%
    assert uk["rate"] == "0.066"
    assert layer(q("8507.60.00.10", "GB", "2025-06-29"), "section_232")["heading"] == "9903.94.05"


def test_taiwan_auto_parts_rate_from_may_2026(q):
    assert layer(q("8507.60.00.10", "TW", "2026-04-30"), "section_232")["rate"] == "0.25"
    r = q("8507.60.00.10", "TW", "2026-05-01")
    tw = layer(r, "section_232")
    assert tw["heading"] == "9903.94.67" and tw["rate"] == "0.116"


# ------------------------------------------------ fees and AD/CVD

def test_mpf_fiscal_2027_limits(tables):
    from datetime import date
    from decimal import Decimal
    mpf = tables.fees["mpf"]
    old, new = mpf.value_on(date(2026, 9, 30)), mpf.value_on(date(2026, 10, 1))
    assert (old.minimum, old.maximum) == (Decimal("33.58"), Decimal("651.50"))
    assert (new.minimum, new.maximum) == (Decimal("34.58"), Decimal("670.86"))
    assert {"JO", "MA"}.isdisjoint(mpf.exempt_preferences)


def test_aluminum_foil_from_china_owes_ad_and_cvd_deposits(q):
    r = q("7607.11.90.90", "CN", "2026-08-03")
    cases = {x["case"]: x for x in r["layers"] if x["program"] == "adcvd"}
    assert cases["A-570-053"]["rate"] == "1.0609"
    assert cases["C-570-054"]["rate"] == "0.1856"
    assert r["filing_lines"][0]["adcvd_cases"] == ["A-570-053", "C-570-054"]
    assert any("A-570-053" in a["assumption"] for a in r["assumptions"])
    assert layer(q("7607.11.90.90", "KR", "2026-08-03"), "adcvd") is None


# ------------------------------------------------ the same answers through the CLI and the API

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ))


@pytest.mark.slow  # a subprocess
def test_cli_quotes_the_forced_labor_layer():
    done = _cli("quote", "--hts", CELL, "--origin", "MA", "--entry-date", "2026-08-03", "--value", "100000", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert layer(doc, "section_301", "9903.05.56")["duty"] == "12500.00"
    assert doc["total_duty"] == "15900.00"


@pytest.mark.slow  # a subprocess
def test_cli_section_338_text_output():
    done = _cli("quote", "--hts", "8544.49.30", "--origin", "CA", "--entry-date", "2026-08-22", "--value", "1000",
                "--preference", "S")
    assert done.returncode == 0, done.stderr
    assert "9903.03.14" in done.stdout and "500.00" in done.stdout


def test_api_quotes_the_present_regime(client):
    r = client.get(url("/v1/duty", **{**DUTY, "entry_date": "2026-08-03"}))
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["effective_rate"] == "0.409"
    fl = layer(doc, "section_301", "9903.05.31")
    assert fl["legal_status"]["state"] == "challenged"
    r = client.get(url("/v1/duty", hts="8544.49.30", origin="CA", entry_date="2026-09-20", value="1000",
                       preference="S"))
    assert layer(r.get_json(), "section_338")["duty"] == "500.00"


# ------------------------------------------------ Section 232, Proclamation 11032 (air conditioners)

def test_air_conditioner_lines_moved_to_15_percent_all_in_on_june_8(q):
    hts = "8415.10.60"
    before = layer(q(hts, "KR", "2026-06-07"), "section_232")
    assert before["heading"] == "9903.82.09" and before["rate"] == "0.25"
    after = layer(q(hts, "KR", "2026-06-08"), "section_232")
    assert after["heading"] == "9903.82.10"
    # 15% all-in less the 1% column 1 rate of 8415.10.60
    assert after["rate"] == "0.14"
    # 8415.83.00 was not moved: 25% on both sides of the date
    for day in ("2026-06-07", "2026-06-08"):
        assert layer(q("8415.83.00", "KR", day), "section_232")["rate"] == "0.25"


def test_uk_air_conditioners_lose_the_uk_rate_when_moved_to_list_x(q):
    assert layer(q("8415.10.60", "GB", "2026-06-07"), "section_232")["heading"] == "9903.82.05"
    assert layer(q("8415.10.60", "GB", "2026-06-08"), "section_232")["heading"] == "9903.82.10"
    assert layer(q("8415.83.00", "GB", "2026-06-08"), "section_232")["heading"] == "9903.82.05"


# ------------------------------------------------ statistical suffixes

def test_eight_digit_code_is_priced_when_its_suffixes_agree(q):
    r = q("8504.23.00", "CN", "2026-08-03")
    assert r["hts"] == "8504.23.00"
    assert r["filing_lines"][0]["numbers"][-1]["number"] == "8504.23.00"
    note = [a for a in r["assumptions"] if a["fact"] == "hts"]
    assert note and "8504.23.00.41" in note[0]["assumption"] and "10-digit" in note[0]["assumption"]
    ten = q("8504.23.00.41", "CN", "2026-08-03")
    assert ten["total_duty"] == r["total_duty"]


def test_eight_digit_code_is_refused_when_its_suffixes_differ(q):
    from service import NotCovered
    # from 2026-09-15 Section 338 lists 8537.10.91.30/.50/.60/.70 but not .20
    with pytest.raises(NotCovered) as exc:
        q("8537.10.91", "CA", "2026-09-15")
    assert "charged differently" in exc.value.message and "8537.10.91.20" in exc.value.hint
    assert exc.value.field == "hts"
    # on 2026-09-14 the whole 8-digit line was listed: one answer
    assert layer(q("8537.10.91", "CA", "2026-09-14"), "section_338")["rate"] == "0.5"


def test_switchgear_assemblies_leave_the_section_338_list_on_september_15(q):
    assert layer(q("8537.10.91.20", "CA", "2026-09-14"), "section_338") is not None
    assert layer(q("8537.10.91.20", "CA", "2026-09-15"), "section_338") is None
    assert layer(q("8537.10.91.50", "CA", "2026-09-15"), "section_338") is not None


def test_new_bess_lines_are_priced_with_every_program(q):
    # LV breaker from China: List 1 25% + forced-labor 12.5% + column 1
    r = q("8536.20.00.20", "CN", "2026-08-03")
    assert {"9903.88.01", "9903.05.31"} <= headings(r)
    # LiPF6 from China: on no Section 301 list, on the note 52(b) list: column 1 only
    r = q("2826.90.90.10", "CN", "2026-08-03")
    assert layer(r, "section_301") is None and "9903.05.86" in filed(r)
    # BESS enclosure (9406.20) from Vietnam: Section 232 annex I-B, so out of the forced-labor action
    r = q("9406.20.00", "VN", "2026-08-03")
    assert layer(r, "section_232") is not None and "9903.05.90" in filed(r)


# ------------------------------------------------ Section 232 facts that change the rate

def test_usmca_steel_under_a_commerce_authorization_pays_25_percent(q):
    hts = "7208.51.00.60"
    assert layer(q(hts, "MX", "2026-05-01", preference="S"), "section_232")["rate"] == "0.5"
    r = q(hts, "MX", "2026-05-01", preference="S", facts="commerce_authorization=yes")
    s232 = layer(r, "section_232")
    assert s232["heading"] == "9903.82.18" and s232["rate"] == "0.25"
    # before the authorizations existed (2026-04-23), the fact does not help
    assert layer(q(hts, "MX", "2026-04-22", preference="S", facts="commerce_authorization=yes"),
                 "section_232")["heading"] == "9903.82.02"


def test_us_melted_derivatives_pay_the_10_percent_tier(q):
    r = q("7308.90.95", "VN", "2026-08-03", facts="us_melted=yes")
    assert layer(r, "section_232")["heading"] == "9903.82.06" and layer(r, "section_232")["rate"] == "0.1"
    # still a Section 232 article, so out of the forced-labor action
    assert "9903.05.90" in filed(r)
    # Annex III transformer of US-melted steel: 10% in all (9903.82.07) instead of 15%
    r = q("8504.23.00.41", "KR", "2026-08-03", facts="us_melted=yes")
    assert layer(r, "section_232")["heading"] == "9903.82.07" and layer(r, "section_232")["rate"] == "0.084"
    # 2025 regime: the claim 9903.81.92 takes a US-melted derivative out of the duty
    r = q("7308.90.95", "VN", "2025-09-01", claims="9903.81.92")
    assert layer(r, "section_232") is None and "9903.81.92" in filed(r)


def test_parts_for_industrial_equipment_pay_15_percent_in_all_from_june_8(q):
    hts = "8504.32.00"
    assert layer(q(hts, "DE", "2026-06-07", facts="equipment_part=yes"), "section_232")["rate"] == "0.25"
    r = q(hts, "DE", "2026-06-08", facts="equipment_part=yes")
    assert layer(r, "section_232")["heading"] == "9903.82.25"
    # column 1 of 8504.32.00 is 2.4%: 15% - 2.4% = 12.6%
    assert layer(r, "section_232")["rate"] == "0.126"
    both = q(hts, "DE", "2026-06-08", facts="equipment_part=yes,us_melted=yes")
    assert layer(both, "section_232")["heading"] == "9903.82.23"
    assert layer(both, "section_232")["rate"] == "0.076"
    # not for goods of general note 3(b) countries
    assert layer(q(hts, "RU", "2026-06-08", facts="equipment_part=yes"), "section_232")["heading"] == "9903.82.09"


# ------------------------------------------------ IEEPA details corrected in 2026.11.28-1

def test_brazil_ieepa_duty_files_its_section_232_exemption_heading(q):
    r = q("7208.51.00.60", "BR", "2025-09-01")
    assert layer(r, "ieepa_other") is None
    assert {"9903.01.33", "9903.01.83"} <= set(filed(r))


def test_april_2025_in_transit_window_runs_to_june_16(q):
    # loaded Apr. 4 on a vessel: no reciprocal duty (9903.01.28) if entered by June 15 (CSMS #65201773)
    r = q(CELL, "VN", "2025-06-15", mode="vessel", loaded_date="2025-04-04")
    assert layer(r, "ieepa_reciprocal") is None and "9903.01.28" in filed(r)
    r = q(CELL, "VN", "2025-06-16", mode="vessel", loaded_date="2025-04-04")
    assert layer(r, "ieepa_reciprocal")["heading"] == "9903.01.25"


def test_april_9_country_rates_carry_the_same_in_transit_deadline(tables):
    from datetime import date
    value = tables.measures["ieepa_reciprocal/reciprocal/KR"].value_on(date(2025, 4, 9))
    assert value.in_transit.entered_before == date(2025, 6, 16)


# ------------------------------------------------ corrections from the review of 2026.11.28-1

def test_steel_racks_joined_section_232_on_june_8(q):
    assert layer(q("9403.20.00.82", "CN", "2026-06-07"), "section_232") is None
    r = q("9403.20.00.82", "CN", "2026-10-01")
    # List 3 25% + Section 232 25% (the forced-labor duty is off: 9903.05.90)
    assert r["total_duty"] == "50000.00" and "9903.05.90" in filed(r)
    # Canada: the Section 232 exemption from Section 338 until 2026-09-14, both from 2026-09-15
    assert q("9403.20.00.82", "CA", "2026-08-25")["total_duty"] == "25000.00"
    assert q("9403.20.00.82", "CA", "2026-10-01")["total_duty"] == "75000.00"
    # other 9403.20.00 racks are not listed (Annex II)
    assert layer(q("9403.20.00.46", "CN", "2026-10-01"), "section_232") is None


def test_uk_rates_do_not_reach_copper(q):
    # 9903.82.04 covers lists (c)(i)-(iv); copper articles (c)(v) pay 50%
    assert layer(q("7408.11.30", "GB", "2026-08-03"), "section_232")["heading"] == "9903.82.02"
    # 9903.82.05 covers (c)(vi)-(vii); copper derivatives (c)(viii) pay 25%
    assert layer(q("8544.42.10", "GB", "2026-08-03"), "section_232")["heading"] == "9903.82.09"
    assert layer(q("7607.11.90.90", "GB", "2026-08-03"), "section_232")["heading"] == "9903.82.04"


def test_civil_aircraft_claim_reaches_the_thermal_lines(q):
    r = q("8418.69.01.50", "CN", "2026-10-01", claims="9903.05.88")
    assert layer(r, "section_301", "9903.05.31") is None


def test_usmca_exemption_is_named_when_the_claim_is_missing(q):
    r = q(CELL, "MX", "2026-08-03")
    hint = [n for n in r["not_applied"] if n["heading"] == "9903.05.94"]
    assert hint and "S/S+" in hint[0]["reason"]
    assert (hint[0]["program"], hint[0]["measure_id"]) == ("section_301", "section_301/forced_labor_2026/usmca_mexico")


def test_low_metal_weight_files_9903_82_03(q):
    r = q("8504.32.00", "DE", "2026-08-03", facts="metal_weight_share=0.1")
    assert layer(r, "section_232") is None and "9903.82.03" in filed(r)


def test_statistical_numbers_of_another_edition_are_priced_with_a_warning(q):
    r = q("8507.60.00.20", "CN", "2026-08-03")
    assert r["total_duty"] == "40900.00"
    assert any("8507.60.00.20 is a statistical number of the HTSUS until 2026-01-01" in w and "8507.60.00.90" in w
               for w in r["warnings"])
    assert not any("statistical number" in w for w in q("8507.60.00.20", "CN", "2025-08-03")["warnings"])
    assert any("from 2026-01-01" in w for w in q("8507.60.00.90", "CN", "2025-08-03")["warnings"])


# ------------------------------------------------ AD/CVD notices (rates not held)

def test_flat_rolled_orders_are_reported_but_not_summed(q):
    r = q("7210.49.00.91", "VN", "2026-08-03")
    notes = [w for w in r["warnings"] if "corrosion-resistant" in w]
    assert notes and "NOT included" in notes[0] and "A-552-843" in notes[0]
    assert layer(r, "adcvd") is None
    # a country outside the orders gets no notice
    assert not any("corrosion-resistant" in w for w in q("7210.49.00.91", "JP", "2026-08-03")["warnings"])


def test_lipf6_from_china_carries_the_investigation_notice(q):
    assert any("hexafluorophosphate" in w for w in q("2826.90.90.10", "CN", "2026-08-03")["warnings"])
    assert not any("hexafluorophosphate" in w for w in q("2826.90.90.10", "CN", "2026-03-04")["warnings"])
