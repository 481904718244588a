"""Issue 14: audit past entries (POST /v1/audit): paid vs owed vs refundable, by route, with interest.

Every figure below is worked by hand in the comments from the tables
(measures/*, refunds/interest.yaml, refunds/routes.yaml) and the rules of the
audit: owed = the stack assessed on the entry date less what a ruling voided;
refundable = voided duties paid, AD/CVD deposits with no order, and anything
paid beyond the assessed stack; contingent = the paid part of a duty still
litigated; underpaid = assessed and not paid.  Every response is checked
against openapi.yaml by the ``client`` fixture.  Interest is compounded daily:
each day from the deposit date (inclusive) to interest_to (exclusive) earns
its quarter's annual rate / 365 (366 in a leap year); it is rounded half-up to
the cent per heading.  Corporate overpayment rates (the default): 2024 7%,
2025 and 2026 Q1 6%, 2026 Q2 5%, Q3 and Q4 6%.
"""
from decimal import Decimal

import pytest

AUDIT = "/v1/audit"
D = Decimal


def post(client, body, path=AUDIT):
    r = client.post(path, json=body)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def line(doc, i=0):
    return doc["lines"][i]


def heading(doc_line, number):
    found = [h for h in doc_line["headings"] if h["heading"] == number]
    assert len(found) == 1, [h["heading"] for h in doc_line["headings"]]
    return found[0]


def amounts(h, *names):
    return tuple(h[n] for n in names)


BATTERY_2025 = {"entry_number": "ABC12345678", "line_number": 1, "hts": "8507.60.00.20", "origin": "CN",
                "entry_date": "2025-06-10", "deposit_date": "2025-06-20", "value": "100000",
                "liquidation_date": "2026-04-24",
                "paid": [{"heading": "9903.88.15", "amount": "7500.00"}, {"heading": "9903.01.24", "amount": "20000"},
                         {"heading": "9903.01.25", "amount": "10000"}, {"heading": "8507.60.00.20", "amount": "3400"}]}


# ------------------------------------------------------- 1. IEEPA on a 2025 Chinese battery line

def test_a_2025_chinese_battery_line_gets_all_its_ieepa_duties_back_with_interest(client):
    # Assessed on 2025-06-10 (value 100,000): Section 301 list 4A 7.5% = 7,500 (9903.88.15); IEEPA fentanyl
    # 20% = 20,000 (9903.01.24); IEEPA reciprocal, China at 10% = 10,000 (9903.01.25); the AAM CVD
    # (C-570-195) on an AAM content not given = 0.00; column 1 3.4% = 3,400.  Total 40,900, all paid.
    # The IEEPA measures are voided (Learning Resources v. Trump, 2026-02-20): owed today 7,500 + 3,400 =
    # 10,900; refundable 20,000 + 10,000 = 30,000.
    doc = post(client, {"audit_date": "2026-06-01", "interest_to": "2026-07-01", "lines": [BATTERY_2025]})
    x = line(doc)
    assert amounts(x, "paid", "assessed", "owed", "refundable", "contingent", "underpaid") == (
        "40900.00", "40900.00", "10900.00", "30000.00", "0.00", "0.00")
    fentanyl, reciprocal = heading(x, "9903.01.24"), heading(x, "9903.01.25")
    assert fentanyl["treatment"] == reciprocal["treatment"] == "refundable"
    assert fentanyl["legal_status"] == {"state": "voided", "since": "2026-02-20"}
    # Liquidated 2026-04-24, audited 2026-06-01: CAPE takes entries up to 80 days after liquidation,
    # 2026-04-24 + 80 days = 2026-07-13 (6 days to Apr 30, 31 in May, 30 in June, 13 in July).
    assert fentanyl["refund_route"] == {"route": "cape", "status": "open", "opens": "2026-04-20",
                                        "closes": "2026-07-13"}
    # Interest from the deposit (2025-06-20) to 2026-07-01 (376 days): 11 days of Q2 2025, 92 of Q3, 92 of
    # Q4 and 90 of Q1 2026 at 6%, then 91 days of Q2 2026 at 5%:
    # factor = (1 + 0.06/365)^285 x (1 + 0.05/365)^91 = 1.0611045188613...
    # 20,000 x 0.0611045188... = 1,222.0904 -> 1,222.09; 10,000 x 0.0611045188... = 611.0452 -> 611.05.
    assert (fentanyl["interest"], reciprocal["interest"], x["interest"]) == ("1222.09", "611.05", "1833.14")
    assert heading(x, "9903.88.15")["owed"] == "7500.00" and heading(x, "9903.88.15")["refundable"] == "0.00"
    assert heading(x, "C-570-195")["assessed"] == "0.00" and heading(x, "C-570-195")["reasons"] == []
    t = doc["totals"]
    assert t["by_route"] == {"cape": {"refundable": "30000.00", "closed": "0.00", "contested": "0.00",
                                      "contingent": "0.00", "underpaid": "0.00", "interest": "1833.14"}}
    assert t["by_program"]["ieepa_fentanyl"]["refundable"] == "20000.00"
    assert t["by_program"]["mfn"] == {**dict.fromkeys(("refundable", "closed", "contested", "contingent",
                                                       "underpaid", "unmatched", "interest"), "0.00"),
                                      "paid": "3400.00", "assessed": "3400.00", "owed": "3400.00"}
    # What the figures rest on, once: the ruling, the route, the rates used (2025 Q2 to 2026 Q2).
    ruling = next(r for r in doc["rulings"] if r["state"] == "voided")
    assert "Learning Resources" in ruling["citation"] and ruling["treatment"] == "refundable"
    assert set(ruling["programs"]) == {"ieepa_fentanyl", "ieepa_reciprocal"}
    assert "CSMS #68315804" in doc["routes"]["cape"]["citation"]
    assert [(r["from"], r["rate"]) for r in doc["interest"]["rates"]] == [
        ("2025-04-01", "0.06"), ("2025-07-01", "0.06"), ("2025-10-01", "0.06"), ("2026-01-01", "0.06"),
        ("2026-04-01", "0.05")]
    assert any("2026-04-01" in w and "unconfirmed" in w for w in doc["warnings"])   # the Q2 2026 rate
    assert not x["liquidation"]["assumed"] and not x["deposit_date_assumed"]


AMOUNTS = ("paid", "assessed", "owed", "refundable", "closed", "contested", "contingent", "underpaid", "unmatched",
           "interest")


def assert_identities(doc):
    """paid - owed = refundable + closed + contested - underpaid + unmatched on every line and the totals (not
    on each heading: a payment under a wrong heading is credited to another heading of its line); the headings
    sum to their line, the lines to the totals, by_program and by_route to the totals."""
    def identity(x):
        paid, owed, refundable, closed, contested, underpaid, unmatched = (
            D(x[k]) for k in ("paid", "owed", "refundable", "closed", "contested", "underpaid", "unmatched"))
        assert paid - owed == refundable + closed + contested - underpaid + unmatched, x

    t = doc["totals"]
    for x in doc["lines"]:
        identity(x)
        for name in AMOUNTS:
            assert sum((D(h[name]) for h in x["headings"]), D("0.00")) == D(x[name]), name
    identity(t)
    for name in AMOUNTS:
        assert sum((D(x[name]) for x in doc["lines"]), D("0.00")) == D(t[name]), name
        assert sum((D(p[name]) for p in t["by_program"].values()), D("0.00")) == D(t[name]), name
    for name in ("refundable", "closed", "contested", "contingent", "underpaid", "interest"):
        assert sum((D(r[name]) for r in t["by_route"].values()), D("0.00")) == D(t[name]), name


def test_paid_minus_owed_is_refundable_closed_contested_less_underpaid_plus_unmatched(client):
    # Every example line of this file at once (one of each: refundable now, closed, contested, contingent,
    # underpaid, AD/CVD): the identity on each line and the totals, and every breakdown sums.
    doc = post(client, {"audit_date": "2026-11-28", "lines": [BATTERY_2025, JANUARY_2026, SECTION_122, LITHIUM,
                                                              ANODE, PAST]})
    assert_identities(doc)
    t = doc["totals"]
    assert D(t["closed"]) > 0 and D(t["contested"]) > 0 and D(t["refundable"]) > 0 and D(t["underpaid"]) > 0


# ------------------------------------------------------- 2. a missed Annex II exemption

LITHIUM = {"entry_number": "LIT00000001", "line_number": 1, "hts": "2836.91.00.50", "origin": "CL",
           "entry_date": "2025-06-10", "value": "100000",
           "paid": [{"heading": "9903.01.25", "amount": "10000"}, {"heading": "2836.91.00.50", "amount": "3700"}]}


def test_reciprocal_duty_paid_on_an_annex_ii_lithium_compound_is_refundable(client):
    # Lithium carbonate of Chile, 2025-06-10: Annex II (9903.01.32) takes it out of the reciprocal tariff,
    # so the stack is column 1 alone, 3.7% = 3,700.  The broker also paid the 10% baseline, 10,000 under
    # 9903.01.25: not assessed, and an IEEPA duty besides: refundable either way, by the IEEPA routes.
    doc = post(client, {"audit_date": "2026-06-01", "lines": [LITHIUM]})
    x = line(doc)
    assert amounts(x, "paid", "assessed", "owed", "refundable") == ("13700.00", "3700.00", "3700.00", "10000.00")
    h = heading(x, "9903.01.25")
    assert (h["program"], h["measure_id"], h["treatment"], h["assessed"]) == (
        "ieepa_reciprocal", "ieepa_reciprocal/reciprocal/baseline", "refundable", "0.00")
    assert "Annex II products are not subject (9903.01.32)" in h["reasons"][0]
    # No liquidation date: assumed 2025-06-10 + 314 days = 2026-04-20 (a Monday), moved to Friday 2026-04-24;
    # so liquidated by the audit date and CAPE is open until 2026-07-13.
    assert x["liquidation"] == {"status": "liquidated", "date": "2026-04-24", "assumed": True,
                                "basis": x["liquidation"]["basis"], "held": None}
    assert h["refund_route"]["route"] == "cape" and h["refund_route"]["closes"] == "2026-07-13"
    assert doc["liquidation_rules"][0]["days_after_entry"] == 314
    assert any(a["fact"] == "liquidation_date" for a in doc["assumptions"])


def test_section_122_paid_on_an_annex_ii_line_is_an_overpayment_not_a_contingent_duty(client):
    # The same lithium carbonate entered 2026-03-10: Annex II of Section 122 (9903.03.03) exempts it; the
    # 10% surcharge paid anyway (10,000 under 9903.03.01) was never assessed, so it is refundable like any
    # overpayment (its lawfulness does not matter): a post-summary correction before liquidation.
    body = {**LITHIUM, "entry_date": "2026-03-10", "paid": [{"heading": "9903.03.01", "amount": "10000"},
                                                            {"heading": "2836.91.00.50", "amount": "3700"}]}
    doc = post(client, {"audit_date": "2026-06-01", "interest_to": "2026-07-01", "lines": [body]})
    h = heading(line(doc), "9903.03.01")
    assert (h["treatment"], h["refundable"], h["contingent"]) == ("contingent", "10000.00", "0.00")
    # Unliquidated (assumed liquidation 2026-03-10 + 314 = 2027-01-18, a Monday -> Friday 2027-01-22): the PSC
    # window closes at the earlier of entry + 300 days (2027-01-04) and 15 days before liquidation (2027-01-07).
    assert h["refund_route"] == {"route": "psc", "status": "open", "opens": "2026-03-10", "closes": "2027-01-04"}
    # Interest 2026-03-10 to 2026-07-01: 22 days of Q1 at 6%, 91 days of Q2 at 5%:
    # simple interest would be 10,000 x (0.06 x 22/365 + 0.05 x 91/365) = 36.16 + 124.66 = 160.82; daily
    # compounding: 10,000 x ((1 + 0.06/365)^22 x (1 + 0.05/365)^91 - 1) = 10,000 x 0.01621104 = 162.11
    assert h["interest"] == "162.11"


# ------------------------------------------------------- 3. the old 7.5% Section 301 heading in 2026

JANUARY_2026 = {"entry_number": "ABC12345679", "line_number": 1, "hts": "8507.60.00.90", "origin": "CN",
                "entry_date": "2026-01-15", "value": "100000",
                "paid": [{"heading": "9903.88.15", "amount": "7500"}, {"heading": "9903.01.24", "amount": "10000"},
                         {"heading": "9903.01.25", "amount": "10000"}, {"heading": "8507.60.00.90", "amount": "3400"}]}


def test_a_january_2026_line_filed_under_the_old_list_4a_heading_is_underpaid(client):
    # From 2026-01-01 non-EV lithium-ion batteries pay 25% under 9903.91.06 (four-year review), not 7.5%
    # under 9903.88.15.  Assessed: 25,000 + IEEPA 10,000 + 10,000 + column 1 3,400 = 48,400 (AD A-570-194 on
    # an AAM content not given: 0.00).  The 7,500 paid under the old heading is credited to 9903.91.06:
    # underpaid 25,000 - 7,500 = 17,500.  Owed 25,000 + 3,400 = 28,400; paid 30,900; IEEPA refundable 20,000.
    doc = post(client, {"audit_date": "2026-06-01", "interest_to": "2026-07-01", "lines": [JANUARY_2026]})
    x = line(doc)
    assert amounts(x, "paid", "assessed", "owed", "refundable", "underpaid") == (
        "30900.00", "48400.00", "28400.00", "20000.00", "17500.00")
    new, old = heading(x, "9903.91.06"), heading(x, "9903.88.15")
    assert amounts(new, "paid", "assessed", "owed", "underpaid") == ("0.00", "25000.00", "25000.00", "17500.00")
    assert amounts(old, "paid", "owed", "refundable") == ("7500.00", "0.00", "0.00")
    assert "7500.00 credited to 9903.91.06" in old["reasons"][-1]
    # Unliquidated (assumed 2026-01-15 + 314 = 2026-11-25, a Wednesday -> Friday 2026-11-27): the shortfall
    # can be paid by PSC until min(2026-01-15 + 300 = 2026-11-11, 2026-11-27 - 15 = 2026-11-12) = 2026-11-11.
    assert new["underpaid_route"] == {"route": "psc", "status": "open", "opens": "2026-01-15",
                                      "closes": "2026-11-11"}
    assert doc["totals"]["by_route"]["psc"]["underpaid"] == "17500.00"
    # IEEPA: CAPE, open while unliquidated; last day 80 days after the assumed liquidation: 2027-02-15.
    assert heading(x, "9903.01.24")["refund_route"]["closes"] == "2027-02-15"
    # Interest from the entry date (no deposit_date, said): 76 days of Q1 at 6%, 91 of Q2 at 5%:
    # (simple: 10,000 x (0.06 x 76/365 + 0.05 x 91/365) = 124.93 + 124.66 = 249.59; compounded daily:)
    # 10,000 x ((1 + 0.06/365)^76 x (1 + 0.05/365)^91 - 1) = 10,000 x 0.02527106 = 252.71 each.
    assert heading(x, "9903.01.24")["interest"] == heading(x, "9903.01.25")["interest"] == "252.71"
    assert x["deposit_date_assumed"] and any(a["fact"] == "deposit_date" for a in doc["assumptions"])


# ------------------------------------------------------- 4. Section 122: contingent

SECTION_122 = {"entry_number": "ABC12345680", "line_number": 1, "hts": "8507.60.00.90", "origin": "KR",
               "preference": "KR", "entry_date": "2026-03-10", "value": "100000", "liquidation_date": "2027-01-22",
               "liquidated": False, "paid": [{"heading": "9903.03.01", "amount": "10000"}]}


def test_section_122_paid_in_march_2026_is_contingent_and_never_refundable(client):
    # Korean cells, KORUS (column 1 free), 2026-03-10: the Section 122 surcharge 10% = 10,000 (9903.03.01).
    # Held unlawful by the CIT (2026-05-07) but on appeal, relief for the plaintiffs only: owed today,
    # contingent 10,000, refundable 0.
    doc = post(client, {"audit_date": "2026-06-01", "lines": [SECTION_122]})
    x = line(doc)
    assert amounts(x, "paid", "owed", "refundable", "contingent", "underpaid") == (
        "10000.00", "10000.00", "0.00", "10000.00", "0.00")
    h = heading(x, "9903.03.01")
    assert (h["treatment"], h["legal_status"]["state"]) == ("contingent", "ruled_unlawful_on_appeal")
    # A protest keeps the claim alive: it opens on the liquidation date given (2027-01-22) and closes
    # 180 days later: 9 days to Jan 31, then 28, 31, 30, 31, 30 -> 159 on June 30, + 21 = 2027-07-21.
    assert h["contingent_route"] == {"route": "protest", "status": "not_yet_open", "opens": "2027-01-22",
                                     "closes": "2027-07-21", "note": "opens when the entry liquidates (the "
                                                                     "scheduled date)"}
    assert "refund_route" not in h and h["interest"] == "0.00"
    assert doc["totals"]["contingent"] == "10000.00" and doc["totals"]["refundable"] == "0.00"
    assert doc["totals"]["by_route"] == {"protest": {"refundable": "0.00", "closed": "0.00", "contested": "0.00",
                                                     "contingent": "10000.00", "underpaid": "0.00",
                                                     "interest": "0.00"}}
    assert x["liquidation"]["status"] == "unliquidated" and not x["liquidation"]["assumed"]
    ruling = doc["rulings"][0]
    assert (ruling["programs"], ruling["treatment"], ruling["routes"]) == (["section_122"], "contingent", ["protest"])
    assert "CAPE does not take Section 122" in ruling["refund_note"]


# ------------------------------------------------------- 5. AD/CVD deposits with no order

ANODE = {"entry_number": "AAM00000001", "line_number": 1, "hts": "3801.10.50.10", "origin": "CN",
         "entry_date": "2025-08-15", "value": "100000", "liquidated": "no",
         "paid": [{"heading": "9903.88.03", "amount": "25000"}, {"heading": "9903.01.24", "amount": "20000"},
                  {"heading": "9903.01.25", "amount": "10000"}, {"heading": "A-570-194-000", "amount": "102720"},
                  {"heading": "C-570-195-000", "amount": "11580"}, {"heading": "3801.10.50.10", "amount": "0"}]}


def test_anode_material_ad_cvd_deposits_are_refundable_without_interest(client):
    # Artificial graphite of China, 2025-08-15, AAM content not given (the full value is charged): AD
    # A-570-194 China-wide 102.72% = 102,720; CVD C-570-195 11.58% = 11,580; Section 301 list 3 25% = 25,000;
    # IEEPA 20% + 10% = 30,000; column 1 free.  The ITC voted negative on 2026-03-12: no order, the deposits
    # (114,300) are refunded on CBP's instructions, with no interest (19 U.S.C. 1677g runs from an order).
    doc = post(client, {"audit_date": "2026-11-28", "lines": [ANODE]})
    x = line(doc)
    ad, cvd = heading(x, "A-570-194"), heading(x, "C-570-195")     # ACE's -000 suffix read as the case
    assert (ad["treatment"], ad["legal_status"]["state"], ad["refundable"], cvd["refundable"]) == (
        "refundable", "terminated", "102720.00", "11580.00")
    # Unliquidated (given): refunded when the entry liquidates, without a filing.
    assert ad["refund_route"] == {"route": "adcvd_no_order", "status": "automatic", "opens": None, "closes": None,
                                  "note": "refunded when the entry liquidates, on Commerce's instructions: no "
                                          "filing before then"}
    assert ad["interest"] == cvd["interest"] == "0.00"
    # Owed today: Section 301 alone, 25,000; refundable 114,300 + 30,000 = 144,300.
    assert amounts(x, "paid", "owed", "refundable") == ("169300.00", "25000.00", "144300.00")
    # No liquidation date, and AD/CVD deposits: such entries are suspended and do not liquidate on the usual
    # schedule, so no 314-day date is assumed: unliquidated, its date not known, said on the line.
    liq = x["liquidation"]
    assert (liq["status"], liq["date"], liq["assumed"], liq["held"]) == ("unliquidated", None, True, "suspended")
    assert "AD/CVD deposits on the line" in liq["basis"] and "does not follow the usual schedule" in liq["basis"]
    assert any("AD/CVD entries are suspended and do not liquidate on the usual schedule" in w
               for w in x["warnings"])
    ieepa = heading(x, "9903.01.24")["refund_route"]
    assert (ieepa["route"], ieepa["status"], ieepa["closes"]) == ("cape", "open", None)
    assert doc["totals"]["by_route"]["adcvd_no_order"]["refundable"] == "114300.00"
    assert not any(h["heading"] == "3801.10.50.10" and h["reasons"] for h in x["headings"])
    assert any(a["fact"] == "liquidation_date" and "AD/CVD" in a["assumption"] for a in doc["assumptions"])
    assert "AD/CVD suspension" in doc["liquidation_rules"][0]["note"]


@pytest.mark.parametrize("audit_date, status, refundable, closed", [
    # Liquidated Friday 2026-09-04: a deposit kept at liquidation is protested within 180 days, to
    # 2027-03-03 (26 days to Sept 30, 31, 30, 31, 31, 28 -> 177 on Feb 28, + 3).
    ("2027-03-03", "open", "114300.00", "0.00"),
    ("2027-03-04", "closed", "0.00", "114300.00"),
])
def test_ad_cvd_deposits_after_liquidation_take_a_protest_within_180_days(
        client, audit_date, status, refundable, closed):
    body = {**ANODE, "liquidation_date": "2026-09-04", "liquidated": "yes"}
    doc = post(client, {"audit_date": audit_date, "interest_to": "2026-12-31", "lines": [body]})
    x = line(doc)
    ad = heading(x, "A-570-194")
    assert ad["refund_route"] == {"route": "adcvd_no_order", "status": status, "opens": "2026-09-04",
                                  "closes": "2027-03-03", "note": "the entry liquidated on 2026-09-04: if the "
                                  "deposit was not refunded at liquidation, protest within 180 days"}
    # 102,720 + 11,580 = 114,300, never with interest (19 U.S.C. 1677g: only from an order's date)
    ad_cvd = [heading(x, "A-570-194"), heading(x, "C-570-195")]
    assert sum(D(h["refundable"]) for h in ad_cvd) == D(refundable) and all(h["interest"] == "0.00" for h in ad_cvd)
    assert sum(D(h["closed"]) for h in ad_cvd) == D(closed)
    assert not x["liquidation"]["assumed"] and x["liquidation"]["held"] is None
    assert_identities(doc)


# ------------------------------------------------------- 6. past the protest window

PAST = {"entry_number": "OLD00000001", "line_number": 1, "hts": "8507.60.00.20", "origin": "CN",
        "entry_date": "2025-03-20", "value": "100000", "liquidation_date": "2026-01-30",
        "paid": [{"heading": "9903.88.15", "amount": "25000"}, {"heading": "9903.01.24", "amount": "20000"},
                 {"heading": "8507.60.00.20", "amount": "3400"}]}


def test_a_line_past_its_protest_window(client):
    # 2025-03-20: Section 301 list 4A 7.5% = 7,500, IEEPA fentanyl 20% = 20,000, column 1 3,400 (the
    # reciprocal tariff began 2025-04-05).  Section 301 was paid at 25% (25,000): 17,500 beyond the assessed
    # duty.  Liquidated 2026-01-30; audited 2026-11-28: the PSC closed with liquidation, the protest on
    # 2026-01-30 + 180 days = 2026-07-29 (1 day in Jan, 28, 31, 30, 31, 30 -> 151 on June 30, + 29).
    doc = post(client, {"audit_date": "2026-11-28", "lines": [PAST]})
    x = line(doc)
    s301 = heading(x, "9903.88.15")
    # The 17,500 paid beyond the assessed duty can no longer be recovered: closed, never refundable.
    assert amounts(s301, "paid", "assessed", "owed", "refundable", "closed", "contested") == (
        "25000.00", "7500.00", "7500.00", "0.00", "17500.00", "0.00")
    assert s301["refund_route"] == {"route": "protest", "status": "closed", "opens": "2026-01-30",
                                    "closes": "2026-07-29"}
    assert s301["interest"] == "0.00"                       # nothing will be paid: no interest either
    assert "17500.00 can no longer be recovered" in s301["reasons"][-1]
    # The IEEPA duty: CAPE closed 80 days after liquidation (2026-04-20), the protest on 2026-07-29; the entry
    # is final from 2026-07-30, where the refund is contested (Fed. Cir. No. 26-1895): contested, apart from
    # refundable, and no interest is computed on it.
    fentanyl = heading(x, "9903.01.24")
    assert fentanyl["refund_route"] == {"route": "ieepa_finally_liquidated", "status": "contested",
                                        "opens": "2026-07-30", "closes": None}
    assert amounts(fentanyl, "refundable", "closed", "contested", "interest") == ("0.00", "0.00", "20000.00", "0.00")
    # The line: paid 48,400, owed 7,500 + 3,400 = 10,900; 48,400 - 10,900 = 37,500 = 0 + 17,500 + 20,000.
    assert amounts(x, "paid", "owed", "refundable", "closed", "contested", "interest") == (
        "48400.00", "10900.00", "0.00", "17500.00", "20000.00", "0.00")
    t = doc["totals"]
    assert amounts(t, "refundable", "closed", "contested", "interest") == ("0.00", "17500.00", "20000.00", "0.00")
    assert set(t["by_route"]) == {"closed", "ieepa_finally_liquidated"}
    assert (t["by_route"]["closed"]["closed"], t["by_route"]["closed"]["refundable"]) == ("17500.00", "0.00")
    assert t["by_route"]["ieepa_finally_liquidated"]["contested"] == "20000.00"
    assert t["by_program"]["ieepa_fentanyl"]["contested"] == "20000.00"
    assert doc["routes"]["ieepa_finally_liquidated"]["contested"] is True
    assert_identities(doc)


# 2024-03-01: Section 301 list 4A 7.5% = 7,500 and column 1 3.4% = 3,400 (no IEEPA duty yet); 9,500 paid under
# 9903.88.15: 2,000 beyond the assessed duty.  Liquidated 2025-01-17 (a Friday): the protest runs to
# 2025-01-17 + 180 days = 2025-07-16 (14 days to Jan 31, 28, 31, 30, 31, 30 -> 164 on June 30, + 16).
OLD_2024 = {"entry_number": "OLD00000002", "line_number": 1, "hts": "8507.60.00.20", "origin": "CN",
            "entry_date": "2024-03-01", "value": "100000", "liquidation_date": "2025-01-17",
            "paid": [{"heading": "9903.88.15", "amount": "9500"}, {"heading": "8507.60.00.20", "amount": "3400"}]}


@pytest.mark.parametrize("audit_date, status, refundable, closed, interest", [
    # the last day of the protest: refundable now, with interest; one day of 2024 at the corporate 7%:
    # 2,000 x 0.07 / 366 = 0.3825 -> 0.38
    ("2025-07-16", "open", "2000.00", "0.00", "0.38"),
    # the day after: closed, out of refundable, no interest
    ("2025-07-17", "closed", "0.00", "2000.00", "0.00"),
])
def test_an_overpayment_is_refundable_to_the_last_day_of_its_protest_then_closed(
        client, audit_date, status, refundable, closed, interest):
    doc = post(client, {"audit_date": audit_date, "interest_to": "2024-03-02", "lines": [OLD_2024]})
    h = heading(line(doc), "9903.88.15")
    assert (h["refund_route"]["route"], h["refund_route"]["status"], h["refund_route"]["closes"]) == (
        "protest", status, "2025-07-16")
    assert amounts(h, "refundable", "closed", "contested", "interest") == (refundable, closed, "0.00", interest)
    assert amounts(doc["totals"], "refundable", "closed", "interest") == (refundable, closed, interest)
    assert_identities(doc)


# 2025-08-15, liquidated Friday 2026-02-27: fentanyl 20% = 20,000 and reciprocal 10% = 10,000 paid (IEEPA).
# CAPE takes it to 2026-02-27 + 80 = 2026-05-18 (1 day to Feb 28, 31, 30 -> 62 on Apr 30, + 18); the protest
# to 2026-02-27 + 180 = 2026-08-26 (1, 31, 30, 31, 30, 31 -> 154 on July 31, + 26); final from 2026-08-27.
FINAL_IEEPA = {"entry_number": "FIN00000001", "line_number": 1, "hts": "8507.60.00.20", "origin": "CN",
               "entry_date": "2025-08-15", "value": "100000", "liquidation_date": "2026-02-27",
               "paid": [{"heading": "9903.88.15", "amount": "7500"}, {"heading": "9903.01.24", "amount": "20000"},
                        {"heading": "9903.01.25", "amount": "10000"}, {"heading": "8507.60.00.20", "amount": "3400"}]}


@pytest.mark.parametrize("audit_date, route, status, refundable, contested", [
    ("2026-08-26", "protest", "open", "30000.00", "0.00"),                          # the protest's last day
    ("2026-08-27", "ieepa_finally_liquidated", "contested", "0.00", "30000.00"),   # finally liquidated
])
def test_ieepa_duties_on_a_finally_liquidated_entry_are_contested_never_refundable(
        client, audit_date, route, status, refundable, contested):
    # interest_to 2025-08-16: one day of 2025 Q3 at 6%: 20,000 x 0.06 / 365 = 3.2877 -> 3.29 and
    # 10,000 x 0.06 / 365 = 1.6438 -> 1.64, 4.93 in all -- only while the amounts are refundable.
    doc = post(client, {"audit_date": audit_date, "interest_to": "2025-08-16", "lines": [FINAL_IEEPA]})
    x = line(doc)
    w = heading(x, "9903.01.24")["refund_route"]
    assert (w["route"], w["status"]) == (route, status)
    assert amounts(x, "refundable", "closed", "contested") == (refundable, "0.00", contested)
    assert x["interest"] == ("4.93" if status == "open" else "0.00")
    assert doc["totals"]["contested"] == contested
    assert_identities(doc)


def test_section_232_paid_on_the_full_value_instead_of_the_steel_content(client):
    # A steel derivative of China, 2025-07-01, value 10,000 of which 4,000 is steel: Section 232 50% on the
    # steel content = 2,000 (9903.81.90); the broker charged it on the full value, 5,000: 3,000 beyond the
    # assessed duty, refundable by PSC (unliquidated on 2025-12-01: the assumed liquidation is 2025-07-01 +
    # 314 = 2026-05-11, a Monday -> Friday 2026-05-15; the PSC closes at min(2025-07-01 + 300 = 2026-04-27,
    # 2026-05-15 - 15 = 2026-04-30) = 2026-04-27).  The reciprocal tariff was paid on the non-steel part
    # (10% of 6,000 = 600), as assessed: refundable as an IEEPA duty.
    body = {"entry_number": "STL00000001", "line_number": 1, "hts": "7326.90.86.88", "origin": "CN",
            "entry_date": "2025-07-01", "value": "10000", "steel_content_value": "4000",
            "paid": [{"heading": "9903.88.03", "amount": "2500"}, {"heading": "9903.01.24", "amount": "2000"},
                     {"heading": "9903.01.25", "amount": "600"}, {"heading": "9903.81.90", "amount": "5000"},
                     {"heading": "7326.90.86.88", "amount": "290"}]}
    x = line(post(client, {"audit_date": "2025-12-01", "interest_to": "2025-12-01", "lines": [body]}))
    s232 = heading(x, "9903.81.90")
    assert amounts(s232, "paid", "assessed", "owed", "refundable") == ("5000.00", "2000.00", "2000.00", "3000.00")
    assert s232["refund_route"] == {"route": "psc", "status": "open", "opens": "2025-07-01", "closes": "2026-04-27"}
    assert "3000.00 paid beyond the assessed duty" in s232["reasons"][0]
    assert amounts(x, "paid", "owed", "refundable") == ("10390.00", "4790.00", "5600.00")


# ------------------------------------------------------- 7. headings nobody can match

def test_a_heading_the_tables_do_not_know_is_reported_never_dropped(client):
    body = {**BATTERY_2025, "paid": [*BATTERY_2025["paid"], {"heading": "9903.99.98", "amount": "12.34"},
                                     {"heading": "A-570-999", "amount": "1"}]}
    doc = post(client, {"audit_date": "2026-06-01", "lines": [body]})
    x = line(doc)
    unknown, case = heading(x, "9903.99.98"), heading(x, "A-570-999")
    assert (unknown["treatment"], unknown["program"], unknown["unmatched"], unknown["refundable"]) == (
        "unmatched", None, "12.34", "0.00")
    assert "not in the tables" in unknown["reasons"][0] and "AD/CVD case" in case["reasons"][0]
    assert x["unmatched"] == "13.34" and doc["totals"]["by_program"]["unmatched"]["paid"] == "13.34"


def test_a_zero_payment_under_a_filed_exemption_heading_matches_its_filing_line(client):
    # ACE lists 9903.01.32 (Annex II, no duty) on the lithium line with 0.00: it matches the entry's own
    # filing line, so it makes no row; a 0.00 under a heading the stack does not file is listed.
    body = {**LITHIUM, "paid": [{"heading": "9903.01.32", "amount": "0.00"}, {"heading": "9903.01.28", "amount": "0"},
                                {"heading": "2836.91.00.50", "amount": "3700"}]}
    x = line(post(client, {"audit_date": "2026-06-01", "lines": [body]}))
    assert [h["heading"] for h in x["headings"]] == ["2836.91.00.50", "9903.01.28"]


# ------------------------------------------------------- 8. interest at its boundaries

def _overpaid(entry_date, deposit_date, amount="10000", audit_date=None):
    # Column 1 3.4% on 100,000 = 3,400 assessed; 3,400 + amount paid: `amount` is refundable (PSC/protest).
    return {"entry_number": "INT00000001", "line_number": 1, "hts": "8507.60.00.90", "origin": "KR",
            "entry_date": entry_date, "deposit_date": deposit_date, "value": "100000",
            "paid": [{"heading": "8507.60.00.90", "amount": str(D("3400") + D(amount))}]}


@pytest.mark.parametrize("deposit, interest_to, audit_date, route, expected", [
    # no day between the deposit and interest_to: no interest
    ("2026-03-31", "2026-03-31", "2026-04-01", "psc", "0.00"),
    # interest_to before the deposit: none either
    ("2026-03-31", "2026-03-01", "2026-04-01", "psc", "0.00"),
    # one day, 2026-03-31, at Q1's 6%: 10,000 x 0.06 / 365 = 1.6438 -> 1.64
    ("2026-03-31", "2026-04-01", "2026-04-01", "psc", "1.64"),
    # two days across the quarter: 10,000 x ((1 + 0.06/365)(1 + 0.05/365) - 1) = 10,000 x 0.00030139 = 3.01
    ("2026-03-31", "2026-04-02", "2026-04-01", "psc", "3.01"),
    # the last quarter the tables hold ends 2027-01-01 (exclusive): 2026-12-31 at 6% = 1.64.  (A deposit on
    # 2026-12-31 is audited on or after that day: the PSC closed on min(2026-02-27 + 300 = 2026-12-24, the
    # assumed liquidation Friday 2027-01-08 - 15 = 2026-12-24), so the protest, not yet open, is the route.)
    ("2026-12-31", "2027-01-01", "2026-12-31", "protest", "1.64"),
])
def test_interest_at_quarter_boundaries(client, deposit, interest_to, audit_date, route, expected):
    body = {"audit_date": audit_date, "interest_to": interest_to,
            "lines": [_overpaid("2026-02-27", deposit)]}
    h = heading(line(post(client, body)), "8507.60.00.90")
    assert (h["refundable"], h["refund_route"]["route"], h["interest"]) == ("10000.00", route, expected)


def test_interest_over_a_leap_year_end_counts_366_days(client):
    # 2024-12-31 is a day of a leap year at 2024's corporate 7%: 10,000 x 0.07 / 366 = 1.9126 -> 1.91;
    # the non-corporate rate is 8%: 10,000 x 0.08 / 366 = 2.1858 -> 2.19.
    body = {"audit_date": "2025-01-02", "interest_to": "2025-01-01",
            "lines": [{**_overpaid("2024-12-20", "2024-12-31"), "hts": "8507.60.00.20"}]}
    body["lines"][0]["paid"] = [{"heading": "8507.60.00.20", "amount": "13400"}]
    assert heading(line(post(client, body)), "8507.60.00.20")["interest"] == "1.91"
    doc = post(client, {**body, "importer_type": "non_corporate"})
    assert heading(line(doc), "8507.60.00.20")["interest"] == "2.19" and doc["importer_type"] == "non_corporate"


def test_interest_beyond_the_tables_is_a_400_naming_interest_to(client):
    r = client.post(AUDIT, json={"audit_date": "2026-04-01", "interest_to": "2027-01-02",
                                 "lines": [_overpaid("2026-02-27", "2026-03-31")]})
    assert r.status_code == 400 and list(r.get_json()["errors"]) == ["interest_to"]
    assert "2027-01-01" in r.get_json()["message"]
    # a deposit before the first rate in the tables (2024-01-01) cannot bear interest either; it would be
    # before the first entry the tables cover too, so it is refused as a deposit before its entry
    body = {"audit_date": "2024-03-01", "interest_to": "2024-03-01", "lines": [_overpaid("2024-01-05", "2023-12-29")]}
    body["lines"][0].update(hts="8507.60.00.20", paid=[{"heading": "8507.60.00.20", "amount": "13400"}])
    r = client.post(AUDIT, json=body)
    assert r.status_code == 400 and list(r.get_json()["errors"]) == ["lines.0.deposit_date"]


def test_an_audit_date_beyond_the_interest_rates_caps_the_default_interest_to_and_says_so(client):
    # audited 2027-06-01 without interest_to: interest runs to 2027-01-01 (exclusive), where the rates end,
    # instead of a 400 naming a field the caller did not send.  Deposit 2026-12-31: one day at 6%, 1.64.
    doc = post(client, {"audit_date": "2027-06-01", "lines": [_overpaid("2026-02-27", "2026-12-31")]})
    assert doc["interest_to"] == "2027-01-01"
    said = next(a["assumption"] for a in doc["assumptions"] if a["fact"] == "interest_to")
    assert "where the interest rates the tables hold end" in said and "2027-06-01" in said
    assert heading(line(doc), "8507.60.00.90")["interest"] == "1.64"
    # given explicitly, it is still checked: a 400 naming interest_to
    r = client.post(AUDIT, json={"audit_date": "2027-06-01", "interest_to": "2027-01-02",
                                 "lines": [_overpaid("2026-02-27", "2026-12-31")]})
    assert r.status_code == 400 and list(r.get_json()["errors"]) == ["interest_to"]


# Each impossible date on one side of its boundary (a 400 naming the field), the boundary day itself accepted.
@pytest.mark.parametrize("change, audit_date, field", [
    # liquidation before the entry (2025-06-10): refused; on the entry date itself: accepted
    ({"liquidation_date": "2025-06-09", "deposit_date": None}, "2026-06-01", "lines.0.liquidation_date"),
    ({"liquidation_date": "2025-06-10", "deposit_date": None}, "2026-06-01", None),
    # an entry after the audit date: refused; on it: accepted
    ({"liquidation_date": None, "deposit_date": None}, "2025-06-09", "lines.0.entry_date"),
    ({"liquidation_date": None, "deposit_date": None}, "2025-06-10", None),
    # a deposit before the entry: refused; on the entry date: accepted
    ({"deposit_date": "2025-06-09"}, "2026-06-01", "lines.0.deposit_date"),
    ({"deposit_date": "2025-06-10"}, "2026-06-01", None),
    # a deposit after the liquidation (2026-04-24): refused; on it: accepted
    ({"deposit_date": "2026-04-25"}, "2026-06-01", "lines.0.deposit_date"),
    ({"deposit_date": "2026-04-24"}, "2026-06-01", None),
    # a deposit after the audit date (no liquidation given): refused; on it: accepted
    ({"deposit_date": "2025-07-02", "liquidation_date": None}, "2025-07-01", "lines.0.deposit_date"),
    ({"deposit_date": "2025-07-01", "liquidation_date": None}, "2025-07-01", None),
    # a customs value of 0: refused (every duty paid would read as refundable); a cent: accepted
    ({"value": "0"}, "2026-06-01", "lines.0.value"),
    ({"value": "0.01"}, "2026-06-01", None),
])
def test_impossible_dates_and_a_zero_value_are_a_400_naming_the_field(client, change, audit_date, field):
    body = {k: v for k, v in {**BATTERY_2025, **change}.items() if v is not None}
    r = client.post(AUDIT, json={"audit_date": audit_date, "interest_to": "2025-07-01", "lines": [body]})
    if field is None:
        assert r.status_code == 200, r.get_json()
    else:
        assert r.status_code == 400 and list(r.get_json()["errors"]) == [field], r.get_json()


def test_defaults_are_said(client):
    doc = post(client, {"lines": [LITHIUM]})
    facts = [a["fact"] for a in doc["assumptions"]]
    assert facts[:3] == ["audit_date", "interest_to", "importer_type"]
    assert doc["audit_date"] == doc["interest_to"] == "2026-11-28" and doc["importer_type"] == "corporate"


# ------------------------------------------------------- 9. bad input: a 400 naming the field

@pytest.mark.parametrize("change, field", [
    ({"paid": [{"heading": "99.03", "amount": "5"}]}, "lines.0.paid.0.heading"),
    ({"paid": [{"heading": "9903.01.24", "amount": "-5"}]}, "lines.0.paid.0.amount"),
    ({"paid": [{"heading": "9903.01.24", "amount": "5.001"}]}, "lines.0.paid.0.amount"),
    ({"paid": [{"heading": "9903.01.24"}]}, "lines.0.paid.0.amount"),
    ({"paid": [{"heading": "9903.01.24", "amount": "5", "note": "x"}]}, "lines.0.paid.0.heading"),
    ({"paid": None}, "lines.0.paid"),
    ({"entry_number": None}, "lines.0.entry_number"),
    ({"line_number": "0"}, "lines.0.line_number"),
    ({"origin": None}, "lines.0.origin"),
    ({"entry_date": "06/10/2025"}, "lines.0.entry_date"),
    ({"liquidation_date": "2025-13-01"}, "lines.0.liquidation_date"),
    ({"liquidated": "maybe"}, "lines.0.liquidated"),
    ({"vehicle_prat": "yes"}, "lines.0.vehicle_prat"),
])
def test_bad_line_fields_are_a_400_naming_the_field(client, change, field):
    body = {k: v for k, v in {**BATTERY_2025, **change}.items() if v is not None}
    r = client.post(AUDIT, json={"lines": [body]})
    assert r.status_code == 400, r.get_json()
    errors = r.get_json()["errors"]
    assert field in errors, errors


def test_every_bad_line_is_reported_at_once(client):
    # Line 0 has a bad value, line 1 repeats line 0's entry and line number (it would be counted twice, even
    # though line 0 is bad itself), line 2 (line number 2) a malformed heading.
    r = client.post(AUDIT, json={"lines": [{**BATTERY_2025, "value": "abc"}, BATTERY_2025,
                                           {**BATTERY_2025, "line_number": 2,
                                            "paid": [{"heading": "x", "amount": "1"}]}]})
    errors = r.get_json()["errors"]
    assert r.status_code == 400 and set(errors) == {"lines.0.value", "lines.1.line_number", "lines.2.paid.0.heading"}
    assert "given twice (also lines.0)" in errors["lines.1.line_number"][0]


@pytest.mark.parametrize("body, field", [
    ({"lines": []}, "lines"),
    ({"lines": [BATTERY_2025], "importer_type": "partnership"}, "importer_type"),
    ({"lines": [BATTERY_2025], "audit_date": "yesterday"}, "audit_date"),
    ({"lines": [BATTERY_2025], "interest": "2026-01-01"}, "interest"),
])
def test_bad_request_fields_are_a_400(client, body, field):
    r = client.post(AUDIT, json=body)
    assert r.status_code == 400 and field in r.get_json()["errors"], r.get_json()


def test_a_line_the_tables_do_not_cover_is_not_audited_and_the_others_are(client):
    # Line 1's HTS number is not in the tables: it is listed apart with the reason (and counted), never in a
    # sum; lines 0 and 2 are audited as they would be alone (30,000 of IEEPA duties each, refundable by CAPE).
    lines = [BATTERY_2025, {**BATTERY_2025, "line_number": 2, "hts": "9999.99.99"},
             {**BATTERY_2025, "line_number": 3}]
    doc = post(client, {"audit_date": "2026-06-01", "interest_to": "2026-07-01", "lines": lines})
    assert [x["index"] for x in doc["lines"]] == [0, 2]
    (skipped,) = doc["not_audited"]
    assert (skipped["index"], skipped["line_number"], skipped["status"], skipped["field"]) == (1, 2, 404, "lines.1.hts")
    assert skipped["message"] == "lines.1: HTS 9999.99.99 is not covered by the tariff tables"
    t = doc["totals"]
    assert (t["lines_audited"], t["lines_not_audited"], t["refundable"]) == (2, 1, "60000.00")
    assert any("1 line(s) could not be audited" in w and "lines.1.hts" in w for w in doc["warnings"])
    assert_identities(doc)
    # in the spreadsheet form, one error row in its place, with no amounts
    from test_sheet_outputs import parse
    rows = parse("csv", client.post(AUDIT + ".csv", json={"audit_date": "2026-06-01", "interest_to": "2026-07-01",
                                                           "lines": lines}).get_data(as_text=True))
    assert [r["line"] for r in rows if r["row_type"] == "error"] == ["1"]
    kinds = [r["line"] for r in rows]
    assert kinds.index("1") > kinds.index("0") and kinds.index("1") < kinds.index("2")
    assert sum(D(r["refundable"] or "0") for r in rows) == D("60000.00")


def test_a_statistical_suffix_outside_its_edition_is_not_audited_with_the_numbers_of_that_date(client):
    # 3801.10.50.00 was split on 2025-01-01 (3801.10.50.10 / .90): on 2025-08-01 the line is not covered.
    body = {**ANODE, "hts": "3801.10.50.00", "entry_date": "2025-08-01"}
    doc = post(client, {"lines": [body, {**ANODE, "line_number": 2}]})
    (skipped,) = doc["not_audited"]
    assert skipped["field"] == "lines.0.entry_date" and "3801.10.50.10, 3801.10.50.90" in skipped["hint"]
    assert [x["index"] for x in doc["lines"]] == [1]


def test_a_request_of_lines_none_of_which_is_covered_answers_with_none_audited(client):
    doc = post(client, {"lines": [{**BATTERY_2025, "hts": "9999.99.99"}]})
    assert doc["lines"] == [] and doc["totals"]["lines_not_audited"] == 1 and doc["totals"]["paid"] == "0.00"


def test_more_than_10000_lines_is_a_413(client):
    r = client.post(AUDIT, json={"lines": [{}] * 10_001})
    assert r.status_code == 413 and r.get_json()["errors"] == {"lines": ["at most 10000 lines"]}


def test_a_get_says_to_post(client):
    r = client.get(AUDIT)
    assert r.status_code == 405 and "POST" in r.get_json()["message"]


# ------------------------------------------------------- 10. liquidation: scheduled, extended, suspended

def _korean(entry_date, **more):
    # Korean cells without the KORUS claim: column 1 3.4% on 100,000 = 3,400 assessed (no IEEPA duty before
    # 2025-04-05); 13,400 paid: 10,000 beyond the assessed duty, by PSC before liquidation, protest after.
    return {"entry_number": "KOR00000001", "line_number": 1, "hts": "8507.60.00.90", "origin": "KR",
            "entry_date": entry_date, "value": "100000",
            "paid": [{"heading": "8507.60.00.90", "amount": "13400"}], **more}


EXTENDED = {"entry_number": "EXT00000001", "line_number": 1, "hts": "8507.60.00.20", "origin": "CN",
            "entry_date": "2025-09-01", "value": "100000", "liquidation_date": "2026-07-17", "liquidated": "no",
            "paid": [{"heading": "9903.88.15", "amount": "9500"}, {"heading": "8507.60.00.20", "amount": "3400"},
                     {"heading": "9903.01.24", "amount": "20000"}, {"heading": "9903.01.25", "amount": "10000"}]}


def test_an_entry_not_liquidated_past_its_scheduled_date_was_extended_and_its_protest_is_not_yet_open(client):
    # Entered 2025-09-01, scheduled to liquidate 2026-07-17, still unliquidated on 2026-11-28: extended or
    # suspended.  No protest before liquidation (19 U.S.C. 1514(c)(3)): not yet open, no dates.  The PSC may
    # run to 15 days before the extended date (84 FR 40430), not given: open, no end (entry + 300 days,
    # 2026-06-28, no longer limits it).  CAPE: open while unliquidated, no close date.
    doc = post(client, {"audit_date": "2026-11-28", "interest_to": "2026-12-31", "lines": [EXTENDED]})
    x = line(doc)
    liq = x["liquidation"]
    assert (liq["status"], liq["date"], liq["assumed"], liq["held"]) == (
        "unliquidated", None, False, "extended_or_suspended")
    assert "scheduled on 2026-07-17" in liq["basis"]
    assert any("liquidation was scheduled on 2026-07-17 and had not happened by the audit date" in w
               and "84 FR 40430" in w for w in x["warnings"])
    s301 = heading(x, "9903.88.15")       # 9,500 paid, 7.5% = 7,500 assessed: 2,000 beyond it
    assert s301["refundable"] == "2000.00"
    assert (s301["refund_route"]["route"], s301["refund_route"]["status"], s301["refund_route"]["closes"]) == (
        "psc", "open", None)
    assert "84 FR 40430" in s301["refund_route"]["note"]
    cape = heading(x, "9903.01.24")["refund_route"]
    assert (cape["route"], cape["status"], cape["closes"]) == ("cape", "open", None)
    assert any(a["fact"] == "liquidated" and "extended or suspended" in a["assumption"] for a in doc["assumptions"])
    assert_identities(doc)


@pytest.mark.parametrize("audit_date, liquidated, status, route, route_status", [
    # the day before the date given: unliquidated, the PSC runs to min(2025-06-10 + 300 = 2026-04-06,
    # 2026-04-24 - 15 = 2026-04-09) = 2026-04-06 -- closed on 2026-04-23; the protest is not yet open
    ("2026-04-23", None, "unliquidated", "protest", "not_yet_open"),
    # liquidated yes, but on a date after the audit date: unliquidated on the audit date all the same
    ("2026-04-23", True, "unliquidated", "protest", "not_yet_open"),
    # on the date itself: liquidated, the protest is open (to 2026-10-21)
    ("2026-04-24", None, "liquidated", "protest", "open"),
])
def test_a_protest_never_opens_before_the_liquidation_date(client, audit_date, liquidated, status, route,
                                                            route_status):
    body = _korean("2025-06-10", liquidation_date="2026-04-24")
    body["paid"] = [{"heading": "8507.60.00.90", "amount": "13400"}, {"heading": "9903.01.25", "amount": "10000"}]
    if liquidated is not None:
        body["liquidated"] = liquidated
    x = line(post(client, {"audit_date": audit_date, "interest_to": "2026-04-01", "lines": [body]}))
    assert x["liquidation"]["status"] == status
    w = heading(x, "8507.60.00.90")["refund_route"]
    assert (w["route"], w["status"]) == (route, route_status)
    assert (w["opens"], w["closes"]) == ("2026-04-24", "2026-10-21")
    assert heading(x, "8507.60.00.90")["refundable"] == "10000.00"     # recoverable either way


@pytest.mark.parametrize("audit_date, route, status, closes", [
    # Entered 2025-03-20, liquidation extended to Friday 2026-06-19 (more than a year after entry): the PSC
    # runs to 2026-06-19 - 15 = 2026-06-04, not to entry + 300 = 2026-01-14.
    ("2026-06-04", "psc", "open", "2026-06-04"),
    # the day after, the PSC has closed; the protest opens at liquidation (2026-06-19 + 180 = 2026-12-16):
    # still refundable, by a route not yet open
    ("2026-06-05", "protest", "not_yet_open", "2026-12-16"),
])
@pytest.mark.parametrize("status_given", [{"liquidation_status": "Extended"}, {}])
def test_a_psc_runs_to_15_days_before_an_extended_liquidation_date(client, audit_date, route, status, closes,
                                                                    status_given):
    body = _korean("2025-03-20", liquidation_date="2026-06-19", **status_given)
    doc = post(client, {"audit_date": audit_date, "interest_to": "2026-04-01", "lines": [body]})
    x = line(doc)
    assert x["liquidation"]["held"] == ("extended" if status_given else "extended_or_suspended")
    h = heading(x, "8507.60.00.90")
    assert (h["refund_route"]["route"], h["refund_route"]["status"], h["refund_route"]["closes"]) == (
        route, status, closes)
    assert h["refundable"] == "10000.00" and h["closed"] == "0.00"


@pytest.mark.parametrize("status, liquidated, held", [
    ("Liquidated", "liquidated", None), ("DEEMED LIQUIDATED", "liquidated", None),
    ("Unliquidated", "unliquidated", None), ("Pending", "unliquidated", None),
    ("Extended", "unliquidated", "extended"), ("suspended", "unliquidated", "suspended"),
    ("Under Review", "unliquidated", "under_review"),
])
def test_ace_liquidation_statuses_are_read(client, status, liquidated, held):
    # liquidation date 2025-12-05 (before the audit date 2026-01-10): liquidated on it, or -- when the status
    # says the entry has not liquidated -- held past it; "Pending" is ACE's word for a date not yet reached,
    # so with a passed date it reads as extended or suspended.
    body = _korean("2025-03-20", liquidation_date="2025-12-05", liquidation_status=status)
    x = line(post(client, {"audit_date": "2026-01-10", "interest_to": "2026-01-01", "lines": [body]}))
    assert x["liquidation"]["status"] == liquidated
    expected = held or (None if liquidated == "liquidated" else "extended_or_suspended")
    assert x["liquidation"]["held"] == expected


@pytest.mark.parametrize("change, message", [
    ({"liquidation_status": "Final"}, "is not a liquidation status the audit reads"),
    ({"liquidation_status": "Extended", "liquidated": "yes"}, "contradicts liquidated=yes"),
])
def test_a_liquidation_status_the_audit_cannot_read_is_a_400_naming_it(client, change, message):
    r = client.post(AUDIT, json={"lines": [_korean("2025-03-20", **change)]})
    assert r.status_code == 400 and message in r.get_json()["errors"]["lines.0.liquidation_status"][0]


def test_no_window_is_open_after_its_close_nor_not_yet_open_after_its_opening(client):
    # Every combination of entry date, liquidation date (none, past, future, more than a year after entry),
    # liquidated (unsaid, yes, no) and audit date: an open, automatic or contested window never closed before
    # the audit date, a not_yet_open one never opened on or before it.
    lines, n = [], 0
    for entry in ("2025-03-20", "2025-08-15", "2026-01-15"):
        for liq in (None, "2026-02-27", "2026-06-19", "2027-02-26"):
            for liquidated in (None, True, False):
                body = {**FINAL_IEEPA, "entry_number": f"GRD{n:08d}", "entry_date": entry}
                body.pop("liquidation_date")
                body["paid"] = [*body["paid"], {"heading": "A-570-194", "amount": "50"},
                                {"heading": "9903.91.06", "amount": "1"}]
                if liq and liq > entry:
                    body["liquidation_date"] = liq
                if liquidated is not None:
                    body["liquidated"] = liquidated
                lines.append(body)
                n += 1
    for audit_date in ("2026-03-01", "2026-06-19", "2026-11-28", "2026-12-31"):
        doc = post(client, {"audit_date": audit_date, "interest_to": "2026-03-01", "lines": [
            x for x in lines if x["entry_date"] <= audit_date]})
        windows = [h[k] for x in doc["lines"] for h in x["headings"]
                   for k in ("refund_route", "contingent_route", "underpaid_route") if k in h]
        assert windows
        for w in windows:
            if w["status"] in ("open", "automatic", "contested") and w["closes"]:
                assert w["closes"] >= audit_date, w
            if w["status"] == "not_yet_open" and w["opens"]:
                assert w["opens"] > audit_date, w
            if w["status"] == "closed":
                assert w["closes"] is None or w["closes"] < audit_date, w
        assert_identities(doc)
