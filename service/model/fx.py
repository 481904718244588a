"""Currency conversion for customs valuation.

Foreign amounts are converted to USD at the rate for the **date of
exportation** (19 CFR 159.32; 31 U.S.C. 5151).  Rates come, in order, from:

1. rates the caller passes (``fx_rates``: units of the currency per USD), for
   example the CBP-certified rate from the broker's system;
2. ``tariff_tables/fx/rates.yaml``: monthly averages of the FRBNY-certified
   noon buying rates (Federal Reserve H.10/G.5).  These approximate, but are
   not, the rate CBP applies (the quarterly certified rate for CNY, JPY, CAD,
   MXN unless the daily rate varies by 5% or more; the daily rate for KRW), so
   every use is reported as an assumption.

A currency or date the table does not cover is an error naming ``fx_rates``,
never a silent rate.  Conversion is a named rounding point: the USD amount is
rounded half-up to the cent.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pycountry

from service.model.errors import InputError
from service.model.money import cents, fmt_decimal, parse_decimal
from service.model.periods import Dated, on_day

MIN_RATE = Decimal("0.000001")   # bounds for a caller's rate (units per USD)
MAX_RATE = Decimal("1000000000")


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
    values: tuple[FxValue, ...]
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]

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
    rate: Decimal             # units per USD; 1 for USD
    source: str               # "identity", "caller" or "table"
    cite: str | None = None
    confidence: str = "confirmed"

    def to_usd(self, amount: Decimal) -> Decimal:
        """Rounding point: a foreign amount converted to USD, half-up to the cent."""
        return cents(amount / self.rate) if self.currency != "USD" else cents(amount)

    def doc(self) -> dict:
        out = {"currency": self.currency, "units_per_usd": fmt_decimal(self.rate), "source": self.source}
        if self.cite:
            out["citation"] = self.cite
            out["confidence"] = self.confidence
        return out


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
    if currency == "USD":
        return Conversion("USD", Decimal(1), "identity")
    if currency in caller:
        return Conversion(currency, caller[currency], "caller")
    if export_date is None:
        raise InputError.field("export_date", f"needed to convert {currency} (19 CFR 159.32: the rate for the date "
                                              "of exportation), or pass fx_rates")
    cur = table.currencies.get(currency) if table else None
    value = cur.value_on(export_date) if cur else None
    if value is None:
        known = ", ".join(sorted(table.currencies)) if table else "none"
        raise InputError.field(f"fx_rates.{currency}",
                               f"the tables have no {currency} rate for export date {export_date} "
                               f"(tables cover: {known}, with gaps listed in tariff_tables/fx/README); "
                               f"pass fx_rates.{currency} as units per USD, e.g. the CBP-certified rate")
    return Conversion(currency, value.rate, "table", value.cite, value.confidence)
