"""When an entry liquidates, and which refund window is open on the audit date.

``liquidation_of`` reads an audited line's liquidation on the audit date:
the date given (a date after the audit date is a scheduled one; a passed date
on an entry said not to have liquidated means its liquidation was extended or
suspended, ``held``), or the date ``refunds/routes.yaml`` assumes (so many
days after entry, moved to the weekday CBP posts liquidations on), always
saying which.  A line with AD/CVD deposits and no date is suspended: no date
is assumed for it.  ``window``
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


# Why an unliquidated entry is past (or beyond) the usual schedule: its liquidation status as ACE prints it, or
# what the dates show (a scheduled date passed, or more than a year after entry: 19 U.S.C. 1504(a)).
HELD = ("extended", "suspended", "under_review", "extended_or_suspended")


# ACE's liquidation statuses (as ACE Reports print them: Liquidated, Deemed Liquidated, Unliquidated, Pending,
# Extended, Suspended, Under Review) -> (liquidated, why an unliquidated entry is held).  Research notes: issue
# 14, law.md sections 2 and 7 (ES-003's "Liquidation Status"; CAPE takes "suspended, extended or under review"
# entries); "pending" is ACE's status of an entry with a liquidation date in the future (STR, on ACE
# liquidation reports); "deemed liquidated": liquidated by operation of law (19 U.S.C. 1504(a)).
LIQUIDATION_STATUSES = {"liquidated": (True, None), "deemed liquidated": (True, None), "deem liquidated": (True, None),
                        "unliquidated": (False, None), "pending": (False, None), "extended": (False, "extended"),
                        "suspended": (False, "suspended"), "under review": (False, "under_review")}


def read_liquidation_status(value, liquidated: bool | None) -> tuple[bool, str | None]:
    """(liquidated, held) of a liquidation status as ACE prints it; a ValueError for one the audit cannot read,
    or one that contradicts ``liquidated``."""
    text = " ".join(str(value).replace("_", " ").replace("-", " ").lower().split()) if isinstance(value, str) else ""
    found = LIQUIDATION_STATUSES.get(text)
    if found is None:
        raise ValueError(f"{str(value)[:30]!r} is not a liquidation status the audit reads: give one of Liquidated, "
                         "Deemed Liquidated, Unliquidated, Pending, Extended, Suspended, Under Review (as ACE "
                         "prints them), or leave it out and give liquidated yes or no")
    if liquidated is not None and liquidated != found[0]:
        raise ValueError(f"{value.strip()!r} contradicts liquidated={'yes' if liquidated else 'no'}: give one")
    return found


@dataclass(frozen=True)
class Liquidation:
    status: str               # "liquidated" or "unliquidated" (on the audit date)
    date: date | None         # the liquidation date (actual, scheduled or assumed); None: not known
    assumed: bool             # the date is the tables' assumption, not the caller's
    basis: str                # how the date was found, for the caller
    held: str | None = None   # one of HELD: liquidation extended or suspended (a PSC may run to 15 days before
    warning: str | None = None  # the extended date, not 300 days after entry); a warning for the line

    def doc(self) -> dict:
        """Its document, rendered once (shared by the lines of a request with the same dates: read-only)."""
        found = self.__dict__.get("_doc")
        if found is None:
            found = {"status": self.status, "date": self.date.isoformat() if self.date else None,
                     "assumed": self.assumed, "basis": self.basis, "held": self.held}
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
                   audit_date: date, held: str | None = None, adcvd: bool = False) -> Liquidation:
    """The line's liquidation on the audit date: as given, or as the tables assume it when no date is given.

    ``held`` is the liquidation status given (extended, suspended, under review); ``adcvd``: the line
    carries AD/CVD deposits, whose liquidation is suspended and follows no usual schedule."""
    if given is not None:
        return _given(entry_date, given, liquidated, audit_date, held)
    if liquidated is not True and (held or adcvd):
        return _held_without_date(held or "suspended", adcvd)
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
                           + ("; capped at the audit date" if day < usual else "") + ")",
                           warning=_ADCVD_GUESS if adcvd else None)
    if usual <= audit_date and liquidated is None:
        return Liquidation("liquidated", usual, True, f"no liquidation date given: assumed liquidated on {usual} "
                                                      f"({how})")
    if usual <= audit_date:
        return Liquidation("unliquidated", None, True, f"unliquidated past the usual {rule.days_after_entry} days "
                           "(liquidation extended or suspended): its date is not known", "extended_or_suspended",
                           _held_warning(None, "extended_or_suspended"))
    return Liquidation("unliquidated", usual, True, f"unliquidated; liquidation assumed on {usual} ({how})")


_ADCVD_GUESS = ("the line carries AD/CVD deposits: such entries are suspended and do not liquidate on the usual "
                "schedule, so the liquidation date assumed for it is likely wrong; give liquidation_date")


def _held_without_date(held: str, adcvd: bool) -> Liquidation:
    """Unliquidated, its date not known: an AD/CVD line (suspended) or a status of extended or suspended."""
    if adcvd and held == "suspended":
        basis = ("AD/CVD deposits on the line and no liquidation date given: liquidation of such entries is "
                 "suspended until Commerce's instructions (19 U.S.C. 1504(d)) and does not follow the usual "
                 "schedule; assumed unliquidated on the audit date, its date not known")
    else:
        basis = f"liquidation {_HELD_WORDS[held]}, no liquidation date given: unliquidated, its date not known"
    return Liquidation("unliquidated", None, True, basis, held, _held_warning(None, held, adcvd))


_HELD_WORDS = {"extended": "extended", "suspended": "suspended", "under_review": "under review",
               "extended_or_suspended": "extended or suspended"}


_PSC_HELD = {
    "extended": "a post-summary correction may be filed up to 15 days before the extended liquidation date "
                "(84 FR 40430), not only within 300 days of entry",
    "under_review": "a post-summary correction may be filed up to 15 days before the extended liquidation date "
                    "(84 FR 40430), not only within 300 days of entry",
    "suspended": "a post-summary correction may be filed beyond 300 days of entry while liquidation is suspended "
                 "(CBP's ACE entry summary business rules), up to 15 days before liquidation",
    "extended_or_suspended": "extended or suspended, a post-summary correction may be filed beyond 300 days of "
                             "entry, up to 15 days before the new liquidation date (84 FR 40430; for suspended "
                             "entries, CBP's ACE entry summary business rules)",
}


def _held_warning(passed: date | None, held: str, adcvd: bool = False) -> str:
    """What an extended or suspended liquidation means for the windows, said on the line."""
    if passed is not None:
        head = (f"liquidation was scheduled on {passed} and had not happened by the audit date: it was "
                f"{_HELD_WORDS[held]} (19 CFR 159.12; 19 U.S.C. 1504(d) for AD/CVD entries)")
    elif adcvd:
        head = ("AD/CVD entries are suspended and do not liquidate on the usual schedule: the audit assumed this "
                "one unliquidated on the audit date, its liquidation date not known")
    else:
        head = f"liquidation {_HELD_WORDS[held]}, its new date not given"
    return (f"{head}; {_PSC_HELD[held]}: that date is not known, so the correction's window is shown open with "
            "no end; the protest opens when the entry liquidates; give liquidation_date once it is known")


def _given(entry: date, day: date, liquidated: bool | None, audit_date: date, held: str | None) -> Liquidation:
    """A date given: liquidated on it (on or before the audit date), or scheduled on it."""
    if day > audit_date:
        beyond_year = day > _years_after(entry, 1)
        held = held or ("extended_or_suspended" if beyond_year else None)
        parts = [f"liquidation scheduled on {day}"]
        if liquidated is True:
            parts.append("given as liquidated on a date after the audit date: unliquidated on the audit date")
        if held:
            parts.append(f"liquidation {_HELD_WORDS[held]}" + (
                " (more than a year after entry: 19 U.S.C. 1504(a) deems an entry liquidated after one year "
                "unless its liquidation is extended or suspended)" if beyond_year else ""))
        return Liquidation("unliquidated", day, False, "; ".join(parts), held)
    if liquidated is False:
        held = held or "extended_or_suspended"
        return Liquidation("unliquidated", None, False, f"unliquidated: liquidation was scheduled on {day}, a date "
                           f"that has passed, so it was {_HELD_WORDS[held]}; the new date is not known", held,
                           _held_warning(day, held))
    return Liquidation("liquidated", day, False, f"liquidated on {day}")


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
    """A post-summary correction: until the earlier of ``max_days_after_entry`` after entry and
    ``days_before_liquidation`` before liquidation; on an extended or suspended liquidation, until
    ``days_before_liquidation`` before the new date (no end known while that date is not)."""
    before = timedelta(days=rule.days_before_liquidation)
    if liq.status == "liquidated":
        closes = entry + timedelta(days=rule.max_days_after_entry)
        closes = min(closes, liq.date - before) if liq.date else closes
        return Window("", "closed", entry, closes, rule.interest, "the entry has liquidated")
    if liq.held is not None:
        closes = liq.date - before if liq.date else None
        return Window("", _status(audit, entry, closes), entry, closes, rule.interest, _PSC_HELD[liq.held]
                      + ("" if liq.date else ": the new liquidation date is not known"))
    closes = entry + timedelta(days=rule.max_days_after_entry)
    if liq.date is None:
        return Window("", _status(audit, entry, closes), entry, closes, rule.interest,
                      "the liquidation date is not known: only the limit after entry is counted")
    return Window("", _status(audit, entry, min(closes, liq.date - before)), entry, min(closes, liq.date - before),
                  rule.interest)


def _after_liquidation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    """A protest: from liquidation (never before it: 19 U.S.C. 1514(c)(3)) for ``days_after_liquidation``."""
    days = timedelta(days=rule.days_after_liquidation)
    if liq.status != "liquidated":
        if liq.date is None:
            return Window("", "not_yet_open", None, None, rule.interest, "opens when the entry liquidates")
        return Window("", "not_yet_open", liq.date, liq.date + days, rule.interest,
                      "opens when the entry liquidates (the scheduled date)")
    if liq.date is None:
        return Window("", "open", None, None, rule.interest, f"the entry has liquidated (date not known): "
                                                             f"{rule.days_after_liquidation} days from it")
    return Window("", _status(audit, liq.date, liq.date + days), liq.date, liq.date + days, rule.interest)


def _refund_process(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    """CAPE: open from its start to unliquidated entries, and until ``days_after_liquidation`` after it."""
    opens = max(rule.start, entry)
    closes = liq.date + timedelta(days=rule.days_after_liquidation) if liq.date else None
    if liq.status == "unliquidated":
        return Window("", _status(audit, opens, None), opens, closes, rule.interest,
                      f"open while unliquidated and until {rule.days_after_liquidation} days after liquidation"
                      + ("" if closes else " (the liquidation date is not known)"))
    return Window("", _status(audit, opens, closes), opens, closes, rule.interest)


def _after_final_liquidation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    if liq.date is None:
        return Window("", "not_yet_open", None, None, rule.interest, "opens when the entry's liquidation is final")
    opens = liq.date + timedelta(days=rule.days_after_liquidation + 1)
    if liq.status != "liquidated":
        return Window("", "not_yet_open", opens, None, rule.interest, "opens when the entry's liquidation is final")
    return Window("", _status(audit, opens, None), opens, None, rule.interest)


def _limitation(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    closes = _years_after(entry, rule.years_after_entry)
    return Window("", _status(audit, entry, closes), entry, closes, rule.interest)


def _automatic(rule: RouteRule, entry: date, liq: Liquidation, audit: date) -> Window:
    """Refunded without a filing when the entry liquidates; once it has, a deposit kept is protested within
    ``days_after_liquidation`` days of the liquidation."""
    if liq.status != "liquidated":
        return Window("", "automatic", None, None, rule.interest,
                      "refunded when the entry liquidates, on Commerce's instructions: no filing before then")
    after = f"if the deposit was not refunded at liquidation, protest within {rule.days_after_liquidation} days"
    if liq.date is None:
        return Window("", "open", None, None, rule.interest, f"the entry has liquidated (date not known): {after}")
    closes = liq.date + timedelta(days=rule.days_after_liquidation)
    return Window("", _status(audit, liq.date, closes), liq.date, closes, rule.interest,
                  f"the entry liquidated on {liq.date}: {after}")


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


__all__ = ["Liquidation", "Window", "STATUSES", "HELD", "LIQUIDATION_STATUSES", "read_liquidation_status",
           "liquidation_of", "window", "choose"]
