"""CBP CSMS messages: new messages since the last sync, flagged when they cite what the tables cover.

Two GovDelivery feeds are read and merged by message number: the CSMS widget
(``{widget}/0.json``, JSONP: ``GDWidgets[0].update([{"subject": "CSMS # NNN - ...",
"pub_date": "MM/DD/YYYY HH:MM PM EDT", "href": ...}, ...])``, about the last 100
messages) and the account RSS feed (``{rss}/feed.rss``, the last ~25 bulletins of
every topic, of which the titles "CSMS # NNN - ..." are kept).  The source fails
when both fail.  When one fails, the messages of the other are reported, but the
result is partial (``error`` names the failed feed, exit code 3) and the state does
not advance: a message only the failed feed carries may lie anywhere below the
newest number seen, so the next run reads both feeds again from the previous
``message`` (messages reported in the partial run may then be reported again;
none is lost).

A message is new when its number is above the last run's highest number (on a
first run: published on or after the tables' as-of date).  Each new message's
bulletin page is read (bounded) and its subject, RSS summary and text are
matched: a message citing a covered HTS code, a chapter 99 heading in the
tables, an AD/CVD case in the tables or a program in the tables (Section
232/301/122/338, IEEPA and its refunds) is a "review" finding.  Messages that
cite nothing covered are not findings; they are counted in ``checked_through``
(``new`` and ``flagged``).

The RSS feed is XML from the network: it is parsed with ``defusedxml``
(no entity expansion, no external references).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from service.sync import fedreg
from service.sync.context import SyncContext
from service.sync.findings import Finding, SourceError, SourceResult, Touches
from service.sync.http import NOT_MODIFIED, content_type
from service.sync.state import DATE_OR_EMPTY, NUMBER_OR_EMPTY
from service.sync.util import us_date

SOURCE = "csms"
CHECKED_THROUGH = {"message": NUMBER_OR_EMPTY, "date": DATE_OR_EMPTY}   # checked when the state file is loaded
WIDGET, RSS = "csms_widget", "csms_rss"
SUBJECT = re.compile(r"^\s*CSMS\s*#\s*(\d{5,10})\s*[-\u2013\u2014:]?\s*(.*)$", re.S)
JSONP = re.compile(r"\.update\(\s*(\[.*\])\s*\)\s*;?\s*$", re.S)
MAX_BULLETINS = 80             # bulletin pages read per run (CBP sends 40-80 messages a week)
MAX_BULLETIN_CHARS = 200_000


@dataclass
class Message:
    number: int
    subject: str
    published: date | None
    url: str
    summary: str = ""
    feeds: set = field(default_factory=set)

    @property
    def title(self) -> str:
        return f"CSMS # {self.number} - {self.subject}"


# --- the feeds --------------------------------------------------------------------------------------------------

def fetch(ctx: SyncContext, url: str, what: str):
    """An answer that is not an HTML page (both feeds answer errors with HTML pages), or None when the feed
    answered 304 to a conditional request: it is as the last complete run read it, so none of its messages is new
    (validators are kept only when the source's run was complete, see ``run._new_state``)."""
    resp = ctx.fetcher.get(SOURCE, url, conditional=True)
    if resp is NOT_MODIFIED:
        return None
    head = resp.content[:300].lstrip().lower()
    if content_type(resp) == "text/html" or head.startswith((b"<!doctype html", b"<html")):
        raise SourceError(SOURCE, resp.url, f"answered an HTML page ({content_type(resp) or 'no content type'}), "
                                            f"expected {what}")
    return resp


def read_widget(ctx: SyncContext) -> list[Message]:
    url = f"{ctx.base(WIDGET)}/0.json"
    resp = fetch(ctx, url, "the widget's JSONP")
    items = widget_items(url, resp.text) if resp is not None else []
    out = []
    for item in items:
        found = SUBJECT.match(str(item.get("subject") or "")) if isinstance(item, dict) else None
        if found:
            out.append(Message(int(found[1]), " ".join(found[2].split()), us_date(item.get("pub_date")),
                               canonical(str(item.get("href") or "")), feeds={"widget"}))
    return out


def widget_items(url: str, body: str) -> list:
    text = body.strip()
    found = JSONP.search(text)
    raw = found.group(1) if found else (text if text.startswith("[") else None)
    if raw is None:
        raise SourceError(SOURCE, url, "no GDWidgets[...].update([...]) array in the widget's answer")
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise SourceError(SOURCE, url, f"the widget's array is not JSON: {exc}") from None
    if not isinstance(items, list):
        raise SourceError(SOURCE, url, "the widget's update(...) argument is not a list")
    if items and not any(isinstance(i, dict) and "subject" in i for i in items):
        raise SourceError(SOURCE, url, "the widget's list holds no bulletin (no object with a 'subject')")
    return items


def read_rss(ctx: SyncContext) -> list[Message]:
    url = f"{ctx.base(RSS)}/feed.rss"
    resp = fetch(ctx, url, "an RSS feed")
    if resp is None:
        return []
    body = resp.content
    try:
        root = SafeET.fromstring(body)
    except (SafeET.ParseError, DefusedXmlException) as exc:
        raise SourceError(SOURCE, url, f"the RSS feed is not well-formed or safe XML: {exc}") from None
    if root.tag != "rss" or root.find("channel") is None:
        raise SourceError(SOURCE, url, f"answer is not an RSS 2.0 feed (root element {root.tag!r})")
    out = []
    for item in root.iter("item"):
        found = SUBJECT.match(" ".join((item.findtext("title") or "").split()))
        if found:
            out.append(Message(int(found[1]), found[2].strip(), rss_date(item.findtext("pubDate")),
                               canonical(item.findtext("link") or ""),
                               summary=fedreg.plain_text(item.findtext("description") or ""), feeds={"RSS"}))
    return out


def rss_date(text) -> date | None:
    try:
        return parsedate_to_datetime(str(text).strip()).date()
    except (TypeError, ValueError, IndexError):
        return None


def canonical(href: str) -> str:
    return href.split("?", 1)[0].strip()


def read_feeds(ctx: SyncContext) -> tuple[dict[int, Message], list[tuple[str, SourceError]]]:
    """Both feeds merged by number (the widget's fields first), and the feeds that failed (name, error);
    both failing is a SourceError."""
    merged, failed = {}, []
    for name, reader in (("widget", read_widget), ("RSS", read_rss)):
        try:
            messages = reader(ctx)
        except SourceError as exc:
            failed.append((name, exc))
            continue
        for msg in messages:
            merge(merged, msg)
    if len(failed) == 2:
        raise SourceError(SOURCE, failed[0][1].url, "both feeds failed: " + "; ".join(map(feed_failure, failed)))
    return merged, failed


def feed_failure(failed: tuple[str, SourceError]) -> str:
    name, exc = failed
    return f"{name} feed failed: {exc.reason} ({exc.url})"


def merge(merged: dict[int, Message], msg: Message) -> None:
    have = merged.get(msg.number)
    if have is None:
        merged[msg.number] = msg
        return
    have.feeds |= msg.feeds
    have.summary = have.summary or msg.summary
    have.published = have.published or msg.published
    have.url = have.url or msg.url


# --- what is new, and what it cites -----------------------------------------------------------------------------

def is_new(msg: Message, state: dict, first_run_from: date) -> bool:
    """Numbered above the last run's message; with no message, published on or after its date (else the first-run
    start).  The state file's values were checked when it was loaded (``state.load_state``)."""
    if state.get("message"):
        return msg.number > int(state["message"])
    since = date.fromisoformat(state["date"]) if state.get("date") else first_run_from
    return msg.published is None or msg.published >= since


def bulletin_url(ctx: SyncContext, number: int) -> str:
    """The bulletin page: GovDelivery names a CSMS bulletin by its message number in hexadecimal."""
    account = ctx.base(WIDGET).split("/widgets/", 1)[0]
    return f"{account}/bulletins/{number:x}"


def bulletin_text(ctx: SyncContext, msg: Message, budget: fedreg.TextBudget) -> tuple[str, str]:
    if not budget.take():
        return "", f"bulletin text not read (a run reads at most {MAX_BULLETINS})"
    try:
        body = ctx.fetcher.get_text(SOURCE, bulletin_url(ctx, msg.number))
    except SourceError as exc:
        return "", f"bulletin text could not be read: {exc.reason}"
    return fedreg.plain_text(body or "")[:MAX_BULLETIN_CHARS], ""


def cited(ctx: SyncContext, text: str) -> tuple[Touches, tuple[str, ...]]:
    cov = ctx.coverage
    headings, cases = cov.headings_named(text), cov.cases_named(text)
    measures = set(cov.measures_for_headings(headings)) | set(fedreg.measures_for_cases(ctx.tables, cases))
    programs = list(fedreg.programs_named(text, cov.programs))
    if "ieepa" in " ".join(programs).lower() and re.search(r"\brefunds?\b", text, re.I):
        programs.append("IEEPA refunds")
    if cases:
        programs.append("AD/CVD case")
    touches = Touches(hts=cov.lines_named(text), measures=tuple(sorted(measures)), headings=headings, cases=cases)
    return touches, tuple(programs)


def message_finding(ctx: SyncContext, msg: Message, budget: fedreg.TextBudget) -> Finding | None:
    text, note = bulletin_text(ctx, msg, budget)
    touches, programs = cited(ctx, "\n".join((msg.subject, msg.summary, text)))
    if not touches and not programs:
        return None
    detail = "; ".join(filter(None, (
        f"cites {', '.join(programs)}" if programs else "",
        fedreg.describe(touches), note,
        f"seen in the {' and '.join(f for f in ('widget', 'RSS') if f in msg.feeds)} feed"
        f"{'s' if len(msg.feeds) > 1 else ''}",
    )))
    return Finding(SOURCE, "csms_message", "review", msg.title, msg.url or bulletin_url(ctx, msg.number),
                   msg.published, None, touches, detail)


def partial_error(failed, state: dict) -> SourceError:
    """One feed failed: the result is partial and the state stays where the last run left it."""
    (name, exc), = failed
    other = "RSS" if name == "widget" else "widget"
    at = f"message {state['message']}" if str(state.get("message") or "").isdigit() else "where it was"
    return SourceError(SOURCE, exc.url, f"the {name} feed failed: {exc.reason}; the new messages of the {other} "
                                        f"feed are listed, but the state stays at {at}: a message only the {name} "
                                        "feed carries could be below the newest number seen, so the next run reads "
                                        "both feeds again from there (messages listed now may be listed again)")


def checked_through(messages: dict[int, Message], state: dict, new: int, flagged: int, failed, since: date) -> dict:
    """The newest message seen (when both feeds answered; else the last run's), and the counts of this run.
    A run that saw no message and had none keeps the date it read from (the next run starts there too)."""
    known = int(state["message"]) if str(state.get("message") or "").isdigit() else 0
    top = max(messages, default=0)
    if top > known and not failed:
        out = {"message": str(top), "date": messages[top].published.isoformat() if messages[top].published else ""}
    else:
        out = {"message": str(state.get("message") or ""),
               "date": str(state.get("date") or ("" if known else since.isoformat()))}
    out.update({"new": str(new), "flagged": str(flagged)})
    if failed:
        out["note"] = "not advanced: " + "; ".join(map(feed_failure, failed))
    return out


def run(ctx: SyncContext) -> SourceResult:
    state, before = dict(ctx.since.get(SOURCE) or {}), ctx.fetcher.requests
    messages, failed = read_feeds(ctx)
    first_run_from = ctx.start or ctx.tables.as_of
    new = [messages[n] for n in sorted(messages) if is_new(messages[n], state, first_run_from)]
    budget = fedreg.TextBudget(MAX_BULLETINS)
    findings = [f for f in (message_finding(ctx, m, budget) for m in new) if f]
    through = checked_through(messages, state, len(new), len(findings), failed, first_run_from)
    return SourceResult(SOURCE, findings, error=partial_error(failed, state) if failed else None,
                        checked_through=through, requests=ctx.fetcher.requests - before)
