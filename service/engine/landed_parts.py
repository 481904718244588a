"""The landed cost of an entry as objects, and the pure steps that build it.

:func:`service.engine.landed_cost.price_entry` fills these;
:mod:`service.engine.landed_doc` writes them as the JSON document; analyses
(:mod:`service.engine.compare`) read their amounts here rather than parsing
the document back.  Every amount is a ``Decimal`` in USD, rounded where the
computation rounds it (to the cent, except per-unit figures).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from service.model import fx as fxmod
from service.model.money import ZERO, allocate
from service.engine.entry import Entry, EntryLine
from service.engine.ranges import DutyRange
from service.engine.stack import Stack


@dataclass(frozen=True)
class SharedCosts:
    usd: dict[str, Decimal]          # every cost name, in USD (zero when not stated)
    stated: frozenset[str]           # the costs the caller stated
    docs: tuple[dict, ...]           # as stated, with their conversion


@dataclass(frozen=True)
class LinePrice:
    line: EntryLine
    amount: Decimal                  # quantity x unit price, in the line's currency
    conversion: fxmod.Conversion
    usd: Decimal


@dataclass(frozen=True)
class PricedLine:
    """One line's dutiable value and duty stack, with its share of the shared costs."""
    line: EntryLine
    price: LinePrice
    deductions: dict[str, Decimal]   # costs the price includes, taken out of the dutiable value
    dutiable: Decimal
    stack: Stack                     # the engine's duty stack (its document: stack.doc, read-only)
    costs: dict[str, Decimal]        # its share of every shared cost
    assumptions: tuple[dict, ...]
    duty_range: DutyRange | None = None   # the duty its missing facts allow (None: no fact assumed)

    @property
    def duty(self) -> Decimal:
        return self.stack.total_duty


@dataclass(frozen=True)
class EntryFees:
    docs: tuple[dict, ...]           # one per fee in the tables (MPF, HMF)
    mpf: tuple[Decimal, ...]         # each line's share
    hmf: tuple[Decimal, ...]
    assumptions: tuple[dict, ...]


@dataclass(frozen=True)
class LineCost:
    priced: PricedLine
    extra: Decimal                   # the hypothetical extra duty (break-even analysis)
    mpf: Decimal
    hmf: Decimal
    landed: Decimal

    @property
    def fees(self) -> Decimal:
        return self.mpf + self.hmf


@dataclass(frozen=True)
class Totals:
    price_usd: Decimal
    dutiable_value: Decimal
    duty: Decimal
    extra_duty: Decimal
    fees: Decimal
    costs: Decimal                   # the shared costs allocated to the lines
    landed_cost: Decimal
    energy_kwh: Decimal              # zero when no line gives its energy
    quantity: Decimal
    duty_by_program: tuple[tuple[str, Decimal], ...]   # largest first
    duty_range: "EntryRange | None" = None             # None: no line's duty rests on an assumed fact


@dataclass(frozen=True)
class EntryRange:
    """The entry's duty and landed cost with each line's assumed facts at their lowest and highest values."""
    low: Decimal
    high: Decimal
    landed_cost_low: Decimal
    landed_cost_high: Decimal
    moving: tuple[tuple[int, str | None, str], ...]    # (line index, line id, fact) for each fact that moves


@dataclass(frozen=True)
class LandedCost:
    tables_version: str
    entry: Entry
    extra_rate: Decimal
    costs: SharedCosts
    lines: tuple[LineCost, ...]
    fees: EntryFees
    totals: Totals
    assumptions: tuple[dict, ...]
    warnings: tuple[str, ...]


# ------------------------------------------------------------ pure steps

def allocate_costs(costs: dict[str, Decimal], weights: list[Decimal]) -> list[dict[str, Decimal]]:
    """Each line's share of every cost, split by ``weights`` (one per line) to the cent."""
    parts = {name: allocate(amount, weights) for name, amount in costs.items()}
    return [{name: parts[name][k] for name in costs} for k in range(len(weights))]


def allocate_over(total: Decimal, weights: list[Decimal], chosen: list[bool]) -> list[Decimal]:
    """``total`` split by weight over the chosen lines only; zero on the others."""
    parts = iter(allocate(total, [w for w, c in zip(weights, chosen) if c]))
    return [next(parts) if c else ZERO for c in chosen]


def totals(entry: Entry, lines: tuple[LineCost, ...]) -> Totals:
    by_program: dict[str, Decimal] = {}
    for x in lines:
        for layer in x.priced.stack.layers:
            by_program[layer.program] = by_program.get(layer.program, ZERO) + layer.duty

    def total(amounts) -> Decimal:
        return sum(amounts, ZERO)

    return Totals(
        price_usd=total(x.priced.price.usd for x in lines),
        dutiable_value=total(x.priced.dutiable for x in lines),
        duty=total(x.priced.duty for x in lines),
        extra_duty=total(x.extra for x in lines),
        fees=total(x.fees for x in lines),
        costs=total(total(x.priced.costs.values()) for x in lines),
        landed_cost=total(x.landed for x in lines),
        energy_kwh=total(x.priced.line.energy_kwh for x in lines if x.priced.line.energy_kwh),
        quantity=total(x.quantity for x in entry.lines),
        duty_by_program=tuple(sorted(by_program.items(), key=lambda kv: -kv[1])),
        duty_range=entry_range(lines, total(x.priced.duty for x in lines), total(x.landed for x in lines)),
    )


def entry_range(lines: tuple[LineCost, ...], duty: Decimal, landed: Decimal) -> EntryRange | None:
    """Each line's lowest and highest duty summed (a line without a range counts its duty in both); the
    landed cost moves by the same amounts (fees and costs held: MPF is not recomputed)."""
    ranges = [x.priced.duty_range for x in lines]
    if not any(ranges):
        return None
    low = sum(((r.low if r else x.priced.duty) for x, r in zip(lines, ranges)), ZERO)
    high = sum(((r.high if r else x.priced.duty) for x, r in zip(lines, ranges)), ZERO)
    moving = tuple((x.priced.line.index, x.priced.line.id, fact)
                   for x, r in zip(lines, ranges) if r for fact in r.moving)
    return EntryRange(low, high, landed + (low - duty), landed + (high - duty), moving)


def warnings(lines: list[PricedLine]) -> tuple[str, ...]:
    """Every line's stack warnings, each once, in order."""
    out: list[str] = []
    for p in lines:
        for w in p.stack.warnings:
            if w not in out:
                out.append(w)
    return tuple(out)
