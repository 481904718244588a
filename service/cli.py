"""Command line: ``tariff-stack quote``, ``check``, ``price`` and ``serve``.

``TARIFF_TABLES_DIR`` points every command at another tables directory.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from tqdm import tqdm

from service.model.errors import InputError, NotCovered, TableError
from service.tables.load import load_tables
from service.engine.compile import compile_tables
from service.engine.line_input import parse_line
from service.engine.quote import quote
from service.render.pricing_file import price_file
from service.render.text import render_text

LINE_OPTIONS = ("mode", "loaded_date", "steel_content_value", "aluminum_content_value", "copper_content_value",
                "us_content_value", "aam_content_value", "preference", "exporter", "quantity")


def _quote_args(sub):
    p = sub.add_parser("quote", help="price one import line and print its duty stack")
    p.add_argument("--hts", required=True, help="HTS code, dotted or not (e.g. 8507.60.00.20)")
    p.add_argument("--origin", required=True, help="country of origin, ISO 3166-1 alpha-2")
    p.add_argument("--entry-date", required=True, help="date of entry for consumption, YYYY-MM-DD")
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tariff-stack", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    _quote_args(sub)
    check = sub.add_parser("check", help="validate the tariff tables and compile every line on every boundary date")
    check.add_argument("--quick", action="store_true", help="validate only; skip the compile pass")
    price = sub.add_parser("price", help="price a CSV file of lines; write a CSV of results")
    price.add_argument("file", help="CSV with a header row: hts, origin, entry_date, value and optional facts")
    price.add_argument("-o", "--output", help="output CSV (default: standard output)")
    price.add_argument("--no-progress", action="store_true", help="no progress bar")
    serve = sub.add_parser("serve", help="run the HTTP API under gunicorn (tables validated before workers fork)")
    serve.add_argument("--host", help="address to bind (default $TARIFF_STACK_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default $PORT or 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default $WEB_CONCURRENCY or CPUs + 1, 4 threads each)")
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
    result = quote(tables, parse_line(_line_from_args(args), tables.aliases))
    print(json.dumps(result, indent=2) if args.json else render_text(result))
    return 0


def _check(tables, args, loaded: float) -> int:
    summary = (f"ok: {len(tables.lines)} HTS lines, {len(tables.measures)} measures, "
               f"{len(tables.fees)} fees loaded from {tables.directory} in {loaded:.2f} s "
               f"(tables version {tables.version})")
    if not args.quick:
        compiled = compile_tables(tables)
        summary += f"; compiled {compiled} line/origin/date quotes"
    print(summary)
    return 0


def _price(tables, args) -> int:
    with open(args.file, newline="", encoding="utf-8-sig") as source:
        total = max(sum(1 for _ in source) - 1, 0)
        source.seek(0)
        out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
        try:
            with tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr) as bar:
                counts = price_file(tables, source, out, bar)
        finally:
            if args.output:
                out.close()
    print(f"priced {counts['ok']} lines; {counts['error']} with errors, {counts['not_covered']} not covered"
          + (f"; wrote {args.output}" if args.output else ""), file=sys.stderr)
    return 0 if not (counts["error"] or counts["not_covered"]) else 1


def _serve(tables, args) -> int:
    # Local: the web server pulls in gunicorn and Flask, which quote, check and price never use.
    from service.web.serve import serve

    serve(args.host, args.port, args.workers, tables=tables, access_log=args.access_log)
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


if __name__ == "__main__":
    sys.exit(main())
