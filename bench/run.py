"""The benchmark: one command, a JSON report and a Markdown summary.

    python bench/run.py [--quick] [--out bench/out]

1. engine: priced lines/s on one core, repeated keys (a BESS bill across
   origins and dates), distinct customs values, and cold stacks; table load
   and validation time;
2. HTTP: ``GET /v1/duty`` under ``tariff-stack serve`` (gunicorn) on
   loopback at fixed offered rates (100, 500, 1000 requests/s, 30 s each)
   with locust: p50/p95/p99 and errors; resident memory per worker;
3. a 60 s hold at 500 requests/s: errors and worker memory before/after;
4. a 10,000-line ``POST /v1/duty`` batch and a 1,000-line
   ``POST /v1/landed-cost``, end to end over HTTP;
5. a 10,000-line ``POST /v1/audit`` (lines as filed, ``bench/audit.py``),
   end to end over HTTP.

``--quick`` shrinks every duration and size (CI runs it as a smoke test);
its figures are not the report.  Benchmarks report; they never fail on a
figure.  The load generator shares the 2 cores with the server.
"""
from __future__ import annotations

import http_load  # noqa: I001 - imports locust, which must patch the standard library first

import argparse
import json
import platform
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import audit as audit_bench   # bench/audit.py
import engine

GOALS = {
    "engine_repeated_lines_per_second": (">=", 100_000),
    "engine_distinct_lines_per_second": (">=", 20_000),
    "tables_load_seconds": ("<=", 0.5),
    "worker_rss_mb": ("<=", 150),
    "duty_p99_ms_at_500rps": ("<=", 10),
    "duty_errors_at_500rps": ("==", 0),
    "batch_10000_seconds": ("<=", 1.0),
    "audit_10000_seconds": ("<=", 2.0),
}


def post(base: str, path: str, body: dict) -> tuple[float, int, int]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as r:
        payload = r.read()
        status = r.status
    return time.perf_counter() - started, status, len(payload)


def batch_lines(n: int) -> list[dict]:
    keys = [(h, o, d) for h in http_load.BILL for o in http_load.ORIGINS for d in http_load.DATES]
    return [{"hts": h, "origin": o, "entry_date": d, "value": str(100_000 + i)}
            for i, (h, o, d) in zip(range(n), (keys[i % len(keys)] for i in range(n)))]


def landed_body(n: int) -> dict:
    keys = [(h, o) for h in http_load.BILL for o in ("KR", "DE", "VN", "JP")]
    lines = [{"hts": h, "origin": o, "quantity": str(1 + i % 50), "unit_price": str(1000 + i), "incoterm": "CIF"}
             for i, (h, o) in zip(range(n), (keys[i % len(keys)] for i in range(n)))]
    return {"entry_date": "2026-03-10", "mode": "vessel", "lines": lines,
            "costs": {"international_freight": "25000", "insurance": "2500", "brokerage": "800"}}


def _audit_body(n: int) -> dict:
    """``n`` audit lines as filed (bench/audit.py), built from the tables the server serves."""
    from service import load_tables
    return audit_bench.audit_body(load_tables(), n)


def timed_posts(base, path, body, repeats) -> dict:
    times, status, size = [], None, 0
    for _ in range(repeats):
        t, status, size = post(base, path, body)
        times.append(t)
    return {"first_seconds": round(times[0], 3), "median_seconds": round(statistics.median(times), 3),
            "runs": repeats, "status": status, "response_bytes": size}


def check(goal: str, value) -> dict:
    op, target = GOALS[goal]
    met = {"<=": value <= target, ">=": value >= target, "==": value == target}[op]
    return {"goal": f"{op} {target}", "value": value, "met": met}


def markdown(report: dict) -> str:
    out = ["# Benchmark report", "",
           f"Machine: {report['machine']['cpus']} CPUs, Python {report['machine']['python']}; "
           f"tables {report['engine']['tables_version']}; {'QUICK SMOKE RUN (not the report)' if report['quick'] else 'full run'}.",
           "", "| goal | target | measured | met |", "|---|---|---|---|"]
    for name, g in report["goals"].items():
        out.append(f"| {name} | {g['goal']} | {g['value']} | {'yes' if g['met'] else 'NO'} |")
    out += ["", "## Engine (one core)", ""]
    e = report["engine"]
    out += [f"- table load and validation: {e['load_validate_seconds_min']} s (best of 5)",
            f"- repeated keys, engine only: {e['repeated_keys_quote_only_lines_per_second']:,} lines/s",
            f"- repeated keys, parsing each input line too: {e['repeated_keys_parse_and_quote_lines_per_second']:,} lines/s",
            f"- distinct customs values (stack cache): {e['distinct_keys_lines_per_second']:,} lines/s",
            f"- cold stacks (every key new): {e['cold_stack_lines_per_second']:,} lines/s", "",
            "## GET /v1/duty under gunicorn, loopback, locust at fixed offered rates", "",
            "| offered/s | achieved/s | requests | failures | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|"]
    for r in report["http"]["runs"]:
        out.append(f"| {r['offered_rps']} | {r['achieved_rps']} | {r['requests']} | {r['failures']} | "
                   f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    h = report["hold"]
    out += ["", f"Hold at {h['run']['offered_rps']}/s for {h['run']['seconds']} s: {h['run']['requests']} requests, "
            f"{h['run']['failures']} failures, p99 {h['run']['p99_ms']} ms; worker RSS max "
            f"{h['memory_before']['rss_mb_max']} MB before, {h['memory_after']['rss_mb_max']} MB after "
            f"(USS {h['memory_before']['uss_mb_max']} -> {h['memory_after']['uss_mb_max']} MB).", "",
            "## Batches end to end (HTTP, one request)", ""]
    for name, b in report["batches"].items():
        out.append(f"- {name}: first {b['first_seconds']} s, median {b['median_seconds']} s over {b['runs']} runs, "
                   f"{b['response_bytes']:,} bytes, status {b['status']}")
    return "\n".join(out) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="tiny durations and sizes (a smoke run)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "out"))
    args = parser.parse_args(argv)
    q = args.quick
    report = {"quick": q, "machine": {"cpus": http_load.os.cpu_count(), "python": platform.python_version(),
                                      "platform": platform.platform()}}
    print("engine ...", file=sys.stderr)
    report["engine"] = engine.main(["--seconds", "0.2" if q else "3"])
    proc, base = http_load.start_server(None)
    try:
        for path in http_load.PATHS:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                r.read()
        report["memory_idle"] = http_load.worker_memory(proc)
        rates = [100, 500] if q else [100, 500, 1000]
        seconds = 2 if q else 30
        runs = []
        for rate in rates:
            print(f"HTTP {rate}/s for {seconds} s ...", file=sys.stderr)
            runs.append(http_load.offer(base, rate, seconds, http_load.PATHS))
        report["http"] = {"runs": runs, "memory_after": http_load.worker_memory(proc)}
        hold_seconds = 3 if q else 60
        print(f"hold 500/s for {hold_seconds} s ...", file=sys.stderr)
        before = http_load.worker_memory(proc)
        hold = http_load.offer(base, 500, hold_seconds, http_load.PATHS)
        report["hold"] = {"run": hold, "memory_before": before, "memory_after": http_load.worker_memory(proc)}
        print("batches ...", file=sys.stderr)
        n_batch, n_landed = (1000, 100) if q else (10_000, 1_000)
        report["batches"] = {
            f"POST /v1/duty, {n_batch} lines": timed_posts(base, "/v1/duty", {"lines": batch_lines(n_batch)},
                                                           2 if q else 5),
            f"POST /v1/landed-cost, {n_landed} lines": timed_posts(base, "/v1/landed-cost", landed_body(n_landed),
                                                                   2 if q else 5),
            f"POST /v1/audit, {n_batch} lines": timed_posts(base, "/v1/audit", _audit_body(n_batch), 2 if q else 5),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    at500 = next(r for r in report["http"]["runs"] if r["offered_rps"] == 500)
    batch = next(v for k, v in report["batches"].items() if k.startswith("POST /v1/duty"))
    audited = next(v for k, v in report["batches"].items() if k.startswith("POST /v1/audit"))
    report["goals"] = {
        "engine_repeated_lines_per_second": check("engine_repeated_lines_per_second",
                                                  report["engine"]["repeated_keys_quote_only_lines_per_second"]),
        "engine_distinct_lines_per_second": check("engine_distinct_lines_per_second",
                                                  report["engine"]["distinct_keys_lines_per_second"]),
        "tables_load_seconds": check("tables_load_seconds", report["engine"]["load_validate_seconds_min"]),
        "worker_rss_mb": check("worker_rss_mb", report["hold"]["memory_after"]["rss_mb_max"]),
        "duty_p99_ms_at_500rps": check("duty_p99_ms_at_500rps", at500["p99_ms"]),
        "duty_errors_at_500rps": check("duty_errors_at_500rps", at500["failures"] + report["hold"]["run"]["failures"]),
        "batch_10000_seconds": check("batch_10000_seconds", batch["median_seconds"]),
        "audit_10000_seconds": check("audit_10000_seconds", audited["median_seconds"]),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "summary.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
