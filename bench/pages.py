"""Benchmark (not a test): server-side render time of the quote page for a single quote.

    python bench/pages.py [--requests 200] [--warmup 20]

The Flask test client (no network, no server process) GETs ``/quote`` with one line
(8507.60.00.90 from CN, entry 2026-10-01, value 100,000) ``--warmup`` times, then
``--requests`` times, timing each request on one core; reports the median and p95
in milliseconds.  The engine's per-table memo answers the repeated quote after the
warm-up, so the figure is mostly the page's own work: form parsing, the chart and the
template.  Issue 16's goal: under 50 ms.  Benchmarks report; they never fail on a figure.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from urllib.parse import urlencode

from service import load_tables
from service.web.app import create_app

QUOTE = {"hts": "8507.60.00.90", "origin": "CN", "entry_date": "2026-10-01", "value": "100000"}
GOAL_MS = 50


def timings(client, path: str, count: int) -> list[float]:
    """Milliseconds of ``count`` GETs of ``path``; each must answer 200."""
    spent = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return spent


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    tables = load_tables()
    client = create_app(tables, {"MAX_TABLE_AGE_DAYS": None}).test_client()
    path = "/quote?" + urlencode(QUOTE)
    timings(client, path, args.warmup)
    spent = timings(client, path, args.requests)
    report = {"page": path, "tables_version": tables.version, "requests": args.requests, "warmup": args.warmup,
              "median_ms": round(statistics.median(spent), 2), "p95_ms": round(p95(spent), 2),
              "max_ms": round(max(spent), 2), "goal_ms": GOAL_MS,
              "bytes": len(client.get(path).data)}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
