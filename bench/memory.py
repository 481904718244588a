"""Benchmark (not a test): worker memory after many distinct priced lines.

    python bench/memory.py [--lines 200000] [--batch 2000] [--workers 2] [--clients 2] [--out FILE]

Starts ``tariff-stack serve`` (gunicorn, the production server) on a free
loopback port from this source tree, then sends ``--lines`` distinct lines
through ``POST /v1/duty`` in batches: every (HTS line, origin, entry date)
key the tables price, each with several distinct customs values, so both
engine caches (exact lines and value-free stacks) see a new key on every
line.  Reports each worker's resident memory (RSS, and USS: the pages only
that worker holds) before and after, the lines priced and the time taken.

Benchmarks report; they never fail on a figure.  The load generator shares
the machine's cores with the server.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from topology import emit_report, free_port  # the bench's one server-starting toolkit

ROOT = Path(__file__).resolve().parent.parent
ORIGINS = ["CN", "KR", "DE", "VN", "JP", "CA", "MX", "GB", "IN", "BR", "TW", "AU"]
DATES = ["2024-06-20", "2025-04-10", "2025-05-20", "2025-08-20", "2025-12-01", "2026-01-15", "2026-03-10",
         "2026-09-01"]


def start_server(workers: int):
    """``tariff-stack serve`` from this tree (not whichever copy is installed)."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers),
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "import sys; from service.cli import main; sys.exit(main())", "serve"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


def worker_memory(proc) -> list[dict]:
    import psutil
    out = []
    for w in sorted(psutil.Process(proc.pid).children(), key=lambda p: p.pid):
        out.append({"pid": w.pid, "rss_mb": round(w.memory_info().rss / 2**20, 1),
                    "uss_mb": round(w.memory_full_info().uss / 2**20, 1)})
    return out


def priced_keys() -> list[tuple[str, str, str]]:
    """Every (line, origin, date) the tables price without further facts (checked in this process)."""
    sys.path.insert(0, str(ROOT))
    from service import load_tables, parse_line
    from service.engine.quote import quote
    from service.model.errors import InputError, NotCovered

    tables = load_tables()
    keys = []
    for digits in sorted(tables.lines):
        for origin in ORIGINS:
            for day in DATES:
                try:
                    quote(tables, parse_line({"hts": digits, "origin": origin, "entry_date": day, "value": "1000"}))
                except (InputError, NotCovered):
                    continue
                keys.append((digits, origin, day))
    return keys


def lines(keys, n: int):
    """``n`` distinct lines: the keys in turn, the value one cent more each time."""
    for i in range(n):
        digits, origin, day = keys[i % len(keys)]
        yield {"hts": digits, "origin": origin, "entry_date": day, "value": f"{1000 + i // 100}.{i % 100:02d}"}


def post(base: str, body: dict) -> dict:
    request = urllib.request.Request(base + "/v1/duty", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as r:
        return json.loads(r.read())


def send(base: str, keys, n: int, batch: int, clients: int) -> dict:
    all_lines = list(lines(keys, n))
    batches = [all_lines[i:i + batch] for i in range(0, n, batch)]
    counts = {"priced": 0, "failed": 0}
    lock = threading.Lock()

    def client(mine):
        for b in mine:
            got = post(base, {"lines": b})
            with lock:
                counts["priced"] += got["count"] - got["failed"]
                counts["failed"] += got["failed"]

    threads = [threading.Thread(target=client, args=(batches[k::clients],)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2, help="concurrent connections (spread over workers)")
    parser.add_argument("--out", help="write the JSON report here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    keys = priced_keys()
    print(f"{len(keys)} priced keys in {time.monotonic() - started:.1f} s", file=sys.stderr)
    proc, base = start_server(args.workers)
    try:
        before = worker_memory(proc)
        started = time.monotonic()
        counts = send(base, keys, args.lines, args.batch, args.clients)
        seconds = time.monotonic() - started
        after = worker_memory(proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {"lines": args.lines, "distinct_keys": len(keys), "batch": args.batch, "workers": args.workers,
              "clients": args.clients, **counts, "seconds": round(seconds, 1),
              "lines_per_second": round(args.lines / seconds), "before": before, "after": after,
              "rss_mb_max_after": max(w["rss_mb"] for w in after)}
    return emit_report(report, args.out)


if __name__ == "__main__":
    main()
