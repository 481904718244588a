"""Dated lookup (service.model.periods): start inclusive, end exclusive, gaps, open ends."""
from dataclasses import dataclass
from datetime import date

import pytest

from service.model.periods import Dated, on_day


@dataclass(frozen=True)
class Period(Dated):
    start: date
    end: date | None
    name: str = ""


JAN = Period(date(2024, 1, 1), date(2024, 2, 1), "jan")
FEB = Period(date(2024, 2, 1), date(2024, 3, 1), "feb")            # adjoins JAN
# a gap: 2024-03-01 .. 2024-03-31 is covered by nothing
APR_ON = Period(date(2024, 4, 1), None, "april onwards")           # open end
PERIODS = [JAN, FEB, APR_ON]
STARTS = [p.start for p in PERIODS]


@pytest.mark.parametrize("day, expected", [
    (date(2023, 12, 31), None),             # before the first start
    (date(2024, 1, 1), JAN),                # start inclusive
    (date(2024, 1, 31), JAN),               # last day
    (date(2024, 2, 1), FEB),                # JAN's end is exclusive: the next period's first day
    (date(2024, 2, 29), FEB),
    (date(2024, 3, 1), None),               # FEB's end is exclusive, and nothing starts: a gap
    (date(2024, 3, 31), None),              # still in the gap
    (date(2024, 4, 1), APR_ON),
    (date(2099, 12, 31), APR_ON),           # open end covers every later day
])
def test_on_day_finds_the_period_covering_the_day(day, expected):
    assert on_day(PERIODS, STARTS, day) is expected


def test_on_day_with_no_periods_is_none():
    assert on_day([], [], date(2024, 1, 1)) is None


def test_a_closed_last_period_ends_exclusive():
    only = [JAN]
    assert on_day(only, [JAN.start], date(2024, 1, 31)) is JAN
    assert on_day(only, [JAN.start], date(2024, 2, 1)) is None
    assert on_day(only, [JAN.start], date(2030, 1, 1)) is None


def test_a_one_day_period():
    day = Period(date(2025, 4, 9), date(2025, 4, 10), "one day")
    after = Period(date(2025, 4, 10), None, "after")
    periods = [day, after]
    starts = [p.start for p in periods]
    assert on_day(periods, starts, date(2025, 4, 8)) is None
    assert on_day(periods, starts, date(2025, 4, 9)) is day
    assert on_day(periods, starts, date(2025, 4, 10)) is after


@pytest.mark.parametrize("day, covered", [
    (date(2023, 12, 31), False),
    (date(2024, 1, 1), True),
    (date(2024, 1, 31), True),
    (date(2024, 2, 1), False),
])
def test_covers_is_start_inclusive_end_exclusive(day, covered):
    assert JAN.covers(day) is covered


def test_covers_with_an_open_end():
    assert APR_ON.covers(date(2024, 4, 1)) and APR_ON.covers(date(9999, 12, 31))
    assert not APR_ON.covers(date(2024, 3, 31))
