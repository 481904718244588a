"""Worked examples that reproduce published figures, each with its arithmetic."""
from decimal import Decimal

import pytest

from conftest import layer

BATTERY = "8507.60.00.20"  # lithium-ion, non-EV (stationary storage)


@pytest.mark.parametrize("entry_date, expected, headings", [
    # 3.4 MFN + 7.5 List 4A = 10.9
    ("2024-06-20", "0.109", {"9903.88.15"}),
    # 3.4 + 7.5 + 20 fentanyl + 125 reciprocal (China) = 155.9
    ("2025-04-10", "1.559", {"9903.88.15", "9903.01.24", "9903.01.63"}),
    # 3.4 + 7.5 + 20 + 10 (China reciprocal cut to 10% from May 14) = 40.9
    ("2025-05-20", "0.409", {"9903.88.15", "9903.01.24", "9903.01.25"}),
    # 3.4 + 25 (9903.91.06 from Jan 1, 2026) + 10 fentanyl (from Nov 10) + 10 = 48.4
    ("2026-01-15", "0.484", {"9903.91.06", "9903.01.24", "9903.01.25"}),
    # IEEPA gone from Feb 24, 2026: 3.4 + 25 + 10 Section 122 = 38.4
    ("2026-03-10", "0.384", {"9903.91.06", "9903.03.01"}),
])
def test_chinese_non_ev_battery(q, entry_date, expected, headings):
    r = q(BATTERY, "CN", entry_date)
    assert r["effective_rate"] == expected
    assert r["total_duty"] == format(Decimal(expected) * 100000, ".2f")
    chapter99 = {x["heading"] for x in r["layers"] if x["program"] not in ("mfn", "adcvd")}
    assert chapter99 == headings
    assert r["filing_lines"][0]["numbers"][-1]["number"] == BATTERY  # commodity number last


def test_ev_battery_pays_auto_parts_instead_of_reciprocal(q):
    # 3.4 + 25 (9903.91.01) + 20 fentanyl + 25 auto parts; reciprocal exempt (9903.01.33) = 73.4
    r = q("8507.60.00.10", "CN", "2025-05-20")
    assert r["effective_rate"] == "0.734"
    assert layer(r, "section_232")["heading"] == "9903.94.05"
    assert layer(r, "ieepa_reciprocal") is None
    numbers = [n["number"] for n in r["filing_lines"][0]["numbers"]]
    assert "9903.01.33" in numbers


def test_steel_content_split(q):
    # Ch.73 derivative from China, June 2025 regime, value 10,000 with steel content 4,000:
    # 301 List 3 25% x 10,000 = 2,500; fentanyl 20% x 10,000 = 2,000;
    # reciprocal 10% x (10,000 - 4,000) = 600; 232 50% x 4,000 = 2,000; MFN 2.9% x 10,000 = 290.
    r = q("7326.90.86.88", "CN", "2025-07-01", value="10000", steel_content_value="4000")
    assert layer(r, "ieepa_reciprocal")["base_amount"] == "6000.00"
    assert layer(r, "ieepa_reciprocal")["duty"] == "600.00"
    assert layer(r, "section_232")["duty"] == "2000.00"
    assert r["total_duty"] == "7390.00"
    lines = {fl["portion"]: fl for fl in r["filing_lines"]}
    assert lines["remainder"]["value"] == "6000.00" and lines["steel_content"]["value"] == "4000.00"
    steel_numbers = [n["number"] for n in lines["steel_content"]["numbers"]]
    assert "9903.01.33" in steel_numbers and "9903.81.90" in steel_numbers
    assert "9903.81.90" not in [n["number"] for n in lines["remainder"]["numbers"]]


def test_steel_content_missing_defaults_to_full_value(q):
    r = q("7326.90.86.88", "CN", "2025-07-01", value="10000")
    assert layer(r, "section_232")["base_amount"] == "10000.00"
    assert any(a["fact"] == "steel_content_value" for a in r["assumptions"])


def test_korean_all_in(q):
    # KORUS claimed: column 1 special Free, so reciprocal all-in 15% - 0 = 15% (9903.02.80)
    r = q(BATTERY, "KR", "2025-12-01", preference="KR")
    assert layer(r, "mfn")["rate"] == "0"
    assert layer(r, "ieepa_reciprocal")["rate"] == "0.15"
    assert r["effective_rate"] == "0.15"
    # without the KORUS claim column 1 is 3.4%, so the reciprocal tops up to 15%: 3.4 + 11.6
    r = q(BATTERY, "KR", "2025-12-01")
    assert layer(r, "ieepa_reciprocal")["rate"] == "0.116"
    assert r["effective_rate"] == "0.15"


def test_eu_all_in_and_forced_labor_all_in(q):
    # Germany, Sept. 2025: 15% all-in less 3.4% column 1 = 11.6%
    assert layer(q(BATTERY, "DE", "2025-09-01"), "ieepa_reciprocal")["rate"] == "0.116"
    # Germany, Aug. 2026: Section 301 forced-labor 10% less 3.4% = 6.6%, rated 'likely'
    r = q(BATTERY, "DE", "2026-08-01")
    assert layer(r, "section_301")["rate"] == "0.066"
    assert r["warnings"]


def test_usmca_canada(q):
    # Canadian battery, Sept. 2025, USMCA claimed: MFN free (S), no IEEPA border duty, no reciprocal
    r = q(BATTERY, "CA", "2025-09-01", preference="S")
    assert r["total_duty"] == "0.00"
    reasons = {n["measure_id"]: n["reason"] for n in r["not_applied"]}
    assert "exempt" in reasons["ieepa_fentanyl/border/canada"]
    border = [n for n in r["not_applied"] if n["measure_id"] == "ieepa_fentanyl/border/canada"]
    assert [(n["program"], n["heading"]) for n in border] == [("ieepa_fentanyl", "9903.01.14")]
    numbers = [n["number"] for n in r["filing_lines"][0]["numbers"]]
    assert "9903.01.14" in numbers and "9903.01.26" in numbers
    # Without the claim: 3.4% MFN + 35% border duty
    assert q(BATTERY, "CA", "2025-09-01")["effective_rate"] == "0.384"


def test_in_transit_vessel(q):
    # Loaded on a vessel Apr 3, entered Apr 20, 2025: reciprocal 125% and baseline both fall away
    # (9903.01.28): 3.4 + 7.5 + 20 = 30.9
    r = q(BATTERY, "CN", "2025-04-20", mode="vessel", loaded_date="2025-04-03")
    assert r["effective_rate"] == "0.309"
    assert "9903.01.28" in [n["number"] for n in r["filing_lines"][0]["numbers"]]
    # Loaded Apr 9 (before the 125% cut-off of Apr 10): keeps the 84% of Apr 9: 3.4 + 7.5 + 20 + 84 = 114.9
    assert q(BATTERY, "CN", "2025-04-20", mode="vessel", loaded_date="2025-04-09")["effective_rate"] == "1.149"
    # Loaded Apr 7: before both China cut-offs (84% falls away too) but after the Apr 5 baseline
    # cut-off, so the 10% baseline applies: 40.9
    assert q(BATTERY, "CN", "2025-04-20", mode="vessel", loaded_date="2025-04-07")["effective_rate"] == "0.409"
    # By air the in-transit rule does not apply
    assert q(BATTERY, "CN", "2025-04-20", mode="air", loaded_date="2025-04-03")["effective_rate"] == "1.559"
    # Entered after the deadline (June 16), the rule no longer helps
    assert q(BATTERY, "CN", "2025-06-16", mode="vessel", loaded_date="2025-04-03")["effective_rate"] == "0.409"


def test_section_122_in_transit(q):
    r = q(BATTERY, "CN", "2026-02-26", mode="vessel", loaded_date="2026-02-20")
    assert r["effective_rate"] == "0.284"  # 3.4 + 25, surcharge not due (9903.03.02)
    assert "9903.03.02" in [n["number"] for n in r["filing_lines"][0]["numbers"]]


def test_aam_deposit_on_anode_content(q):
    # Aug. 2025 Chinese battery with 8,000 of AAM in 100,000: AD 102.72% (China-wide) and
    # CVD 11.58% (all others) on 8,000 = 8,217.60 + 926.40
    r = q(BATTERY, "CN", "2025-08-20", aam_content_value="8000")
    ad = layer(r, "adcvd", "A-570-194")
    cvd = layer(r, "adcvd", "C-570-195")
    assert (ad["duty"], cvd["duty"]) == ("8217.60", "926.40")
    # A named separate-rate exporter gets 93.5%
    r = q(BATTERY, "CN", "2025-08-20", aam_content_value="8000", exporter="LG Energy Solution")
    assert layer(r, "adcvd", "A-570-194")["duty"] == "7480.00"
    # No AAM value given: nothing charged, and the quote says so
    r = q(BATTERY, "CN", "2025-08-20")
    assert layer(r, "adcvd", "A-570-194")["duty"] == "0.00"
    assert any(a["fact"] == "aam_content_value" for a in r["assumptions"])


def test_2026_annex_full_value(q):
    # Transformer > 10 MVA from Korea after Apr. 6, 2026: Annex III all-in 15% less 1.6% column 1
    r = q("8504.23.00", "KR", "2026-05-01")
    assert layer(r, "section_232")["rate"] == "0.134"
    # Metal weight share under 15% takes it out of scope
    r = q("8504.23.00", "KR", "2026-05-01", facts="metal_weight_share=0.10")
    assert layer(r, "section_232") is None


def test_claimed_exclusion(q):
    r = q("8504.40.95.80", "CN", "2025-01-10")
    assert layer(r, "section_301")["heading"] == "9903.88.03"
    assert any(n["heading"] == "9903.88.69" for n in r["not_applied"])
    r = q("8504.40.95.80", "CN", "2025-01-10", claims="9903.88.69")
    assert layer(r, "section_301") is None
