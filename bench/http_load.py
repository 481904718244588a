"""Benchmark (not a test): GET /v1/duty under the production server on loopback.

    python bench/http_load.py [--rates 100,500,1000] [--seconds 30] [--workers N] [--out FILE]

Starts ``tariff-stack serve`` on a free loopback port, then offers each rate
with locust (a well-kept load generator, used as a library): ``users`` users
each pacing themselves with ``constant_throughput``, so the offered rate is
fixed and latency is measured per request, not back-to-back.  Reports per
rate: achieved requests/s, p50/p95/p99 latency (ms), failures, and the
server's resident memory per worker before and after.

The load generator shares the machine's cores with the server, so the
figures are a lower bound for the server alone.
"""
from __future__ import annotations

# locust monkey-patches the standard library with gevent: import it first.
import gevent  # noqa: I001
from locust import FastHttpUser, constant_throughput, task
from locust.env import Environment

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.request

from topology import emit_report, free_port, tariff_stack_executable  # the bench's one server-starting toolkit

# A BESS bill across origins and entry dates: the realistic mix of keys.
BILL = ["8507.60.00.20", "8504.40.95.70", "8504.23.00", "8537.10.91", "8544.60.40", "8415.82.01",
        "8424.10.00", "7308.90.95.90", "7326.90.86.88"]
ORIGINS = ["CN", "KR", "DE", "VN", "JP"]
DATES = ["2025-04-10", "2025-08-20", "2026-01-15", "2026-03-10", "2026-09-01"]
PATHS = [f"/v1/duty?hts={h}&origin={o}&entry_date={d}&value=250000" for h in BILL for o in ORIGINS for d in DATES]


def start_server(workers: int | None):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    proc = subprocess.Popen([tariff_stack_executable(), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def worker_memory(proc) -> dict:
    import psutil
    master = psutil.Process(proc.pid)
    workers = master.children()
    rss = [w.memory_info().rss for w in workers]
    uss = [w.memory_full_info().uss for w in workers]
    return {"workers": len(workers), "rss_mb_max": round(max(rss) / 2**20, 1),
            "uss_mb_max": round(max(uss) / 2**20, 1), "master_rss_mb": round(master.memory_info().rss / 2**20, 1)}


def offer(base: str, rate: int, seconds: float, paths: list[str]) -> dict:
    """Offer ``rate`` requests/s for ``seconds`` with locust; return its statistics."""
    per_user = 100.0  # requests/s per user: few connections, as Little's law needs (rate x latency)
    users = max(1, round(rate / per_user))

    class DutyUser(FastHttpUser):
        host = base
        wait_time = constant_throughput(per_user)
        counter = 0

        def on_start(self):
            # Spread the users over one period: otherwise they all fire at the
            # same instant every 1/per_user s and the "fixed rate" is a burst.
            gevent.sleep(random.uniform(0, 1 / per_user))

        @task
        def duty(self):
            DutyUser.counter += 1
            path = paths[DutyUser.counter % len(paths)]
            with self.client.get(path, name="GET /v1/duty", catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"status {r.status_code}")

    env = Environment(user_classes=[DutyUser])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.sleep(3)                     # ramp up, then measure a clean window
    env.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - started
    total = env.stats.total
    out = {
        "offered_rps": rate, "users": users, "seconds": round(elapsed, 1),
        "requests": total.num_requests, "failures": total.num_failures,
        "achieved_rps": round(total.num_requests / elapsed, 1),
        "p50_ms": total.get_response_time_percentile(0.50),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "max_ms": round(total.max_response_time, 1),
    }
    runner.quit()
    return out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="100,500,1000")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", help="write the JSON report here")
    args = parser.parse_args(argv)
    proc, base = start_server(args.workers)
    try:
        for path in PATHS:                  # warm every worker's memo a little
            with urllib.request.urlopen(base + path, timeout=10) as r:
                r.read()
        report = {"server": "tariff-stack serve (gunicorn)", "cpus": os.cpu_count(),
                  "memory_before": worker_memory(proc), "runs": []}
        for rate in [int(r) for r in args.rates.split(",")]:
            report["runs"].append(offer(base, rate, args.seconds, PATHS))
            print(json.dumps(report["runs"][-1]), file=sys.stderr)
        report["memory_after"] = worker_memory(proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return emit_report(report, args.out)


if __name__ == "__main__":
    main()
