"""Command line: ``tariff-stack quote``, ``check``, ``price``, ``audit``, ``hts`` and ``serve``.

``TARIFF_TABLES_DIR`` points every command at another tables directory.
``TARIFF_STACK_MAX_TABLE_AGE_DAYS`` (default 30): tables older than this many
days make every answer (a quote, ``check``, ``price``) carry a warning.
Exit codes: 0 done; 1 a line could not be priced (bad input, not covered);
2 a usage error, a file that cannot be read or written, or invalid tables;
130 interrupted.  ``sync`` has exit codes of its own (``tariff-stack sync --help``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from tqdm import tqdm

from service.version import __version__
from service.model import hts as hts_codes
from service.model.errors import InputError, NotCovered, TableError
from service.model.freshness import from_settings
from service.tables.load import load_tables
from service.engine.compile import compile_tables
from service.engine.diff import SetInvalid, diff_tables, load_pair, scope_for
from service.engine.line_input import known_facts, parse_line, with_readings
from service.engine.quote import quote
from service.render.freshness import stamp_line, stamped
from service.render.audit_file import audit_path
from service.render.pricing_file import price_path
from service.render.tabular_files import FileProblem
from service.render.diff_text import DEFAULT_LIMIT, render_diff
from service.render.text import render_text

LINE_OPTIONS = ("mode", "loaded_date", "steel_content_value", "aluminum_content_value", "copper_content_value",
                "us_content_value", "aam_content_value", "preference", "exporter", "quantity")


def _quote_args(sub):
    p = sub.add_parser("quote", help="price one import line and print its duty stack")
    p.add_argument("--hts", required=True, help="HTS code, dotted or not (e.g. 8507.60.00.20)")
    p.add_argument("--origin", required=True, help="country of origin: ISO code (CN, CHN) or English name (China, Viet Nam)")
    p.add_argument("--entry-date", required=True, help="date of entry for consumption: YYYY-MM-DD (also 2026/1/15, 20260115)")
    p.add_argument("--value", required=True, help="customs value in USD")
    p.add_argument("--mode", help="final mode of transport: vessel, air, truck, rail, other")
    p.add_argument("--loaded-date", help="date loaded on the final mode of transport (in-transit rules)")
    for name in ("steel", "aluminum", "copper", "us", "aam"):
        p.add_argument(f"--{name}-content-value", help=f"value of the {name} content in USD")
    p.add_argument("--preference", help="special program indicator claimed (S, KR, AU, CL, SG, ...)")
    p.add_argument("--exporter", help="exporter name (AD/CVD company rates)")
    p.add_argument("--quantity", help="quantity in the unit of a specific rate")
    p.add_argument("--fact", action="append", default=[], metavar="NAME=VALUE",
                   help="other facts a rule needs, e.g. vehicle_part=yes, metal_weight_share=0.4")
    p.add_argument("--claim", action="append", default=[], metavar="HEADING",
                   help="claim an exclusion heading (e.g. 9903.88.69)")
    p.add_argument("--json", action="store_true", help="print the JSON document the API serves")


def _audit_args(sub):
    p = sub.add_parser("audit", help="audit a file of entry lines as filed: paid vs owed vs refundable, by route",
                       description="Audit a CSV/TSV or .xlsx file with one row per entry line and heading (the "
                                   "shape of ACE's ES-003 report): each line is re-priced on its entry date and "
                                   "compared with what was paid, heading by heading. The audit is written beside "
                                   "the input (NAME.audit.csv, or .xlsx) or to -o; the input is never altered. "
                                   "Not legal advice: the figures depend on the facts given.")
    p.add_argument("file", help="one row per line and heading: entry_number, line_number, heading, paid, origin, "
                                "entry_date, value (+ hts, liquidation_date, liquidated or liquidation_status, "
                                "deposit_date, facts), or "
                                "ES-003's column names")
    p.add_argument("-o", "--output", help="output file: .csv, .tsv or .xlsx (default: beside the input)")
    p.add_argument("--sheet", help="the sheet of an .xlsx workbook (default: the active sheet)")
    p.add_argument("--audit-date", help="judge the refund windows on this date (default: the tables' as-of date)")
    p.add_argument("--interest-to", help="compute interest to this date (default: the audit date)")
    p.add_argument("--importer-type", choices=("corporate", "non_corporate"),
                   help="overpayment interest rate of a corporation or not (default: corporate)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _audit(tables, args) -> int:
    def progress(total):
        return tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr)

    settings = {k: v for k, v in (("audit_date", args.audit_date), ("interest_to", args.interest_to),
                                  ("importer_type", args.importer_type)) if v}
    summary = audit_path(tables, args.file, args.output, settings, progress, sheet=args.sheet)
    for line in summary.lines_text():
        print(line, file=sys.stderr)
    return 1 if summary.failed else 0


def _whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number in ``low..high`` (a one-line usage error otherwise)."""
    def parse(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or int(text) < low or (high is not None and int(text) > high):
            bound = f"{low}-{high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be a whole number, {bound}; got {text!r}")
        return int(text)
    parse.__name__ = "whole number"
    return parse


def _sync_args(sub):
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


def _sync(args) -> int:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tariff-stack", description=__doc__.splitlines()[0],
                                     epilog="Environment: TARIFF_TABLES_DIR (another tables directory); "
                                            "TARIFF_STACK_MAX_TABLE_AGE_DAYS (default 30): tables older than "
                                            "this many days make every answer carry a warning.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _quote_args(sub)
    check = sub.add_parser("check", help="validate the tariff tables and compile every line on every boundary date")
    check.add_argument("--quick", action="store_true", help="validate only; skip the compile pass")
    check.add_argument("--no-progress", action="store_true", help="no progress bar")
    price = sub.add_parser("price", help="price a CSV, TSV or .xlsx file of lines; write the rows with their duty",
                           description="Price every line of a CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or "
                                       "Windows-1252; comma, semicolon or tab) or .xlsx file. The input columns "
                                       "come back unchanged, followed by the priced columns.")
    price.add_argument("file", help="a file with a header row: hts, origin, entry_date, value (or HTS Code, "
                                    "Country of Origin, Entry Date, Customs Value) and optional facts")
    price.add_argument("-o", "--output", help="output file: .csv (UTF-8 with BOM), .tsv or .xlsx; may name the "
                                              "input file (replaced only once complete). Default: CSV on stdout")
    price.add_argument("--sheet", help="the sheet of an .xlsx workbook to price (default: the active sheet)")
    price.add_argument("--no-progress", action="store_true", help="no progress bar")
    _audit_args(sub)
    codes = sub.add_parser("hts", help="list the covered HTS codes (code, description, unit)")
    codes.add_argument("prefix", nargs="?", default="", help="only codes starting with this, dotted or not "
                                                              "(e.g. 8507, 8507.60, 850760)")
    serve = sub.add_parser("serve", help="run the HTTP API under gunicorn (tables validated before workers fork)")
    serve.add_argument("--host", help="address to bind (default $TARIFF_STACK_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=_whole_number(1, 65535), help="port, 1-65535 (default $PORT or 8000)")
    serve.add_argument("--workers", type=_whole_number(1),
                       help="worker processes, at least 1 (default $WEB_CONCURRENCY, else the CPUs this process may "
                            "use, container CPU quota included, plus one; 4 threads each)")
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")
    _sync_args(sub)
    _diff_args(sub)
    return parser


def _line_from_args(args) -> dict:
    data = {"hts": args.hts, "origin": args.origin, "entry_date": args.entry_date, "value": args.value}
    for key in LINE_OPTIONS:
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    if args.fact:
        data["facts"] = ",".join(args.fact)
    if args.claim:
        data["claims"] = ",".join(args.claim)
    return data


def _quote(tables, args) -> int:
    line = parse_line(_line_from_args(args), tables.aliases, known_facts(tables))
    result = stamped(with_readings(quote(tables, line), line), _freshness(tables))
    print(json.dumps(result, indent=2) if args.json else render_text(result))
    return 0


def _check(tables, args, loaded: float) -> int:
    summary = (f"ok: {len(tables.lines)} HTS lines, {len(tables.measures)} measures, "
               f"{len(tables.fees)} fees loaded from {tables.directory} in {loaded:.2f} s "
               f"(tables version {tables.version})")
    if not args.quick:
        with tqdm(total=len(tables.lines), unit="line", desc="compiling", file=sys.stderr,
                  disable=args.no_progress or None) as bar:
            compiled = compile_tables(tables, progress=bar.update)
        summary += f"; compiled {compiled} line/origin/date quotes"
    print(summary)
    print(stamp_line(tables.version, _freshness(tables)))
    return 0


def _freshness(tables):
    """The tables' age against TARIFF_STACK_MAX_TABLE_AGE_DAYS, today (UTC)."""
    return from_settings(tables.as_of, os.environ)


def _price(tables, args) -> int:
    def progress(total):
        return tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr)

    fresh = _freshness(tables)
    summary = price_path(tables, args.file, args.output, progress, sheet=args.sheet)
    for line in summary.lines():
        print(line, file=sys.stderr)
    if fresh.warning:
        print(f"warning: {fresh.warning}", file=sys.stderr)
    return 1 if summary.failed else 0


def _hts(tables, args) -> int:
    """Covered codes under a prefix: dotted code, description, unit."""
    prefix = "".join(ch for ch in args.prefix if not ch.isspace() and ch != ".")
    if prefix and not prefix.isdigit():
        print(f"error: {args.prefix!r} is not an HTS code or prefix (digits, dotted or not)", file=sys.stderr)
        return 2
    found = sorted(digits for digits in tables.lines if digits.startswith(prefix))
    if not found:
        nearest = prefix[:len(prefix) - len(prefix) % 2]   # HTS levels: 2, 4, 6, 8, 10 digits
        while nearest and not any(d.startswith(nearest) for d in tables.lines):
            nearest = nearest[:-2]
        near = sorted(d for d in tables.lines if d.startswith(nearest))
        if len(near) <= 8:
            shown = [hts_codes.dotted(d) for d in near]
        else:
            headings = sorted({d[:4] for d in near})
            shown = headings[:12] + (["..."] if len(headings) > 12 else [])
        print(f"no covered HTS code starts with {args.prefix!r}; the nearest covered: {', '.join(shown)}",
              file=sys.stderr)
        return 1
    for digits in found:
        line = tables.lines[digits]
        print(f"{hts_codes.dotted(digits)}\t{line.description}\t{line.unit or ''}")
    return 0


def _serve(tables, args) -> int:
    # Local: the web server pulls in gunicorn and Flask, which quote, check and price never use.
    from service.web.serve import ServeSettingError, serve

    try:
        serve(args.host, args.port, args.workers, tables=tables, access_log=args.access_log)
    except ServeSettingError as exc:  # PORT or WEB_CONCURRENCY from the environment
        print(f"tariff-stack serve: error: {exc}", file=sys.stderr)
        return 2
    return 0


# ------------------------------------------------------------ tariff-stack diff

def _diff_args(sub):
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
    p.add_argument("--limit", type=_whole_number(0), default=DEFAULT_LIMIT,
                   help=f"groups of changes the text lists (default {DEFAULT_LIMIT}; 0: all)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _diff(args) -> int:
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
        _input_error(exc)
        return 2
    doc = result.doc()
    try:
        print(json.dumps(doc, indent=2) if args.json else render_diff(doc, args.limit), flush=True)
    except BrokenPipeError:          # the reader stopped (`| head`): the exit status still says what was found
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    print(f"tariff-stack diff: {result.compared:,} quotes compared in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 1 if result.changes else 0


def _table_error(exc: TableError) -> int:
    errors = getattr(exc, "errors", [exc])
    if len(errors) == 1:
        print(f"tariff tables invalid: {exc.where}: {exc.reason}", file=sys.stderr)
    else:
        print(f"tariff tables invalid: {len(errors)} errors", file=sys.stderr)
        for error in errors:
            print(f"  {error.where}: {error.reason}", file=sys.stderr)
    return 2


def _input_error(exc: InputError) -> int:
    print(f"error: {exc.message}", file=sys.stderr)
    for name, messages in exc.errors.items():
        for m in messages:
            print(f"  {name}: {m}", file=sys.stderr)
    return 1


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sync":
            return _sync(args)
        if args.command == "diff":
            return _diff(args)     # loads its two table sets itself
        started = time.perf_counter()
        tables = load_tables()
        loaded = time.perf_counter() - started
        if args.command == "price":
            return _price(tables, args)
        if args.command == "audit":
            return _audit(tables, args)
        if args.command == "hts":
            return _hts(tables, args)
        if args.command == "serve":
            return _serve(tables, args)
        if args.command == "check":
            return _check(tables, args, loaded)
        return _quote(tables, args)
    except TableError as exc:
        return _table_error(exc)
    except InputError as exc:
        return _input_error(exc)
    except NotCovered as exc:
        print(f"not covered: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 1
    except FileProblem as exc:
        print(f"tariff-stack {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tariff-stack {args.command}: interrupted; no output file was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
