"""Column 1 and special rate text (service.model.rates), without the tables."""
from decimal import Decimal

import pytest

from service.model.rates import Rate, parse_rate, parse_special


@pytest.mark.parametrize("text, ad_valorem, specific, unit", [
    ("Free", "0", None, None),
    ("3.4%", "0.034", None, None),
    ("0%", "0", None, None),
    ("125%", "1.25", None, None),
    ("1.5¢/kg", "0", "0.015", "kg"),
    ("$1.23/kg", "0", "1.23", "kg"),
    ("37.5¢/liter", "0", "0.375", "liter"),
    ("2.6¢/kg of copper content", "0", "0.026", "kg"),     # the content clause is not part of the unit
    ("4.4¢/kg + 10%", "0.1", "0.044", "kg"),                # compound
    ("10% + 4.4¢/kg", "0.1", "0.044", "kg"),                # either order
])
def test_rate_text_is_read_into_exact_parts(text, ad_valorem, specific, unit):
    rate = parse_rate(text)
    assert rate.text == text
    assert rate.ad_valorem == Decimal(ad_valorem) and isinstance(rate.ad_valorem, Decimal)
    assert rate.specific == (Decimal(specific) if specific is not None else None)
    assert rate.unit == unit


def test_percent_is_an_exact_fraction_not_a_float():
    assert parse_rate("3.4%").ad_valorem == Decimal("3.4") / 100
    assert str(parse_rate("3.4%").ad_valorem) == "0.034"
    assert str(parse_rate("0.5%").ad_valorem) == "0.005"


def test_free_is_zero_with_no_specific_part():
    assert parse_rate("Free") == Rate("Free")
    assert parse_rate("Free").specific is None and parse_rate("Free").ad_valorem == 0


def test_whitespace_is_normalised_in_the_kept_text():
    assert parse_rate("  Free ").text == "Free"
    assert parse_rate("5%\n") == Rate("5%", Decimal("0.05"))
    assert parse_rate("1.5¢/kg  +   10% ").text == "1.5¢/kg + 10%"


@pytest.mark.parametrize("text, reason", [
    ("", "rate text is empty"),
    ("   ", "rate text is empty"),
    (None, "rate text is empty"),
    ("3,5%", "cannot read rate '3,5%'"),
    ("3.4 %", "cannot read rate '3.4 %'"),
    ("-3%", "cannot read rate '-3%'"),
    (".5%", "cannot read rate '.5%'"),
    ("free", "cannot read rate 'free'"),              # the HTSUS spelling only
    ("Free + 3%", "cannot read rate 'Free'"),
    ("1.5¢/KG", "cannot read rate '1.5¢/KG'"),
    ("3.4% + 2%", "two ad valorem parts"),
    ("1¢/kg + 2¢/kg", "two specific parts"),
    ("$1.5¢/kg", "needs either $ or ¢"),
    ("1.5/kg", "needs either $ or ¢"),
])
def test_bad_rate_text_raises_value_error_with_a_reason(text, reason):
    with pytest.raises(ValueError) as exc:
        parse_rate(text)
    assert reason in str(exc.value)


def test_a_number_is_refused_not_coerced():
    with pytest.raises(ValueError):
        parse_rate(3.4)


def test_rate_is_immutable():
    rate = parse_rate("3.4%")
    with pytest.raises(AttributeError):
        rate.ad_valorem = Decimal("0")


# ------------------------------------------------------------------ special column

def test_special_column_maps_each_program_code_to_its_rate():
    out = parse_special("Free (A, AU, B, BH, CL) 0.5% (JP)")
    assert list(out) == ["A", "AU", "B", "BH", "CL", "JP"]
    assert {out[c] for c in ("A", "AU", "B", "BH", "CL")} == {Rate("Free")}
    assert out["JP"] == Rate("0.5%", Decimal("0.005"))


def test_special_column_as_printed_without_spaces():
    out = parse_special("Free (A,AU,B,BH,C,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)")
    assert len(out) == 19 and out["KR"] == Rate("Free") and out["S"] == Rate("Free")


def test_special_codes_keep_their_suffix_and_groups_any_order():
    assert set(parse_special("Free (A+, B)")) == {"A+", "B"}
    out = parse_special("2% (JP) Free (KR)")
    assert out["JP"].ad_valorem == Decimal("0.02") and out["KR"] == Rate("Free")


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_special_column_is_no_programs(text):
    assert parse_special(text) == {}


@pytest.mark.parametrize("text, reason", [
    ("Free (A) junk", "cannot read special rate text near ' junk'"),
    ("junk Free (A)", "cannot read rate 'junk Free'"),
    ("Free (A, A)", "program code 'A' listed twice"),
    ("Free (A) 1% (A)", "program code 'A' listed twice"),
    ("Free (A,)", "empty program code"),
    ("Free ()", "empty program code"),
    ("3,5% (JP)", "cannot read rate '3,5%'"),
])
def test_bad_special_text_raises_value_error_with_a_reason(text, reason):
    with pytest.raises(ValueError) as exc:
        parse_special(text)
    assert reason in str(exc.value)
