"""``tariff-stack quote``, ``check``, ``price`` and ``hts``: one line, the tables, a file of lines, the codes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from tqdm import tqdm

from service.model import hts as hts_codes
from service.engine.compile import compile_tables
from service.engine.line_input import known_facts, parse_line
from service.engine.ranges import answered_quote
from service.engine.scenario.apply import shipped
from service.engine.scenario.run import quote_with
from service.render.freshness import stamp_line, stamped
from service.tables.reader import Reader
from service.tables.readers.scenarios import read_scenario_file
from service.render.pricing_file import price_path
from service.render.text import render_text
from service.cli.common import freshness

LINE_OPTIONS = ("mode", "loaded_date", "steel_content_value", "aluminum_content_value", "copper_content_value",
                "us_content_value", "aam_content_value", "preference", "exporter", "quantity")


def quote_args(sub):
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
    p.add_argument("--scenario", metavar="NAME|FILE.yaml",
                   help="price with a hypothetical scenario: a shipped one (tariff_tables/scenarios) or a scenario "
                        "file of your own in the same form; prints the figures without it too")
    p.add_argument("--json", action="store_true", help="print the JSON document the API serves")


def check_args(sub):
    check = sub.add_parser("check", help="validate the tariff tables and compile every line on every boundary date")
    check.add_argument("--quick", action="store_true", help="validate only; skip the compile pass")
    check.add_argument("--no-progress", action="store_true", help="no progress bar")


def price_args(sub):
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


def hts_args(sub):
    codes = sub.add_parser("hts", help="list the covered HTS codes (code, description, unit)")
    codes.add_argument("prefix", nargs="?", default="", help="only codes starting with this, dotted or not "
                                                              "(e.g. 8507, 8507.60, 850760)")


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


def quote_command(tables, args) -> int:
    line = parse_line(_line_from_args(args), tables.aliases, known_facts(tables))
    scenario = scenario_arg(tables, args.scenario) if args.scenario else None
    doc = quote_with(tables, scenario, line) if scenario else answered_quote(tables, line)
    result = stamped(doc, freshness(tables))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(render_text(result))
        if scenario:
            print(scenario_text(result["scenario"]))
    return 0


def scenario_arg(tables, value: str):
    """A shipped scenario's name, or a scenario file read as the loader reads the shipped ones (file:line)."""
    path = Path(value)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        reader = Reader(path.parent)
        reader.aliases, reader.groups = tables.aliases, tables.groups
        return read_scenario_file(reader, path, tables, tables.scenarios)
    return shipped(tables, value, "--scenario")


def scenario_text(block: dict) -> str:
    """What the scenario changed, under the quote's text."""
    without = block["without_scenario"]
    out = [f"Scenario {block['name']} ({block['note']}):", f"  {block['description']}",
           f"  without it: total duty {without['total_duty']} USD, effective rate {without['effective_rate']}",
           f"  changed: {', '.join(block['changed']) or 'nothing on this entry date'}"]
    out += [f"  layer without it, {x['scenario']}: {x['measure_id']} ({x['heading']}) {x['duty']} USD"
            for x in without["layers"]]
    return "\n".join(out)


def check_command(tables, args, loaded: float) -> int:
    summary = (f"ok: {len(tables.lines)} HTS lines, {len(tables.measures)} measures, "
               f"{len(tables.fees)} fees loaded from {tables.directory} in {loaded:.2f} s "
               f"(tables version {tables.version})")
    if not args.quick:
        with tqdm(total=len(tables.lines), unit="line", desc="compiling", file=sys.stderr,
                  disable=args.no_progress or None) as bar:
            compiled = compile_tables(tables, progress=bar.update)
        summary += f"; compiled {compiled} line/origin/date quotes"
    print(summary)
    print(stamp_line(tables.version, freshness(tables)))
    return 0


def price_command(tables, args) -> int:
    def progress(total):
        return tqdm(total=total, unit="line", disable=args.no_progress or None, file=sys.stderr)

    fresh = freshness(tables)
    summary = price_path(tables, args.file, args.output, progress, sheet=args.sheet)
    for line in summary.lines():
        print(line, file=sys.stderr)
    if fresh.warning:
        print(f"warning: {fresh.warning}", file=sys.stderr)
    return 1 if summary.failed else 0


def hts_command(tables, args) -> int:
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


__all__ = ["LINE_OPTIONS", "quote_args", "check_args", "price_args", "hts_args", "quote_command", "check_command",
           "price_command", "hts_command"]
