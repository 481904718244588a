"""One audited line: the duties paid, heading by heading, against the stack the law assessed.

Each number the duties were paid under is matched to a layer of the stack
assessed on the entry date (:func:`service.engine.quote.quote_stack`): the
Chapter 99 heading, the HTS number of the column 1 duty, the AD/CVD case.
A number the stack does not assess is looked up in the tables (a heading of
another measure: a wrong heading, a measure not in force, an exemption
missed); a number the tables do not know is kept as ``unmatched``, never
dropped.

Each row then settles, by the legal status of its measure (data in the
tables, :data:`service.model.measures.LEGAL_TREATMENT`):

* ``refundable`` (a voided measure, an AD/CVD investigation with no order):
  nothing is owed and everything paid is recoverable;
* ``in_force`` and ``contingent``: the assessed duty is owed; what was paid
  beyond it is refundable, what was not paid is underpaid; a payment under a
  wrong heading of the same program is first credited to that program's
  shortfall; on a contingent measure (still litigated) the part of the
  assessed duty that was paid is ``contingent``, shown apart.

What is recoverable is ``refundable`` here; the route chosen later
(:func:`service.engine.audit.audit_line`) moves it to ``closed`` when every
window of its routes has closed, or to ``contested`` when its only route is
disputed in court, so that ``refundable`` is what can be recovered now.
For every line: ``paid - owed = refundable + closed + contested - underpaid + unmatched``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model.measures import LegalStatus, Measure
from service.model.money import fmt_money
from service.engine.audit.inputs import Paid, paid_heading
from service.engine.audit.windows import Window
from service.engine.cache import IdentityCache
from service.engine.stack import Stack

ZERO = Decimal("0.00")   # every amount of a row is exact to the cent (exponent -2), so it prints as 0.00


@dataclass(slots=True)
class Row:
    """One heading of one line: what was paid under it, assessed, owed and recoverable."""

    heading: str | None
    program: str | None
    measure_id: str | None
    treatment: str                  # in_force, contingent, refundable, unmatched
    legal: LegalStatus | None = None
    assessed: Decimal = ZERO
    paid: Decimal = ZERO
    credited: Decimal = ZERO        # paid under another heading of the program and applied here
    applied: Decimal = ZERO         # of this row's payment, applied to another heading's shortfall
    owed: Decimal = ZERO
    refundable: Decimal = ZERO      # recoverable now: its route is open, automatic or not yet open
    closed: Decimal = ZERO          # recoverable once, but every window of its routes has closed
    contested: Decimal = ZERO       # recoverable only if a pending appeal is won (finally liquidated IEEPA)
    contingent: Decimal = ZERO
    underpaid: Decimal = ZERO
    unmatched: Decimal = ZERO
    interest: Decimal = ZERO        # on ``refundable`` only
    citation: str | None = None
    confidence: str | None = None
    reasons: list = field(default_factory=list)
    refund_window: Window | None = None
    contingent_window: Window | None = None
    underpaid_window: Window | None = None


def row_sums(rows) -> tuple[Decimal, ...]:
    """The rows' paid, assessed, owed, refundable, closed, contested, contingent, underpaid, unmatched and
    interest (in that order: service.engine.audit.document.AMOUNTS), in one pass."""
    paid = assessed = owed = refundable = closed = contested = contingent = underpaid = unmatched = interest = ZERO
    for r in rows:
        paid += r.paid
        assessed += r.assessed
        owed += r.owed
        refundable += r.refundable
        closed += r.closed
        contested += r.contested
        contingent += r.contingent
        underpaid += r.underpaid
        unmatched += r.unmatched
        interest += r.interest
    return paid, assessed, owed, refundable, closed, contested, contingent, underpaid, unmatched, interest


# ------------------------------------------------------------- heading index

@dataclass(frozen=True)
class HeadingIndex:
    """Every number a measure of the tables is filed under, and the legal status shared by a program."""

    measures: dict[str, Measure]           # heading or case -> the measure filed under it
    program_status: dict[str, LegalStatus]


_INDEXES = IdentityCache(8, weak=True)        # tables -> its HeadingIndex


def heading_index(tables) -> HeadingIndex:
    """The index of ``tables`` (built once per tables object)."""
    found = _INDEXES.get(tables)
    if found is not None:
        return found
    by_number: dict[str, Measure] = {}
    for m in tables.measures.values():
        for number in _numbers_of(m):
            known = by_number.get(number)
            if known is None or (known.kind != "duty" and m.kind == "duty"):
                by_number[number] = m
    return _INDEXES.put(tables, value=HeadingIndex(by_number, _program_status(tables)))


def _numbers_of(m: Measure) -> set[str]:
    numbers = {r.otherwise_heading for r in m.requirements if r.otherwise_heading}
    for v in m.values:
        numbers.update(x for x in (v.heading, v.heading_at_or_above) if x)
        if v.in_transit and v.in_transit.heading:
            numbers.add(v.in_transit.heading)
        if v.threshold and v.threshold.otherwise_heading:
            numbers.add(v.threshold.otherwise_heading)
        for case in (c for c in (v.case or "").split(",") if c.strip()):
            try:
                numbers.add(paid_heading(case)[0])
            except ValueError:
                continue
    return numbers


def _program_status(tables) -> dict[str, LegalStatus]:
    """A program whose duty measures all share one legal status (one action, one ruling)."""
    seen: dict[str, set] = {}
    for m in tables.measures.values():
        if m.kind == "duty":
            seen.setdefault(m.program, set()).add(m.legal_status)
    return {p: next(iter(s)) for p, s in seen.items() if len(s) == 1 and None not in s}


def treatment_of(status: LegalStatus | None, entry_date: date) -> str:
    """``in_force``, ``contingent`` or ``refundable``: the measure's legal status on the entries it covers."""
    if status is None:
        return "in_force"
    if status.treatment == "refundable" and status.refund is not None and not status.refund.covers(entry_date):
        return "in_force"
    return status.treatment


# ----------------------------------------------------------------- comparison

def compare(tables, stack: Stack, paid: tuple[Paid, ...], entry_date: date) -> list[Row]:
    """The rows of a line: the assessed layers (filing order), then payments the stack does not assess.

    A payment of 0.00 under a number the stack files without a duty (an exemption heading such as
    9903.01.32, as ACE's line tariff report lists it) matches that filing line and makes no row."""
    index = heading_index(tables)
    rows = _assessed_rows(tables, index, stack, entry_date)
    extra: list[Row] = []
    filed = None
    for p in paid:
        row = rows.get(p.heading)
        if row is not None:
            row.paid += p.amount
            continue
        if not p.amount:        # nothing paid under a number the entry files anyway (an exemption heading)
            filed = filed if filed is not None else _filed_numbers(stack)
            if p.heading in filed:
                continue
        extra.append(_unassessed_row(index, stack, p, entry_date))
    _credit_misfiled(list(rows.values()), extra)
    out = [*rows.values(), *extra]
    for row in out:
        _settle(row)
    return out


def _assessed_rows(tables, index: HeadingIndex, stack: Stack, entry_date: date) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for layer in stack.layers:
        key = layer.case if layer.case else layer.heading
        if layer.case:
            try:
                key = paid_heading(layer.case)[0]
            except ValueError:
                pass
        row = rows.get(key)
        if row is None:
            measure = tables.measures.get(layer.measure_id)
            status = _status_of(index, measure, layer.program)
            row = rows[key] = Row(key, layer.program, layer.measure_id, treatment_of(status, entry_date), status,
                                  citation=layer.citation, confidence=layer.confidence)
        row.assessed += layer.duty
    return rows


def _filed_numbers(stack: Stack) -> set[str]:
    return {n.number for fl in stack.filing_lines for n in fl.numbers}


def _status_of(index: HeadingIndex, measure: Measure | None, program: str) -> LegalStatus | None:
    if measure is not None and measure.legal_status is not None:
        return measure.legal_status
    return index.program_status.get(program)


def _unassessed_row(index: HeadingIndex, stack: Stack, p: Paid, entry_date: date) -> Row:
    """A payment under a number the stack does not assess: another heading of the tables, or unmatched."""
    if p.kind == "hts":
        return Row(p.heading, "mfn", None, "in_force", paid=p.amount,
                   reasons=[f"column 1 duty paid under {p.heading}; the line is {stack.hts}"])
    measure, status, treatment, cite, confidence, reason = _unassessed(index, stack, p.heading, p.kind, entry_date)
    if measure is None:
        return Row(p.heading, None, None, "unmatched", paid=p.amount, reasons=[reason])
    return Row(p.heading, measure.program, measure.id, treatment, status, paid=p.amount, citation=cite,
               confidence=confidence, reasons=[reason])


_UNASSESSED = IdentityCache(20_000)   # (stack's not_applied, index, heading, entry date) -> what it is


def _unassessed(index: HeadingIndex, stack: Stack, heading: str, kind: str, entry_date: date) -> tuple:
    """(measure, status, treatment, citation, confidence, reason) of a number the stack does not assess.

    Memoised by the stack's ``not_applied`` (shared by every line priced from one cached stack) and the
    index's identity (one per tables object, kept by :data:`_INDEXES`)."""
    found = _UNASSESSED.get(stack.not_applied, id(index), heading, entry_date)
    if found is not None:
        return found
    measure = index.measures.get(heading)
    if measure is None:
        what = "AD/CVD case" if kind == "case" else "heading"
        out = (None, None, "unmatched", None, None, f"{what} {heading} is not in the tables: the audit cannot say "
                                                    "what it was paid for; check it against the entry summary")
    else:
        status = _status_of(index, measure, measure.program)
        value = _value_of(measure, heading)
        out = (measure, status, treatment_of(status, entry_date), value.cite if value else None,
               value.confidence if value else None,
               f"{heading} ({measure.id}) is not in the stack assessed on {entry_date}: {_why_not(stack, measure)}")
    return _UNASSESSED.put(stack.not_applied, id(index), heading, entry_date, value=out)


def _value_of(measure: Measure, heading: str):
    """The latest dated value of ``measure`` filed under ``heading`` (for its citation)."""
    for v in reversed(measure.values):
        if heading in (v.heading, v.heading_at_or_above) or (v.in_transit and v.in_transit.heading == heading):
            return v
        if v.case and heading in v.case:
            return v
    return measure.values[-1] if measure.values else None


def _why_not(stack: Stack, measure: Measure) -> str:
    """The quote's own reason the measure does not apply (an exemption, its dates), or a general one."""
    for item in stack.not_applied:
        if item.get("measure_id") == measure.id:
            return item["reason"]
    return "the measure does not reach this line on that date"


def _credit_misfiled(assessed: list[Row], extra: list[Row]) -> None:
    """A payment under a wrong heading of a program is applied first to that program's shortfall."""
    for row in extra:
        if row.treatment in ("unmatched", "refundable"):
            continue
        for target in assessed:
            if target.program != row.program or target.treatment == "refundable":
                continue
            short = target.assessed - target.paid - target.credited
            amount = min(short, row.paid - row.applied)
            if amount > 0:
                target.credited += amount
                row.applied += amount
                row.reasons.append(f"{fmt_money(amount)} credited to {target.heading}, the heading assessed")
                target.reasons.append(f"{fmt_money(amount)} paid under {row.heading} credited here")


def _settle(row: Row) -> None:
    """owed, refundable, contingent, underpaid and unmatched, by the row's treatment."""
    if row.treatment == "unmatched":
        row.unmatched = row.paid
        return
    if row.treatment == "refundable":
        row.refundable = row.paid
        if row.paid or row.assessed:
            row.reasons.append(f"{row.legal.state} since {row.legal.since}: nothing owed; all paid is recoverable "
                               "(see its route)")
        return
    covered = row.paid + row.credited
    row.owed = row.assessed
    row.refundable = max(row.paid - row.assessed, ZERO) if row.assessed else row.paid - row.applied
    row.underpaid = max(row.assessed - covered, ZERO)
    if row.treatment == "contingent":
        row.contingent = min(covered, row.assessed)
    if row.assessed and row.refundable:
        row.reasons.append(f"paid {fmt_money(row.paid)}, assessed {fmt_money(row.assessed)}: "
                           f"{fmt_money(row.refundable)} paid beyond the assessed duty (a missed exemption, "
                           "another rate or value base)")
    if row.underpaid:
        row.reasons.append(f"assessed {fmt_money(row.assessed)}, paid {fmt_money(covered)}: "
                           f"{fmt_money(row.underpaid)} underpaid")


__all__ = ["Row", "HeadingIndex", "heading_index", "treatment_of", "compare", "row_sums", "ZERO"]
