"""Exact money (service.model.money): parsing, the rounding points and allocation."""
import decimal
import itertools
from decimal import Decimal

import pytest

from service.model.money import (
    CONTEXT,
    MAX_AMOUNT,
    allocate,
    cents,
    fmt_money,
    fmt_decimal,
    parse_amount,
    parse_decimal,
    per_unit,
    rate6,
)

D = Decimal


# ------------------------------------------------------------------ parsing

@pytest.mark.parametrize("given, expected", [
    ("100000", D("100000")),
    (" 12.50 ", D("12.50")),
    ("0", D("0")),
    ("-3.2", D("-3.2")),
    ("1E+3", D("1000")),
    (7, D("7")),
    (D("1.10"), D("1.10")),
])
def test_parse_decimal_reads_strings_ints_and_decimals_exactly(given, expected):
    value = parse_decimal(given)
    assert value == expected and isinstance(value, Decimal)
    if isinstance(given, str):
        assert str(value) == given.strip()   # no float round trip: the digits as written


@pytest.mark.parametrize("given, reason", [
    (0.1, "must be given as a decimal string, not float"),
    (True, "must be given as a decimal string, not bool"),
    ("", "is not a decimal number"),
    ("   ", "is not a decimal number"),
    ("ten", "is not a decimal number"),
    ("1,000", "is not a decimal number"),
    ("1" * 41, "is not a decimal number"),
    (None, "is not a decimal number"),
    ([1], "is not a decimal number"),
    ("NaN", "must be a finite number"),
    ("Infinity", "must be a finite number"),
    ("-inf", "must be a finite number"),
])
def test_parse_decimal_refuses_floats_and_non_numbers(given, reason):
    with pytest.raises(ValueError) as exc:
        parse_decimal(given, "unit_price")
    assert str(exc.value).startswith("unit_price ") and reason in str(exc.value)


def test_parse_decimal_accepts_forty_characters():
    assert parse_decimal("1" * 40) == D("1" * 40)


@pytest.mark.parametrize("given", ["0", "0.00", "0.01", "100000", str(MAX_AMOUNT), MAX_AMOUNT])
def test_parse_amount_accepts_zero_to_the_maximum(given):
    assert parse_amount(given) == D(given)


def test_parse_amount_maximum_is_one_trillion():
    assert MAX_AMOUNT == D("1000000000000")


@pytest.mark.parametrize("given, reason", [
    ("-0.01", "value must not be negative"),
    ("-1", "value must not be negative"),
    (str(MAX_AMOUNT + D("0.01")), f"value must not exceed {MAX_AMOUNT}"),
    ("1E+13", "is written with an exponent"),        # refused as written, whatever its size
    (D("1E+13"), f"value must not exceed {MAX_AMOUNT}"),   # a JSON number: read, then bounded
    (0.5, "value must be given as a decimal string, not float"),
    ("abc", "value is not a decimal number"),
])
def test_parse_amount_bounds(given, reason):
    with pytest.raises(ValueError) as exc:
        parse_amount(given)
    assert reason in str(exc.value)


def test_parse_amount_names_the_field():
    with pytest.raises(ValueError, match=r"^steel_content_value must not be negative$"):
        parse_amount("-1", "steel_content_value")


def test_the_context_traps_floats():
    with decimal.localcontext(CONTEXT):
        with pytest.raises(decimal.FloatOperation):
            Decimal(0.1)
        with pytest.raises(decimal.FloatOperation):
            Decimal("1") < 0.5   # the comparison itself raises


# ------------------------------------------------------------------ rounding points

@pytest.mark.parametrize("amount, expected", [
    ("0.004", "0.00"),
    ("0.005", "0.01"),
    ("0.015", "0.02"),
    ("0.025", "0.03"),          # half-up, not banker's rounding (which gives 0.02)
    ("2.675", "2.68"),
    ("98880.285", "98880.29"),  # 710,000 CNY / 7.1804, the worked example in test_landed_cost
    ("-0.005", "-0.01"),        # half away from zero
    ("12", "12.00"),
])
def test_cents_rounds_half_up_to_the_cent(amount, expected):
    result = cents(D(amount))
    assert str(result) == expected


@pytest.mark.parametrize("rate, expected", [
    ("0.4840005", "0.484001"),
    ("0.4840004999", "0.484000"),
    ("0.1165", "0.116500"),
    ("1", "1.000000"),
])
def test_rate6_rounds_half_up_to_six_places(rate, expected):
    assert str(rate6(D(rate))) == expected


@pytest.mark.parametrize("amount, count, expected", [
    ("144671.40", "1000", "144.6714"),
    ("1", "3", "0.3333"),
    ("2", "3", "0.6667"),
    ("0.00005", "1", "0.0001"),
    ("550000.00", "8960", "61.3839"),   # the per-kWh worked example
])
def test_per_unit_rounds_half_up_to_four_places(amount, count, expected):
    assert str(per_unit(D(amount), D(count))) == expected


@pytest.mark.parametrize("rate, expected", [
    ("0.25000", "0.25"),
    ("0.034", "0.034"),
    ("1E+1", "10"),
    ("0", "0"),
    ("0.000", "0"),
    ("-0", "0"),
    ("0.0000001", "0.0000001"),        # never an exponent
])
def test_fmt_rate_is_a_plain_fraction(rate, expected):
    assert fmt_decimal(D(rate)) == expected


@pytest.mark.parametrize("amount, expected", [("5", "5.00"), ("1E+3", "1000.00"), ("48400", "48400.00"),
                                              ("0.1", "0.10")])
def test_fmt_money_has_two_places(amount, expected):
    assert fmt_money(D(amount)) == expected


# ------------------------------------------------------------------ allocation

def test_allocate_splits_in_proportion_when_it_divides_evenly():
    assert allocate(D("300.00"), [D("1"), D("2")]) == [D("100.00"), D("200.00")]


def test_allocate_gives_left_over_cents_to_the_largest_remainders():
    # 0.10 over weights 1:1:1 -> 3.33.. cents each; floors 3,3,3 leave 1 cent for the first (ties by position)
    assert allocate(D("0.10"), [D("1"), D("1"), D("1")]) == [D("0.04"), D("0.03"), D("0.03")]
    # 1.00 over 1:2:3 -> 16.67, 33.33, 50 cents: the largest remainder (.67) takes the cent
    assert allocate(D("1.00"), [D("1"), D("2"), D("3")]) == [D("0.17"), D("0.33"), D("0.50")]


def test_allocate_ties_go_to_the_earlier_position():
    assert allocate(D("0.05"), [D("1")] * 3) == [D("0.02"), D("0.02"), D("0.01")]
    assert allocate(D("0.01"), [D("1")] * 4) == [D("0.01"), D("0"), D("0"), D("0")]


def test_zero_weights_get_nothing():
    assert allocate(D("0.01"), [D("0"), D("1"), D("1")]) == [D("0"), D("0.01"), D("0")]
    assert allocate(D("125.00"), [D("0"), D("100000")]) == [D("0"), D("125.00")]


def test_all_zero_weights_split_equally():
    assert allocate(D("0.05"), [D("0"), D("0")]) == [D("0.03"), D("0.02")]
    assert allocate(D("651.50"), [D("0")] * 2) == [D("325.75"), D("325.75")]


def test_allocate_rounds_the_total_half_up_to_the_cent_first():
    assert sum(allocate(D("10.005"), [D("1"), D("1")])) == D("10.01")
    assert sum(allocate(D("10.004"), [D("1"), D("1")])) == D("10.00")


def test_allocate_nothing_over_no_weights():
    assert allocate(D("100.00"), []) == []


def test_allocate_parts_are_whole_cents():
    for part in allocate(D("651.50"), [D("3"), D("7"), D("11")]):
        assert part == cents(part) and part.as_tuple().exponent == -2


TOTALS = ["0.00", "0.01", "0.99", "33.58", "651.50", "98880.29", "1000000000000.00"]
WEIGHTS = [
    [D("1")],
    [D("1"), D("1"), D("1")],
    [D("100000"), D("1000"), D("0.01")],
    [D("0"), D("3"), D("0"), D("7")],
    [D("12345.67"), D("98765.43"), D("5"), D("5"), D("0.5")],
    [D("1")] * 7,
]


@pytest.mark.parametrize("total, weights", list(itertools.product(TOTALS, WEIGHTS)))
def test_allocated_cents_sum_exactly_to_the_total(total, weights):
    parts = allocate(D(total), weights)
    assert len(parts) == len(weights)
    assert sum(parts, D("0")) == D(total)
    assert all(p >= 0 for p in parts)
    # each part is within one cent of its exact share, and zero weights get nothing
    weight_sum = sum(weights, D("0"))
    for p, w in zip(parts, weights):
        assert abs(p - D(total) * w / weight_sum) < D("0.01")
        if w == 0:
            assert p == 0
