"""Federal Register: documents since the last sync that may touch the tables.

Reads ``GET {base}/documents.json`` for the documents of USTR, Commerce (ITA),
the ITC, CBP and the President published since the last run (repeated array
parameters, oldest first, following ``next_page_url`` for a bounded number of
pages).  A document passes a cheap filter when its title, abstract, action or
dockets name a program the tables hold (Section 301/232/122/338, IEEPA, a
proclamation adjusting imports), an AD/CVD case in the tables or an AD/CVD
product in the tables, or a covered HTS code or chapter 99 heading.  For those,
the raw text is read (bounded in count and size) to find the covered lines,
headings and cases it names.  Every such document is a "review" finding.

The AD/CVD cash-deposit rates in those notices are the ``adcvd`` source's work
(``service.sync.adcvd``), which reuses the query and text helpers here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from service.sync.context import SyncContext
from service.sync.coverage import CASE
from service.sync.findings import Finding, SourceError, SourceResult, Touches
from service.sync.http import NOT_MODIFIED
from service.sync.state import DATE

SOURCE = "federal_register"
CHECKED_THROUGH = {"through": DATE}                # what the state file must hold (checked on loading)
# Agency slugs as the API spells them (recorded API answers: ITA id 261, ITC 262, USTR 491, CBP 501, EOP 538).
AGENCIES = (
    "trade-representative-office-of-united-states",   # USTR (Section 301)
    "international-trade-administration",             # Commerce ITA (AD/CVD, Section 232 inclusions)
    "international-trade-commission",                 # USITC
    "u-s-customs-and-border-protection",              # CBP
    "executive-office-of-the-president",              # Presidential documents (proclamations, orders)
)
FIELDS = ("title", "document_number", "type", "abstract", "action", "publication_date", "effective_on", "dates",
          "citation", "html_url", "raw_text_url", "agencies", "docket_ids")
PER_PAGE = 100
MAX_PAGES = 20                 # a run reads at most this many pages; the rest waits for the next run
MAX_TEXTS = 25                 # raw texts read per run and source
MAX_TEXT_CHARS = 400_000       # of each raw text
FR_HOSTS = ("www.federalregister.gov", "federalregister.gov")

IEEPA = r"\bIEEPA\b|International\s+Emergency\s+Economic\s+Powers\s+Act"
# Program id in the tables -> (label, pattern in a title, abstract or message).
PROGRAMS = {
    "section_301": ("Section 301", r"\bSection\s+301\b"),
    "section_232": ("Section 232", r"\bSection\s+232\b|\bAdjusting\s+Imports\s+of\b"),
    "section_122": ("Section 122", r"\bSection\s+122\b"),
    "section_338": ("Section 338", r"\bSection\s+338\b"),
    "ieepa_fentanyl": ("IEEPA", IEEPA + r"|Flow\s+of\s+Illicit\s+Drugs|Synthetic\s+Opioid"),
    "ieepa_reciprocal": ("IEEPA", IEEPA + r"|\bReciprocal\s+Tariff"),
    "ieepa_other": ("IEEPA", IEEPA),
}
# A presidential document on tariffs, duties or imports passes the filter whatever program it names.
PRESIDENTIAL_TRADE = re.compile(r"\b(?:Tariffs?|Duties|Duty|Imports?)\b", re.I)
ADCVD_TERMS = re.compile(r"Antidumping|Countervailing|Less[- ]Than[- ]Fair[- ]Value|Administrative\s+Review"
                         r"|Sunset\s+Review|Circumvention|Scope\s+Ruling|Changed\s+Circumstances", re.I)
STOP_WORDS = frozenset({"certain", "products", "product", "from", "the", "of", "and", "or", "in", "on", "with",
                        "whether", "not", "other", "than"})
DATES_FIELD = re.compile(r"\b(?:Applicable|Effective)\s+(?:on\s+)?([A-Z][a-z]+\.? \d{1,2}, \d{4})")


@dataclass(frozen=True)
class Document:
    number: str
    title: str
    type: str
    abstract: str
    action: str
    published: date
    effective: date | None
    citation: str
    html_url: str
    raw_text_url: str
    agencies: tuple[str, ...]
    dockets: tuple[str, ...]

    @property
    def summary(self) -> str:
        return " ".join((self.title, self.abstract, self.action, " ".join(self.dockets)))

    @property
    def kind(self) -> str:
        return (self.type or "document").lower().replace(" ", "_")

    def cite(self) -> str:
        return f"{self.citation or 'FR citation not yet assigned'}, FR Doc. {self.number}"


class TextBudget:
    """How many more raw texts a run may read."""

    def __init__(self, left: int = MAX_TEXTS):
        self.left = left

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


# --- the query -------------------------------------------------------------------------------------------------

def query_params(since: date, agencies, extra=()) -> list[tuple[str, str]]:
    """The API's repeated array keys as a list of pairs (requests sends each pair as it is)."""
    params = [("conditions[publication_date][gte]", since.isoformat())]
    params += [("conditions[agencies][]", slug) for slug in agencies]
    params += list(extra)
    params += [("fields[]", name) for name in FIELDS]
    return params + [("per_page", str(PER_PAGE)), ("order", "oldest")]


def fetch_documents(ctx: SyncContext, source: str, since: date, agencies, extra=(),
                    state: dict | None = None) -> tuple[list[Document], bool]:
    """Every document since ``since`` (oldest first), and whether the last page was reached.

    The first page is a conditional request when the last run read every page (``state`` has no ``note``): a 304
    then means the query answers as it did for that run (its ``count`` included), so nothing is new."""
    base = ctx.base(SOURCE)
    url, params = f"{base}/documents.json", query_params(since, agencies, extra)
    docs, pages = [], 0
    conditional = bool(state and state.get("through") and "note" not in state)
    while url and pages < MAX_PAGES:
        answer = ctx.fetcher.get_json(source, url, params, conditional=conditional and pages == 0)
        if answer is NOT_MODIFIED:
            return [], True
        pages += 1
        results, next_url = page_parts(source, url, answer)
        docs.extend(parse_document(source, url, raw) for raw in results)
        url, params = (on_site(base, next_url), None) if next_url else (None, None)
        if next_url and url is None:
            raise SourceError(source, next_url, "next_page_url points outside the Federal Register")
    return dedupe(docs), url is None


def page_parts(source: str, url: str, answer) -> tuple[list, str | None]:
    if not isinstance(answer, dict) or not ("results" in answer or "count" in answer):
        raise SourceError(source, url, "answer is not a documents search result (no 'count' or 'results')")
    results = answer.get("results") or []
    if not isinstance(results, list):
        raise SourceError(source, url, "'results' is not a list")
    return results, answer.get("next_page_url") or None


def parse_document(source: str, url: str, raw) -> Document:
    try:
        published = date.fromisoformat(raw["publication_date"])
        number, title = str(raw["document_number"]), str(raw["title"])
    except (TypeError, KeyError, ValueError) as exc:
        raise SourceError(source, url, f"a document lacks its number, title or publication date ({exc!r})") from None
    return Document(
        number=number, title=" ".join(title.split()), type=str(raw.get("type") or ""),
        abstract=str(raw.get("abstract") or ""), action=str(raw.get("action") or ""), published=published,
        effective=effective_date(raw), citation=str(raw.get("citation") or ""),
        html_url=str(raw.get("html_url") or ""), raw_text_url=str(raw.get("raw_text_url") or ""),
        agencies=tuple(str(a.get("slug") or a.get("name") or "") for a in raw.get("agencies") or ()
                       if isinstance(a, dict)),
        dockets=tuple(str(d) for d in raw.get("docket_ids") or ()),
    )


def effective_date(raw: dict) -> date | None:
    """``effective_on``, else the "Applicable/Effective <date>" of the DATES line (AD/CVD notices leave it null)."""
    try:
        if raw.get("effective_on"):
            return date.fromisoformat(raw["effective_on"])
    except (TypeError, ValueError):
        pass
    found = DATES_FIELD.search(str(raw.get("dates") or ""))
    if found:
        text = found.group(1).replace(".", "")
        for fmt in ("%B %d, %Y", "%b %d, %Y"):
            try:
                return datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return None


def dedupe(docs: list[Document]) -> list[Document]:
    seen, out = set(), []
    for doc in docs:
        if doc.number not in seen:
            seen.add(doc.number)
            out.append(doc)
    return out


def on_site(base: str, url: str) -> str | None:
    """A Federal Register URL moved onto the configured base (a mirror or test server), or None if off-site."""
    root = base[: -len("/api/v1")] if base.endswith("/api/v1") else base
    if url.startswith(root + "/"):
        return url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc not in FR_HOSTS:
        return None
    return root + parts.path + (f"?{parts.query}" if parts.query else "")


# --- since, and what the last run saw ---------------------------------------------------------------------------

def start_date(ctx: SyncContext, state: dict) -> date:
    """The last run's ``through`` date (read again: documents of that day not yet seen are new), else the
    first-run start (``--since``, else the tables' as-of date: ``ctx.start``; without ``--since`` a first run has
    the ``verified_against`` seed as its state).  The state file's ``through`` was checked when it was loaded."""
    if state.get("through"):
        return date.fromisoformat(state["through"])
    return ctx.start or ctx.tables.as_of


def unseen(docs: list[Document], state: dict, since: date) -> list[Document]:
    seen = set(filter(None, str(state.get("seen") or "").split(",")))
    return [d for d in docs if d.published > since or (d.published == since and d.number not in seen)]


def checked_through(docs: list[Document], state: dict, since: date, complete: bool, pages_note: str) -> dict:
    """``through`` (newest publication date read), ``document`` (its number) and ``seen`` (numbers read that day)."""
    if not docs:
        out = {"through": state.get("through") or since.isoformat(), "document": str(state.get("document") or ""),
               "seen": str(state.get("seen") or "")}
    else:
        newest = max(d.published for d in docs)
        on_newest = [d.number for d in docs if d.published == newest]
        before = set(filter(None, str(state.get("seen") or "").split(","))) if newest == since else set()
        out = {"through": newest.isoformat(), "document": on_newest[-1],
               "seen": ",".join(sorted(before | set(on_newest)))}
    if not complete:
        out["note"] = pages_note
    return out


# --- what a document names --------------------------------------------------------------------------------------

def programs_named(text: str, programs) -> tuple[str, ...]:
    """Labels of the tables' programs a text names (Section 232, IEEPA, ...)."""
    return tuple(sorted({label for pid, (label, pattern) in PROGRAMS.items()
                         if pid in programs and re.search(pattern, text, re.I)}))


def adcvd_products(tables) -> list[frozenset[str]]:
    """The words of each AD/CVD measure's title: what a notice's product is matched against."""
    return [words(m.title) for m in tables.measures.values() if m.program == "adcvd"]


def words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z0-9][a-z0-9-]*", text.lower()) if w not in STOP_WORDS)


def adcvd_product_named(doc: Document, products) -> bool:
    """An AD/CVD notice whose product ("<product> From <country>") is one the tables hold."""
    if not ADCVD_TERMS.search(doc.title):
        return False
    product = words(re.split(r"\s+From\s+", doc.title, maxsplit=1, flags=re.I)[0])
    return bool(product) and any(product <= title for title in products)


def cases_named(coverage, doc: Document, text: str = "") -> tuple[str, ...]:
    dockets = {c for d in doc.dockets for c in CASE.findall(d) if c in coverage.cases}
    return tuple(sorted(dockets | set(coverage.cases_named(doc.summary + " " + text))))


def measures_for_cases(tables, cases) -> tuple[str, ...]:
    wanted = set(cases)
    return tuple(sorted({m.id for m in tables.measures.values() for v in m.values
                         if v.case and wanted & set(CASE.findall(v.case))}))


def touches_for(ctx: SyncContext, doc: Document, text: str) -> Touches:
    cov, everything = ctx.coverage, doc.summary + "\n" + text
    headings, cases = cov.headings_named(everything), cases_named(cov, doc, text)
    measures = set(cov.measures_for_headings(headings)) | set(measures_for_cases(ctx.tables, cases))
    return Touches(hts=cov.lines_named(everything), measures=tuple(sorted(measures)), headings=headings, cases=cases)


# --- raw text ---------------------------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag in ("p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "pre"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def plain_text(body: str) -> str:
    """The text of an answer: plain text as it is, an HTML page (or a ``<pre>`` wrapper) without its markup."""
    if not re.search(r"<(?:html|body|pre|div)\b", body[:5000], re.I):
        return body
    parser = _Text()
    parser.feed(body)
    parser.close()
    return "".join(parser.parts)


def read_text(ctx: SyncContext, source: str, doc: Document, budget: TextBudget) -> tuple[str, str]:
    """The document's raw text (bounded), or "" and why it was not read."""
    url = on_site(ctx.base(SOURCE), doc.raw_text_url) if doc.raw_text_url else None
    if not url:
        return "", "raw text not read (no raw_text_url on the Federal Register)"
    if not budget.take():
        return "", f"raw text not read (a run reads at most {MAX_TEXTS} texts; read it by hand)"
    try:
        body = ctx.fetcher.get_text(source, url)
    except SourceError as exc:
        return "", f"raw text could not be read: {exc.reason}"
    return plain_text(body or "")[:MAX_TEXT_CHARS], ""


# --- the source -------------------------------------------------------------------------------------------------

def relevant(ctx: SyncContext, doc: Document, products) -> tuple[str, ...]:
    """Why a document passes the cheap filter (empty when it does not)."""
    cov, text = ctx.coverage, doc.summary
    reasons = list(programs_named(text, cov.programs))
    reasons += [f"case {c}" for c in cases_named(cov, doc)]
    reasons += ["an AD/CVD product in the tables"] if adcvd_product_named(doc, products) else []
    if doc.type == "Presidential Document" and PRESIDENTIAL_TRADE.search(doc.title) and not reasons:
        reasons.append("tariffs, duties or imports (a presidential document)")
    reasons += [f"heading {h}" for h in cov.headings_named(text)]
    reasons += ["a covered HTS code"] if cov.lines_named(text) else []
    return tuple(reasons)


def review(ctx: SyncContext, doc: Document, products, budget: TextBudget) -> Finding | None:
    reasons = relevant(ctx, doc, products)
    if not reasons:
        return None
    text, note = read_text(ctx, SOURCE, doc, budget)
    touches = touches_for(ctx, doc, text)
    programs = programs_named(doc.summary, ctx.coverage.programs)
    severity = "review" if touches or programs or not text else "info"
    detail = "; ".join(filter(None, (
        f"{doc.cite()} ({doc.type or 'document'}; {', '.join(doc.agencies) or 'agency not given'})",
        f"title or abstract names {', '.join(reasons)}",
        describe(touches) if text else "", note,
        "names nothing the tables cover in its text" if text and not touches else "",
        "AD/CVD cash-deposit rates: see the adcvd findings" if touches.cases else "",
    )))
    return Finding(SOURCE, doc.kind, severity, doc.title, doc.html_url, doc.published, doc.effective,
                   touches, detail)


def describe(touches: Touches) -> str:
    parts = [f"covered lines named: {', '.join(touches.hts)}" if touches.hts else "",
             f"chapter 99 headings in the tables: {', '.join(touches.headings)}" if touches.headings else "",
             f"cases in the tables: {', '.join(touches.cases)}" if touches.cases else ""]
    return "; ".join(p for p in parts if p)


def run(ctx: SyncContext) -> SourceResult:
    state = dict(ctx.since.get(SOURCE) or {})
    since, before = start_date(ctx, state), ctx.fetcher.requests
    docs, complete = fetch_documents(ctx, SOURCE, since, AGENCIES, state=state)
    docs = unseen(docs, state, since)
    products, budget = adcvd_products(ctx.tables), TextBudget()
    findings = [f for f in (review(ctx, d, products, budget) for d in docs) if f]
    note = f"stopped after {MAX_PAGES} pages of {PER_PAGE}; the rest is read on the next run"
    return SourceResult(SOURCE, findings, checked_through=checked_through(docs, state, since, complete, note),
                        requests=ctx.fetcher.requests - before)
