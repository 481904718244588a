"""The installed package (not only an editable checkout) finds its tables."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a fresh interpreter loads the tables


def test_tables_load_from_any_directory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TARIFF_TABLES_DIR"}
    env.pop("PYTHONPATH", None)
    code = ("import service, tariff_tables; t = service.load_tables(); "
            "print(len(t.lines), t.directory)")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    count, directory = done.stdout.split(maxsplit=1)
    assert int(count) > 50
    assert directory.strip().endswith("tariff_tables")
