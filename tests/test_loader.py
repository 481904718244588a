"""The loader refuses bad tables with file, line and reason."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service import TableError, load_tables
from service.tables import default_dir

SHIPPED = default_dir()
BATTERIES = "hts/batteries.yaml"
LISTS = "measures/section_301/lists.yaml"
FX = "fx/rates.yaml"
BESS = "projects/bess_project.yaml"
MPF = "fees/mpf.yaml"


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "tables"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def corrupt(root: Path, rel: str, old: str, new: str) -> int:
    """Replace the first ``old`` in a table file; return its 1-based line."""
    path = root / rel
    text = path.read_text()
    assert old in text, old
    line = text[:text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


CASES = [
    ("unknown key", LISTS, '    title: "Section 301 List 1 (25%)"', '    titel: "Section 301 List 1 (25%)"',
     r"unknown key 'titel'"),
    ("bad date", LISTS, 'from: "2018-07-06"', 'from: "2018-13-06"', r"bad date '2018-13-06'"),
    ("unquoted date", LISTS, 'from: "2018-07-06"', 'from: 2018-07-06', r"would load as a date"),
    ("unquoted rate", LISTS, 'rate: "0.25"', 'rate: 0.25', r"would load as a float"),
    ("unquoted boolean country", LISTS, 'origin: ["CN"]', 'origin: [NO]', r"would load as a boolean"),
    ("malformed HTS", LISTS, '"8507.90.80", "8504.21"', '"8507.9.80", "8504.21"', r"malformed HTS code"),
    ("malformed country", LISTS, 'origin: ["CN"]', 'origin: ["XX"]', r"unknown country code 'XX'"),
    ("missing citation", LISTS, '        cite: "USTR Notice of Action, 83 FR 28710', '        note2: "USTR',
     r"unknown key 'note2'|missing key 'cite'"),
    ("overlapping periods", LISTS, 'from: "2019-05-10"', 'from: "2019-04-10"', r"overlaps the previous period"),
    ("duplicate key", BATTERIES, '    unit: "No."\n', '    unit: "No."\n    unit: "No."\n', r"duplicate key 'unit'"),
    ("bad rate text", BATTERIES, 'general: "3.5%"', 'general: "3,5%"', r"cannot read rate"),
    ("fx unknown currency", FX, "  KRW:", "  KRX:", r"unknown ISO 4217 currency 'KRX'"),
    ("fx bad rate", FX, 'rate: "7.1707"', 'rate: "7,1707"', r"bad rate"),
    ("fx unquoted rate", FX, 'rate: "7.1707"', "rate: 7.1707", r"would load as a float"),
    ("fx overlapping months", FX, 'from: "2024-02-01"', 'from: "2024-01-20"', r"overlaps the previous period"),
    ("template HTS not covered", BESS, 'hts: "8504.22.00"', 'hts: "8504.29.00"', r"not covered"),
    ("template share above one", BESS, 'steel_content_share: "0.9"', 'steel_content_share: "1.9"',
     r"bad number"),
    ("template unknown key", BESS, '    unit: "rack"', '    units: "rack"', r"unknown key 'units'"),
    ("MPF exemption without citation", MPF, "exempt_cite:", "exempt_note:", r"unknown key 'exempt_note'"),
]


@pytest.mark.parametrize("name, rel, old, new, reason", CASES, ids=[c[0] for c in CASES])
def test_corrupted_tables_are_refused_with_file_and_line(copy, name, rel, old, new, reason):
    line = corrupt(copy, rel, old, new)
    with pytest.raises(TableError) as exc:
        load_tables(copy)
    file, _, at = exc.value.where.rpartition(":")
    assert file == rel
    assert abs(int(at) - line) <= 1, (exc.value.where, line)
    assert re.search(reason, exc.value.reason), exc.value.reason


def test_missing_citation_on_a_dated_value(copy):
    line = corrupt(copy, LISTS, '        cite: "USTR Notice of Action, 83 FR 28710 (June 20, 2018), Annex; HTSUS ch. 99 U.S. note 20(b)"\n', "")
    with pytest.raises(TableError, match="missing key 'cite'") as exc:
        load_tables(copy)
    assert exc.value.where.startswith(LISTS + ":")
    assert int(exc.value.where.rsplit(":", 1)[1]) < line


def _cli(*args, tables_dir):
    env = dict(os.environ, TARIFF_TABLES_DIR=str(tables_dir))
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_check_passes_on_shipped_tables():
    done = _cli("check", tables_dir=SHIPPED)
    assert done.returncode == 0, done.stderr
    assert re.search(r"ok: \d+ HTS lines, \d+ measures", done.stdout)
    assert "compiled" in done.stdout


def test_check_fails_on_a_corrupted_copy_naming_file_and_line(copy):
    line = corrupt(copy, LISTS, 'rate: "0.25"', 'rate: 0.25')
    done = _cli("check", "--quick", tables_dir=copy)
    assert done.returncode == 2
    assert f"{LISTS}:{line}" in done.stderr
    assert "float" in done.stderr


def test_shipped_tables_cite_every_dated_value():
    tables = load_tables()
    for m in tables.measures.values():
        for v in m.values:
            assert len(v.cite) >= 10, (m.id, v.start)
