"""Benchmark (not a test): table load + validation time and quotes per second.

    python bench/engine.py [--seconds N]

Reports: load+validate time, priced lines/s for repeated keys (a BESS bill
across origins and dates, served from the per-table memo), and for distinct
keys (every line computed).  Runs on one core (single thread).
"""
from __future__ import annotations

import argparse
import json
import time

from service import load_tables, parse_line, quote

BILL = ["8507.60.00.20", "8504.40.95.70", "8504.23.00", "8537.20.00.20", "8544.60.40", "8415.82.01",
        "8424.10.00", "8609.00.00", "7308.90.95.90", "7326.90.86.88"]
ORIGINS = ["CN", "KR", "DE", "VN", "CA", "JP"]
DATES = ["2025-04-10", "2025-08-20", "2026-01-15", "2026-03-10", "2026-05-01", "2026-09-01"]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args(argv)

    loads = []
    for _ in range(5):
        started = time.perf_counter()
        tables = load_tables()
        loads.append(time.perf_counter() - started)
    raw = [{"hts": h, "origin": o, "entry_date": d, "value": "250000"} for h in BILL for o in ORIGINS for d in DATES]
    lines = [parse_line(r) for r in raw]

    # repeated keys: the same bill priced over and over (parse + quote per line)
    for r in raw:
        quote(tables, parse_line(r))
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for r in raw:
            quote(tables, parse_line(r))
        n += len(raw)
    repeated = n / (time.perf_counter() - started)

    # repeated keys, lines already parsed (the engine alone)
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for line in lines:
            quote(tables, line)
        n += len(lines)
    repeated_parsed = n / (time.perf_counter() - started)

    # distinct keys: a new customs value each time (the stack cache serves the rules)
    n, value, started = 0, 1000, time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for line in lines:
            value += 1
            quote(tables, line.__class__(**{**line.__dict__, "value": line.value + value}))
        n += len(lines)
    distinct = n / (time.perf_counter() - started)

    # cold stacks: every line a new (hts, origin, date) key on fresh tables, so
    # the rules are evaluated for each one (the bound for never-seen keys)
    cold_tables = load_tables()
    keys = [(h, o, d) for h in sorted(cold_tables.lines) for o in ORIGINS for d in DATES]
    n, started = 0, time.perf_counter()
    for h, o, d in keys:
        try:
            quote(cold_tables, parse_line({"hts": h, "origin": o, "entry_date": d, "value": "1000"}))
        except Exception:  # noqa: BLE001 - a line needing a fact; still counted as work done
            pass
        n += 1
        if time.perf_counter() - started > args.seconds:
            break
    cold = n / (time.perf_counter() - started)

    report = {
        "tables_version": tables.version,
        "load_validate_seconds_min": round(min(loads), 4),
        "load_validate_seconds_max": round(max(loads), 4),
        "repeated_keys_parse_and_quote_lines_per_second": round(repeated),
        "repeated_keys_quote_only_lines_per_second": round(repeated_parsed),
        "distinct_keys_lines_per_second": round(distinct),
        "cold_stack_lines_per_second": round(cold),
        "goals": {"load_seconds": 0.5, "repeated_lines_per_second": 100000,
                  "distinct_lines_per_second": 20000},
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
