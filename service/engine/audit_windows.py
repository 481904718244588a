"""When an entry liquidates, and which refund window is open on the audit date.

``liquidation_of`` reads an audited line's liquidation: the date given, or
the date ``refunds/routes.yaml`` assumes (so many days after entry, moved to
the weekday CBP posts liquidations on), always saying which.  ``window``
computes one route's window for the line (its first and last day, inclusive,
and its status on the audit date) by the rule of its window kind; ``choose``
picks the route an amount takes among those its table names, in order.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.model.refunds import RefundTables, Route, RouteRule

# How a route stands on the audit date.  contested: open, but whether it refunds is disputed in court.
STATUSES = ("open", "automatic", "not_yet_open", "contested", "closed")
_PREFERENCE = {"open": 0, "automatic": 0, "not_yet_open": 1, "contested": 2, "closed": 3}


@dataclass(frozen=True)
class Liquidation:
    status: str               # "liquidated" or "unliquidated"
    date: date | None         # the liquidation date (actual, scheduled or assumed); None: not known
    assumed: bool             # the date is the tables' assumption, not the caller's
    basis: str                # how the date was found, for the caller

    def doc(self) -> dict:
        """Its document, rendered once (shared by the lines of a request with the same dates: read-only)."""
        found = self.__dict__.get("_doc")
        if found is None:
            found = {"status": self.status, "date": self.date.isoformat() if self.date else None,
                     "assumed": self.assumed, "basis": self.basis}
            object.__setattr__(self, "_doc", found)
        return found


@dataclass(frozen=True)
class Window:
    route: str
    status: str
    opens: date | None
    closes: date | None        # the last day to file (inclusive); None: no known end
    interest: bool
    note: str | None = None

    def doc(self) -> dict:
        """Its document, rendered once (a window is shared by the lines that take it: treat as read-only)."""
        found = self.__dict__.get("_doc")
        if found is None:
            found = {"route": self.route, "status": self.status, "opens": _iso(self.opens),
                     "closes": _iso(self.closes)}
            if self.note:
                found["note"] = self.note
            object.__setattr__(self, "_doc", found)
        return found


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --------------------------------------------------------------- liquidation

def liquidation_of(refunds: RefundTables, entry_date: date, given: date | None, liquidated: bool | None,
                   audit_date: date) -> Liquidation:
    """The line's liquidation as given, or as the tables assume it when a date is missing."""
    if given is not None:
        return _given(given, liquidated, audit_date)
    rule = refunds.liquidation_on(entry_date)
    if rule is None:
        return Liquidation("liquidated" if liquidated else "unliquidated", None, True,
                           f"no liquidation date given and no liquidation assumption in the tables for {entry_date}")
    usual = rule.assumed_date(entry_date)
    how = (f"{rule.days_after_entry} days after entry" + (f", moved to the next {rule.posted_on}"
                                                          if rule.posted_on else "") + "; see liquidation_rules")
    if liquidated is True:
        day = min(usual, audit_date)
        return Liquidation("liquidated", day, True, f"liquidated, date not given: assumed {day} ({how}"
                           + ("; capped at the audit date" if day < usual else "") + ")")
    if usual <= audit_date and liquidated is None:
        return Liquidation("liquidated", usual, True, f"no liquidation date given: assumed liquidated on {usual} "
                                                      f"({how})")
    if usual <= audit_date:
        return Liquidation("unliquidated", None, True, f"unliquidated past the usual {rule.days_after_entry} days "
                                                       "(liquidation extended or suspended): its date is not known")
    return Liquidation("unliquidated", usual, True, f"unliquidated; liquidation assumed on {usual} ({how})")


def _given(day: date, liquidated: bool | None, audit_date: date) -> Liquidation:
    if liquidated is False:
        note = (" (the date has passed: liquidation extended or suspended? treated as unliquidated)"
                if day <= audit_date else "")
        return Liquidation("unliquidated", day, False, f"unliquidated, liquidation scheduled on {day}{note}")
    if liquidated is True or day <= audit_date:
        return Liquidation("liquidated", day, False, f"liquidated on {day}"
                           + (" (a date after the audit date, as given)" if day > audit_date else ""))
    return Liquidation("unliquidated", day, False, f"liquidation scheduled on {day}")


# --------------------------------------------------------------------- windows

def window(route: Route, entry_date: date, liq: Liquidation, audit_date: date) -> Window:
    """One route's window for a line, and how it stands on ``audit_date``."""
    rule = route.rule_on(audit_date)
    if rule is None:
        first, last = route.values[0], route.values[-1]
        if audit_date < first.start:
            found = _KINDS[first.window](first, entry_date, liq, audit_date)
            return Window(route.id, "not_yet_open", max(first.start, found.opens or first.start), found.closes,
                          first.interest, f"opens {first.start}")
        return Window(route.id, "closed", None, last.end - timedelta(days=1) if last.end else None, last.interest,
                      f"the route ended on {last.end}")
    found = _KINDS[rule.window](rule, entry_date, liq, audit_date)
    if rule.contested and found.status == "open":
        found = Window(found.route, "contested", found.opens, found.closes, found.interest, found.note)
    return Window(route.id, found.status, found.opens, found.closes, rule.interest, found.note)


def _status(audit_date: date, opens: date | None, closes: date | None) -> str:
    if opens is not None and audit_date < opens:
        return "not_yet_open"
    if closes is not None and audit_date > closes:
        return "closed"
    return "open"


def _before_liquidation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    closes = entry + timedelta(days=rule.max_days_after_entry)
    note = None
    if liq.date is not None:
        closes = min(closes, liq.date - timedelta(days=rule.days_before_liquidation))
    else:
        note = "the liquidation date is not known: only the limit after entry is counted"
    status = "closed" if liq.status == "liquidated" else _status(audit, entry, closes)
    return Window("", status, entry, closes, rule.interest, note)


def _after_liquidation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    if liq.date is None:
        return Window("", "not_yet_open", None, None, rule.interest, "opens when the entry liquidates")
    closes = liq.date + timedelta(days=rule.days_after_liquidation)
    return Window("", _status(audit, liq.date, closes), liq.date, closes, rule.interest)


def _refund_process(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    opens = max(rule.start, entry)
    closes = liq.date + timedelta(days=rule.days_after_liquidation) if liq.date else None
    if liq.status == "unliquidated":
        return Window("", _status(audit, opens, None), opens, closes, rule.interest,
                      f"open while unliquidated and until {rule.days_after_liquidation} days after liquidation")
    return Window("", _status(audit, opens, closes), opens, closes, rule.interest)


def _after_final_liquidation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    if liq.date is None:
        return Window("", "not_yet_open", None, None, rule.interest, "opens when the entry's liquidation is final")
    opens = liq.date + timedelta(days=rule.days_after_liquidation + 1)
    return Window("", _status(audit, opens, None), opens, None, rule.interest)


def _limitation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    closes = _years_after(entry, rule.years_after_entry)
    return Window("", _status(audit, entry, closes), entry, closes, rule.interest)


def _automatic(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    return Window("", "automatic", None, None, rule.interest, "no filing and no deadline")


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:                     # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


_KINDS = {"before_liquidation": _before_liquidation, "after_liquidation": _after_liquidation,
          "refund_process": _refund_process, "after_final_liquidation": _after_final_liquidation,
          "limitation": _limitation, "automatic": _automatic}


def choose(windows: list[Window]) -> Window:
    """The window an amount takes: the first open (or automatic) one, else the first not yet open, else the
    first contested, else the last closed one (the amount can no longer be recovered by these routes)."""
    best = min(range(len(windows)), key=lambda i: (_PREFERENCE[windows[i].status],
                                                   -i if windows[i].status == "closed" else i))
    return windows[best]


__all__ = ["Liquidation", "Window", "STATUSES", "liquidation_of", "window", "choose"]
