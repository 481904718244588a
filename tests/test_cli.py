import json
import subprocess
import sys

import pytest

from service import parse_line
from service.cli import main
from service.engine.ranges import with_duty_range
from service.model.freshness import DEFAULT_MAX_AGE_DAYS, Freshness
from service.render.freshness import stamped


def test_quote_json_is_the_library_document(capsys, q, tables):
    rc = main(["quote", "--hts", "8507.60.00.20", "--origin", "CN", "--entry-date", "2026-01-15",
               "--value", "100000", "--json"])
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    line = parse_line({"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": "100000"})
    # The library document with its duty range (vehicle_part is assumed), stamped
    library = with_duty_range(tables, line, q("8507.60.00.20", "CN", "2026-01-15"))
    assert "duty_range" in library
    # as the API stamps it (the clock is pinned to the as-of date: conftest).
    assert printed == json.loads(json.dumps(stamped(library, Freshness(tables.as_of, tables.as_of, DEFAULT_MAX_AGE_DAYS))))
    assert printed["effective_rate"] == "0.484"
    for key in ("layers", "total_duty", "effective_rate", "not_applied", "assumptions", "filing_lines"):
        assert key in printed


def test_quote_text_table(capsys):
    rc = main(["quote", "--hts", "8507600020", "--origin", "cn", "--entry-date", "2026-03-10", "--value", "100000"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "9903.03.01" in out and "38400.00" in out and "Filing lines" in out


def test_quote_bad_input_exit_code(capsys):
    rc = main(["quote", "--hts", "85076", "--origin", "CN", "--entry-date", "2026-03-10", "--value", "1"])
    assert rc == 1
    err = capsys.readouterr().err
    assert "hts" in err
    assert any(line.startswith("  hts: malformed HTS code") for line in err.splitlines()), err


@pytest.mark.slow  # a subprocess
def test_console_script_installed():
    done = subprocess.run([sys.executable, "-m", "service.cli", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "quote" in done.stdout
