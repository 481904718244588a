"""Entry fees: the merchandise processing fee (MPF) and harbor maintenance fee (HMF).

Both are time-versioned in ``tariff_tables/fees/``.  MPF on a formal entry is
an ad valorem rate on the entered value, clamped to the minimum and maximum of
the fiscal year in force on the entry date.  HMF applies only to port use by
vessel.  Fees are charged per entry; :func:`entry_fees` takes the entry's total
value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model.errors import NotCovered
from service.model.money import ZERO, cents, fmt_decimal, fmt_money
from service.model.periods import Dated, on_day


@dataclass
class Fee:
    @dataclass(frozen=True)
    class Value(Dated):
        start: date
        end: date | None
        rate: Decimal
        minimum: Decimal | None
        maximum: Decimal | None
        cite: str
        confidence: str
        where: str


    id: str
    title: str
    modes: frozenset[str] | None  # None: every mode
    values: tuple[Value, ...]
    exempt_preferences: frozenset[str] = frozenset()  # special program indicators not charged
    exempt_cite: str | None = None
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]

    def value_on(self, day: date) -> "Fee.Value | None":
        return on_day(self.values, self._starts, day)

    def boundaries(self) -> list[date]:
        return [d for v in self.values for d in (v.start, v.end) if d]


@dataclass(frozen=True)
class FeeCharge:
    """One fee on an entry: whether it applies, its amount (rounded to the cent) and its document."""
    applied: bool
    amount: Decimal
    doc: dict


def fee_amount(fee: Fee, value: Decimal, day: date, mode: str | None) -> FeeCharge:
    """One fee on an entry of ``value`` USD entered on ``day``."""
    v = fee.value_on(day)
    if v is None:
        raise NotCovered(f"no {fee.title} rate in the tables for {day.isoformat()}", field="entry_date")
    if fee.modes is not None and mode not in fee.modes:
        return FeeCharge(False, ZERO, {
            "fee": fee.id, "title": fee.title, "applied": False,
            "reason": f"applies only to {', '.join(sorted(fee.modes))} shipments (mode: {mode or 'not given'})",
            "amount": "0.00", "citation": v.cite})
    amount, clamp = value * v.rate, None
    if v.minimum is not None and amount < v.minimum:
        amount, clamp = v.minimum, "minimum"
    if v.maximum is not None and amount > v.maximum:
        amount, clamp = v.maximum, "maximum"
    amount = cents(amount)
    out = {"fee": fee.id, "title": fee.title, "applied": True, "rate": fmt_decimal(v.rate),
           "base_amount": fmt_money(value), "amount": fmt_money(amount), "citation": v.cite,
           "confidence": v.confidence}
    if v.minimum is not None:
        out["minimum"] = fmt_money(v.minimum)
    if v.maximum is not None:
        out["maximum"] = fmt_money(v.maximum)
    if clamp:
        out["clamped_to"] = clamp
    return FeeCharge(True, amount, out)
