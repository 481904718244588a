"""The production topology, for real: nginx with deploy/nginx/tariff-stack.conf in front of
two ``tariff-stack serve`` instances on loopback (``bench/topology.py``).

1. A slow-client attack, 50 connections for 60 s (slow bodies: headers, then one body
   byte a second; slow headers: one header byte a second), while a probe asks
   GET /healthz through the proxy once a second: every probe must succeed.  nginx
   buffers the request, so the app's 8 threads (2 instances x 1 worker x 4 threads)
   never see the attackers.
2. A steady loop of quotes (GET and POST /v1/duty, ~20/s for 15 s), and beside it
   two clients posting 2,000-line batches back to back (both instances busy, so a
   batch is most likely in flight on the instance that dies: the figures count the
   retries nginx logged), during which one instance (master and workers) gets SIGKILL:
   every request must succeed (nginx retries on the other instance; POSTs too, see
   the config's `non_idempotent`).
3. The soak benchmark's short run (bench/soak.py, 20 s): no error, memory sampled.

nginx is required: the README's test command installs it (Debian, as root) when it is
missing; without it this test FAILS, it does not skip.  The figures are printed and
written to bench/out/proxy.json (bench/REPORT.md quotes a run).
"""
from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests
from conftest import REPO

pytestmark = pytest.mark.slow  # nginx + two gunicorn instances, about 85 s

ATTACK_SECONDS = 60
SLOW_BODY_CONNECTIONS = 40
SLOW_HEADER_CONNECTIONS = 10
KILL_SECONDS = 15
KILL_AT = 5.0
RATE = 20

ORIGINS = ["CN", "KR", "DE", "VN", "JP"]


def _topology_module():
    spec = importlib.util.spec_from_file_location("bench_topology", REPO / "bench" / "topology.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


topology = _topology_module()


@pytest.fixture(scope="module")
def stack():
    if topology.nginx_binary() is None:
        pytest.fail("nginx is not installed: the README's test command installs it (Debian, as root: "
                    "apt-get install -y nginx); this test does not skip without it")
    with topology.Topology(instances=2, workers=1) as t:
        yield t


def _record(figures: dict) -> None:
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "proxy.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(figures)
    path.write_text(json.dumps(data, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


def test_slow_clients_do_not_starve_the_service(stack):
    stop = threading.Event()
    deadline = time.monotonic() + ATTACK_SECONDS
    attackers = ([topology.Attacker(stack.port, deadline, stop, "body") for _ in range(SLOW_BODY_CONNECTIONS)]
                 + [topology.Attacker(stack.port, deadline, stop, "header") for _ in range(SLOW_HEADER_CONNECTIONS)])
    probes = []
    try:
        for a in attackers:
            a.start()
        time.sleep(2)  # every attacker connected before the first probe
        while time.monotonic() < deadline - 1:
            tick = time.monotonic()
            probes.append(topology.probe(stack.url))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    finally:
        stop.set()
        for a in attackers:
            a.join(timeout=10)
    latencies = [ms for _, ms in probes]
    figures = {"attack": {
        "seconds": ATTACK_SECONDS, "connections": len(attackers),
        "slow_body": SLOW_BODY_CONNECTIONS, "slow_header": SLOW_HEADER_CONNECTIONS,
        "body_bytes_sent": sum(a.bytes_sent for a in attackers if a.kind == "body"),
        "slow_body_dropped_by_nginx": sum(a.drops for a in attackers if a.kind == "body"),
        "slow_header_dropped_by_nginx": sum(a.drops for a in attackers if a.kind == "header"),
        "probes_ok": sum(ok for ok, _ in probes), "probes_failed": sum(not ok for ok, _ in probes),
        "probe_p50_ms": round(statistics.median(latencies), 1), "probe_max_ms": round(max(latencies), 1)}}
    _record(figures)
    attack = figures["attack"]
    assert len(probes) >= ATTACK_SECONDS - 5
    assert attack["probes_failed"] == 0, attack
    # The attack really ran: slow bodies held their connections, slow headers were cut by client_header_timeout.
    assert attack["body_bytes_sent"] >= SLOW_BODY_CONNECTIONS * (ATTACK_SECONDS - 10)
    assert attack["slow_header_dropped_by_nginx"] >= SLOW_HEADER_CONNECTIONS


def _duty_request(session: requests.Session, url: str, i: int) -> bool:
    origin = ORIGINS[i % len(ORIGINS)]
    try:
        if i % 2:
            body = {"lines": [{"hts": "8507.60.00.20", "origin": origin, "entry_date": "2026-01-15",
                               "value": str(1000 + i)} for _ in range(3)]}
            r = session.post(url + "/v1/duty", json=body, timeout=10)
            return r.status_code == 200 and len(r.json()["results"]) == 3
        r = session.get(url + "/v1/duty", params={"hts": "8507.60.00.20", "origin": origin,
                                                   "entry_date": "2026-01-15", "value": str(1000 + i)}, timeout=10)
        return r.status_code == 200 and bool(r.json()["total_duty"])
    except (requests.RequestException, ValueError, KeyError):
        return False


class Batches(threading.Thread):
    """2,000-line POST /v1/duty batches back to back (each takes ~0.1 s of an instance)."""

    def __init__(self, url: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.url, self.stop, self.ok, self.failed = url, stop, 0, 0
        self.body = {"lines": [{"hts": "8507.60.00.20", "origin": ORIGINS[n % 5], "entry_date": "2026-01-15",
                                "value": str(1000 + n)} for n in range(2000)]}

    def run(self):
        session = requests.Session()
        while not self.stop.is_set():
            try:
                r = session.post(self.url + "/v1/duty", json=self.body, timeout=30)
                good = r.status_code == 200 and r.json()["count"] == 2000
            except (requests.RequestException, ValueError, KeyError):
                good = False
            self.ok += good
            self.failed += not good


def test_no_request_fails_when_an_instance_is_killed(stack):
    session = requests.Session()
    results = []  # (seconds since start, ok)
    killed_at = None
    stop = threading.Event()
    batches = [Batches(stack.url, stop) for _ in range(2)]  # both instances busy: one is cut mid-batch
    start = time.monotonic()
    i = 0
    try:
        for b in batches:
            b.start()
        while (now := time.monotonic() - start) < KILL_SECONDS:
            if killed_at is None and now >= KILL_AT:
                stack.instances[0].kill()
                killed_at = now
            results.append((now, _duty_request(session, stack.url, i)))
            i += 1
            time.sleep(max(0.0, i / RATE - (time.monotonic() - start)))
    finally:
        stop.set()
        for b in batches:
            b.join(timeout=30)
    after = [ok for t, ok in results if t >= killed_at]
    log = stack.error_log()
    figures = {"kill": {
        "seconds": KILL_SECONDS, "offered_per_second": RATE, "killed_at_second": round(killed_at, 2),
        "requests_ok": sum(ok for _, ok in results), "requests_failed": sum(not ok for _, ok in results),
        "requests_after_kill": len(after), "failed_after_kill": sum(not ok for ok in after),
        "achieved_per_second": round(len(results) / KILL_SECONDS, 1),
        "post_requests": sum(1 for n in range(len(results)) if n % 2),
        "batches_2000_ok": sum(b.ok for b in batches), "batches_2000_failed": sum(b.failed for b in batches),
        # nginx's log of the kill: requests it retried on the other instance
        "nginx_retried_in_flight": log.count("prematurely closed") + log.count("reset by peer"),
        "nginx_retried_refused": log.count("Connection refused")}}
    _record(figures)
    kill = figures["kill"]
    assert kill["requests_failed"] == 0 and kill["batches_2000_failed"] == 0, (kill, log[-3000:])
    assert kill["batches_2000_ok"] > 0
    assert kill["requests_after_kill"] >= (KILL_SECONDS - KILL_AT - 1) * RATE * 0.8
    assert stack.instances[0].proc.poll() is not None and stack.instances[1].proc.poll() is None


def test_soak_short_run_has_no_errors_and_samples_memory(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "bench" / "soak.py"), "--seconds", "20", "--rate", "20",
                           "--sample", "5", "--out", str(tmp_path)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["failed"] == 0 and report["requests"] > 0, report["errors"]
    assert set(report["by_kind"]) == {"quote", "batch100", "landed_cost", "timeline"}
    assert len(report["samples"]) >= 4
    assert all(len(inst["workers"]) == 2 and all(w["rss_mb"] > 0 for w in inst["workers"])
               for s in report["samples"] for inst in s["instances"])
    assert "| t (s) |" in (tmp_path / "soak.md").read_text()
