"""Command line: ``tariff-stack quote``, ``check``, ``price``, ``audit``, ``hts`` and ``serve``.

``TARIFF_TABLES_DIR`` points every command at another tables directory.
Exit codes: 0 done; 1 a line could not be priced (bad input, not covered);
2 a usage error, a file that cannot be read or written, or invalid tables;
130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from tqdm import tqdm

from service.version import __version__
from service.model import hts as hts_codes
from service.model.errors import InputError, NotCovered, TableError
from service.tables.load import load_tables
from service.engine.compile import compile_tables
from service.engine.line_input import known_facts, parse_line, with_readings
from service.engine.quote import quote
from service.render.audit_file import audit_path
from service.render.pricing_file import price_path
from service.render.tabular_files import FileProblem
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
                                "entry_date, value (+ hts, liquidation_date, liquidated, deposit_date, facts), or "
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tariff-stack", description=__doc__.splitlines()[0])
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
    result = with_readings(quote(tables, line), line)
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
    return 0


def _price(tables, args) -> int:
    def progress(total):
        return tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr)

    summary = price_path(tables, args.file, args.output, progress, sheet=args.sheet)
    for line in summary.lines():
        print(line, file=sys.stderr)
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
