"""Benchmark (not a test): the slow-client attack of tests/test_proxy.py against a bare instance.

    python bench/slow_clients.py [--seconds 30] [--connections 50] [--workers 1]

The control for the proxy test: the same attack (4 in 5 connections send
headers then one body byte a second, 1 in 5 one header byte a second) straight
at ``tariff-stack serve`` on loopback, without nginx, while a probe asks
GET /healthz once a second.  Prints the probes that failed (5 s timeout) and
their latency.  With nginx in front (tests/test_proxy.py) none fails.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import topology  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        inst = topology.Instance(Path(tmp), 0, args.workers)
        try:
            topology._wait_healthy(inst.url + "/healthz", inst.proc, inst.log)
            stop = threading.Event()
            deadline = time.monotonic() + args.seconds
            n_header = args.connections // 5
            attackers = [topology.Attacker(inst.port, deadline, stop, "header" if i < n_header else "body")
                         for i in range(args.connections)]
            for a in attackers:
                a.start()
            time.sleep(2)
            probes = []
            while time.monotonic() < deadline - 1:
                tick = time.monotonic()
                probes.append(topology.probe(inst.url))
                time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
            stop.set()
            for a in attackers:
                a.join(timeout=10)
        finally:
            inst.stop()
    latencies = [ms for _, ms in probes]
    print(json.dumps({"target": f"tariff-stack serve --workers {args.workers} (no proxy)",
                      "seconds": args.seconds, "connections": args.connections,
                      "probes_ok": sum(ok for ok, _ in probes), "probes_failed": sum(not ok for ok, _ in probes),
                      "probe_p50_ms": round(statistics.median(latencies), 1),
                      "probe_max_ms": round(max(latencies), 1)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
