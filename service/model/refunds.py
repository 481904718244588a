"""Refunds of duties paid: the routes and their windows, the liquidation assumption, and interest.

Kept in ``tariff_tables/refunds/`` as dated, cited tables (the law as data):

* ``interest.yaml``: the quarterly overpayment interest rates CBP pays on
  refunds of duties (19 U.S.C. 1505(c), at the rates of 26 U.S.C. 6621), for
  non-corporate and corporate importers, and how interest compounds;
* ``routes.yaml``: each administrative route to a refund (a post-summary
  correction before liquidation, a protest after it, CBP's IEEPA refund
  process, the refund of AD/CVD deposits when no order issued), the window
  in which it is open, and whether interest is paid on it; the liquidation
  period assumed when an entry's liquidation date is not given; and the
  routes tried, in order, for an overpayment and for a contingent duty.

Windows are computed from an entry's dates by one rule per window kind
(:data:`WINDOW_KINDS`); the numbers of days and the dates are data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from service.model.errors import InputError
from service.model.periods import Dated, on_day

IMPORTER_TYPES = ("corporate", "non_corporate")
COMPOUNDING = ("daily",)
# before_liquidation: from the entry until ``days_before_liquidation`` days before the (scheduled)
#   liquidation date, and no later than ``max_days_after_entry`` days after entry (a post-summary correction);
# after_liquidation: from liquidation until ``days_after_liquidation`` days after it (a protest);
# refund_process: a process open from its value's ``from`` date to unliquidated entries and to entries
#   liquidated no more than ``days_after_liquidation`` days before (CBP's IEEPA refund process);
# after_final_liquidation: from ``days_after_liquidation`` days after liquidation (when it is final), with
#   no known end (IEEPA duties on finally liquidated entries);
# limitation: from the entry until ``years_after_entry`` years after it (prior disclosure of an underpayment);
# automatic: no filing while the entry is unliquidated (AD/CVD deposits refunded at liquidation on CBP's
#   instructions); once it has liquidated, a deposit kept is protested within ``days_after_liquidation`` days.
# A before_liquidation window of an entry whose liquidation is extended or suspended runs to
# ``days_before_liquidation`` days before the new date, without the limit after entry (84 FR 40430).
WINDOW_KINDS = ("before_liquidation", "after_liquidation", "refund_process", "after_final_liquidation",
                "limitation", "automatic")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ONE = Decimal(1)


@dataclass(frozen=True)
class InterestRate(Dated):
    """One quarter's overpayment rates (annual, as fractions)."""

    start: date
    end: date | None
    non_corporate: Decimal
    corporate: Decimal
    cite: str
    confidence: str
    where: str = ""
    url: str | None = None

    def rate(self, importer_type: str) -> Decimal:
        return self.corporate if importer_type == "corporate" else self.non_corporate


@dataclass(frozen=True)
class Citation:
    cite: str
    confidence: str

    def doc(self) -> dict:
        return {"citation": self.cite, "confidence": self.confidence}


@dataclass
class InterestTable:
    id: str
    title: str
    basis: Citation                # the law the rates rest on
    compounding: str               # "daily"
    compounding_basis: Citation
    values: tuple[InterestRate, ...]
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]

    def rate_on(self, day: date) -> InterestRate | None:
        return on_day(self.values, self._starts, day)

    def segments(self, start: date, end: date) -> list[tuple[InterestRate, date, date]]:
        """The days from ``start`` (inclusive) to ``end`` (exclusive), cut where the rate changes;
        an :class:`InputError` naming ``interest_to`` for a day the table does not cover."""
        out, day = [], start
        while day < end:
            value = self.rate_on(day)
            if value is None:
                raise InputError.field("interest_to", _uncovered(self, day))
            stop = min(end, value.end) if value.end else end
            out.append((value, day, stop))
            day = stop
        return out


def _uncovered(table: InterestTable, day: date) -> str:
    first, last = table.values[0], table.values[-1]
    reach = f"from {first.start} to {last.end} (exclusive)" if last.end else f"from {first.start}"
    return (f"no overpayment interest rate in the tables for {day} (they hold the quarterly rates {reach}); "
            "give interest_to within that period")


def compound_factor(table: InterestTable, start: date, end: date, importer_type: str) -> Decimal:
    """The growth of one dollar deposited on ``start`` by ``end``, compounded daily.

    Each day from ``start`` (inclusive) to ``end`` (exclusive) earns the rate of
    its quarter divided by the days of its year (365, or 366 in a leap year).
    The result is exact to the decimal context's 34 significant digits (the
    daily rate r/365 has no finite decimal form); the interest on an amount is
    rounded half-up to the cent by the caller, the one rounding point.
    """
    factor = ONE
    for value, first, stop in table.segments(start, end):
        rate = value.rate(importer_type)
        for year_first, year_stop in _by_year(first, stop):
            days = (year_stop - year_first).days
            factor *= (ONE + rate / _days_in_year(year_first.year)) ** days
    return factor


def _by_year(first: date, stop: date) -> list[tuple[date, date]]:
    out = []
    while first < stop:
        year_end = min(stop, date(first.year + 1, 1, 1))
        out.append((first, year_end))
        first = year_end
    return out


def _days_in_year(year: int) -> int:
    return 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365


@dataclass(frozen=True)
class RouteRule(Dated):
    """One dated value of a route: its window and whether the refund bears interest."""

    start: date
    end: date | None
    window: str
    interest: bool
    cite: str
    confidence: str
    days_before_liquidation: int | None = None
    max_days_after_entry: int | None = None
    days_after_liquidation: int | None = None
    years_after_entry: int | None = None
    contested: bool = False            # the route's outcome is disputed in court (reported apart)
    note: str | None = None
    where: str = ""


@dataclass
class Route:
    id: str
    title: str
    values: tuple[RouteRule, ...]
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]

    def rule_on(self, day: date) -> RouteRule | None:
        return on_day(self.values, self._starts, day)

    @property
    def opened(self) -> date:
        return self.values[0].start


@dataclass(frozen=True)
class LiquidationRule(Dated):
    """How long after entry an entry is assumed to liquidate when its date is not given."""

    start: date
    end: date | None
    days_after_entry: int
    cite: str
    confidence: str
    posted_on: str | None = None      # the weekday liquidations are posted on (the date moves to the next one)
    note: str | None = None
    where: str = ""

    def assumed_date(self, entry_date: date) -> date:
        day = entry_date + timedelta(days=self.days_after_entry)
        if self.posted_on is not None:
            day += timedelta(days=(WEEKDAYS.index(self.posted_on) - day.weekday()) % 7)
        return day


@dataclass
class RefundTables:
    interest: InterestTable
    routes: dict[str, Route]
    liquidation: tuple[LiquidationRule, ...]
    overpayment_routes: tuple[str, ...]   # routes tried, in order, for duty paid beyond the assessed stack
    contingent_routes: tuple[str, ...]    # routes that keep a claim on a contingent duty alive
    underpayment_routes: tuple[str, ...]  # routes to correct duty assessed and not paid
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.liquidation]

    def liquidation_on(self, entry_date: date) -> LiquidationRule | None:
        return on_day(self.liquidation, self._starts, entry_date)


__all__ = ["IMPORTER_TYPES", "COMPOUNDING", "WINDOW_KINDS", "WEEKDAYS", "Citation", "InterestRate", "InterestTable", "compound_factor",
           "RouteRule", "Route", "LiquidationRule", "RefundTables"]
