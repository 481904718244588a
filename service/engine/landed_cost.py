"""Landed cost of an entry: dutiable value, duties, fees and shared costs.

US valuation (19 U.S.C. 1401a(b)): the dutiable value is the transaction
value, the price actually paid, *less* international freight, insurance and
other charges for transport from the country of exportation to the US, and
less US inland freight where the price includes it.  So a CFR, CIF, DAP or
DDP price is reduced by the freight and insurance stated for it; missing
figures for a price that includes them are an error, never a silent zero.
Those costs still count in the landed cost.

Per line: price -> USD at the export date's rate (``fx``) -> dutiable value
-> the engine's duty stack (``quote``) -> allocated shared costs and fees ->
landed cost, per unit and per kWh.  Per entry: MPF on the formal-entry rules
of the entry date's fiscal year, clamped to its minimum and maximum and left
off lines claiming an exempt FTA preference; HMF on vessel entries.

Landed cost of a line = dutiable value + duties + its share of every shared
cost (freight, insurance, brokerage, inland freight, other) + its share of
the fees.  For a CIF line the freight is inside the price and outside the
dutiable value, so it is counted once, as for an FOB line.

:func:`price_entry` gives the result as objects (:class:`LandedCost`);
:func:`landed_cost` gives its JSON document (:mod:`service.engine.landed_doc`).
Entries are parsed in :mod:`service.engine.entry` (``parse_entry`` is
re-exported here).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from service.model import fx as fxmod
from service.model.errors import ErrorCollector, InputError, NotCovered
from service.model.fees import fee_amount
from service.model.money import MAX_AMOUNT, ZERO, allocate, cents, fmt_money
from service.model.templates import SHARES
from service.engine.entry import COSTS, INCOTERMS, Entry, EntryLine, MIN_QUANTITY, parse_entry, parse_entry_line
from service.engine.landed_doc import entry_doc
from service.engine.landed_parts import (EntryFees, LandedCost, LineCost, LinePrice, PricedLine, SharedCosts,
                                         allocate_costs, allocate_over, totals, warnings)
from service.engine.line_input import LineInput, parse_line
from service.engine.quote import quote_stack
from service.engine.ranges import duty_range
from service.engine.stack import Stack

# Which shared costs a price on each incoterm already includes.
INCLUDED = {
    "EXW": (), "FCA": (), "FOB": (),
    "CFR": ("international_freight",),
    "CIF": ("international_freight", "insurance"),
    "DAP": ("international_freight", "insurance", "inland_freight"),
    "DDP": ("international_freight", "insurance", "inland_freight"),
}
# Included costs that must be stated (the rest default to zero, reported).
REQUIRED_INCLUDED = {"CFR": ("international_freight",), "CIF": ("international_freight", "insurance"),
                     "DAP": ("international_freight",), "DDP": ("international_freight",)}


def landed_cost(tables, entry: Entry, extra_rate: Decimal = ZERO) -> dict:
    """Price an entry: its JSON document.  ``extra_rate`` adds a hypothetical
    ad valorem duty on every line's dutiable value (used for break-even
    analysis; reported)."""
    return entry_doc(price_entry(tables, entry, extra_rate))


def price_entry(tables, entry: Entry, extra_rate: Decimal = ZERO) -> LandedCost:
    """Price an entry, as objects (see :func:`landed_cost`)."""
    fx = _Conversions(tables.fx, entry)
    costs = _shared_costs(entry, fx)
    prices = [_line_price(line, fx) for line in entry.lines]
    line_costs = allocate_costs(costs.usd, _allocation_weights(entry, prices))
    _require_included_costs(entry, costs.stated)
    priced = [_price_line(tables, entry, price, costs.stated, line_costs[k]) for k, price in enumerate(prices)]
    fees = _entry_fees(tables, entry, priced)
    lines = tuple(_line_cost(p, fees.mpf[k], fees.hmf[k], extra_rate) for k, p in enumerate(priced))
    assumptions = [*fx.assumptions, *_freight_assumptions(entry, costs.stated),
                   *(a for p in priced for a in p.assumptions), *fees.assumptions, *_template_assumptions(entry)]
    return LandedCost(tables.version, entry, extra_rate, costs, lines, fees, totals(entry, lines),
                      tuple(assumptions), warnings(priced))


# ------------------------------------------------------- currency and costs

class _Conversions:
    """One conversion per currency, at the export date's rate; a table rate used is reported."""

    def __init__(self, table, entry: Entry):
        self._table = table
        self._entry = entry
        self._caller = dict(entry.fx_rates)
        self._done: dict[str, fxmod.Conversion] = {}
        self.assumptions: list[dict] = []

    def __call__(self, currency: str) -> fxmod.Conversion:
        if currency not in self._done:
            day = self._entry.export_date
            conv = fxmod.conversion(self._table, currency, day, self._caller)
            self._done[currency] = conv
            assumed = conv.assumption(day)
            if assumed:
                self.assumptions.append({"fact": f"fx_rates.{currency}", "assumption": assumed})
        return self._done[currency]


def _shared_costs(entry: Entry, fx: _Conversions) -> SharedCosts:
    """Shared costs in USD."""
    usd: dict[str, Decimal] = {name: ZERO for name in COSTS}
    docs = []
    for name, amount, currency in entry.costs:
        conv = fx(currency)
        if amount / conv.rate > MAX_AMOUNT:
            raise InputError.field(f"costs.{name}", f"over {MAX_AMOUNT} USD")
        amount_usd = conv.to_usd(amount)
        usd[name] += amount_usd
        docs.append({"cost": name, "amount": fmt_money(amount), "currency": currency,
                     "usd": fmt_money(amount_usd), "fx": conv.doc()})
    return SharedCosts(usd, frozenset(name for name, _a, _c in entry.costs), tuple(docs))


def _line_price(line: EntryLine, fx: _Conversions) -> LinePrice:
    """A line's price in its currency and in USD."""
    conv = fx(line.currency)
    price = line.quantity * line.unit_price
    if price / conv.rate > MAX_AMOUNT:
        raise InputError.field(f"lines.{line.index}.unit_price",
                               f"quantity x unit price is over {MAX_AMOUNT} USD for one line")
    return LinePrice(line, price, conv, conv.to_usd(price))


def _allocation_weights(entry: Entry, prices: list[LinePrice]) -> list[Decimal]:
    """What shared costs are split by: USD value, weight or quantity."""
    if entry.allocation == "weight":
        errors = ErrorCollector()
        for x in entry.lines:
            if x.weight_kg is None:
                errors.add(f"lines.{x.index}.weight_kg", "needed for allocation by weight")
        if errors:
            raise InputError("allocation by weight needs weight_kg on every line", errors.errors)
        return [x.weight_kg for x in entry.lines]
    if entry.allocation == "quantity":
        return [x.quantity for x in entry.lines]
    return [p.usd for p in prices]


def _require_included_costs(entry: Entry, stated: frozenset[str]) -> None:
    """Costs a price includes must be stated."""
    for line in entry.lines:
        for name in REQUIRED_INCLUDED.get(line.incoterm, ()):
            if name not in stated:
                raise InputError.field(f"costs.{name}", (
                    f"line {line.index} ({line.id}) is priced {line.incoterm}, which includes {name.replace('_', ' ')}: "
                    "state it so it can be taken out of the dutiable value (19 U.S.C. 1401a(b)(4)(A))"))


def _freight_assumptions(entry: Entry, stated: frozenset[str]) -> list[dict]:
    if "international_freight" not in stated and any(x.incoterm in ("EXW", "FCA", "FOB") for x in entry.lines):
        return [{"fact": "costs.international_freight", "assumption": (
            "no international freight stated: the landed cost of EXW/FCA/FOB lines excludes it")}]
    return []


def _template_assumptions(entry: Entry) -> list[dict]:
    if not entry.template:
        return []
    return [{"fact": "template", "assumption": (
        f"lines from template {entry.template}: its quantities and content shares are planning assumptions "
        "unless you filled them (see GET /v1/projects/templates/" + entry.template + ")")}]


# ------------------------------------------------------------ line pricing

@dataclass(frozen=True)
class _Quoted:
    """The engine's duty stack for a line at one dutiable value."""
    value: Decimal
    line_input: LineInput
    stack: Stack

    @property
    def duty(self) -> Decimal:
        return self.stack.total_duty


def _price_line(tables, entry: Entry, price: LinePrice, stated: frozenset[str],
                costs: dict[str, Decimal]) -> PricedLine:
    """Per line: dutiable value (the price less the costs it includes) and duties."""
    line = price.line
    assumptions = []
    unstated = [n for n in INCLUDED[line.incoterm] if n not in stated]
    if unstated:
        assumptions.append({"fact": "costs." + unstated[0], "assumption": (
            f"line {line.id} is {line.incoterm}, whose price includes "
            + ", ".join(n.replace("_", " ") for n in unstated)
            + ": not stated, so taken as zero (the dutiable value is overstated by any such cost)")})
    deductions = {n: costs[n] for n in INCLUDED[line.incoterm] if n in stated}
    base = price.usd - sum(deductions.values(), ZERO)
    if base < 0:
        raise InputError.field(f"lines.{line.index}.unit_price", (
            f"the {line.incoterm} price ({fmt_money(price.usd)} USD) is less than the freight and insurance "
            f"it includes ({fmt_money(sum(deductions.values(), ZERO))} USD)"))
    try:
        if line.incoterm == "DDP":
            quoted = _ddp_back_out(tables, entry, line, base)
            assumptions.append({"fact": f"lines.{line.index}.incoterm", "assumption": (
                f"line {line.id} is DDP: the duties computed here are taken to be inside the price and backed "
                "out of it; MPF and HMF are taken to be outside it")})
        else:
            quoted = _quote_at(tables, entry, line, base)
    except InputError as exc:
        raise _rekey(exc, line) from None
    except NotCovered as exc:
        raise NotCovered(f"line {line.index} ({line.id}): {exc.message}", exc.hint,
                         f"lines.{line.index}.{exc.field}") from None
    return PricedLine(line, price, deductions, quoted.value, quoted.stack, costs, tuple(assumptions),
                      duty_range(tables, quoted.line_input, quoted.stack))


def _line_cost(p: PricedLine, mpf: Decimal, hmf: Decimal, extra_rate: Decimal) -> LineCost:
    extra = cents(p.dutiable * extra_rate) if extra_rate else ZERO
    landed = p.dutiable + p.duty + extra + sum(p.costs.values(), ZERO) + (mpf + hmf)
    return LineCost(p, extra, mpf, hmf, landed)


# ------------------------------------------------------------ entry fees

def _entry_fees(tables, entry: Entry, lines: list[PricedLine]) -> EntryFees:
    """MPF (off lines with an exempt preference) and HMF, each allocated by dutiable value."""
    mpf_fee, hmf_fee = tables.fees.get("mpf"), tables.fees.get("hmf")
    values = [p.dutiable for p in lines]
    docs, assumptions = [], []
    mpf_alloc = hmf_alloc = [ZERO] * len(lines)
    if mpf_fee is not None:
        charged = [p.stack.special_program not in mpf_fee.exempt_preferences for p in lines]
        base = sum((v for v, c in zip(values, charged) if c), ZERO)
        mpf = fee_amount(mpf_fee, base, entry.entry_date, entry.mode) if any(charged) else None
        if mpf is not None:
            docs.append({**mpf.doc, "exempt_lines": [p.line.index for p, c in zip(lines, charged) if not c]})
            mpf_alloc = allocate_over(mpf.amount, values, charged)
        else:
            docs.append({"fee": "mpf", "title": mpf_fee.title, "applied": False, "amount": "0.00",
                         "reason": "every line claims a preference exempt from MPF", "citation": mpf_fee.exempt_cite})
    if hmf_fee is not None:
        hmf = fee_amount(hmf_fee, sum(values, ZERO), entry.entry_date, entry.mode)
        docs.append(hmf.doc)
        if hmf.applied:
            hmf_alloc = allocate(hmf.amount, values)
        if entry.mode is None:
            assumptions.append({"fact": "mode", "assumption": "mode not given: HMF (vessel only) not charged"})
    return EntryFees(tuple(docs), tuple(mpf_alloc), tuple(hmf_alloc), tuple(assumptions))


# ------------------------------------------------------------ duty stacks

# Engine fields that a landed-cost line states under another name.
_LINE_FIELD = {"value": "unit_price", "steel_content_value": "steel_content_share",
               "aluminum_content_value": "aluminum_content_share", "copper_content_value": "copper_content_share",
               "us_content_value": "us_content_share", "aam_content_value": "aam_content_share",
               "entry_date": "entry_date", "loaded_date": "loaded_date", "mode": "mode"}


def _rekey(exc: InputError, line: EntryLine) -> InputError:
    """An engine error on a line, named by the line's own field."""
    errors = ErrorCollector()
    for name, msgs in exc.errors.items():
        field = _LINE_FIELD.get(name, name)
        errors.extend(field if field in ("entry_date", "loaded_date", "mode") else f"lines.{line.index}.{field}",
                      msgs)
    return errors.error(f"line {line.index} ({line.id})")


def _line_input(tables, entry: Entry, line: EntryLine, dutiable: Decimal) -> LineInput:
    data = {"hts": line.hts, "origin": line.origin, "entry_date": entry.entry_date.isoformat(),
            "value": fmt_money(dutiable), **dict(line.duty_fields)}
    if entry.mode:
        data["mode"] = entry.mode
    if entry.loaded_date:
        data["loaded_date"] = entry.loaded_date.isoformat()
    for name, value in content_values(dutiable, line.shares):
        data[name.replace("_share", "_value")] = fmt_money(value)
    return parse_line(data, tables.aliases)


def content_values(dutiable: Decimal, shares) -> list[tuple[str, Decimal]]:
    """Each content share of a line as a value to the cent.

    The metal shares (steel, aluminum, copper; together at most 1) are
    allocated together with the rest of the value, largest remainder first,
    so they sum to at most the dutiable value: 0.5 + 0.5 of 100.01 is 50.01 +
    50.00, where rounding each share on its own made 50.01 + 50.01, more than
    the value, and the line was refused.  Other shares (U.S. content, AAM) may
    overlap the metal and are rounded each on its own (a share of at most 1 of
    a value in cents never rounds above it).
    """
    metal = [(name, share) for name, share in shares if name in SHARES[:3]]
    rest = max(ZERO, 1 - sum((share for _, share in metal), ZERO))
    parts = allocate(dutiable, [share for _, share in metal] + [rest]) if metal else []
    values = dict(zip((name for name, _ in metal), parts))
    return [(name, values[name] if name in values else cents(dutiable * share)) for name, share in shares]


def _quote_at(tables, entry: Entry, line: EntryLine, value: Decimal) -> _Quoted:
    line_input = _line_input(tables, entry, line, value)
    return _Quoted(value, line_input, quote_stack(tables, line_input))


def _ddp_back_out(tables, entry: Entry, line: EntryLine, target: Decimal) -> _Quoted:
    """The largest dutiable value V (to the cent) with V + duty(V) <= target.

    A few Newton steps on V + duty(V) = target (duty is close to linear in V),
    then a bisection over a bracket of a few dollars; about 10 quotes a line.
    """
    cache: dict[int, _Quoted] = {}

    def at(cents_v: int) -> _Quoted:
        if cents_v not in cache:
            cache[cents_v] = _quote_at(tables, entry, line, Decimal(cents_v) / 100)
        return cache[cents_v]

    def total(cents_v: int) -> Decimal:
        q = at(cents_v)
        return q.value + q.duty

    top = int(target * 100)
    guess = top
    for _ in range(4):
        t = total(guess)
        v = Decimal(guess) / 100
        rate = (t - v) / v if v else ZERO
        nxt = max(0, min(top, int((target / (1 + rate)) * 100)))
        if nxt == guess:
            break
        guess = nxt
    lo, hi = max(0, guess - 500), min(top, guess + 500)
    if total(lo) > target:
        lo = 0
    if total(hi) <= target:
        lo = hi
    while lo < hi:                      # invariant: total(lo) <= target
        mid = (lo + hi + 1) // 2
        if total(mid) <= target:
            lo = mid
        else:
            hi = mid - 1
    if total(lo) > target:              # even a zero value does not fit (e.g. a specific duty)
        raise InputError.field(f"lines.{line.index}.unit_price",
                               "the DDP price is below the duties and costs it includes")
    return at(lo)


__all__ = ["parse_entry", "parse_entry_line", "landed_cost", "price_entry", "Entry", "EntryLine", "LandedCost",
           "PricedLine", "INCOTERMS", "COSTS", "MIN_QUANTITY"]
