"""Issue 14: the law of refunds as data: legal_status states and refund blocks, refunds/interest.yaml and
refunds/routes.yaml (strict reader, file:line, every error collected), and the window rules."""
import shutil
from datetime import date
from decimal import Decimal

import pytest

from service.model.errors import TableError
from service.model.refunds import compound_factor
from service.tables.load import default_dir, load_tables
from service.engine.audit.windows import Liquidation, choose, liquidation_of, window


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "tables"
    shutil.copytree(default_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_errors(directory) -> list[str]:
    with pytest.raises(TableError) as caught:
        load_tables(directory)
    return [f"{e.where}: {e.reason}" for e in getattr(caught.value, "errors", [caught.value])]


# ------------------------------------------------------------------ legal status as data

def test_the_shipped_legal_statuses(tables):
    m = tables.measures
    for mid in ("ieepa_fentanyl/border/china", "ieepa_reciprocal/reciprocal/CN", "ieepa_other/country_duties/brazil"):
        s = m[mid].legal_status
        assert (s.state, s.treatment, s.since) == ("voided", "refundable", date(2026, 2, 20))
        assert s.refund.routes == ("cape", "protest", "ieepa_finally_liquidated") and s.refund.covers(date(2025, 6, 1))
    aam = m["adcvd/aam_china/ad_aam"].legal_status
    assert (aam.state, aam.treatment, aam.refund.routes) == ("terminated", "refundable", ("adcvd_no_order",))
    assert m["section_122/surcharge/surcharge"].legal_status.treatment == "contingent"
    assert m["section_301/forced_labor_2026/CN"].legal_status.treatment == "contingent"
    assert m["section_301/four_year_review/li_ion_2026"].legal_status is None
    # exemptions carry none (a file's status reaches its duty measures only)
    assert m["ieepa_reciprocal/reciprocal/annex_ii"].legal_status is None


def test_a_voided_measure_needs_its_refund_block(copy):
    path = copy / "measures" / "ieepa_fentanyl" / "border.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  refund:\n")
    end = text.index("measures:\n")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    errors = load_errors(copy)
    assert any("border.yaml:" in e and "'voided' needs 'refund'" in e for e in errors), errors


def test_a_refund_block_names_known_routes(copy):
    edit(copy / "measures" / "adcvd" / "aam_china.yaml", 'routes: ["adcvd_no_order"]', 'routes: ["adcvd_no_ordr"]')
    errors = load_errors(copy)
    assert any("aam_china.yaml" in e and "unknown route 'adcvd_no_ordr'" in e for e in errors), errors


def test_a_measure_in_force_has_no_refund_block(copy):
    edit(copy / "measures" / "section_301" / "forced_labor_2026.yaml", '  state: "challenged"',
         '  state: "upheld"\n  refund: {routes: ["protest"]}')
    errors = load_errors(copy)
    assert any("forced_labor_2026.yaml:" in e and "a measure in force has no refund" in e for e in errors), errors


def test_the_entries_a_ruling_covers(copy, tables):
    # entries_before makes the ruling cover only earlier entries: a later one is owed as assessed.
    edit(copy / "measures" / "ieepa_fentanyl" / "border.yaml", '    routes: ["cape", "protest", "ieepa_finally_liquidated"]',
         '    routes: ["cape", "protest", "ieepa_finally_liquidated"]\n    entries_before: "2025-06-01"')
    from service.engine.audit.compare import treatment_of
    status = load_tables(copy).measures["ieepa_fentanyl/border/china"].legal_status
    assert treatment_of(status, date(2025, 5, 31)) == "refundable"
    assert treatment_of(status, date(2025, 6, 1)) == "in_force"


# ------------------------------------------------------------------ refunds/*.yaml

def test_refund_table_defects_are_collected_with_file_and_line(copy):
    edit(copy / "refunds" / "interest.yaml", 'to: "2025-04-01"\n    non_corporate', 'to: "2025-05-01"\n    non_corporate')
    edit(copy / "refunds" / "routes.yaml", 'days_after_liquidation: "180"\n        interest: "yes"\n        cite: "19',
         'days_after_liquidaton: "180"\n        interest: "yes"\n        cite: "19')
    edit(copy / "refunds" / "routes.yaml", 'overpayment_routes: ["psc", "protest"]', 'overpayment_routes: ["psc", "protests"]')
    errors = load_errors(copy)
    assert any(e.startswith("refunds/interest.yaml:") and "overlaps the previous period" in e for e in errors), errors
    assert any(e.startswith("refunds/routes.yaml:") and "did you mean 'days_after_liquidation'" in e
               for e in errors), errors
    assert any(e.startswith("refunds/routes.yaml:") and "unknown route 'protests'" in e for e in errors), errors


def test_an_automatic_window_needs_the_days_a_kept_deposit_can_be_protested(copy):
    edit(copy / "refunds" / "routes.yaml", '        window: "automatic"\n        days_after_liquidation: "180"\n',
         '        window: "automatic"\n')
    errors = load_errors(copy)
    assert any(e.startswith("refunds/routes.yaml:") and "a automatic window needs 'days_after_liquidation'" in e
               for e in errors), errors


def test_a_rate_must_be_quoted_and_unambiguous(copy):
    edit(copy / "refunds" / "interest.yaml", 'non_corporate: "8%"', 'non_corporate: "8"')
    assert any("ambiguous" in e for e in load_errors(copy))


def test_refunds_without_interest_yaml_is_refused(copy):
    (copy / "refunds" / "interest.yaml").unlink()
    assert any("refunds/interest.yaml is missing" in e for e in load_errors(copy))


def test_daily_compounding_by_quarter_and_year(tables):
    table = tables.refunds.interest
    # 2024 is a leap year: its days earn 7%/366 (corporate); 2025's earn 6%/365.
    factor = compound_factor(table, date(2024, 12, 30), date(2025, 1, 2), "corporate")
    assert factor == (1 + Decimal("0.07") / 366) ** 2 * (1 + Decimal("0.06") / 365)
    assert compound_factor(table, date(2026, 5, 1), date(2026, 5, 1), "non_corporate") == 1


# ------------------------------------------------------------------ windows

def test_the_assumed_liquidation_date_moves_to_a_friday(tables):
    refunds = tables.refunds
    # 2026-01-15 + 314 days = 2026-11-25, a Wednesday: posted on Friday 2026-11-27
    liq = liquidation_of(refunds, date(2026, 1, 15), None, None, date(2026, 6, 1))
    assert (liq.status, liq.date, liq.assumed) == ("unliquidated", date(2026, 11, 27), True)
    # a date given is used as given; a past one means liquidated unless stated otherwise
    assert liquidation_of(refunds, date(2026, 1, 15), date(2026, 5, 1), None, date(2026, 6, 1)).status == "liquidated"
    stated = liquidation_of(refunds, date(2026, 1, 15), date(2026, 5, 1), False, date(2026, 6, 1))
    assert stated.status == "unliquidated" and "extended or suspended" in stated.basis
    # liquidated, no date, the usual date not reached by the audit date: capped at the audit date, said so
    capped = liquidation_of(refunds, date(2026, 1, 15), None, True, date(2026, 6, 1))
    assert capped.date == date(2026, 6, 1) and "capped" in capped.basis


@pytest.mark.parametrize("audit_day, status", [(date(2026, 11, 11), "open"), (date(2026, 11, 12), "closed")])
def test_the_psc_window_closes_at_the_earlier_limit(tables, audit_day, status):
    # entry 2026-01-15: 300 days -> 2026-11-11; liquidation 2026-11-27 less 15 days -> 2026-11-12.
    liq = Liquidation("unliquidated", date(2026, 11, 27), False, "scheduled")
    w = window(tables.refunds.routes["psc"], date(2026, 1, 15), liq, audit_day)
    assert (w.status, w.closes) == (status, date(2026, 11, 11))


def test_cape_before_it_opened_is_not_yet_open_and_the_choice_prefers_an_open_route(tables):
    routes = tables.refunds.routes
    liq = Liquidation("liquidated", date(2026, 3, 6), False, "given")
    before = window(routes["cape"], date(2025, 5, 1), liq, date(2026, 4, 1))
    assert (before.status, before.opens) == ("not_yet_open", date(2026, 4, 20))
    protest = window(routes["protest"], date(2025, 5, 1), liq, date(2026, 4, 1))
    assert protest.status == "open" and choose([before, protest]) is protest
    # once CAPE opens (80 days after 2026-03-06 is 2026-05-25) it is the first choice
    cape = window(routes["cape"], date(2025, 5, 1), liq, date(2026, 5, 25))
    assert (cape.status, cape.closes) == ("open", date(2026, 5, 25))
    assert choose([cape, window(routes["protest"], date(2025, 5, 1), liq, date(2026, 5, 25))]) is cape


def test_windows_of_an_entry_held_past_its_date(tables):
    routes = tables.refunds.routes
    entry, audit = date(2025, 9, 1), date(2026, 11, 28)
    held = liquidation_of(tables.refunds, entry, date(2026, 7, 17), False, audit)
    assert (held.status, held.date, held.held) == ("unliquidated", None, "extended_or_suspended")
    # no protest before liquidation; CAPE open without a close date; PSC open without an end
    protest = window(routes["protest"], entry, held, audit)
    assert (protest.status, protest.opens, protest.closes) == ("not_yet_open", None, None)
    cape = window(routes["cape"], entry, held, audit)
    assert (cape.status, cape.closes) == ("open", None)
    psc = window(routes["psc"], entry, held, audit)
    assert (psc.status, psc.closes) == ("open", None)
    # the same entry liquidated on 2026-07-17: protest open to 2027-01-13 (14, 31, 30, 31, 30, 31 -> 167 on
    # Dec 31, + 13), CAPE closed on 2026-10-05 (+80: 14, 31, 30, + 5)
    done = liquidation_of(tables.refunds, entry, date(2026, 7, 17), None, audit)
    assert window(routes["protest"], entry, done, audit).closes == date(2027, 1, 13)
    assert (window(routes["cape"], entry, done, audit).status, window(routes["cape"], entry, done, audit).closes) \
        == ("closed", date(2026, 10, 5))


def test_an_ad_cvd_line_without_a_date_is_suspended_not_given_the_usual_date(tables):
    # entry 2025-08-15: the usual date would be Friday 2026-06-26 (314 days: 2026-06-25, a Thursday)
    plain = liquidation_of(tables.refunds, date(2025, 8, 15), None, None, date(2026, 11, 28))
    assert (plain.status, plain.date, plain.held) == ("liquidated", date(2026, 6, 26), None)
    adcvd = liquidation_of(tables.refunds, date(2025, 8, 15), None, None, date(2026, 11, 28), adcvd=True)
    assert (adcvd.status, adcvd.date, adcvd.assumed, adcvd.held) == ("unliquidated", None, True, "suspended")
    assert "AD/CVD entries are suspended" in adcvd.warning
    # said liquidated without a date: the usual date is used, with a warning that it is likely wrong
    said = liquidation_of(tables.refunds, date(2025, 8, 15), None, True, date(2026, 11, 28), adcvd=True)
    assert said.date == date(2026, 6, 26) and "likely wrong" in said.warning
    # the AD/CVD refund: automatic while unliquidated, then a protest window from liquidation
    route = tables.refunds.routes["adcvd_no_order"]
    assert window(route, date(2025, 8, 15), adcvd, date(2026, 11, 28)).status == "automatic"
    w = window(route, date(2025, 8, 15), said, date(2026, 11, 28))
    # 2026-06-26 + 180 = 2026-12-23 (4 days to June 30, 31, 31, 30, 31, 30 -> 157 on Nov 30, + 23)
    assert (w.status, w.opens, w.closes) == ("open", date(2026, 6, 26), date(2026, 12, 23))
