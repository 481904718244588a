"""The benchmark command keeps working (a smoke run; no figure is asserted).

``bench/run.py --quick`` starts the production server on loopback, offers a
few seconds of load with locust and posts small batches; it runs in its own
process because locust patches the standard library with gevent.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


pytestmark = pytest.mark.slow  # starts gunicorn and locust for about 20 s


@pytest.mark.skipif(not (BENCH / "run.py").exists(), reason="bench/ is not part of the installed package")
def test_benchmark_quick_run_writes_its_report(tmp_path):
    done = subprocess.run([sys.executable, str(BENCH / "run.py"), "--quick", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    summary = (tmp_path / "summary.md").read_text()
    assert report["quick"] is True and "QUICK SMOKE RUN" in summary
    assert set(report["goals"]) == {"engine_repeated_lines_per_second", "engine_distinct_lines_per_second",
                                    "tables_load_seconds", "worker_rss_mb", "duty_p99_ms_at_500rps",
                                    "duty_errors_at_500rps", "batch_10000_seconds", "audit_10000_seconds"}
    assert [r["offered_rps"] for r in report["http"]["runs"]] == [100, 500]
    assert all(r["requests"] > 0 for r in report["http"]["runs"])
    assert all(b["status"] == 200 for b in report["batches"].values())
