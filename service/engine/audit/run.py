"""Audit past entries: for each line as filed, what was paid, owed and can be recovered, how and until when.

``audit(tables, body)`` is ``POST /v1/audit``: it parses the request
(:mod:`service.engine.audit.inputs`), audits every line and renders the
document (:mod:`service.engine.audit.document`).  Auditing one line runs these
named steps:

1. the stack **as the law assessed it** on the entry date: the quote engine
   (:func:`service.engine.quote.quote_stack`, with its caches);
2. the line's **liquidation**, given or assumed (:mod:`service.engine.audit.windows`);
3. the **comparison** heading by heading (:mod:`service.engine.audit.compare`): paid,
   assessed, owed today (assessed less what a ruling voided), recoverable,
   contingent, underpaid, unmatched;
4. the **route** each recoverable (or underpaid) amount takes, with the last
   day of its window, from ``refunds/routes.yaml`` and the measure's
   ``legal_status``; a recoverable amount is ``refundable`` (recoverable now:
   its route is open, automatic or not yet open), ``closed`` (every window
   has closed) or ``contested`` (its route is disputed in court);
5. **interest** on refundable amounts only, from the deposit date to
   ``interest_to``, at the overpayment rates of ``refunds/interest.yaml``,
   compounded daily; one rounding point, half-up to the cent per heading.

Money is exact (``Decimal`` from strings); totals are sums of the rounded
rows, so a CSV of the rows sums to them.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model.errors import ErrorCollector, InputError, NotCovered
from service.model.money import cents, fmt_money
from service.model.refunds import InterestRate, RefundTables, Route, compound_factor
from service.engine.audit.compare import ZERO, Row, compare, row_sums
from service.engine.audit.document import AMOUNTS, audit_doc
from service.engine.audit.inputs import AuditLine, AuditRequest, parse_request
from service.engine.audit.windows import Liquidation, Window, choose, liquidation_of, window
from service.engine.cache import IdentityCache
from service.engine.quote import quote_stack
from service.engine.stack import Stack

INTEREST_CACHE_SIZE = 20_000   # (deposit date, interest_to, importer type) -> growth factor


@dataclass
class LineAudit:
    """One audited line: the assessed stack, its liquidation and its heading rows."""

    audit: AuditLine
    stack: Stack
    liquidation: Liquidation
    deposit_date: date
    rows: list[Row]
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def deposit_assumed(self) -> bool:
        return self.audit.deposit_date is None

    def __post_init__(self):
        self.totals = dict(zip(AMOUNTS, row_sums(self.rows)))


@dataclass
class Audit:
    """A whole audit: the request's settings, the audited lines, and what their figures rest on."""

    request: AuditRequest
    lines: list[LineAudit]
    routes: dict[str, Route] = field(default_factory=dict)       # the routes named in the answer
    rates: dict[date, InterestRate] = field(default_factory=dict)  # the interest rates used, by start
    windows: dict = field(default_factory=dict)    # (routes, entry date, liquidation) -> the window taken
    growth: dict = field(default_factory=dict)     # deposit date -> (compound factor, rates used)
    liquidations: dict = field(default_factory=dict)   # (entry date, date given, ...) -> Liquidation
    not_audited: list = field(default_factory=list)    # (AuditLine, NotCovered): lines the tables do not cover


# ----------------------------------------------------------------- the request

def audit(tables, data) -> dict:
    """``POST /v1/audit``: parse, audit every line, render; an InputError (400) naming every bad field of every
    line; a line the tables do not cover is reported as not audited (the others are audited)."""
    with paused_gc():
        return audit_doc(tables, run_audit(tables, parse_request(tables, data)))


_GC_USERS = 0
_GC_LOCK = threading.Lock()
_GC_WAS_ENABLED = False


@contextmanager
def paused_gc():
    """Python's cyclic garbage collector off while a large audit is built, back on after.

    An audit of 10,000 lines builds about 300,000 containers that all live
    until the answer is sent; each full collection walks them all again, which
    cost a third of the time (bench/REPORT.md, issue 14).  Reference counting
    still frees everything acyclic at once; cycles wait until the collector is
    back.  Threads share the collector: it is switched off by the first audit
    in progress and on again by the last, and only if it was on before.
    """
    global _GC_USERS, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_USERS == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_USERS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_USERS -= 1
            if _GC_USERS == 0 and _GC_WAS_ENABLED:
                gc.enable()


def run_audit(tables, request: AuditRequest) -> Audit:
    """Every line audited; every line's input error reported at once (``lines.<i>.<field>``).

    A line the tables do not cover (an HTS number or a date outside them) is not audited and is listed,
    with the reason, in ``not_audited``; the other lines are audited, as ``tariff-stack audit`` does with
    a file (and as ``POST /v1/duty`` (a batch) answers each line on its own): one stale statistical suffix in
    an export of 10,000 lines does not void the other 9,999."""
    refunds = refund_tables(tables)
    check_interest_to(refunds, request)
    result = Audit(request, [])
    errors = ErrorCollector()
    for a in request.lines:
        try:
            result.lines.append(audit_line(tables, refunds, request, a, result))
        except InputError as exc:
            errors.scoped(f"lines.{a.index}").merge(exc.errors or {"line": [exc.message]})
        except NotCovered as exc:
            result.not_audited.append((a, exc.under(f"lines.{a.index}")))
    errors.raise_if_any("invalid audit")
    return result


def refund_tables(tables) -> RefundTables:
    if tables.refunds is None:
        raise NotCovered("these tables have no refund tables (refunds/interest.yaml, refunds/routes.yaml): an "
                         "audit needs them", hint="use tables that include refunds/", field="lines")
    return tables.refunds


def check_interest_to(refunds: RefundTables, request: AuditRequest) -> None:
    """interest_to within the quarters the interest table holds (a 400 naming it, before any line)."""
    last = refunds.interest.values[-1].end
    if last is not None and request.interest_to > last:
        raise InputError.field("interest_to", f"the tables hold overpayment interest rates to {last} (exclusive): "
                                              f"give interest_to on or before {last}")


# ------------------------------------------------------------------- one line

def audit_line(tables, refunds: RefundTables, request: AuditRequest, a: AuditLine, into: Audit) -> LineAudit:
    """The named steps of one line (see the module docstring)."""
    stack = quote_stack(tables, a.line)
    adcvd = has_adcvd_deposits(stack, a)
    key = (a.line.entry_date, a.liquidation_date, a.liquidated, a.held, adcvd)
    liq = into.liquidations.get(key)
    if liq is None:
        liq = into.liquidations[key] = liquidation_of(refunds, a.line.entry_date, a.liquidation_date, a.liquidated,
                                                      request.audit_date, a.held, adcvd)
    rows = compare(tables, stack, a.paid, a.line.entry_date)
    deposit = a.deposit_date or a.line.entry_date
    windows = _LineWindows(refunds, a.line.entry_date, liq, request.audit_date, into)
    for row in rows:
        _route(row, refunds, windows)
        _interest(refunds, request, deposit, row, into)
    return LineAudit(a, stack, liq, deposit, rows)


def has_adcvd_deposits(stack: Stack, a: AuditLine) -> bool:
    """An AD/CVD duty assessed or paid on the line: its liquidation is suspended (no usual schedule)."""
    return any(layer.case and layer.duty for layer in stack.layers) or any(
        p.kind == "case" and p.amount for p in a.paid)


class _LineWindows:
    """The window each amount of one line takes, shared by the lines of the request with the same entry date
    and liquidation (kept in the request's :class:`Audit`)."""

    def __init__(self, refunds: RefundTables, entry_date: date, liq: Liquidation, audit_date: date, into: Audit):
        self.refunds, self.entry_date, self.liq, self.audit_date, self.into = refunds, entry_date, liq, audit_date, into

    def of(self, route_ids: tuple[str, ...]) -> Window:
        key = (route_ids, self.entry_date, self.liq)
        chosen = self.into.windows.get(key)
        if chosen is None:
            chosen = self.into.windows[key] = choose([window(self.refunds.routes[rid], self.entry_date, self.liq,
                                                             self.audit_date) for rid in route_ids])
            if chosen.route not in self.into.routes:
                self.into.routes[chosen.route] = self.refunds.routes[chosen.route]
        return chosen


def _route(row: Row, refunds: RefundTables, windows: _LineWindows) -> None:
    """The route of each amount of the row: refundable (then closed or contested), contingent, underpaid."""
    own = row.legal.refund.routes if row.legal is not None and row.legal.refund is not None else None
    if row.refundable > 0:
        routes = own if row.treatment == "refundable" and own else refunds.overpayment_routes
        row.refund_window = windows.of(routes)
        _recoverable_now(row, row.refund_window)
    if row.contingent > 0:
        row.contingent_window = windows.of(own or refunds.contingent_routes)
    if row.underpaid > 0:
        row.underpaid_window = windows.of(refunds.underpayment_routes)


def _recoverable_now(row: Row, w: Window) -> None:
    """What the row can recover stays ``refundable`` only if its route is open, automatic or not yet open:
    behind a closed window it is ``closed`` (lost), behind a contested one ``contested`` (never refundable)."""
    amount = row.refundable
    if w.status == "closed":
        row.closed, row.refundable = amount, ZERO
        row.reasons.append(f"{fmt_money(amount)} can no longer be recovered: every window has closed (the last, "
                           f"{w.route}, on {w.closes})" if w.closes else
                           f"{fmt_money(amount)} can no longer be recovered: every window has closed")
    elif w.status == "contested":
        row.contested, row.refundable = amount, ZERO
        row.reasons.append(f"{fmt_money(amount)} is contested, not refundable now: its refund ({w.route}) is "
                           "disputed in court (see the route's citation); no interest is computed on it")


# ------------------------------------------------------------------- interest

def _interest(refunds: RefundTables, request: AuditRequest, deposit: date, row: Row, into: Audit) -> None:
    """Rounding point: interest on the row's refundable amount, half-up to the cent."""
    w = row.refund_window
    if row.refundable <= 0 or w is None or not w.interest:      # closed and contested amounts are not refundable
        return
    if request.interest_to <= deposit:
        return
    found = into.growth.get(deposit)
    if found is None:
        first = refunds.interest.values[0].start
        if deposit < first:
            raise InputError.field("deposit_date", f"{deposit} is before the first overpayment interest rate in the "
                                                   f"tables ({first}): interest cannot be computed from it")
        found = into.growth[deposit] = _growth(refunds, deposit, request.interest_to, request.importer_type)
        for rate in found[1]:
            if rate.start not in into.rates:
                into.rates[rate.start] = rate
    row.interest = cents(row.refundable * (found[0] - 1))


_GROWTH = IdentityCache(INTEREST_CACHE_SIZE, weak=True)   # (refund tables, start, end, importer type) -> growth


def _growth(refunds: RefundTables, start: date, end: date, importer_type: str) -> tuple:
    """(compound factor, interest rates used) for a deposit on ``start`` to ``end``, memoised."""
    found = _GROWTH.get(refunds, start, end, importer_type)
    if found is None:
        table = refunds.interest
        found = _GROWTH.put(refunds, start, end, importer_type, value=(
            compound_factor(table, start, end, importer_type), tuple(v for v, _, _ in table.segments(start, end))))
    return found


__all__ = ["AMOUNTS", "Audit", "LineAudit", "audit", "run_audit", "audit_line", "refund_tables", "paused_gc",
           "check_interest_to"]
