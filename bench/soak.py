"""Soak benchmark (not a test): a mixed workload at a fixed offered rate through the proxy.

    python bench/soak.py [--seconds 600] [--rate 40] [--instances 2] [--workers 2] [--out bench/out]

Starts the production topology on loopback (``bench/topology.py``: nginx with
``deploy/nginx/tariff-stack.conf`` in front of ``--instances`` x
``tariff-stack serve`` with ``--workers`` workers each, as one Kubernetes pod
or compose replica runs it) and offers ``--rate`` requests a second, open
loop (a request is started on its schedule whether or not earlier ones have
finished; a pool of 32 threads sends them), for ``--seconds``:

- 70 %  GET /v1/duty: one line, varying HTS code, origin, entry date (any day
  of 2025-2026) and customs value (so the engine's caches see new keys and
  new values all the time);
- 10 %  POST /v1/duty: a batch of 100 such lines;
- 10 %  POST /v1/landed-cost: the ``bess_project`` template with fill;
- 10 %  GET /v1/timeline: one line over a date range.

Every ``--sample`` seconds it records each gunicorn worker's resident memory
(RSS and USS, psutil; the workers are the children of each ``serve``
process) and each master's RSS.  Writes ``soak.json`` (every sample and
request count) and ``soak.md`` (a table per minute) to ``--out``; exits 1 if
any request failed.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import topology  # noqa: E402

BILL = ["8507.60.00.20", "8507.60.00.90", "8504.40.95.70", "8504.23.00", "8537.10.91", "8544.60.40",
        "8415.82.01", "8424.10.00", "7308.90.95.90", "7326.90.86.88"]
ORIGINS = ["CN", "KR", "DE", "VN", "JP", "MX", "IN", "TW"]
START = dt.date(2025, 1, 1)
DAYS = 730
TEMPLATE_IDS = ["cells", "racks", "pcs", "transformer", "switchgear", "hvac", "fire_suppression", "enclosure",
                "dc_fuses", "dc_disconnects", "lv_breakers", "contactors", "connectors", "dc_cable", "chiller",
                "control_building", "equipment_racks"]


def _line(rng: random.Random) -> dict:
    return {"hts": rng.choice(BILL), "origin": rng.choice(ORIGINS),
            "entry_date": (START + dt.timedelta(days=rng.randrange(DAYS))).isoformat(),
            "value": str(rng.randrange(1_000, 2_000_000))}


def make_request(rng: random.Random) -> tuple[str, str, str, dict]:
    """(kind, method, path, params or JSON body)."""
    roll = rng.random()
    if roll < 0.70:
        return "quote", "GET", "/v1/duty", _line(rng)
    if roll < 0.80:
        return "batch100", "POST", "/v1/duty", {"lines": [_line(rng) for _ in range(100)]}
    if roll < 0.90:
        export = START + dt.timedelta(days=rng.randrange(DAYS - 60))
        fill = {i: {"unit_price": str(rng.randrange(50, 50_000))} for i in TEMPLATE_IDS}
        return "landed_cost", "POST", "/v1/landed-cost", {
            "entry_date": (export + dt.timedelta(days=30)).isoformat(), "export_date": export.isoformat(),
            "mode": "vessel", "template": "bess_project",
            "defaults": {"origin": rng.choice(["CN", "KR", "VN"]), "incoterm": "FOB", "currency": "USD"},
            "costs": {"international_freight": "5000", "insurance": "500", "brokerage": "300"}, "fill": fill}
    first = START + dt.timedelta(days=rng.randrange(DAYS // 2))
    return "timeline", "GET", "/v1/timeline", {
        "hts": rng.choice(BILL), "origin": rng.choice(ORIGINS), "from": first.isoformat(),
        "to": (first + dt.timedelta(days=rng.randrange(30, DAYS // 2))).isoformat()}


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_kind: dict[str, dict] = {}
        self.errors: list[str] = []
        self.latencies: list[float] = []

    def add(self, kind: str, ok: bool, ms: float, detail: str = "") -> None:
        with self.lock:
            k = self.by_kind.setdefault(kind, {"ok": 0, "failed": 0})
            k["ok" if ok else "failed"] += 1
            self.latencies.append(ms)
            if not ok and len(self.errors) < 50:
                self.errors.append(f"{kind}: {detail}")


def send(session_of, base: str, stats: Stats, req) -> None:
    kind, method, path, payload = req
    start = time.monotonic()
    try:
        session = session_of()
        if method == "GET":
            r = session.get(base + path, params=payload, timeout=30)
        else:
            r = session.post(base + path, json=payload, timeout=30)
        ok = r.status_code == 200
        detail = f"{r.status_code} {r.text[:200]}"
    except requests.RequestException as exc:
        ok, detail = False, repr(exc)
    stats.add(kind, ok, (time.monotonic() - start) * 1000, detail)


def memory_sample(topo, t: float) -> dict:
    sample = {"t": round(t, 1), "instances": []}
    for inst in topo.instances:
        entry = {"master_rss_mb": None, "workers": []}
        try:
            entry["master_rss_mb"] = round(psutil.Process(inst.proc.pid).memory_info().rss / 2**20, 1)
        except psutil.NoSuchProcess:
            pass
        for w in inst.workers():
            try:
                full = w.memory_full_info()
                entry["workers"].append({"pid": w.pid, "rss_mb": round(full.rss / 2**20, 1),
                                         "uss_mb": round(full.uss / 2**20, 1)})
            except psutil.NoSuchProcess:
                pass
        sample["instances"].append(entry)
    return sample


def worker_rss(sample: dict) -> list[float]:
    return [w["rss_mb"] for inst in sample["instances"] for w in inst["workers"]]


def run(seconds: float, rate: float, instances: int, workers: int, sample_every: float, seed: int) -> dict:
    rng = random.Random(seed)
    stats = Stats()
    samples = []
    local = threading.local()

    def session_of():
        if not hasattr(local, "s"):
            local.s = requests.Session()
        return local.s

    with topology.Topology(instances=instances, workers=workers) as topo, ThreadPoolExecutor(32) as pool:
        # Warm up: every instance answers once before the clock starts.
        for _ in range(4 * instances):
            requests.get(topo.url + "/healthz", timeout=5)
        start = time.monotonic()
        samples.append(memory_sample(topo, 0.0))
        next_sample = sample_every
        n = 0
        lag_max = 0.0
        while (now := time.monotonic() - start) < seconds:
            if now >= next_sample:
                samples.append(memory_sample(topo, now))
                next_sample += sample_every
                continue
            due = n / rate
            if now < due:
                time.sleep(min(due - now, max(0.0, next_sample - now)))
                continue
            lag_max = max(lag_max, now - due)
            pool.submit(send, session_of, topo.url, stats, make_request(rng))
            n += 1
        pool.shutdown(wait=True)
        elapsed = time.monotonic() - start
        samples.append(memory_sample(topo, elapsed))
        proxy_errors = topo.error_log().count("[error]")
    lat = sorted(stats.latencies)
    ok = sum(k["ok"] for k in stats.by_kind.values())
    failed = sum(k["failed"] for k in stats.by_kind.values())
    return {"seconds": seconds, "elapsed": round(elapsed, 1), "offered_rate": rate, "instances": instances,
            "workers_per_instance": workers, "requests": ok + failed, "ok": ok, "failed": failed,
            "achieved_rate": round((ok + failed) / elapsed, 2), "max_schedule_lag_s": round(lag_max, 3),
            "latency_ms": {"p50": round(statistics.median(lat), 1), "p99": round(lat[int(len(lat) * 0.99) - 1], 1),
                           "max": round(lat[-1], 1)} if lat else {},
            "by_kind": stats.by_kind, "errors": stats.errors, "proxy_errors_logged": proxy_errors,
            "samples": samples}


def markdown(report: dict, command: str) -> str:
    lines = [f"Command: `{command}`", "",
             f"{report['instances']} instances x {report['workers_per_instance']} workers behind nginx; "
             f"offered {report['offered_rate']}/s for {report['seconds']} s; achieved {report['achieved_rate']}/s; "
             f"{report['requests']} requests, {report['failed']} failed; latency p50 {report['latency_ms'].get('p50')} ms, "
             f"p99 {report['latency_ms'].get('p99')} ms, max {report['latency_ms'].get('max')} ms; "
             f"nginx [error] lines: {report['proxy_errors_logged']}.", "",
             "| kind | ok | failed |", "|---|---|---|"]
    lines += [f"| {k} | {v['ok']} | {v['failed']} |" for k, v in sorted(report["by_kind"].items())]
    lines += ["", "Resident memory (MB) per sample: each worker's RSS (USS), each master's RSS.", "",
              "| t (s) | workers RSS (USS) | max worker RSS | masters RSS |", "|---|---|---|---|"]
    for s in report["samples"]:
        workers = ", ".join(f"{w['rss_mb']} ({w['uss_mb']})" for inst in s["instances"] for w in inst["workers"])
        masters = ", ".join(str(inst["master_rss_mb"]) for inst in s["instances"])
        lines.append(f"| {s['t']} | {workers} | {max(worker_rss(s), default=0)} | {masters} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample", type=float, default=10)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "out"))
    args = parser.parse_args(argv)
    report = run(args.seconds, args.rate, args.instances, args.workers, args.sample, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(report, indent=2) + "\n")
    command = "python bench/soak.py " + " ".join(sys.argv[1:] if argv is None else argv)
    (out / "soak.md").write_text(markdown(report, command.strip()))
    print(markdown(report, command.strip()))
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
