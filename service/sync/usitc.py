"""Source ``usitc``: the USITC HTS service (``reststop``), read as ``../shared/docs/data-sources.md`` describes it.

1. ``currentRelease`` and ``releaseList`` (conditional requests): the release name and
   publication date; a release the last sync did not see is a "review" finding, even
   when nothing covered changed (its change record is the place to look).
2. ``exportList?from=..&to=..&format=JSON&styles=false`` for the covered chapters (one
   range per chapter, from its first to its last covered heading): column 1 rates and
   statistical suffixes of every covered line against the tables (``hts_compare``).
   The service serves the current release only (a ``release=`` parameter is ignored),
   so the comparison is with the tables' rows in force on the release's date.
3. The chapter 99 export (9903): headings whose text names a covered line, and headings
   that a covered line's footnote cites, which the tables file no measure under; each
   is reported once ("review"), then remembered in ``checked_through``.

``checked_through``: ``{"release": name, "date": YYYY-MM-DD, "ch99_mentions": "h1,h2"}``.
An answer in an unknown shape (an HTML page, an object for a list, a range without the
covered lines) is a :class:`SourceError`, never read as "nothing changed".
"""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from service.model import hts as htsmod
from service.sync.coverage import HEADING_99
from service.sync.findings import Finding, SourceError, SourceResult, Touches
from service.sync.http import NOT_MODIFIED
from service.sync.state import DATE_OR_EMPTY
from service.sync.util import us_date
from service.sync.hts_compare import Against, clean, index_rows, line_findings, rate_row, suffix_findings

SOURCE = "usitc"
CHECKED_THROUGH = {"date": DATE_OR_EMPTY}          # what the state file must hold (checked on loading)
RELEASE_NAME = re.compile(r"^\d{4}HTS[A-Za-z0-9]+$")
CH99_RANGE = ("9903.01", "9903.99")


def run(ctx) -> SourceResult:
    base = ctx.base(SOURCE)
    prev = ctx.since.get(SOURCE) or {}
    release, findings = _release(ctx, base, prev)
    rows = _schedule(ctx, base)
    findings += line_findings(ctx.tables, rows, release) + suffix_findings(ctx.tables, rows, release)
    result = SourceResult(SOURCE, findings)
    try:
        ch99 = index_rows(_export(ctx, base, *CH99_RANGE))
    except SourceError as exc:
        result.error = SourceError(SOURCE, exc.url, f"{exc.reason} (the chapter 99 export; the release and the "
                                                    "column 1 and suffix checks in this report are complete)")
        return result
    mentions = chapter99_mentions(ctx, rows, ch99)
    seen = {h for h in (prev.get("ch99_mentions") or "").split(",") if h}
    result.findings += [_mention_finding(h, m, release, export_url(base, *CH99_RANGE))
                        for h, m in sorted(mentions.items()) if h not in seen]
    result.checked_through = {"release": release.release,
                              "date": release.published.isoformat() if release.published else "",
                              "ch99_mentions": ",".join(sorted(mentions))}
    return result


# -- the release ---------------------------------------------------------------------------------

def _release(ctx, base: str, prev: dict) -> tuple[Against, list[Finding]]:
    """The current release (name, title, date) and the finding it makes."""
    name, title = _current(ctx, base, prev)
    listing = _get(ctx, f"{base}/releaseList", reuse=name == prev.get("release") and bool(prev.get("date")))
    if listing is NOT_MODIFIED:
        published, between = date.fromisoformat(prev["date"]), []
    else:
        published, title, between = _listed(listing, name, title, _previous(ctx, prev), f"{base}/releaseList")
    against = Against(name, title, published, ctx.today, lambda digits: _range_url(base, digits))
    return against, _release_findings(ctx, prev, against, between, base)


def _current(ctx, base: str, prev: dict) -> tuple[str, str]:
    url = f"{base}/currentRelease"
    answer = _get(ctx, url, reuse=bool(prev.get("release")))
    if answer is NOT_MODIFIED:
        return prev["release"], ""
    name = answer.get("name") if isinstance(answer, dict) else None
    if not isinstance(name, str) or not RELEASE_NAME.match(name):
        raise SourceError(SOURCE, url, f"answered in an unknown shape (expected {{\"name\": \"2026HTSRev21\", ...}}, "
                                       f"got {str(answer)[:120]!r})")
    return name, clean(answer.get("title"))


def _get(ctx, url: str, reuse: bool):
    """A JSON answer; :data:`NOT_MODIFIED` when it is the one the last run saw (304 to a conditional request;
    only when ``reuse``: the state holds what that answer said).

    A body ``null`` is an answer like any other (the callers refuse it as an unknown shape)."""
    if not reuse:
        ctx.fetcher.forget(SOURCE, url)
    return ctx.fetcher.get_json(SOURCE, url, conditional=True)


def _previous(ctx, prev: dict) -> str | None:
    """The release the last sync saw (on a first run: the one ``meta.yaml`` says the tables were verified against)."""
    return prev.get("release") or None


def _listed(listing, name: str, title: str, previous: str | None, url: str):
    """(publication date, title, releases published between the previous release and this one)."""
    if not isinstance(listing, list) or not all(isinstance(i, dict) and "name" in i for i in listing):
        raise SourceError(SOURCE, url, "answered in an unknown shape (expected a list of releases with 'name')")
    dated = {i["name"]: (us_date(i.get("releaseStartDate") or i.get("date")), clean(i.get("title"))) for i in listing}
    published, listed_title = dated.get(name, (None, ""))
    since = dated.get(previous, (None, ""))[0] if previous else None
    between = sorted((d, n) for n, (d, _) in dated.items()
                     if d and since and published and since < d < published and n not in (name, previous))
    return published, title or listed_title, between


def _release_findings(ctx, prev: dict, against: Against, between, base: str) -> list[Finding]:
    previous = _previous(ctx, prev)
    if previous == against.release:
        return []
    url = f"{base}/file?" + urlencode({"release": against.release, "filename": "Change Record"})
    title = f"HTS release {against.release}" + (f" ({against.title})" if against.title else "")
    published = f"published {against.published}" if against.published else "publication date not listed"
    if previous:
        also = "; ".join(f"{n} ({d})" for d, n in between)
        detail = (f"New since {previous} ({published}). " + (f"Also published since: {also}. " if also else "")
                  + "Read the change record: the release date is a publication date, not an effective date.")
        return [Finding(SOURCE, "new_release", "review", f"New {title}", url, against.published, detail=detail)]
    start = ctx.start
    newer = bool(start and against.published and against.published > start)
    detail = (f"The current release ({published}); the last sync and the tables' meta name no release. "
              + (f"It was published after {start}: read its change record." if newer else
                 f"It was published on or before {start}."))
    return [Finding(SOURCE, "new_release", "review" if newer else "info", title, url, against.published,
                    detail=detail)]


# -- the schedule ---------------------------------------------------------------------------------

def export_url(base: str, start: str, end: str) -> str:
    return f"{base}/exportList?" + urlencode({"from": start, "to": end, "format": "JSON", "styles": "false"})


def chapter_ranges(lines) -> list[tuple[str, str]]:
    """One export range per covered chapter: its first to its last covered heading."""
    headings = defaultdict(set)
    for code in lines:
        headings[code[:2]].add(code[:4])
    return [(min(h), max(h)) for _, h in sorted(headings.items())]


def _range_url(base: str, digits: str) -> str:
    """The export a line was read from (for a finding's URL)."""
    return export_url(base, digits[:4], digits[:4])


def _schedule(ctx, base: str) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for start, end in chapter_ranges(ctx.coverage.lines):
        part = index_rows(_export(ctx, base, start, end))
        expected = [c for c in ctx.coverage.lines if start <= c[:4] <= end]
        if not any(rate_row(part, c) or c[:8] in part for c in expected):
            raise SourceError(SOURCE, export_url(base, start, end),
                              f"the export of {start}-{end} has none of the {len(expected)} covered lines "
                              f"({len(part)} numbered rows): a partial or empty answer")
        rows.update(part)
    return rows


def _export(ctx, base: str, start: str, end: str) -> list:
    url = export_url(base, start, end)
    answer = ctx.fetcher.get_json(SOURCE, url)
    if not isinstance(answer, list) or not all(isinstance(r, dict) and "htsno" in r for r in answer):
        raise SourceError(SOURCE, url, "answered in an unknown shape (expected a list of rows with 'htsno', "
                                       f"got {type(answer).__name__})")
    return answer


# -- chapter 99 ------------------------------------------------------------------------------------

def chapter99_mentions(ctx, rows: dict, ch99: dict) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Headings the tables do not file that name covered lines: heading -> [(where, lines)]."""
    found: dict[str, list] = defaultdict(list)
    filed = ctx.coverage.headings
    for digits, row in ch99.items():
        heading = htsmod.dotted(digits[:8])
        if len(digits) < 8 or not digits.startswith("9903") or heading in filed:
            continue
        lines = ctx.coverage.lines_named(f"{row.get('description') or ''} {_footnotes(row)}")
        if lines:
            found[heading].append((f"its text: {clean(row.get('description'))[:300]!r}", lines))
    for code in sorted(ctx.coverage.lines):
        for digits, row in _rows_of(rows, code):
            for heading in set(HEADING_99.findall(_footnotes(row))) - filed:
                found[heading].append((f"the footnote of {htsmod.dotted(digits)}: {_footnotes(row)!r}", (code,)))
    return dict(found)


def _footnotes(row: dict) -> str:
    return clean(" ".join(str(f.get("value") or "") for f in row.get("footnotes") or [] if isinstance(f, dict)))


def _rows_of(rows: dict, code: str):
    return [(d, rows[d]) for d in dict.fromkeys((code, code[:8], code[:8] + "00")) if d in rows]


def _mention_finding(heading: str, where: list, release: Against, url: str) -> Finding:
    lines = tuple(sorted({c for _, named in where for c in named}))
    places = sorted({w for w, _ in where})
    footnote_only = all(w.startswith("the footnote") for w in places)
    caution = ("A footnote is a cross-reference: it may cite a heading that does not apply to this line "
               "(another country, an exclusion)." if footnote_only else
               "A heading that names a line may be an exclusion, a quota or an expired provision.")
    shown = ", ".join(htsmod.dotted(c) for c in lines[:8]) + (" ..." if len(lines) > 8 else "")
    return Finding(SOURCE, "ch99_mention", "review",
                   f"Chapter 99 heading {heading} names covered lines ({shown}); the tables file nothing under it",
                   url, release.published, touches=Touches(hts=lines, headings=(heading,)),
                   detail=f"Named in {'; and in '.join(places)}. {caution} Read its U.S. note before adding a measure.")
