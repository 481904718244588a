"""Command line: ``tariff-stack quote``, ``check``, ``price`` and ``serve``.

``TARIFF_TABLES_DIR`` points every command at another tables directory.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta

from tabulate import tabulate

from service.model.errors import InputError, NotCovered, TableError
from service.engine.line_input import parse_line
from service.engine.quote import quote
from service.tables.load import load_tables

CHECK_ORIGINS = ("CN", "KR", "JP", "DE", "CA", "MX", "GB", "VN", "IN", "BR", "AU")


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


def _line_from_args(args) -> dict:
    data = {"hts": args.hts, "origin": args.origin, "entry_date": args.entry_date, "value": args.value}
    for key in ("mode", "loaded_date", "steel_content_value", "aluminum_content_value", "copper_content_value",
                "us_content_value", "aam_content_value", "preference", "exporter", "quantity"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
    if args.fact:
        data["facts"] = ",".join(args.fact)
    if args.claim:
        data["claims"] = ",".join(args.claim)
    return data


def render_text(result: dict) -> str:
    head = (f"{result['hts']}  {result['description']}\n"
            f"origin {result['origin']} ({result['origin_name']})  entry {result['entry_date']}  "
            f"customs value {result['customs_value']} {result['currency']}  tables {result['tables_version']}")
    rows = [(layer["program"], layer["heading"], layer["rate"], layer["value_base"], layer["base_amount"],
             layer["duty"], layer["confidence"]) for layer in result["layers"]]
    rows.append(("total", "", result["effective_rate"], "", result["customs_value"], result["total_duty"], ""))
    table = tabulate(rows, headers=("program", "heading", "rate", "value base", "base", "duty USD", "confidence"),
                     disable_numparse=True, colalign=("left", "left", "right", "left", "right", "right", "left"))
    parts = [head, "", table]
    filing = []
    for fl in result["filing_lines"]:
        numbers = " ".join(n["number"] for n in fl["numbers"])
        filing.append(f"  line {fl['line']} ({fl['portion']}, {fl['value']}): {numbers}")
    parts += ["", "Filing lines (CBP reporting order):", *filing]
    if result["not_applied"]:
        parts += ["", "Considered, not applied:"]
        parts += [f"  - {n['measure_id'] or n['heading']}: {n['reason']}" for n in result["not_applied"]]
    if result["assumptions"]:
        parts += ["", "Assumptions:"] + [f"  - {a['assumption']}" for a in result["assumptions"]]
    if result["warnings"]:
        parts += ["", "Warnings:"] + [f"  - {w}" for w in result["warnings"]]
    parts += ["", "Citations:"] + [f"  - {layer['heading']}: {layer['citation']}" for layer in result["layers"]]
    return "\n".join(parts)


def compile_tables(tables) -> int:
    """Quote every covered line for a set of origins on every boundary date."""
    count = 0
    days = set()
    for day in tables.boundaries():
        days.add(day)
        days.add(day - timedelta(days=1))
    days = sorted(d for d in days if d >= tables.coverage_from)
    for digits, line in tables.lines.items():
        for origin in CHECK_ORIGINS:
            for day in days:
                if line.rate_on(day) is None:
                    continue
                data = {"hts": digits, "origin": origin, "entry_date": day.isoformat(), "value": "1000"}
                try:
                    quote(tables, parse_line(data))
                except InputError:
                    pass  # e.g. a preference or specific rate needing a caller fact
                count += 1
    return count


def _price(tables, args) -> int:
    from tqdm import tqdm

    from service.render.pricing_file import price_file
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


def main(argv=None) -> int:
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
    args = parser.parse_args(argv)
    try:
        started = time.perf_counter()
        tables = load_tables()
        loaded = time.perf_counter() - started
        if args.command == "price":
            return _price(tables, args)
        if args.command == "serve":
            from service.web.serve import serve as run_server
            run_server(args.host, args.port, args.workers, tables=tables, access_log=args.access_log)
            return 0
        if args.command == "check":
            summary = (f"ok: {len(tables.lines)} HTS lines, {len(tables.measures)} measures, "
                       f"{len(tables.fees)} fees loaded from {tables.directory} in {loaded:.2f} s "
                       f"(tables version {tables.version})")
            if not args.quick:
                compiled = compile_tables(tables)
                summary += f"; compiled {compiled} line/origin/date quotes"
            print(summary)
            return 0
        result = quote(tables, parse_line(_line_from_args(args), tables.aliases))
        print(json.dumps(result, indent=2) if args.json else render_text(result))
        return 0
    except TableError as exc:
        errors = getattr(exc, "errors", [exc])
        if len(errors) == 1:
            print(f"tariff tables invalid: {exc.where}: {exc.reason}", file=sys.stderr)
        else:
            print(f"tariff tables invalid: {len(errors)} errors", file=sys.stderr)
            for error in errors:
                print(f"  {error.where}: {error.reason}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for name, messages in exc.errors.items():
            for m in messages:
                print(f"  {name}: {m}", file=sys.stderr)
        return 1
    except NotCovered as exc:
        print(f"not covered: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
