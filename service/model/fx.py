"""Currency conversion for customs valuation.

Foreign amounts are converted to USD at the rate for the **date of
exportation** (19 CFR 159.32; 31 U.S.C. 5151).  Only proclaimed or certified
rates may be used (19 CFR 159.31: "no rate or rates of exchange shall be used
to convert foreign currency for Customs purposes other than a proclaimed rate
or certified rate or rates").  Rates come, in order, from:

1. rates the caller passes (``fx_rates``: units of the currency per USD), for
   example the CBP rate from the broker's ACE feed;
2. ``tariff_tables/fx/rates.yaml`` daily rates certified by the Federal Reserve
   Bank of New York (Federal Reserve H.10), with the legal rule of
   :mod:`service.model.fx_daily`: the quarterly rate for the currencies of 19 CFR
   159.34(a) unless the export date's certified rate varies from it by 5 percent
   or more (159.34(b)(2)), the daily rate for the others (159.35), and for a
   weekend or holiday the last prior business day's rate (31 U.S.C. 5151(a)(2));
   reported as "certified (H.10)";
3. the same file's monthly averages of those certified rates (G.5 method), where
   no daily rates cover the date: an approximation, reported as an assumption;
4. Treasury reporting rates (not certified; 19 CFR 159.31 does not allow them for
   customs valuation) where a reviewer added them and nothing else covers the
   date, reported as "not certified (Treasury)".

A currency or date none of these covers is an error naming ``fx_rates``, never
a silent rate.

A quarterly currency whose quarterly rate is in the tables (the first certified
day of the export date's quarter is among the daily rows) but whose export date
is past the last daily row does **not** take that quarterly rate: 19 CFR
159.34(b)(2) makes the quarterly rate conditional on the export date's own
certified rate varying from it by less than 5 percent, and without that day's
figure the test cannot be made (a quarter's rates can move more than 5 percent:
JPY in 2024-Q3).  The conversion then falls back as above (monthly average,
Treasury, or an error naming ``fx_rates``) and says why the quarterly rate was
not used (``check``, the assumption, the error message), so the reviewer knows
that adding the day's H.10 figure may settle the rate.  Conversion is a named rounding point: the USD amount is rounded
half-up to the cent; a rate published as USD per unit (the euro) multiplies, so
the certified figure is used exactly, never a rounded inverse.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

import pycountry

from service.model import fx_daily as rule
from service.model.errors import InputError
from service.model.money import cents, fmt_decimal, parse_decimal
from service.model.periods import Dated, on_day

MIN_RATE = Decimal("0.000001")   # bounds for a caller's rate (units per USD)
MAX_RATE = Decimal("1000000000")
SHOWN_PLACES = Decimal("0.00000001")   # units_per_usd shown for a USD-per-unit figure (display only)

# Where a table rate comes from, as the conversion reports it.
CERTIFIED = "certified (H.10)"
APPROXIMATION = "approximation (monthly average)"
NOT_CERTIFIED = "not certified (Treasury)"


@dataclass(frozen=True)
class FxValue(Dated):
    start: date
    end: date | None
    rate: Decimal          # units of the currency per 1 USD
    cite: str
    confidence: str
    where: str


@dataclass
class FxCurrency:
    code: str
    values: tuple[FxValue, ...]                      # monthly approximations
    rule: rule.FxRule | None = None                  # 19 CFR 159.34 quarterly or 159.35 daily
    daily: tuple[rule.DailyBlock, ...] = ()          # H.10 and Treasury blocks
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]
        self.certified = rule.DailySeries(b for b in self.daily if b.source == rule.H10)
        self.treasury = rule.DailySeries(b for b in self.daily if b.source == rule.TREASURY)

    def value_on(self, day: date) -> FxValue | None:
        return on_day(self.values, self._starts, day)


@dataclass(frozen=True)
class FxTable:
    title: str
    basis: str
    currencies: dict[str, FxCurrency]


@functools.lru_cache(maxsize=None)
def iso_currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def normalize_currency(code, name: str = "currency") -> str:
    if not isinstance(code, str) or code.strip().upper() not in iso_currencies():
        raise InputError.field(name, f"unknown currency {str(code)[:12]!r}: expected an ISO 4217 code such as USD, CNY")
    return code.strip().upper()


@dataclass(frozen=True)
class Conversion:
    currency: str
    rate: Decimal             # units per USD; 1 for USD (shown rounded for a USD-per-unit figure)
    source: str               # "identity", "caller" or "table"
    cite: str | None = None
    confidence: str = "confirmed"
    rate_source: str | None = None          # CERTIFIED, APPROXIMATION or NOT_CERTIFIED (table rates)
    rule: str | None = None                 # "quarterly", "quarterly, daily override", "daily", ...
    rule_citation: str | None = None
    rate_date: date | None = None           # the day whose published figure was used
    published: str | None = None            # the figure as published, with its quote
    check: str | None = None                # the 5 percent test, in words (or why it could not be made)
    usd_per_unit: Decimal | None = None     # set when the figure is USD per unit: amount x figure

    def to_usd(self, amount: Decimal) -> Decimal:
        """Rounding point: a foreign amount converted to USD, half-up to the cent."""
        if self.currency == "USD":
            return cents(amount)
        if self.usd_per_unit is not None:
            return cents(amount * self.usd_per_unit)
        return cents(amount / self.rate)

    def doc(self) -> dict:
        out = {"currency": self.currency, "units_per_usd": fmt_decimal(self.rate), "source": self.source}
        if self.cite:
            out["citation"] = self.cite
            out["confidence"] = self.confidence
        extra = {"rate_source": self.rate_source, "rule": self.rule, "rule_citation": self.rule_citation,
                 "rate_date": self.rate_date.isoformat() if self.rate_date else None,
                 "published_rate": self.published, "check": self.check}
        out.update({k: v for k, v in extra.items() if v})
        return out

    def assumption(self, export_date: date | None) -> str | None:
        """What a quote should say it assumed about this rate (None for a caller's rate or USD)."""
        if self.source != "table":
            return None
        shown = self.published or f"{fmt_decimal(self.rate)} {self.currency} per USD"
        if self.rate_source == CERTIFIED:
            return (f"{self.currency} converted at {shown}, the {self.rule} rate of the FRBNY-certified H.10 "
                    f"series for export date {export_date} (rate of {self.rate_date}; {self.rule_citation}); "
                    "CBP's certified rate in ACE governs: pass fx_rates to use it")
        why = f"; {self.check}" if self.check else ""
        if self.rate_source == NOT_CERTIFIED:
            return (f"{self.currency} converted at {shown}, a Treasury reporting rate effective {self.rate_date}: "
                    f"not certified, not for customs valuation without review (19 CFR 159.31){why}; pass fx_rates")
        return (f"{self.currency} converted at {shown}, the monthly average of the FRBNY-certified rates for "
                f"the export month ({export_date}); CBP applies the certified quarterly or daily rate "
                f"(19 CFR 159.34-159.35){why}: pass fx_rates for the exact figure")


def parse_caller_rates(raw) -> dict[str, Decimal]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > 50:
        raise InputError.field("fx_rates", "must be an object of ISO 4217 code to units per USD")
    out = {}
    for code, value in raw.items():
        code = normalize_currency(code, "fx_rates")
        try:
            rate = parse_decimal(value, f"fx_rates.{code}")
        except ValueError as exc:
            raise InputError.field(f"fx_rates.{code}", str(exc)) from None
        if not MIN_RATE <= rate <= MAX_RATE:
            raise InputError.field(f"fx_rates.{code}", f"must be between {MIN_RATE} and {MAX_RATE} units per USD")
        if code in out:
            raise InputError.field(f"fx_rates.{code}", "given twice")
        out[code] = rate
    return out


def conversion(table: FxTable | None, currency: str, export_date: date | None,
               caller: dict[str, Decimal]) -> Conversion:
    """The conversion of ``currency`` for an export date: caller's rate, certified, monthly, Treasury, or an error."""
    if currency == "USD":
        return Conversion("USD", Decimal(1), "identity")
    if currency in caller:
        return Conversion(currency, caller[currency], "caller")
    if export_date is None:
        raise InputError.field("export_date", f"needed to convert {currency} (19 CFR 159.32: the rate for the date "
                                              "of exportation), or pass fx_rates")
    cur = table.currencies.get(currency) if table else None
    certified = cur and _certified(cur, export_date)
    if certified:
        return certified
    found = cur and (_monthly(cur, export_date) or _treasury(cur, export_date))
    why = cur and quarterly_not_weighable(cur, export_date)
    if not found:
        raise _not_covered(table, currency, export_date, why)
    return replace(found, check=why) if why else found


def quarterly_not_weighable(cur: FxCurrency, day: date) -> str | None:
    """Why a quarterly rate the tables hold is not used for ``day`` (see the module note), else None."""
    if cur.rule is None or cur.rule.basis != rule.QUARTERLY or not cur.certified or cur.certified.on(day):
        return None
    quarterly = cur.certified.first_in_quarter(day)
    if quarterly is None:
        return None
    return (f"the quarterly rate {_published(cur.code, quarterly)} is in the tables, but the certified daily "
            f"rate of {day} is not (the daily rows end before it), so the 5 percent test of 19 CFR 159.34(b)(2) "
            "cannot be made and the quarterly rate is not used")


def _certified(cur: FxCurrency, day: date) -> Conversion | None:
    if not cur.certified or cur.rule is None:
        return None
    choice = rule.certified_choice(cur.certified, cur.rule, day)
    if choice is None:
        return None
    confidence = _lowest(choice.used.block.confidence, cur.rule.confidence)
    conv = _from_choice(cur.code, choice, CERTIFIED, f"{choice.used.block.cite}; rule: {cur.rule.cite}",
                        confidence, _check_text(choice))
    if choice.daily.day != day:       # a weekend or a day without a certified rate
        conv = replace(conv, rule_citation=f"{conv.rule_citation}; {rule.CITE_CLOSED}")
    return conv


def _treasury(cur: FxCurrency, day: date) -> Conversion | None:
    choice = rule.treasury_choice(cur.treasury, day) if cur.treasury else None
    if choice is None:
        return None
    return _from_choice(cur.code, choice, NOT_CERTIFIED, choice.used.block.cite,
                        _lowest(choice.used.block.confidence, "unconfirmed"), None)


def _monthly(cur: FxCurrency, day: date) -> Conversion | None:
    value = cur.value_on(day)
    if value is None:
        return None
    return Conversion(cur.code, value.rate, "table", value.cite, value.confidence, rate_source=APPROXIMATION,
                      rule="monthly approximation", rule_citation="19 CFR 159.34-159.35 (approximated)",
                      published=f"{fmt_decimal(value.rate)} {cur.code} per USD (monthly average "
                                f"{value.start.isoformat()[:7]})")


def _from_choice(code: str, choice: rule.Choice, source: str, cite: str, confidence: str,
                 check: str | None) -> Conversion:
    used = choice.used
    per_unit = used.block.quote == rule.USD_PER_UNIT
    units = (Decimal(1) / used.rate).quantize(SHOWN_PLACES) if per_unit else used.rate
    return Conversion(code, units, "table", cite, confidence, rate_source=source, rule=choice.rule,
                      rule_citation=choice.citation, rate_date=used.day, published=_published(code, used),
                      check=check, usd_per_unit=used.rate if per_unit else None)


def _published(code: str, found: rule.Certified) -> str:
    unit = f"USD per {code}" if found.block.quote == rule.USD_PER_UNIT else f"{code} per USD"
    return f"{found.rate:f} {unit} ({found.block.series}, {found.day.isoformat()})"


def _check_text(choice: rule.Choice) -> str | None:
    """The 5 percent test in words (quarterly currencies only)."""
    if choice.quarterly is None:
        return None
    pct = (choice.variance * 100).quantize(Decimal("0.01"))
    verdict = "5% or more: the daily rate applies" if choice.variance >= rule.VARIANCE else "under 5%"
    return (f"daily rate {choice.daily.rate:f} ({choice.daily.day}) varies {pct}% from the quarterly "
            f"rate {choice.quarterly.rate:f} (first certified {choice.quarterly.day}): {verdict}")


_ORDER = ("confirmed", "likely", "unconfirmed")


def _lowest(*levels: str) -> str:
    return max(levels, key=lambda level: _ORDER.index(level) if level in _ORDER else len(_ORDER))


def _not_covered(table: FxTable | None, currency: str, export_date: date, why: str | None) -> InputError:
    known = ", ".join(sorted(table.currencies)) if table else "none"
    return InputError.field(f"fx_rates.{currency}",
                            f"the tables have no {currency} rate for export date {export_date}: no certified "
                            f"daily rate and no monthly approximation (tables cover: {known}, with gaps listed "
                            f"in tariff_tables/fx/README){'; ' + why if why else ''}; pass fx_rates.{currency} as "
                            "units per USD, e.g. the CBP-certified rate")
