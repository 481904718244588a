"""The benchmark command keeps working (a smoke run; no timing is asserted)."""
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "engine.py"


@pytest.mark.skipif(not BENCH.exists(), reason="bench/ is not part of the installed package")
def test_bench_engine_smoke(capsys):
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = module.main(["--seconds", "0.05"])
    for key in ("load_validate_seconds_min", "repeated_keys_quote_only_lines_per_second",
                "distinct_keys_lines_per_second"):
        assert report[key] > 0
