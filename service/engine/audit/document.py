"""The JSON document of an audit (``POST /v1/audit``), written from the audited lines.

Amounts become strings here and nowhere else (USD to the cent).  What the
figures rest on is given once for the whole document: the routes named
(their windows' rules and citations), the rulings (legal statuses) met, and
the interest rates used, each with its citation and confidence; every value
below ``confirmed`` among them is also named in ``warnings``.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from service.model.money import fmt_decimal, rate6
from service.engine.cache import IdentityCache

ZERO = Decimal("0.00")

AMOUNTS = ("paid", "assessed", "owed", "refundable", "closed", "contested", "contingent", "underpaid", "unmatched",
           "interest")
ROUTE_AMOUNTS = ("refundable", "closed", "contested", "contingent", "underpaid", "interest")


def audit_doc(tables, result) -> OrderedDict:
    """The document of an :class:`service.engine.audit.Audit`."""
    request = result.request
    rulings = _rulings(result.lines)
    return OrderedDict(
        tables_version=tables.version, currency="USD", audit_date=request.audit_date.isoformat(),
        interest_to=request.interest_to.isoformat(), importer_type=request.importer_type,
        totals=totals_doc(result.lines, len(result.not_audited)), lines=[line_doc(x) for x in result.lines],
        not_audited=[_not_audited_doc(a, exc) for a, exc in result.not_audited],
        routes=_routes_doc(result.routes, request.audit_date), rulings=[_ruling_doc(s, p) for s, p in rulings],
        interest=_interest_doc(tables, result.rates, request.importer_type),
        liquidation_rules=_liquidation_doc(tables) if any(x.liquidation.assumed for x in result.lines) else [],
        assumptions=[*request.assumptions, *_line_assumptions(result.lines)],
        warnings=_warnings(tables, result, rulings),
    )


# ------------------------------------------------------------------ one line

def _m(amount: Decimal) -> str:
    """Money as text.  Every amount of an audit is exact to the cent (exponent -2: duties and interest are
    rounded to the cent, deposits are read in dollars and cents, sums of them stay so), so ``str`` is its
    plain form (``7500.00``); openapi.yaml's Money pattern checks every answer of the tests."""
    return str(amount)


def line_doc(x) -> dict:
    a, stack, totals = x.audit, x.stack, x.totals
    value = stack.customs_value
    assessed = totals["assessed"]
    out = {"index": a.index, "entry_number": a.entry_number, "line_number": a.line_number, "hts": stack.hts,
           "origin": stack.origin, "entry_date": stack.entry_date.isoformat(),
           "customs_value": _m(value.quantize(ZERO)), "deposit_date": x.deposit_date.isoformat(),
           "deposit_date_assumed": x.deposit_assumed, "liquidation": x.liquidation.doc(),
           "effective_rate": fmt_decimal(rate6(assessed / value)) if value else "0"}
    for name in AMOUNTS:
        out[name] = str(totals[name])
    out["headings"] = [row_doc(r) for r in x.rows]
    out["assumptions"] = list(stack.assumptions) + [{"fact": f, "assumption": t} for f, t in a.line.readings]
    out["warnings"] = line_warnings(stack)
    if x.liquidation.warning:
        out["warnings"].append(x.liquidation.warning)
    return out


_WARNINGS = IdentityCache(10_000)   # a stack's warnings tuple -> those kept on the line


def line_warnings(stack) -> list[str]:
    """The quote's warnings but those about one layer (its legal status, a value rated below confirmed): each
    heading row carries its legal state, citation and confidence, and the rulings are given once.  Memoised by
    the warnings tuple, which every line priced from one cached stack shares (kept in the value)."""
    found = _WARNINGS.get(stack.warnings)
    if found is not None:
        return list(found)
    layered = tuple(f"{x.measure_id} (" for x in stack.layers if x.legal_status is not None
                    or x.confidence != "confirmed")
    kept = tuple(w for w in stack.warnings if not (layered and w.startswith(layered)))
    return list(_WARNINGS.put(stack.warnings, value=kept))


def row_doc(r) -> dict:
    """One heading row; the route of an amount, and the legal status, only where there is one.
    (``str`` is :func:`_m` inlined: this runs once per heading of every line.)"""
    out = {"heading": r.heading, "program": r.program, "measure_id": r.measure_id, "treatment": r.treatment,
           "paid": str(r.paid), "assessed": str(r.assessed), "owed": str(r.owed), "refundable": str(r.refundable),
           "closed": str(r.closed), "contested": str(r.contested), "contingent": str(r.contingent), "underpaid": str(r.underpaid), "unmatched": str(r.unmatched),
           "interest": str(r.interest), "citation": r.citation, "confidence": r.confidence, "reasons": r.reasons}
    if r.legal is not None:
        out["legal_status"] = _legal_doc(r.legal)
    if r.refund_window is not None:
        out["refund_route"] = r.refund_window.doc()
    if r.contingent_window is not None:
        out["contingent_route"] = r.contingent_window.doc()
    if r.underpaid_window is not None:
        out["underpaid_route"] = r.underpaid_window.doc()
    return out


_LEGAL = IdentityCache(1_000)   # a legal status -> its row document (bounded: tables reloaded often)


def _legal_doc(status) -> dict:
    """A row's legal state and date (the ruling itself is in the document's ``rulings``), rendered once."""
    found = _LEGAL.get(status)
    if found is None:
        found = _LEGAL.put(status, value={"state": status.state, "since": status.since.isoformat()})
    return found


# ------------------------------------------------------------------ totals

def _not_audited_doc(a, exc) -> dict:
    """A line the tables do not cover: named, with the reason, never counted in the totals."""
    return {"index": a.index, "entry_number": a.entry_number, "line_number": a.line_number, "status": 404,
            "code": "not_covered", "field": exc.field, "message": exc.message, "hint": exc.hint or None}


def totals_doc(lines, not_audited: int = 0) -> OrderedDict:
    """The request's totals, and the same by program and by route (sums of the rounded rows); how many lines
    were audited and how many not (the tables do not cover them: not in these sums)."""
    totals = dict.fromkeys(AMOUNTS, ZERO)
    by_program: dict[str, list] = {}
    by_route: dict[str, dict] = {}
    for x in lines:
        for name, amount in x.totals.items():
            totals[name] += amount
        for r in x.rows:
            _add_program(by_program, r)
            if r.refund_window or r.contingent_window or r.underpaid_window:
                _add_routes(by_route, r)
    out = OrderedDict((name, _m(totals[name])) for name in AMOUNTS)
    out["lines_audited"] = len(lines)
    out["lines_not_audited"] = not_audited
    out["by_program"] = {p: dict(zip(AMOUNTS, map(_m, v))) for p, v in sorted(by_program.items())}
    out["by_route"] = {k: _money(v) for k, v in sorted(by_route.items())}
    return out


def _add_program(by_program: dict, r) -> None:
    """The row's amounts added to its program's (in the order of AMOUNTS)."""
    key = r.program or "unmatched"
    s = by_program.get(key)
    if s is None:
        by_program[key] = [r.paid, r.assessed, r.owed, r.refundable, r.closed, r.contested, r.contingent,
                           r.underpaid, r.unmatched, r.interest]
        return
    s[0] += r.paid
    s[1] += r.assessed
    s[2] += r.owed
    s[3] += r.refundable
    s[4] += r.closed
    s[5] += r.contested
    s[6] += r.contingent
    s[7] += r.underpaid
    s[8] += r.unmatched
    s[9] += r.interest


def _add_routes(by_route: dict, r) -> None:
    """Each amount under the route it takes; an amount whose every window has closed under ``closed`` (a
    recoverable one as its ``closed`` amount, a contingent or underpaid one as such)."""
    for amount_name, w in (("refundable", r.refund_window), ("closed", r.refund_window),
                           ("contested", r.refund_window), ("contingent", r.contingent_window),
                           ("underpaid", r.underpaid_window)):
        amount = getattr(r, amount_name)
        if w is None or not amount:
            continue
        key = "closed" if w.status == "closed" else w.route
        bucket = by_route.get(key)
        if bucket is None:
            bucket = by_route[key] = dict.fromkeys(ROUTE_AMOUNTS, ZERO)
        bucket[amount_name] += amount
        if amount_name == "refundable":
            bucket["interest"] += r.interest


def _money(amounts: dict[str, Decimal]) -> dict[str, str]:
    return {k: _m(v) for k, v in amounts.items()}


# ------------------------------------------------------------ what it rests on

def _routes_doc(routes: dict, audit_date) -> dict:
    out = {}
    for rid, route in sorted(routes.items()):
        rule = route.rule_on(audit_date) or route.values[-1]
        d = {"title": route.title, "window": rule.window, "interest": rule.interest, "contested": rule.contested,
             "citation": rule.cite, "confidence": rule.confidence}
        if rule.note:
            d["note"] = rule.note
        out[rid] = d
    return out


def _rulings(lines) -> list[tuple]:
    """The legal statuses met, each once, with the programs they cover."""
    found: dict = {}                 # the same ruling written in several files is one ruling
    for x in lines:
        for r in x.rows:
            if r.legal is not None:
                status, programs = found.setdefault(r.legal, (r.legal, set()))
                programs.add(r.program)
    return [(status, sorted(p for p in programs if p)) for status, programs in found.values()]


def _ruling_doc(status, programs: list[str]) -> dict:
    d = {"programs": programs, "state": status.state, "treatment": status.treatment,
         "since": status.since.isoformat(), "summary": status.summary, "citation": status.cite,
         "confidence": status.confidence}
    if status.refund is not None:
        d["routes"] = list(status.refund.routes)
        if status.refund.note:
            d["refund_note"] = status.refund.note
    return d


def _interest_doc(tables, rates: dict, importer_type: str) -> dict:
    table = tables.refunds.interest
    return {"compounding": table.compounding, "basis": table.basis.doc(),
            "compounding_basis": table.compounding_basis.doc(),
            "rates": [{"from": v.start.isoformat(), "to": v.end.isoformat() if v.end else None,
                       "rate": format(v.rate(importer_type).normalize(), "f"), "citation": v.cite,
                       "confidence": v.confidence} for _, v in sorted(rates.items())]}


def _line_assumptions(lines) -> list[dict]:
    """What lines left out, said once for the document (each line marks its own: ``deposit_date_assumed``,
    ``liquidation.assumed``)."""
    out = []
    deposits = sum(1 for x in lines if x.deposit_assumed)
    if deposits:
        out.append({"fact": "deposit_date", "assumption": f"{deposits} line(s) give no deposit_date: their interest "
                    "runs from the entry date (19 U.S.C. 1505(c) counts from the date the duties were deposited, "
                    "usually with the entry summary some days after entry, so the interest shown may be a few "
                    "days' too much); give deposit_date"})
    suspended = sum(1 for x in lines if x.liquidation.assumed and x.liquidation.held == "suspended")
    liquidations = sum(1 for x in lines if x.liquidation.assumed) - suspended
    if liquidations:
        out.append({"fact": "liquidation_date", "assumption": f"{liquidations} line(s) give no liquidation_date: "
                    "their liquidation is assumed as liquidation_rules says (each line's liquidation.basis), and "
                    "every window counted from it moves with the real date; give liquidation_date"})
    if suspended:
        out.append({"fact": "liquidation_date", "assumption": f"{suspended} line(s) with AD/CVD deposits (or a "
                    "suspended liquidation) give no liquidation_date: such entries do not liquidate on the usual "
                    "schedule, so no date is assumed; they are taken as unliquidated on the audit date, their "
                    "date not known (each line's liquidation.basis and warnings); give liquidation_date"})
    held = sum(1 for x in lines if x.liquidation.held and not x.liquidation.assumed and x.liquidation.date is None)
    if held:
        out.append({"fact": "liquidated", "assumption": f"{held} line(s) give a liquidation date that has passed "
                    "but say the entry has not liquidated: their liquidation was extended or suspended; the new "
                    "date is not known, so the protest is not yet open and the post-summary correction has no "
                    "known end (each line's warnings)"})
    return out


def _liquidation_doc(tables) -> list[dict]:
    """The liquidation dates assumed when a line gives none, with their citations."""
    return [{"from": r.start.isoformat(), "to": r.end.isoformat() if r.end else None,
             "days_after_entry": r.days_after_entry, "posted_on": r.posted_on, "citation": r.cite,
             "confidence": r.confidence, "note": r.note} for r in tables.refunds.liquidation]


def _warnings(tables, result, rulings) -> list[str]:
    """Lines not audited, and every route, ruling and interest rate the figures rest on that is rated below
    confirmed."""
    out = []
    if result.not_audited:
        out.append(f"{len(result.not_audited)} line(s) could not be audited (the tables do not cover them: "
                   + ", ".join(exc.field for _, exc in result.not_audited[:5])
                   + (", ..." if len(result.not_audited) > 5 else "")
                   + "): they are not in the totals; see not_audited")
    for rid, route in sorted(result.routes.items()):
        rule = route.rule_on(result.request.audit_date) or route.values[-1]
        if rule.confidence != "confirmed":
            out.append(f"route {rid} rests on facts rated '{rule.confidence}': {rule.cite}")
    for status, programs in rulings:
        if status.confidence != "confirmed":
            out.append(f"the legal status of {', '.join(programs)} ({status.state} since {status.since}) is rated "
                       f"'{status.confidence}': {status.cite}")
    if any(x.liquidation.assumed for x in result.lines):
        out.extend(f"assumed liquidation dates ({r.days_after_entry} days after entry) rest on facts rated "
                   f"'{r.confidence}': {r.cite}" for r in tables.refunds.liquidation if r.confidence != "confirmed")
    for _, v in sorted(result.rates.items()):
        if v.confidence != "confirmed":
            out.append(f"interest from {v.start} to {v.end} uses a rate rated '{v.confidence}': {v.cite}")
    return out


__all__ = ["AMOUNTS", "audit_doc", "line_doc", "row_doc", "totals_doc"]
