"""AD/CVD: new cash-deposit rates for the cases in the tables, read from ITA notices in the Federal Register.

For each Commerce (ITA) notice since the last run that names a case the tables
hold (its ``docket_ids``, title or abstract), a rate-setting notice
(preliminary and final determinations, orders, final and amended final
results of a review) is read and its per-exporter rate table parsed when it is
in the Federal Register's text layout ("Exporter/producer ... Weighted-average
dumping margin (percent)", "Company ... Subsidy rate (percent ad valorem)",
with the "China-wide entity" or "All others" line).  Each rate that differs
from the tables' value in force on the notice's effective date is a "change"
finding touching the measures whose values carry that case.

No draft is made: a new dated value needs the reviewer's choice of exporters,
value base and citation, so it is not mechanical.  Scope is never automatic:
the HTS numbers in an order are for convenience, its written scope governs.
An order or determination that matches no case in the tables but names a
covered HTS code is reported for review, not dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from service.sync import fedreg
from service.sync.context import SyncContext
from service.sync.coverage import CASE
from service.sync.findings import Finding, SourceResult, Touches

SOURCE = "adcvd"
CHECKED_THROUGH = fedreg.CHECKED_THROUGH
ITA = ("international-trade-administration",)

# The action part of a notice title (after the product and country) -> (kind, sets cash deposits); first match wins.
KINDS = (
    (r"Sunset\s+Review", "sunset review", False),
    (r"Initiation", "initiation", False),
    (r"Amended\s+Final\s+Results", "amended final results of review", True),
    (r"Final\s+Results", "final results of review", True),
    (r"Preliminary\s+Results", "preliminary results of review", False),
    (r"Amended\s+Preliminary", "amended preliminary determination", True),
    (r"Preliminary\b.*Determination", "preliminary determination", True),
    (r"Amended\s+Final\b.*Determination", "amended final determination", True),
    (r"Duty\s+Orders?\b", "order", True),
    (r"Final\b.*Determination", "final determination", True),
)
INVESTIGATION_KINDS = ("preliminary determination", "amended preliminary determination", "final determination",
                       "amended final determination", "order")
RULE = re.compile(r"^\s*-{20,}\s*$")
HEADER = re.compile(r"dumping\s+margin|subsidy\s+rate|ad\s+valorem|cash\s+deposit\s+rate", re.I)
NAME_COLUMN = re.compile(r"exporter|producer|company|manufacturer", re.I)
FOOTNOTE = re.compile(r"\\\d+\\")
ROW = re.compile(r"^(?P<name>.*?)[\s.]+(?P<pct>\d{1,4}\.\d{2})\s*(?:percent|%)?\s*$")
MAX_NAME_LINES = 4     # a name wrapped over more lines than this is prose, not a table row
CASE_LINE = re.compile(r"^\s*\[[AC]-\d{3}-\d{3}(?:,\s*[AC]-\d{3}-\d{3})*\]\s*$", re.M)
RESIDUAL = re.compile(r"\b[A-Za-z]+-wide\s+entity\b|\ball[- ]others?\b", re.I)
NO_DRAFT = ("No draft: the new dated value needs the reviewer's choice of exporters, value base and citation. "
            "Scope is never automatic: the HTS numbers of an AD/CVD order are for convenience; its written "
            "scope governs.")


@dataclass(frozen=True)
class Kind:
    name: str
    deposits: bool


@dataclass(frozen=True)
class RateRow:
    name: str
    percent: str         # as printed, e.g. "106.09"
    rate: Decimal        # as a fraction, e.g. 1.0609
    residual: bool       # the country-wide entity or all-others line


@dataclass(frozen=True)
class RateTable:
    kind: str            # "dumping" or "subsidy"
    rows: tuple[RateRow, ...]


def notice_kind(title: str) -> Kind | None:
    action = title.split(":", 1)[1] if ":" in title else title
    for pattern, name, deposits in KINDS:
        if re.search(pattern, action, re.I):
            return Kind(name, deposits)
    return None


# --- the rate tables --------------------------------------------------------------------------------------------

def parse_rate_tables(text: str) -> list[RateTable]:
    """Rate tables in the Federal Register's text layout: a header naming the margin or subsidy rate column
    (between rules, or on one line), then one row per exporter ending with the rate in percent."""
    lines, tables, i = text.splitlines(), [], 0
    while i < len(lines):
        header, body_start = table_header(lines, i)
        if header is None:
            i += 1
            continue
        rows, i = table_rows(lines, body_start)
        if rows:
            kind = "subsidy" if re.search(r"subsidy|ad\s+valorem", header, re.I) else "dumping"
            tables.append(RateTable(kind, tuple(rows)))
    return tables


def table_header(lines: list[str], i: int) -> tuple[str | None, int]:
    """(header text, first body line) when a rate table starts at line ``i``."""
    if RULE.match(lines[i]):
        end = next((j for j in range(i + 1, min(i + 8, len(lines))) if RULE.match(lines[j])), None)
        if end is not None:
            header = " ".join(line.strip() for line in lines[i + 1:end])
            if HEADER.search(header) and NAME_COLUMN.search(header) and "percent" in header.lower():
                return header, end + 1
        return None, i
    line = lines[i]
    if HEADER.search(line) and NAME_COLUMN.search(line) and "percent" in line.lower() and not ROW.match(line):
        return line.strip(), i + 1
    return None, i


def table_rows(lines: list[str], i: int) -> tuple[list[RateRow], int]:
    rows, pending = [], []
    while i < len(lines):
        line = FOOTNOTE.sub("", lines[i]).rstrip()
        i += 1
        if RULE.match(line) or (not line.strip() and (rows or pending)) or len(pending) > MAX_NAME_LINES:
            break
        if not line.strip():
            continue
        found = ROW.match(line)
        if not found:
            pending.append(line.strip())
            continue
        name = clean_name(" ".join(pending + [found["name"]]))
        pending = []
        if name:
            pct = found["pct"]
            rows.append(RateRow(name, pct, Decimal(pct) / 100, bool(RESIDUAL.search(name))))
    return rows, i


def clean_name(name: str) -> str:
    name = re.sub(r"\.{2,}", " ", name)
    return " ".join(name.split()).strip(" .")


# --- comparing with the tables ----------------------------------------------------------------------------------

def measures_with_case(tables, case: str) -> list:
    return sorted((m for m in tables.measures.values() if any(v.case and case in CASE.findall(v.case)
                                                               for v in m.values)), key=lambda m: m.id)


def value_for(measure, case: str, day: date):
    """The measure's value carrying ``case`` in force on ``day`` (None when none is)."""
    value = measure.value_on(day)
    return value if value is not None and value.case and case in CASE.findall(value.case) else None


def table_rate(value, row: RateRow) -> tuple[Decimal | None, str]:
    """What the tables say for this row's exporter: (rate, how it is named there)."""
    if value is None:
        return None, "no value in force for this case"
    if row.residual:
        return value.rate, f"{value.other_exporters or 'other exporters'} rate"
    wanted = row.name.casefold()
    named = [(name, rate) for name, rate in value.exporter_rates if name.casefold() in wanted]
    if not named:
        return None, "no rate for this exporter"
    name, rate = max(named, key=lambda pair: len(pair[0]))
    return rate, f"rate for {name}"


def pct(rate: Decimal | None) -> str:
    return "none" if rate is None else f"{(rate * 100).normalize():f}%"


# --- findings ---------------------------------------------------------------------------------------------------

def rate_findings(ctx: SyncContext, doc, kind: Kind, case: str, table: RateTable) -> list[Finding]:
    effective = doc.effective or doc.published
    measures, out = measures_with_case(ctx.tables, case), []
    for row in table.rows:
        differing = []
        for m in measures:
            old, said = table_rate(value_for(m, case, effective), row)
            if old is None or old != row.rate:
                differing.append((m, old, said))
        if differing:
            out.append(rate_finding(ctx, doc, kind, case, row, effective, differing))
    return out


def rate_finding(ctx, doc, kind: Kind, case: str, row: RateRow, effective: date, differing) -> Finding:
    ids = tuple(m.id for m, _, _ in differing)
    lines = tuple(sorted({line for m, _, _ in differing for line in ctx.coverage.lines if m.matches_hts(line)}))
    tables_say = "; ".join(f"{m.id}: {pct(old)} ({said})" for m, old, said in differing)
    detail = (f"{case} {row.name}: {row.percent}% ({kind.name}, {doc.cite()}); cash deposits at this rate start "
              f"{effective.isoformat()}. The tables have {tables_say}. When the new rate starts on "
              f"{effective.isoformat()}, the previous one ends the day before "
              f"({(effective - timedelta(days=1)).isoformat()}): its `to` becomes {effective.isoformat()} "
              f"(exclusive). {NO_DRAFT}")
    return Finding(SOURCE, "cash_deposit_rate", "change", f"{case} {row.name}: {row.percent}% from {effective}",
                   doc.html_url, doc.published, effective, Touches(hts=lines, measures=ids, cases=(case,)), detail)


def review_finding(ctx, doc, kind: Kind | None, why: str, text: str = "") -> Finding:
    touches = fedreg.touches_for(ctx, doc, text)
    detail = f"{doc.cite()} ({kind.name if kind else 'AD/CVD notice'}): {why}. {NO_DRAFT}"
    return Finding(SOURCE, "adcvd_notice", "review", doc.title, doc.html_url, doc.published,
                   doc.effective or doc.published, touches, detail)


def notice_findings(ctx: SyncContext, doc, budget: fedreg.TextBudget) -> list[Finding]:
    kind, cases = notice_kind(doc.title), fedreg.cases_named(ctx.coverage, doc)
    if not cases:
        return uncovered_order(ctx, doc, kind, budget)
    if kind is None or kind.name in ("sunset review", "initiation"):
        return []
    text, note = fedreg.read_text(ctx, SOURCE, doc, budget)
    if not text:
        return [review_finding(ctx, doc, kind, f"rates not read: {note}")]
    return text_findings(ctx, doc, kind, cases, text)


def text_findings(ctx, doc, kind: Kind, cases, text: str) -> list[Finding]:
    tables, several = parse_rate_tables(text), sorted(set(cases) | same_type_cases(doc, text, cases[0]))
    if len(several) > 1:
        return [review_finding(ctx, doc, kind, f"covers several cases ({', '.join(several)}); its rates are "
                               "not attributed to a case mechanically, read the notice", text)]
    wanted = "subsidy" if cases[0].startswith("C-") else "dumping"
    matching = [t for t in tables if t.kind == wanted]
    if not matching:
        return [review_finding(ctx, doc, kind, "no rate table in a recognisable form; read the notice", text)]
    if not kind.deposits:
        rates = ", ".join(f"{r.name} {r.percent}%" for t in matching for r in t.rows)
        return [review_finding(ctx, doc, kind, "preliminary results of a review do not change cash "
                               f"deposits (the final results will); preliminary rates: {rates}", text)]
    return [f for t in matching for f in rate_findings(ctx, doc, kind, cases[0], t)]


def same_type_cases(doc, text: str, case: str) -> set[str]:
    """The AD (or CVD) cases a notice covers: its dockets and the bracketed case line under its agency heading."""
    heading = CASE_LINE.search(text[:6000])
    named = CASE.findall(" ".join(doc.dockets) + " " + (heading.group(0) if heading else ""))
    return {c for c in named if c[0] == case[0]}


def uncovered_order(ctx, doc, kind: Kind | None, budget) -> list[Finding]:
    """An order or determination on no case in the tables: reported when its text names a covered HTS code."""
    if kind is None or kind.name not in INVESTIGATION_KINDS:
        return []
    text, note = fedreg.read_text(ctx, SOURCE, doc, budget)
    lines = ctx.coverage.lines_named(doc.summary + "\n" + text)
    if not lines:
        return []
    return [review_finding(ctx, doc, kind, "matches no case in the tables but names covered HTS codes "
                           f"({', '.join(lines)}); check whether the goods fall within its written scope", text)]


def run(ctx: SyncContext) -> SourceResult:
    state = dict(ctx.since.get(SOURCE) or {})
    since, before = fedreg.start_date(ctx, state), ctx.fetcher.requests
    docs, complete = fedreg.fetch_documents(ctx, SOURCE, since, ITA, extra=[("conditions[type][]", "NOTICE")],
                                            state=state)
    docs = fedreg.unseen(docs, state, since)
    budget = fedreg.TextBudget()
    findings = [f for doc in docs for f in notice_findings(ctx, doc, budget)]
    note = f"stopped after {fedreg.MAX_PAGES} pages; the rest is read on the next run"
    return SourceResult(SOURCE, findings, checked_through=fedreg.checked_through(docs, state, since, complete, note),
                        requests=ctx.fetcher.requests - before)
