"""One sync run: read the sources, compare, write the review report, remember what was seen.

Steps: load the tables (the normal loader) and the state; build the coverage, the
one :class:`Fetcher` (with the validators the last run kept) and the
:class:`SyncContext`; run each selected source (a :class:`SourceError` makes that
source's part of the report "failed", never stops the others); trip the circuit
breaker when "change" findings touch too large a share of the covered lines (the
drafts are then dropped); write ``report.md`` and ``report.json``; save the state:
each source that answered records its ``checked_through`` and the validators of
its requests, a failed source keeps what it had.

Exit codes (:func:`exit_code`): 0 nothing to review (at most "info"); 1 findings to review
("change" or "review"); 2 bad input (options,
tables, state file); 3 partial (a source failed); 4 circuit breaker.  The highest
that applies wins.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from service.sync import adcvd, csms, fedreg, fx, usitc
from service.sync.context import SyncContext
from service.sync.coverage import Coverage, coverage
from service.sync.findings import SourceError, SourceResult
from service.sync.http import RETRIES, Fetcher
from service.sync.report import TITLES, Report, write_report
from service.sync.sources import SOURCES
from service.sync.state import DEFAULT as DEFAULT_STATE, load_state, save_state
from service.tables.load import load_tables
from service.tables.tables import Tables

# Source name -> run(ctx) -> SourceResult.  Adding a source is one line here.
SOURCE_RUNNERS = {
    "usitc": usitc.run,
    "federal_register": fedreg.run,
    "adcvd": adcvd.run,
    "csms": csms.run,
    "fx": fx.run,
}
# What each source's ``checked_through`` must hold when the state file is read back.
STATE_FORMATS = {"usitc": usitc.CHECKED_THROUGH, "federal_register": fedreg.CHECKED_THROUGH,
                 "adcvd": adcvd.CHECKED_THROUGH, "csms": csms.CHECKED_THROUGH, "fx": fx.CHECKED_THROUGH}
EXIT_NOTHING, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_PARTIAL, EXIT_BREAKER = 0, 1, 2, 3, 4
MAX_CHANGE_SHARE = Decimal("0.20")


@dataclass
class RunOptions:
    tables_dir: Path | None = None           # None: the default tables (TARIFF_TABLES_DIR or the package's)
    out_dir: Path = Path("sync-report")
    state_path: Path = DEFAULT_STATE
    since: date | None = None                # first-run start for sources without state
    only: tuple[str, ...] = ()               # empty: every registered source
    max_change_share: Decimal = MAX_CHANGE_SHARE
    today: date | None = None
    environ: dict | None = None              # base URL overrides; None: os.environ
    retries: object = RETRIES
    tables: Tables | None = None             # already loaded tables (tests), else loaded from tables_dir


def select_sources(only) -> list[str]:
    """The sources to run, in registry order; ValueError names an unknown one."""
    unknown = [n for n in only if n not in SOURCE_RUNNERS]
    if unknown:
        raise ValueError(f"unknown source {', '.join(unknown)}; known: {', '.join(SOURCE_RUNNERS)}")
    return [n for n in SOURCE_RUNNERS if not only or n in only]


def run_sync(opts: RunOptions, progress=lambda line: None) -> tuple[Report, Path, Path]:
    """Run the selected sources; write the report and the state; return (report, report.md, report.json)."""
    names = select_sources(opts.only)
    tables = opts.tables or load_tables(opts.tables_dir)
    state = load_state(opts.state_path, STATE_FORMATS)
    today = opts.today or date.today()
    ctx = _context(tables, state, opts, today)
    runs = [_run_one(name, ctx, progress) for name in names]
    results = [r for r, _ in runs]
    breaker = circuit_breaker(results, ctx.coverage, opts.max_change_share)
    if breaker["tripped"]:
        for r in results:
            r.findings = [dataclasses.replace(f, draft=None) for f in r.findings]
    report = _report(tables, ctx, results, breaker, state, today)
    md, js = write_report(report, opts.out_dir)
    save_state(opts.state_path, _new_state(state, runs, breaker["tripped"]))
    return report, md, js


def _context(tables: Tables, state: dict, opts: RunOptions, today: date) -> SyncContext:
    verified = tables.verified_against.as_dict() if tables.verified_against else {}
    return SyncContext(tables=tables, coverage=coverage(tables), fetcher=Fetcher(state["validators"], opts.retries),
                       today=today, since=last_seen(tables, state, opts.since), environ=opts.environ,
                       start=opts.since or tables.as_of, verified=verified)


def last_seen(tables: Tables, state: dict, since: date | None) -> dict:
    """Per source, what the last run saw.  A source's first run (no state) starts from ``--since`` when given
    (the source then reads ``ctx.start``), else from what ``meta.yaml`` says the tables were verified against."""
    seen = {} if since else verified_seeds(tables)
    for name, entry in state["sources"].items():
        if isinstance(entry, dict) and entry.get("checked_through"):
            seen[name] = dict(entry["checked_through"])
    return seen


def verified_seeds(tables: Tables) -> dict:
    """``verified_against`` in each source's own ``checked_through`` terms: the release, FR date and CSMS
    message the tables were checked against count as seen."""
    va = tables.verified_against
    if va is None:
        return {}
    seeds = {"usitc": {"release": va.hts_release.name, "date": va.hts_release.date.isoformat()}}
    if va.federal_register_through.date:
        through = {"through": va.federal_register_through.date.isoformat()}
        seeds["federal_register"], seeds["adcvd"] = through, dict(through)
    if va.csms_through.message:
        seeds["csms"] = {"message": va.csms_through.message,
                         "date": va.csms_through.date.isoformat() if va.csms_through.date else ""}
    return seeds


def _run_one(name: str, ctx: SyncContext, progress) -> tuple[SourceResult, dict]:
    """One source, its failure contained; returns its result and the validators its conditional requests kept."""
    fetcher = ctx.fetcher
    before = (fetcher.requests, fetcher.not_modified)
    progress(f"sync: {name}: reading {TITLES.get(name, name)} ...")
    try:
        result = SOURCE_RUNNERS[name](ctx)
    except SourceError as exc:
        result = SourceResult(name, error=exc)
    except Exception as exc:  # noqa: BLE001 -- a defect in one source must not cost the others their report
        result = SourceResult(name, error=SourceError(name, ctx.base(name) if name in SOURCES else name,
                                                      f"internal error, please report it: {type(exc).__name__}: {exc}"))
    result.requests = result.requests or fetcher.requests - before[0]
    result.not_modified = result.not_modified or fetcher.not_modified - before[1]
    earned = dict(fetcher.kept.get(name, {}))
    progress(f"sync: {name}: " + (f"{len(result.findings)} findings" if result.ok else
                                  f"failed: {result.error.reason}") +
             f" ({result.requests} requests, {result.not_modified} not modified)")
    return result, earned


def circuit_breaker(results, cov: Coverage, limit: Decimal) -> dict:
    """Tripped when "change" findings touch more than ``limit`` of the covered lines."""
    changed = {c for r in results for f in r.findings if f.severity == "change" for c in f.touches.hts
               if c in cov.lines}
    total = len(cov.lines)
    tripped = bool(total) and Decimal(len(changed)) > limit * total
    message = (f"circuit breaker: {len(changed)} of {total} covered lines would change (limit {_pct(limit)}): "
               "no drafts written; check the source before trusting this run") if tripped else None
    return {"tripped": tripped, "changed_lines": len(changed), "covered_lines": total, "limit": str(limit),
            "message": message}


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def exit_code(results, breaker: dict) -> int:
    if breaker["tripped"]:
        return EXIT_BREAKER
    if any(not r.ok for r in results):
        return EXIT_PARTIAL
    asks = any(f.severity in ("change", "review") for r in results for f in r.findings)
    return EXIT_FINDINGS if asks else EXIT_NOTHING


def _report(tables: Tables, ctx: SyncContext, results, breaker: dict, state: dict, today: date) -> Report:
    sources = []
    for r in results:
        doc = r.doc()
        prev = ctx.since.get(r.source)    # the last run's state, or on a first run what meta.yaml seeds
        since = dict(r.read_from) or (dict(prev) if prev else {"start": ctx.start.isoformat()})
        sources.append({"source": r.source, "title": TITLES.get(r.source, r.source), **doc, "since": since})
    table_doc = {"directory": str(tables.directory), "version": tables.version, "as_of": tables.as_of.isoformat(),
                 "age_days": (today - tables.as_of).days, "verified_against": ctx.verified or None,
                 "covered_lines": len(ctx.coverage.lines), "covered_headings": len(ctx.coverage.headings)}
    findings = [f for r in results for f in r.findings]
    return Report(datetime.now(timezone.utc), today, table_doc, sources, findings, breaker,
                  exit_code(results, breaker))


def _new_state(state: dict, runs, tripped: bool) -> dict:
    """Each source that answered records its ``checked_through`` and the validators of this run's conditional
    requests (those of URLs it no longer asks for are dropped).

    A failed source keeps its previous state (what it saw must not make the next run's requests
    conditional), and so does a source with "change" findings when the circuit breaker tripped."""
    sources = dict(state["sources"])
    validators = dict(state["validators"])
    for result, earned in runs:
        held = tripped and any(f.severity == "change" for f in result.findings)
        if result.ok and not held:
            sources[result.source] = {"checked_through": dict(result.checked_through)}
            validators[result.source] = earned
    return {**state, "sources": sources, "validators": validators}
