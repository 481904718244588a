"""Daily certified exchange rates and the legal rule for the rate of the date of exportation.

19 CFR 159.34: the quarterly rate (first certified for a day in the quarter) unless the export
date's certified daily rate varies from it by 5 percent or more; 19 CFR 159.35: the daily rate;
31 U.S.C. 5151(a)(2): a day without a certified rate takes the last prior business day's rate.
Synthetic tables are written as YAML and read through the real reader, so the rule is tested on
exactly what an author would write.
"""
import re
import shutil
from datetime import date
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

import pytest

from service.model import fx
from service.model.errors import InputError, TableError, TableErrors
from service.tables.load import load_tables
from service.tables.reader import Reader
from service.tables.readers.fx import read_fx

REPO = Path(__file__).resolve().parents[1]
HEAD = 'id: "fx"\ntitle: "test"\nbasis: "test"\ncurrencies:\n'


def currency(code, basis, weeks, start, end, monthly="", quote="per_usd", confidence="confirmed"):
    """One currency's YAML: a rule, one H.10 block of week lines, and optional monthly rows."""
    lines = [f"  {code}:", '    quote: "per_usd"', "    rule:", f'      basis: "{basis}"', '      cite: "test rule"',
             '      confidence: "confirmed"', "    daily:", '      - series: "H10/H10/TEST"', '        source: "h10"',
             f'        quote: "{quote}"', f'        from: "{start}"', f'        to: "{end}"', '        cite: "test block"',
             f'        confidence: "{confidence}"', "        rates:"]
    lines += [f'          "{day}": "{figures}"' for day, figures in weeks]
    lines.append("    values:" + ("" if monthly else " []"))
    lines += [f"      {row}" for row in monthly.splitlines() if row.strip()]
    return "\n".join(lines) + "\n"


def read(tmp_path, *currencies):
    path = tmp_path / "fx" / "rates.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + "".join(currencies), encoding="utf-8")
    return read_fx(Reader(tmp_path), path)


def convert(table, code, day, caller=None):
    return fx.conversion(table, code, date.fromisoformat(day), caller or {})


# 2026-01-01 is a Thursday and a holiday (ND): the quarter's first certified rate is Friday 2026-01-02's.
def quarter(first, then):
    return [("2025-12-29", "101.0000 101.0000 101.0000 ND " + first), ("2026-01-05", " ".join([then] * 5))]


# ---------------------------------------------------------------- the quarterly rule

def test_the_quarterly_rate_is_the_first_rate_certified_in_the_quarter(tmp_path):
    table = read(tmp_path, currency("JPY", "quarterly", quarter("150.0000", "151.0000"), "2025-12-29", "2026-01-12"))
    conv = convert(table, "JPY", "2026-01-07")
    # 2025-12-31's 101 is the last quarter's; 2026-01-02's 150 is the first certified in 2026-Q1.
    assert conv.rule == "quarterly" and conv.rate == Decimal("150.0000") and conv.rate_date == date(2026, 1, 2)
    assert conv.rate_source == fx.CERTIFIED and conv.source == "table"
    assert "159.34" in conv.rule_citation
    # 151 against 150: |151 - 150| / 151 = 0.66%, under 5%.
    assert "varies 0.66% from the quarterly rate 150.0000 (first certified 2026-01-02): under 5%" in conv.check


@pytest.mark.parametrize("first, daily, rule, used", [
    ("95.0000", "100.0000", "quarterly, daily override", "100.0000"),     # |100 - 95| / 100 = 5.00%: the daily rate
    ("95.0100", "100.0000", "quarterly", "95.0100"),                      # 4.99%: the quarterly rate
    ("105.0000", "100.0000", "quarterly, daily override", "100.0000"),    # 5.00% the other way
    ("104.9900", "100.0000", "quarterly", "104.9900"),                    # 4.99% the other way
])
def test_five_percent_boundary_on_both_sides(tmp_path, first, daily, rule, used):
    table = read(tmp_path, currency("JPY", "quarterly", quarter(first, daily), "2025-12-29", "2026-01-12"))
    conv = convert(table, "JPY", "2026-01-06")
    assert conv.rule == rule and conv.rate == Decimal(used)
    pct = (abs(Decimal(daily) - Decimal(first)) / Decimal(daily) * 100).quantize(Decimal("0.01"))
    assert f"varies {pct}% from the quarterly rate {first}" in conv.check
    assert conv.rate_date == (date(2026, 1, 6) if "override" in rule else date(2026, 1, 2))


# ---------------------------------------------------------------- the daily rule, weekends and holidays

def test_a_daily_currency_takes_the_export_dates_own_rate(tmp_path):
    table = read(tmp_path, currency("KRW", "daily", quarter("1400.0000", "1410.0000"), "2025-12-29", "2026-01-12"))
    conv = convert(table, "KRW", "2026-01-06")
    assert conv.rule == "daily" and conv.rate == Decimal("1410.0000") and conv.rate_date == date(2026, 1, 6)
    assert conv.check is None and "159.35" in conv.rule_citation


def test_weekend_and_holiday_take_the_last_prior_business_days_rate(tmp_path):
    weeks = [("2026-01-05", "1400.0000 1401.0000 1402.0000 1403.0000 1404.0000"),
             ("2026-01-12", "ND 1410.0000 1411.0000 1412.0000 1413.0000")]
    table = read(tmp_path, currency("KRW", "daily", weeks, "2026-01-05", "2026-01-19"))
    saturday = convert(table, "KRW", "2026-01-10")
    holiday = convert(table, "KRW", "2026-01-12")          # Monday, ND: banks closed in New York
    for conv in (saturday, holiday):
        assert conv.rate == Decimal("1404.0000") and conv.rate_date == date(2026, 1, 9)
        assert "5151(a)(2)" in conv.rule_citation
    assert "5151(a)(2)" not in convert(table, "KRW", "2026-01-13").rule_citation


def test_a_weekend_export_of_a_quarterly_currency_weighs_fridays_rate(tmp_path):
    table = read(tmp_path, currency("JPY", "quarterly", quarter("95.0000", "100.0000"), "2025-12-29", "2026-01-12"))
    conv = convert(table, "JPY", "2026-01-10")               # Saturday: Friday 2026-01-09's 100 varies 5%
    assert conv.rule == "quarterly, daily override" and conv.rate_date == date(2026, 1, 9)


# ---------------------------------------------------------------- fallbacks and gaps

MONTHLY = '''- from: "2026-02-01"
  to: "2026-03-01"
  rate: "7.0000"
  cite: "test monthly"
  confidence: "likely"'''


def test_outside_the_daily_rates_the_monthly_approximation_is_used_and_said(tmp_path):
    table = read(tmp_path, currency("CNY", "quarterly", quarter("7.1000", "7.1100"), "2025-12-29", "2026-01-12",
                                    monthly=MONTHLY))
    conv = convert(table, "CNY", "2026-02-10")
    assert conv.rate_source == fx.APPROXIMATION and conv.rate == Decimal("7.0000")
    assert conv.rule == "monthly approximation" and conv.confidence == "likely"
    assert "monthly average" in conv.assumption(date(2026, 2, 10))
    # A certified rate is also said, with its rule and day.
    said = convert(table, "CNY", "2026-01-06").assumption(date(2026, 1, 6))
    assert "quarterly rate of the FRBNY-certified H.10 series" in said and "2026-01-02" in said


def test_a_quarter_whose_start_the_daily_rates_do_not_cover_falls_back(tmp_path):
    weeks = [("2026-01-05", "7.1000 7.1000 7.1000 7.1000 7.1000")]
    table = read(tmp_path, currency("CNY", "quarterly", weeks, "2026-01-05", "2026-01-12",
                                    monthly=MONTHLY.replace("2026-02-01", "2026-01-01").replace("2026-03", "2026-02")))
    conv = convert(table, "CNY", "2026-01-07")   # 2026-01-02 (the quarter's first rate) is not in the table
    assert conv.rate_source == fx.APPROXIMATION


def test_a_date_neither_daily_nor_monthly_rates_cover_is_an_error_naming_fx_rates(tmp_path):
    table = read(tmp_path, currency("CNY", "quarterly", quarter("7.1000", "7.1100"), "2025-12-29", "2026-01-12",
                                    monthly=MONTHLY))
    with pytest.raises(InputError) as exc:
        convert(table, "CNY", "2026-03-02")
    assert list(exc.value.errors) == ["fx_rates.CNY"] and "2026-03-02" in exc.value.errors["fx_rates.CNY"][0]
    # The caller's rate still wins everywhere.
    assert convert(table, "CNY", "2026-03-02", {"CNY": Decimal("7.2")}).source == "caller"


def test_a_known_quarterly_rate_without_the_days_rate_is_not_used_and_the_reason_is_said(tmp_path):
    """19 CFR 159.34(b)(2): the quarterly rate holds only if the day's certified rate is within 5% of it."""
    table = read(tmp_path, currency("CNY", "quarterly", quarter("7.1000", "7.1100"), "2025-12-29", "2026-01-12",
                                    monthly=MONTHLY))
    conv = convert(table, "CNY", "2026-02-10")                 # past the daily rows; 2026-Q1's first rate is known
    assert conv.rate_source == fx.APPROXIMATION and conv.rate == Decimal("7.0000")
    reason = ("the quarterly rate 7.1000 CNY per USD (H10/H10/TEST, 2026-01-02) is in the tables, but the certified "
              "daily rate of 2026-02-10 is not")
    assert conv.check.startswith(reason) and "5 percent test of 19 CFR 159.34(b)(2) cannot be made" in conv.check
    assert reason in conv.assumption(date(2026, 2, 10))
    with pytest.raises(InputError) as exc:                     # no monthly row either: refused, with the reason
        convert(table, "CNY", "2026-03-02")
    assert "the quarterly rate 7.1000 CNY per USD" in exc.value.errors["fx_rates.CNY"][0]
    assert "cannot be made" in exc.value.errors["fx_rates.CNY"][0]
    daily = read(tmp_path, currency("KRW", "daily", quarter("1400.0000", "1410.0000"), "2025-12-29", "2026-01-12",
                                    monthly=MONTHLY))
    assert convert(daily, "KRW", "2026-02-10").check is None   # a daily currency has no quarterly rate to weigh


def test_the_shipped_tables_say_why_a_known_quarterly_rate_is_not_used(tables):
    eur = fx.conversion(tables.fx, "EUR", date(2026, 3, 10), {})
    assert eur.rate_source == fx.APPROXIMATION
    assert "the quarterly rate 1.1738 USD per EUR" in eur.check and "2026-03-10 is not" in eur.check
    with pytest.raises(InputError) as exc:
        fx.conversion(tables.fx, "CNY", date(2026, 9, 28), {})
    assert "the quarterly rate 6.7942 CNY per USD" in exc.value.errors["fx_rates.CNY"][0]


def test_a_usd_per_unit_figure_multiplies_exactly(tmp_path):
    weeks = [("2026-01-05", "1.0850 1.0850 1.0850 1.0850 1.0850")]
    table = read(tmp_path, currency("EUR", "daily", weeks, "2026-01-05", "2026-01-12", quote="usd_per_unit"))
    conv = convert(table, "EUR", "2026-01-06")
    # 1 EUR x 1.0850 = 1.085 USD -> 1.09 half-up; dividing by a rounded inverse (0.92165899) would give 1.08.
    assert conv.to_usd(Decimal("1")) == Decimal("1.09")
    assert conv.to_usd(Decimal("1000.00")) == Decimal("1085.00")
    assert conv.published.startswith("1.0850 USD per EUR") and conv.rate == Decimal("0.92165899")


# ---------------------------------------------------------------- the loader

def shipped_copy(tmp_path):
    shutil.copytree(REPO / "tariff_tables", tmp_path / "t")
    return tmp_path / "t"


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def test_the_loader_refuses_bad_daily_rows_with_file_and_line_all_at_once(tmp_path):
    tables = shipped_copy(tmp_path)
    path = tables / "fx" / "rates.yaml"
    text = path.read_text(encoding="utf-8")
    bad_rate = '"2024-01-08": "7.1540 7.1675 7.1711 7.1670 7.1665"'
    short_week = '"2024-01-08": "143.8900'          # JPY: the line then stops before its Friday
    assert text.count(bad_rate) == 1 and short_week in text
    text = text.replace(bad_rate, bad_rate.replace("7.1675", "7.16.75"))
    jpy_line = text[text.index(short_week):].split("\n", 1)[0]
    text = text.replace(jpy_line, jpy_line.rsplit(" ", 1)[0] + '"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TableErrors) as exc:
        load_tables(tables)
    found = {(e.where, e.reason) for e in exc.value.errors}
    assert (f"fx/rates.yaml:{line_of(text, bad_rate.replace('7.1675', '7.16.75'))}",
            "2024-01-09: bad rate '7.16.75': a figure such as \"7.1069\", or \"ND\"") in found
    jpy_next = line_of(text, '"2024-01-15": "ND 147.')
    assert any(where == f"fx/rates.yaml:{jpy_next}" and "expected the line for 2024-01-12" in reason
               for where, reason in found), found


@pytest.mark.parametrize("old, new, message", [
    ('"2024-01-01": "ND 7.1426', '"2024-01-06": "ND 7.1426', "expected the line for 2024-01-01"),
    ('basis: "quarterly"', 'basis: "monthly"', "basis must be one of quarterly, daily"),
    ('source: "h10"', 'source: "fred"', "source must be one of h10, treasury"),
])
def test_the_loader_refuses_a_bad_block(tmp_path, old, new, message):
    path = tmp_path / "fx" / "rates.yaml"
    path.parent.mkdir()
    text = (REPO / "tariff_tables" / "fx" / "rates.yaml").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(TableError) as exc:
        read_fx(Reader(tmp_path), path)
    errors = getattr(exc.value, "errors", [exc.value])
    assert any(message in e.reason and re.fullmatch(r"fx/rates\.yaml:\d+", e.where) for e in errors), errors


# ---------------------------------------------------------------- the shipped rates

def test_shipped_daily_rates_reproduce_the_confirmed_monthly_averages(tables):
    """Every confirmed monthly G.5 figure equals the mean of the month's certified daily rates in the same file."""
    compared = 0
    for code, cur in tables.fx.currencies.items():
        for value in cur.values:
            days = [r for b in cur.certified.blocks for d, r in b.rates.items()
                    if r is not None and (d.year, d.month) == (value.start.year, value.start.month)]
            if value.confidence != "confirmed" or len(days) < 15:
                continue
            mean = (sum(days) / len(days)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
            if cur.certified.blocks[0].quote == "usd_per_unit":      # the euro: G.5 USD per EUR, inverted
                mean = (1 / mean).quantize(Decimal("0.000001"), ROUND_HALF_UP)
            assert mean == value.rate, (code, value.start)
            compared += 1
    assert compared >= 40


def test_shipped_jpy_in_august_2024_shows_why_the_daily_override_exists(tables):
    """The example of the README: 2024-Q3's quarterly rate 161.55 (2024-07-01), 143.95 on 2024-08-05."""
    conv = fx.conversion(tables.fx, "JPY", date(2024, 8, 5), {})
    assert conv.rule == "quarterly, daily override" and conv.rate == Decimal("143.95")
    before = fx.conversion(tables.fx, "JPY", date(2024, 7, 10), {})
    assert before.rule == "quarterly" and before.rate == Decimal("161.55") and before.rate_date == date(2024, 7, 1)


# ---------------------------------------------------------------- through the API

def test_landed_cost_with_a_cny_price_on_a_certified_day(client):
    body = {"entry_date": "2026-04-10", "export_date": "2026-03-06", "mode": "air",
            "lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "1000", "unit_price": "700",
                       "currency": "CNY"}]}
    r = client.post("/v1/landed-cost", json=body)
    assert r.status_code == 200, r.get_json()
    line = r.get_json()["lines"][0]
    # 2026-Q1's first certified CNY rate: 6.9877 on 2026-01-02 (Thursday 2026-01-01 was ND). 2026-03-06's own
    # rate 6.8965 varies |6.8965 - 6.9877| / 6.8965 = 1.32%: under 5%, so the quarterly rate applies.
    # 700,000 CNY / 6.9877 = 100,176.0236 -> 100,176.02 USD (half-up to the cent).
    assert line["price_usd"] == "100176.02"
    fx_doc = line["fx"]
    assert fx_doc["units_per_usd"] == "6.9877" and fx_doc["rate_source"] == "certified (H.10)"
    assert fx_doc["rule"] == "quarterly" and fx_doc["rate_date"] == "2026-01-02"
    assert "159.34" in fx_doc["rule_citation"] and "H10/H10/RXI_N.B.CH" in fx_doc["published_rate"]
    assert "varies 1.32%" in fx_doc["check"]
    assumptions = [a["assumption"] for a in r.get_json()["assumptions"] if a["fact"] == "fx_rates.CNY"]
    assert len(assumptions) == 1 and "2026-01-02" in assumptions[0]
