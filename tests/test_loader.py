"""The loader refuses bad tables with file, line and reason."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from service import TableError, load_tables
from service.tables.load import default_dir

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
    ("template HTS not covered", BESS, 'hts: "8504.22.00.40"', 'hts: "8504.29.00"', r"not covered"),
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


@pytest.mark.slow  # a subprocess compiling every line on every boundary date (about 90 s)
def test_check_passes_on_shipped_tables():
    done = _cli("check", tables_dir=SHIPPED)
    assert done.returncode == 0, done.stderr
    assert re.search(r"ok: \d+ HTS lines, \d+ measures", done.stdout)
    assert "compiled" in done.stdout


@pytest.mark.slow  # a subprocess
def test_check_fails_on_a_corrupted_copy_naming_file_and_line(copy):
    line = corrupt(copy, LISTS, 'rate: "0.25"', 'rate: 0.25')
    done = _cli("check", "--quick", tables_dir=copy)
    assert done.returncode == 2
    assert f"{LISTS}:{line}" in done.stderr
    assert "float" in done.stderr


def test_shipped_tables_cite_every_dated_value(tables):
    for m in tables.measures.values():
        for v in m.values:
            assert len(v.cite) >= 10, (m.id, v.start)


# ------------------------------------------------ mistakes that used to load silently

SILENT = [
    ("scope code that matches no covered line", LISTS, '"8507.90.80", "8504.21"', '"8507.90.80", "8504.29"',
     r"scope hts 8504\.29 matches no covered line"),
    ("rate written as a percentage number", LISTS, 'rate: "0.25"', 'rate: "2.5"', r"ambiguous.*\"2\.5%\""),
    ("value without a confidence label", "measures/section_301/four_year_review.yaml",
     '        confidence: "confirmed"\n', "", r"missing key 'confidence'"),
    ("line rate without a confidence label", BATTERIES, '        confidence: "likely"\n', "",
     r"missing key 'confidence'"),
    ("fee value without a confidence label", MPF, '    confidence: "confirmed"\n', "",
     r"missing key 'confidence'"),
    ("misspelled key gets a suggestion", LISTS, '    title: "Section 301 List 1 (25%)"',
     '    titel: "Section 301 List 1 (25%)"', r"did you mean 'title'"),
]


@pytest.mark.parametrize("name, rel, old, new, reason", SILENT, ids=[c[0] for c in SILENT])
def test_silent_mistakes_are_refused(copy, name, rel, old, new, reason):
    corrupt(copy, rel, old, new)
    with pytest.raises(TableError) as exc:
        load_tables(copy)
    assert exc.value.where.startswith(rel + ":"), exc.value.where
    assert re.search(reason, exc.value.reason), exc.value.reason


def test_percent_rates_are_accepted_and_exact(copy):
    corrupt(copy, LISTS, 'rate: "0.25"', 'rate: "25%"')
    tables = load_tables(copy)
    value = tables.measures["section_301/lists/list_1"].values[0]
    assert str(value.rate) == "0.25"


def test_rates_above_100_percent_must_carry_the_sign(copy):
    rel = "measures/ieepa_reciprocal/reciprocal.yaml"
    line = corrupt(copy, rel, 'rate: "125%"', 'rate: "1.25"')
    with pytest.raises(TableError, match=r"ambiguous.*\"125%\"") as exc:
        load_tables(copy)
    assert exc.value.where == f"{rel}:{line}"


def _two_errors_and_a_valid_change(copy):
    first = corrupt(copy, LISTS, 'rate: "0.25"', 'rate: "2.5"')
    second = corrupt(copy, BATTERIES, '    unit: "No."\n', '    units: "No."\n')
    third = corrupt(copy, MPF, 'rate: "0.003464"', 'rate: "0.3464"')  # valid fraction: not an error
    assert third
    return first, second


def test_every_error_is_reported_in_one_run(copy):
    first, second = _two_errors_and_a_valid_change(copy)
    with pytest.raises(TableError) as exc:
        load_tables(copy)
    wheres = [e.where for e in exc.value.errors]
    assert f"{LISTS}:{first}" in wheres
    assert any(w.startswith(BATTERIES + ":") and abs(int(w.rsplit(":", 1)[1]) - second) <= 1 for w in wheres)
    assert len(exc.value.errors) == 2, wheres


@pytest.mark.slow  # a subprocess
def test_check_reports_every_error_in_one_run(copy):
    first, _ = _two_errors_and_a_valid_change(copy)
    done = _cli("check", "--quick", tables_dir=copy)
    assert done.returncode == 2
    assert "2 errors" in done.stderr and f"{LISTS}:{first}" in done.stderr and BATTERIES in done.stderr


REQUIRED = ["measures", "fees", "hts", "meta.yaml", "programs.yaml", "countries.yaml"]


def _remove(copy, missing):
    target = copy / missing
    shutil.rmtree(target) if target.is_dir() else target.unlink()


@pytest.mark.parametrize("missing", REQUIRED)
def test_incomplete_tables_directory_refuses_to_start(copy, missing):
    _remove(copy, missing)
    with pytest.raises(TableError, match=f"required (file|folder) {re.escape(missing)}") as exc:
        load_tables(copy)
    assert re.search(f"required (file|folder) {re.escape(missing)}", exc.value.reason), exc.value.reason
    assert Path(exc.value.where) == copy / missing


@pytest.mark.slow  # a subprocess
@pytest.mark.parametrize("missing", REQUIRED)
def test_check_refuses_an_incomplete_tables_directory(copy, missing):
    _remove(copy, missing)
    done = _cli("check", "--quick", tables_dir=copy)
    assert done.returncode == 2 and missing in done.stderr


def test_shipped_tables_label_every_dated_value(tables):
    for m in tables.measures.values():
        for v in m.values:
            assert v.confidence in ("confirmed", "likely", "unconfirmed"), (m.id, v.start)
    for line in tables.lines.values():
        for r in line.rates:
            assert r.confidence in ("confirmed", "likely", "unconfirmed"), line.code


def test_legal_status_needs_a_known_state_and_a_citation(copy):
    rel = "measures/section_122/surcharge.yaml"
    corrupt(copy, rel, 'state: "ruled_unlawful_on_appeal"', 'state: "overturned"')
    with pytest.raises(TableError, match=r"'state': 'overturned' is not one of") as exc:
        load_tables(copy)
    assert exc.value.where.startswith(rel + ":")


def test_file_level_legal_status_reaches_every_duty_measure_of_the_file(tables):
    forced = [m for m in tables.measures.values() if m.id.startswith("section_301/forced_labor_2026/")]
    duties = [m for m in forced if m.kind == "duty"]
    assert len(duties) == 60
    assert all(m.legal_status is not None and m.legal_status.state == "challenged" for m in duties)
    assert all(m.legal_status is None for m in forced if m.kind == "exemption")


def test_otherwise_heading_must_be_a_chapter_99_heading(copy):
    rel = "measures/section_232/auto_parts.yaml"
    line = corrupt(copy, rel, 'otherwise_heading: "9903.94.06"', 'otherwise_heading: "994.06"')
    with pytest.raises(TableError, match=r"malformed Chapter 99 heading '994.06'") as exc:
        load_tables(copy)
    assert exc.value.where == f"{rel}:{line}"


def test_dated_statistical_suffix_is_checked(copy):
    corrupt(copy, BATTERIES, 'to: "2026-01-01",\n             cite: "HTSUS 2025 edition', 'until: "2026-01-01",\n             cite: "HTSUS 2025 edition')
    with pytest.raises(TableError, match=r"unknown key 'until'") as exc:
        load_tables(copy)
    assert exc.value.where.startswith(BATTERIES + ":")


def test_a_missing_confidence_says_what_the_key_is_for(copy):
    line = corrupt(copy, LISTS, '        confidence: "likely"\n', "")
    with pytest.raises(TableError, match=r"missing key 'confidence': say what was checked") as exc:
        load_tables(copy)
    assert exc.value.where.startswith(f"{LISTS}:") and int(exc.value.where.rsplit(":", 1)[1]) < line


def test_an_unknown_special_code_on_a_line_with_suffixes_is_reported_once(copy):
    line = corrupt(copy, "hts/aluminum.yaml", 'special: "Free (A*,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"\n'
                   '        cite: "USITC, HTSUS 2024 and 2025 editions, subheading 7607.11.60',
                   'special: "Free (A*,AU,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG,ZZ)"\n'
                   '        cite: "USITC, HTSUS 2024 and 2025 editions, subheading 7607.11.60')
    with pytest.raises(TableError) as exc:
        load_tables(copy)
    unknown = [e for e in exc.value.errors if "unknown program code 'ZZ'" in e.reason]
    assert len(unknown) == 1, [e.where for e in unknown]
    assert unknown[0].where.startswith("hts/aluminum.yaml:") and abs(int(unknown[0].where.rsplit(":", 1)[1]) - line) <= 3
