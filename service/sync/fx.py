"""Exchange rates (sync source ``fx``): the Federal Reserve H.10 daily certified rates of the covered currencies.

One request to the H.10 Data Download Program returns the package of the H.10 daily
rates as CSV (``{h10 base}/Output.aspx?rel=H10&series=<package>&from=MM/DD/YYYY&to=...
&filetype=csv&label=include&layout=seriescolumn&type=package``): header rows
``Series Description``, ``Unit:``, ``Multiplier:``, ``Currency:``, ``Unique Identifier:``
(``H10/H10/RXI_N.B.CH``), ``Time Period``, then a row a day ``YYYY-MM-DD,7.1069,...`` with
``ND`` where no rate was certified.  For each currency of the tables:

* days after the table's last daily block -> a ``change`` finding with an ``fx_daily``
  draft (the new block, in the table's week-a-line layout);
* a day in the table that H.10 now publishes differently -> a ``change`` finding, no draft.

When H.10 cannot be read, the Treasury Reporting Rates of Exchange (Fiscal Data API
``rates_of_exchange``) are read instead; every such finding is labelled "not certified:
Treasury reporting rate, not for customs valuation without review" (19 CFR 159.31).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from service.model import fx_daily as fxd
from service.sync.context import SyncContext
from service.sync.findings import Draft, Finding, SourceError, SourceResult, Touches
from service.sync import fx_treasury
from service.sync.state import DATE_OR_EMPTY
from service.sync.fx_draft import TABLE, apply_fx_daily, block_text
from service.tables.readers.fx import RATE, next_weekday

__all__ = ["run", "apply_fx_daily", "parse_h10", "h10_url"]   # apply_fx_daily: the applier's fx_daily edit

SOURCE = "fx"
CHECKED_THROUGH = {"h10": DATE_OR_EMPTY, "treasury": DATE_OR_EMPTY}   # checked when the state file is loaded
H10_PACKAGE = "60f32914ab61dfab590e0e470153e3ae"    # the H.10 package of the daily rates (23 series)
LOOKBACK = timedelta(days=14)                        # recent days read again to catch a revised figure
H10_SERIES = {"CNY": "H10/H10/RXI_N.B.CH", "JPY": "H10/H10/RXI_N.B.JA", "CAD": "H10/H10/RXI_N.B.CA",
              "MXN": "H10/H10/RXI_N.B.MX", "KRW": "H10/H10/RXI_N.B.KO", "EUR": "H10/H10/RXI$US_N.B.EU"}


# ------------------------------------------------------------------ run

def run(ctx: SyncContext) -> SourceResult:
    result = SourceResult(SOURCE)
    wanted = wanted_series(ctx)
    if not wanted:
        return result
    before = (ctx.fetcher.requests, ctx.fetcher.not_modified)
    start = min(w.last_day for w in wanted.values()) - LOOKBACK
    url = h10_url(ctx.base("h10"), start, ctx.today)
    result.read_from = {"h10_from": start.isoformat()}
    try:
        published = parse_h10(ctx.fetcher.get_text(SOURCE, url), url)
    except SourceError as exc:
        fx_treasury.fallback(ctx, result, wanted, exc)
    else:
        for code, want in wanted.items():
            result.findings.extend(compare(code, want, published.get(want.series), url, ctx.today))
        days = [d for series in published.values() for d in series]
        result.checked_through = {"h10": max(days).isoformat()} if days else {}
    result.requests = ctx.fetcher.requests - before[0]
    result.not_modified = ctx.fetcher.not_modified - before[1]
    return result


class Wanted:
    """What the table holds of one currency's H.10 series: its figures, where they end, how it is quoted."""

    def __init__(self, code: str, blocks):
        self.code = code
        self.series = blocks[-1].series if blocks else H10_SERIES[code]
        self.quote = blocks[-1].quote if blocks else (fxd.USD_PER_UNIT if "$US" in self.series else fxd.PER_USD)
        self.rates = {d: r for b in blocks for d, r in b.rates.items()}
        self.end = blocks[-1].end if blocks else None
        self.last_day = max(self.rates) if self.rates else None


def wanted_series(ctx: SyncContext) -> dict[str, Wanted]:
    """The covered currencies that have H.10 blocks in the table (new days are appended to those)."""
    table = ctx.tables.fx
    out = {}
    for code in sorted(ctx.coverage.currencies):
        cur = table.currencies.get(code) if table else None
        blocks = list(cur.certified.blocks) if cur else []
        if blocks:
            out[code] = Wanted(code, blocks)
    return out


def h10_url(base: str, start: date, end: date) -> str:
    params = {"rel": "H10", "series": H10_PACKAGE, "lastobs": "", "from": start.strftime("%m/%d/%Y"),
              "to": end.strftime("%m/%d/%Y"), "filetype": "csv", "label": "include", "layout": "seriescolumn",
              "type": "package"}
    return f"{base}/Output.aspx?{urlencode(params)}"


# ------------------------------------------------------------------ the H.10 CSV

def parse_h10(text: str, url: str) -> dict[str, dict[date, Decimal | None]]:
    """Series id -> day -> figure (None for ND); a SourceError when the answer is not the H.10 CSV."""
    if not isinstance(text, str) or text.lstrip().startswith("<"):
        raise SourceError(SOURCE, url, "answered an HTML page or nothing, expected the H.10 CSV")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    head = {row[0].strip().rstrip(":"): row[1:] for row in rows if row and not _is_day(row[0])}
    ids, multipliers = head.get("Unique Identifier"), head.get("Multiplier")
    if not ids or "Time Period" not in head:
        raise SourceError(SOURCE, url, "not the H.10 CSV shape: no 'Unique Identifier' and 'Time Period' header rows")
    out = {series.strip(): {} for series in ids}
    for row in rows:
        if row and _is_day(row[0]):
            day = date.fromisoformat(row[0].strip())
            for series, mult, cell in zip(ids, multipliers or ["1"] * len(ids), row[1:]):
                out[series.strip()][day] = _figure(cell.strip(), mult.strip(), url, day)
    return out


def _is_day(cell: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell.strip()))


def _figure(cell: str, multiplier: str, url: str, day: date) -> Decimal | None:
    if cell == "ND":
        return None
    if not RATE.match(cell) or Decimal(cell) == 0:
        raise SourceError(SOURCE, url, f"{day}: figure {cell!r} is not a rate")
    if Decimal(multiplier) != 1:
        raise SourceError(SOURCE, url, f"{day}: multiplier {multiplier} (the covered series are published with 1)")
    return Decimal(cell)


# ------------------------------------------------------------------ comparing with the table

def compare(code: str, want: Wanted, published: dict | None, url: str, today: date) -> list[Finding]:
    if published is None:
        return [Finding(SOURCE, "fx_rates", "review", f"{code}: the H.10 answer has no series {want.series}", url,
                        touches=Touches(currencies=(code,)),
                        detail="The table's daily rates of this currency cannot be extended from this answer.")]
    published = {d: r for d, r in published.items() if d < today}
    return [f for f in (_changed(code, want, published, url), _new_days(code, want, published, url)) if f]


def _changed(code: str, want: Wanted, published: dict, url: str) -> Finding | None:
    differ = [d for d in sorted(published) if d in want.rates and published[d] != want.rates[d]]
    if not differ:
        return None
    lines = [f"{d}: table {_text(want.rates[d])}, H.10 {_text(published[d])}" for d in differ]
    return Finding(SOURCE, "fx_rates", "change", f"{code}: H.10 now publishes {len(differ)} day(s) differently "
                   f"from the table ({differ[0]}{'...' if len(differ) > 1 else ''})", url, effective=differ[0],
                   touches=Touches(currencies=(code,)),
                   detail="Correct fx/rates.yaml by hand after review (a past date: CHANGELOG 'Corrections to "
                          "past dates'): " + "; ".join(lines))


def _new_days(code: str, want: Wanted, published: dict, url: str) -> Finding | None:
    new = {d: r for d, r in sorted(published.items()) if d >= want.end}
    while new and new[max(new)] is None:      # a trailing ND may be a day not yet published: wait for a figure
        del new[max(new)]
    if not new:
        return None
    expected = _weekdays(want.end, max(new) + timedelta(days=1))
    missing = [d for d in expected if d not in new]
    if missing:
        return Finding(SOURCE, "fx_rates", "review", f"{code}: H.10 answer skips {missing[0]}, cannot append "
                       "its new days", url, touches=Touches(currencies=(code,)),
                       detail=f"{len(missing)} weekday(s) missing after the table's end {want.end}.")
    args = draft_args(code, want, new, url)
    return Finding(SOURCE, "fx_rates", "change",
                   f"{code}: {len(new)} new H.10 certified daily rate(s), {min(new)} to {max(new)}", url,
                   published=max(new), effective=min(new), touches=Touches(currencies=(code,)),
                   detail=f"Series {want.series}. The table's daily rates end before {want.end}; the draft appends "
                          "the new days as a block (the rule of the currency then applies to them).",
                   draft=Draft(TABLE, "fx_daily", args, block_text(args)))


def draft_args(code: str, want: Wanted, new: dict, url: str) -> dict:
    last = max(new)
    return {"currency": code, "series": want.series, "source": fxd.H10, "quote": want.quote,
            "from": want.end.isoformat(), "to": next_weekday(last + timedelta(days=1)).isoformat(),
            "cite": f"Federal Reserve H.10, noon buying rates certified by the FRBNY, series {want.series}, "
                    f"{min(new)} to {last}; H.10 Data Download Program CSV ({url})",
            "confidence": "confirmed",
            "checked": "Read by tariff-stack sync from the H.10 Data Download Program; reviewed before applying.",
            "rates": " ".join(f"{d.isoformat()}={_text(r)}" for d, r in new.items())}


def _text(rate: Decimal | None) -> str:
    return "ND" if rate is None else f"{rate:f}"


def _weekdays(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days) if (start + timedelta(days=i)).weekday() < 5]
