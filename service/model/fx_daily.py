"""The rate of the date of exportation, chosen by the legal rule from daily certified rates.

The law, quoted (sources: stored eCFR copies of 19 CFR part 159, current through 2024-10-31
and 2026-04-05, and the U.S. Code; ``tariff_tables/fx/README.md`` names them), each point
rated as checked:

* 19 CFR 159.31 (confirmed): "no rate or rates of exchange shall be used to convert foreign
  currency for Customs purposes other than a proclaimed rate or certified rate or rates."
* 31 U.S.C. 5151(a)(2) (confirmed): "when merchandise is exported on a day that banks are
  generally closed in New York, the buying rate at noon on the last prior business day is
  deemed to be the buying rate at noon on the day the merchandise is exported."  Here a day
  without a certified figure (a weekend, or a weekday H.10 marks ``ND``: likely a closure)
  takes the figure of the last prior day that has one.
* 19 CFR 159.34(a) (confirmed): for the currencies of the listed countries (Canada, Japan,
  Mexico, People's Republic of China and others; the euro-area *national* currencies, not
  the euro by name: the euro as quarterly is likely) the quarterly rate is "the rate or rates
  first certified by the Federal Reserve Bank of New York for such foreign currency for a day
  in that quarter".
* 19 CFR 159.34(b)(2) (confirmed): "If the certified daily rate for the date of exportation
  varies by 5 percent or more from the certified quarterly rate, ... such certified daily rate
  shall be used".  How the variation is measured is not stated (unconfirmed): this module
  divides the difference by the certified daily rate, the method 19 CFR 159.33 prescribes for
  the 5 percent test of a proclaimed rate ("the difference between the two rates shall be
  divided by the certified rate"), on the figure as H.10 publishes it; exactly 5 percent
  takes the daily rate.
* 19 CFR 159.35; 31 U.S.C. 5151(d)(1) (likely: 159.35 seen only in paraphrase): other
  currencies (Korea among them) use the certified daily rate for the date of exportation.

Figures are kept as H.10 publishes them (``per_usd``: units per USD; ``usd_per_unit``:
USD per unit, the euro), so the 5 percent test and the conversion use the certified
figure itself, never a rounded inverse.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

QUARTERLY, DAILY = "quarterly", "daily"
BASES = (QUARTERLY, DAILY)
H10, TREASURY = "h10", "treasury"
SOURCES = (H10, TREASURY)
PER_USD, USD_PER_UNIT = "per_usd", "usd_per_unit"
QUOTES = (PER_USD, USD_PER_UNIT)
VARIANCE = Decimal("0.05")     # 19 CFR 159.34(b)(2): "varies by 5 percent or more"
ND = None                      # a weekday H.10 lists with no certified rate ("ND")

CITE_QUARTERLY = "19 CFR 159.34(a)-(b): the rate first certified by the FRBNY for a day in the quarter"
CITE_OVERRIDE = "19 CFR 159.34(b)(2): the export date's certified daily rate varies by 5 percent or more"
CITE_DAILY = "19 CFR 159.35; 31 U.S.C. 5151(d)(1): the certified daily rate for the date of exportation"
CITE_CLOSED = "31 U.S.C. 5151(a)(2): a day without a certified rate takes the last prior business day's rate"


@dataclass(frozen=True)
class FxRule:
    """Which rule a currency follows (19 CFR 159.34 quarterly, or 159.35 daily) and why."""
    basis: str
    cite: str
    confidence: str
    where: str = ""


@dataclass(frozen=True)
class DailyBlock:
    """A stretch of daily rates from one source: every weekday in [start, end) is listed (a rate or ND)."""
    series: str
    source: str                 # "h10" (certified) or "treasury" (reporting rates, not certified)
    quote: str                  # "per_usd" or "usd_per_unit"
    start: date
    end: date                   # exclusive
    cite: str
    confidence: str
    checked: str | None
    where: str
    rates: dict = field(default_factory=dict, hash=False, compare=False)   # date -> Decimal or ND

    def covers(self, day: date) -> bool:
        return self.start <= day < self.end


@dataclass(frozen=True)
class Certified:
    """One day's published figure and the block it comes from."""
    day: date
    rate: Decimal
    block: DailyBlock


@dataclass(frozen=True)
class Choice:
    """The rate the rule picks for an export date, with what it was weighed against."""
    used: Certified
    rule: str                   # "quarterly", "quarterly, daily override", "daily" or "Treasury reporting rate"
    citation: str
    daily: Certified | None = None
    quarterly: Certified | None = None
    variance: Decimal | None = None


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    return date(start.year + (start.month == 10), 1 if start.month == 10 else start.month + 3, 1)


def variance(daily: Decimal, quarterly: Decimal) -> Decimal:
    """How far the daily rate is from the quarterly one: |daily - quarterly| / daily (see the module note)."""
    return abs(daily - quarterly) / daily


class DailySeries:
    """A currency's blocks of one source, read as one calendar: the figure of a day, of a quarter."""

    def __init__(self, blocks):
        self.blocks = tuple(sorted(blocks, key=lambda b: b.start))
        self._starts = [b.start for b in self.blocks]

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def block_on(self, day: date) -> DailyBlock | None:
        i = bisect.bisect_right(self._starts, day) - 1
        return self.blocks[i] if i >= 0 and self.blocks[i].covers(day) else None

    def on(self, day: date) -> Certified | None:
        """The figure for ``day``: its own, or the last prior day's that has one (5151(a)(2)); None if not covered."""
        while (block := self.block_on(day)) is not None:
            rate = block.rates.get(day)
            if rate is not None:
                return Certified(day, rate, block)
            day -= timedelta(days=1)
        return None

    def first_in_quarter(self, day: date) -> Certified | None:
        """The first figure certified for a day in ``day``'s quarter, if the series covers the quarter up to it."""
        probe, end = quarter_start(day), quarter_end(day)
        while probe < end and (block := self.block_on(probe)) is not None:
            rate = block.rates.get(probe)
            if rate is not None:
                return Certified(probe, rate, block)
            probe += timedelta(days=1)
        return None

    def latest_effective(self, day: date) -> Certified | None:
        """Treasury blocks: the latest figure effective on or before ``day`` within a block covering it."""
        block = self.block_on(day)
        if block is None:
            return None
        days = [d for d in block.rates if d <= day and block.rates[d] is not None]
        return Certified(max(days), block.rates[max(days)], block) if days else None


def certified_choice(series: DailySeries, rule: FxRule, day: date) -> Choice | None:
    """The legal rule on H.10 rates for an export date; None when the series does not cover what it needs."""
    daily = series.on(day)
    if daily is None:
        return None
    if rule.basis == DAILY:
        return Choice(daily, DAILY, CITE_DAILY, daily=daily)
    quarterly = series.first_in_quarter(day)
    if quarterly is None:
        return None
    varies = variance(daily.rate, quarterly.rate)
    if varies >= VARIANCE:
        return Choice(daily, "quarterly, daily override", CITE_OVERRIDE, daily, quarterly, varies)
    return Choice(quarterly, QUARTERLY, CITE_QUARTERLY, daily, quarterly, varies)


def treasury_choice(series: DailySeries, day: date) -> Choice | None:
    found = series.latest_effective(day)
    if found is None:
        return None
    return Choice(found, "Treasury reporting rate",
                  "not certified: Treasury Reporting Rates of Exchange (19 CFR 159.31 allows only proclaimed "
                  "or certified rates)")
