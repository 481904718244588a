"""Benchmark (not a test): auditing 10,000 lines as filed, in the engine and through ``POST /v1/audit``.

    python bench/audit.py [--lines 10000] [--runs 5] [--out FILE]

The lines: a BESS bill (``http_load.BILL``) across five origins and the
audit's dates (2025 and 2026 entries), each with a distinct customs value,
and what a broker filed for it: the duty of every layer of the stack
assessed on the entry date, except that one line in ten filed Section 301 under
the old list 4A heading, one in twenty paid a heading the tables do not know,
one in seven paid a little more column 1 duty, and half give a liquidation
date.  The body is built in-process from the engine's own quotes, then:

1. the engine alone: ``audit(tables, body)`` on one core, best and median of
   ``--runs`` (the JSON body already parsed);
2. end to end: the same body POSTed ``--runs`` times to ``tariff-stack
   serve`` (gunicorn, loopback), first and median wall seconds, bytes and
   status.

Benchmarks report; they never fail on a figure (``bench/run.py`` records the
goal: 10,000 lines in under 2 s end to end).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topology import emit_report, free_port, tariff_stack_executable  # noqa: E402  (the bench's server toolkit)

BILL = ["8507.60.00.20", "8507.60.00.30", "8504.40.95.80", "8504.23.00", "8537.10.91", "8544.60.40",
        "7308.90.95.90", "2836.91.00.50", "3801.10.50.10"]
ORIGINS = ["CN", "KR", "DE", "VN", "JP"]
DATES = ["2025-03-20", "2025-06-10", "2025-08-20", "2025-11-20", "2026-01-15", "2026-03-10", "2026-09-01"]


def audit_body(tables, n: int) -> dict:
    """``n`` lines as filed (see the module docstring), from the quotes of the tables."""
    from service.engine.line_input import parse_line
    from service.engine.quote import quote
    from service.model.errors import InputError, NotCovered

    keys, lines, i = [], [], 0
    for h in BILL:
        for o in ORIGINS:
            for d in DATES:
                try:
                    quote(tables, parse_line({"hts": h, "origin": o, "entry_date": d, "value": "1000"}))
                    keys.append((h, o, d))
                except (InputError, NotCovered):
                    continue                      # a statistical number outside its edition on that date
    while len(lines) < n:
        h, o, d = keys[i % len(keys)]
        value = str(50_000 + i)
        doc = quote(tables, parse_line({"hts": h, "origin": o, "entry_date": d, "value": value}))
        lines.append({"entry_number": f"BNC{i // 3:08d}", "line_number": str(1 + i % 3), "hts": h, "origin": o,
                      "entry_date": d, "value": value, "paid": _paid(doc, i),
                      **({"liquidation_date": _liquidation(d, i)} if i % 2 else {})})
        i += 1
    return {"lines": lines, "audit_date": "2026-11-28", "interest_to": "2026-12-31"}


def _paid(doc: dict, i: int) -> list[dict]:
    paid = []
    for layer in doc["layers"]:
        amount = Decimal(layer["duty"])
        heading = layer["heading"]
        if layer["program"] == "section_301" and i % 10 == 0:
            heading = "9903.88.15"                      # the old list 4A heading
        if layer["program"] == "mfn" and i % 7 == 0:
            amount += Decimal("12.34")                  # a little more column 1 duty than assessed
        if amount:
            paid.append({"heading": heading, "amount": str(amount)})
    if i % 20 == 0:
        paid.append({"heading": "9903.99.98", "amount": "10.00"})   # a number the tables do not know
    return paid


def _liquidation(entry_date: str, i: int) -> str:
    year, month, day = map(int, entry_date.split("-"))
    months = 10 + i % 3
    month += months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}-{min(day, 28):02d}"


def engine_seconds(tables, body: dict, runs: int) -> dict:
    from service.engine.audit.run import audit

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        doc = audit(tables, body)
        times.append(time.perf_counter() - started)
    return {"lines": len(body["lines"]), "best_seconds": round(min(times), 3),
            "median_seconds": round(statistics.median(times), 3), "runs": runs,
            "refundable": doc["totals"]["refundable"], "underpaid": doc["totals"]["underpaid"]}


def http_seconds(body: dict, runs: int) -> dict:
    import subprocess
    import os

    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1"}
    proc = subprocess.Popen([tariff_stack_executable(), "serve"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
        data = json.dumps(body).encode()
        times, status, size = [], None, 0
        for _ in range(runs):
            request = urllib.request.Request(base + "/v1/audit", data=data,
                                             headers={"Content-Type": "application/json"})
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=120) as r:
                size, status = len(r.read()), r.status
            times.append(time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"first_seconds": round(times[0], 3), "median_seconds": round(statistics.median(times), 3),
            "runs": runs, "status": status, "request_bytes": len(data), "response_bytes": size}


def _wait(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", help="write the report (JSON) here")
    args = parser.parse_args(argv)
    from service import load_tables

    tables = load_tables()
    body = audit_body(tables, args.lines)
    report = {"engine": engine_seconds(tables, body, args.runs), "http": http_seconds(body, args.runs)}
    return emit_report(report, args.out)


if __name__ == "__main__":
    main()
