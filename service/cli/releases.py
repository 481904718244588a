"""``tariff-stack sync`` and ``diff``: the tables against the official sources, and one release against another."""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from tqdm import tqdm

from service.model.errors import InputError
from service.engine.diff import SetInvalid, diff_tables, load_pair, scope_for
from service.render.diff_text import DEFAULT_LIMIT, render_diff
from service.cli.common import input_error, whole_number


def sync_args(sub):
    """``sync``: read the official sources, write the review report; ``--apply``: apply reviewed drafts."""
    p = sub.add_parser("sync", help="compare the tables with the official sources and write a review report "
                                    "(exit 0 nothing to review, 1 findings, 2 bad input, 3 a source failed, "
                                    "4 circuit breaker); --apply applies reviewed drafts")
    p.add_argument("--tables", help="tables directory (default $TARIFF_TABLES_DIR or the shipped tables)")
    p.add_argument("--out", default="sync-report", help="report directory: report.md and report.json "
                                                         "(default ./sync-report/)")
    p.add_argument("--state", help="state file of the last run (default $XDG_STATE_HOME/tariff-stack/sync-state.json)")
    p.add_argument("--since", help="first run only: read the sources from this date (YYYY-MM-DD); default the "
                                   "tables' meta verified_against, else their as-of date")
    p.add_argument("--only", help="comma-separated sources to read (default all): usitc, federal_register, "
                                  "adcvd, csms, fx")
    p.add_argument("--max-change-share", default="0.20", help="circuit breaker: the largest share of covered "
                   "lines that 'change' findings may touch before no drafts are written (0.2 or 20%%)")
    p.add_argument("--today", help="the run's date, YYYY-MM-DD (reproducible runs; default today)")
    p.add_argument("--apply", metavar="REPORT_JSON", help="apply the drafts of --finding IDs from this report "
                   "(copy, edit, load and check, then replace the changed files)")
    p.add_argument("--finding", action="append", default=[], metavar="ID", help="a finding whose draft to apply")
    p.add_argument("--full-check", action="store_true", help="with --apply: compile every line, not only "
                                                             "the lines the drafts touch")


def _share(text: str) -> Decimal:
    value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    if not 0 <= value <= 1:
        raise ValueError("must be a share between 0 and 1 (or 0% to 100%)")
    return value


def _sync_options(args):
    from service.sync.run import RunOptions
    from service.sync.state import DEFAULT

    try:
        share = _share(args.max_change_share.strip())
    except (ArithmeticError, ValueError) as exc:
        raise ValueError(f"--max-change-share {args.max_change_share!r}: {exc}") from None
    days = {}
    for name in ("since", "today"):
        text = getattr(args, name)
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            raise ValueError(f"--{name} {text!r} is not a date YYYY-MM-DD") from None
    only = tuple(n.strip() for n in (args.only or "").split(",") if n.strip())
    return RunOptions(tables_dir=Path(args.tables) if args.tables else None, out_dir=Path(args.out),
                      state_path=Path(args.state) if args.state else DEFAULT, since=days["since"], only=only,
                      max_change_share=share, today=days["today"])


def sync_command(args) -> int:
    # Local: the sync layer pulls in requests, which quote, check and price never use.
    from service.sync.apply import apply_findings
    from service.sync.run import run_sync

    def err(line):
        print(line, file=sys.stderr)

    if args.apply or args.finding:
        if not args.apply:
            err("tariff-stack sync: error: --finding needs --apply REPORT_JSON")
            return 2
        return apply_findings(Path(args.apply), args.finding, Path(args.tables) if args.tables else None,
                              args.full_check, err=err)
    try:
        opts = _sync_options(args)
        report, md, js = run_sync(opts, progress=err)
    except (ValueError, OSError) as exc:   # an option, an unknown source, the state file, the report directory
        err(f"tariff-stack sync: error: {exc}")
        return 2
    err(f"report: {md} and {js}")
    if report.breaker["tripped"]:
        err(report.breaker["message"])
    return report.exit_code


# ------------------------------------------------------------ tariff-stack diff

def diff_args(sub):
    p = sub.add_parser("diff", help="list every quote whose figure changes between two table sets (release review)",
                       description="Quote every line, origin and date against two table sets and list each quote "
                                   "whose figure changes (total, effective rate, layers), or that one set prices and "
                                   "the other refuses. Exit 0: no differences; 1: differences; 2: bad input or "
                                   "tables.")
    p.add_argument("old_dir", help="the previous tables directory (e.g. a git worktree of the last release)")
    p.add_argument("new_dir", help="the tables directory under review")
    p.add_argument("--hts", action="append", default=[], metavar="CODE",
                   help="HTS code or prefix (repeatable or a comma list; default every covered line of either set)")
    p.add_argument("--origin", action="append", default=[], metavar="COUNTRY",
                   help="origin (repeatable or a comma list; default the check sweep's: CN, KR, JP, DE, CA, MX, GB, "
                        "VN, IN, BR, AU)")
    p.add_argument("--date", action="append", default=[], metavar="YYYY-MM-DD",
                   help="entry date (repeatable or a comma list; default every date a dated value starts or ends in "
                        "either set, the day before each, the first day of coverage and the as-of dates)")
    p.add_argument("--value", help="customs value in USD (default 100000)")
    p.add_argument("--json", action="store_true", help="print the complete JSON document (every changed quote)")
    p.add_argument("--limit", type=whole_number(0), default=DEFAULT_LIMIT,
                   help=f"groups of changes the text lists (default {DEFAULT_LIMIT}; 0: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def diff_command(args) -> int:
    started = time.perf_counter()
    try:
        old, new = load_pair(args.old_dir, args.new_dir)
        scope = scope_for(old, new, args.hts, args.origin, args.date, args.value)
        with tqdm(total=len(scope.lines), unit="line", desc="comparing", file=sys.stderr,
                  disable=args.no_progress or None) as bar:
            result = diff_tables(old, new, scope, progress=bar.update)
    except SetInvalid as exc:
        for side, directory, errors in exc.problems:
            print(f"tariff-stack diff: the {side} tables ({directory}) are invalid: "
                  + (f"{errors[0].where}: {errors[0].reason}" if len(errors) == 1 else f"{len(errors)} errors"),
                  file=sys.stderr)
            if len(errors) > 1:
                for error in errors:
                    print(f"  {error.where}: {error.reason}", file=sys.stderr)
        return 2
    except InputError as exc:
        input_error(exc)
        return 2
    doc = result.doc()
    try:
        print(json.dumps(doc, indent=2) if args.json else render_diff(doc, args.limit), flush=True)
    except BrokenPipeError:          # the reader stopped (`| head`): the exit status still says what was found
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(f"tariff-stack diff: {result.compared:,} quotes compared in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 1 if result.changes else 0


__all__ = ["sync_args", "sync_command", "diff_args", "diff_command"]
