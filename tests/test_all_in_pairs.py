"""All-in rates file one of a pair of headings: the top-up heading when column 1
is below the all-in rate, the "no additional duty" heading when it is at or
above (HTSUS ch. 99 U.S. note 2(v)(xxiv)(a): 9903.02.79 / 9903.02.80)."""
import shutil

import pytest

from service import load_tables, parse_line, quote
from service.tables.load import default_dir

from conftest import layer


def _q(tables, **kw):
    data = {"value": "100000", **kw}
    return quote(tables, parse_line(data, tables.aliases))


def test_korea_below_the_all_in_rate_files_the_top_up_heading(q):
    r = q("8507.60.00.20", "KR", "2025-12-01")
    rec = layer(r, "ieepa_reciprocal")
    assert rec["heading"] == "9903.02.80"
    assert rec["rate"] == "0.116" and rec["duty"] == "11600.00"
    numbers = [n["number"] for n in r["filing_lines"][0]["numbers"]]
    assert "9903.02.80" in numbers and "9903.02.79" not in numbers


@pytest.fixture(scope="module")
def high_column1(tmp_path_factory):
    """A copy of the tables where 8507.60.00 has a 20% column 1 rate."""
    target = tmp_path_factory.mktemp("t") / "tables"
    shutil.copytree(default_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = target / "hts" / "batteries.yaml"
    text = path.read_text()
    marker = 'general: "3.4%"\n        special: "Free (A,AU,B,BH,C,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"\n        cite: "USITC, HTSUS 2024 Basic Edition through 2026 Revision 10, subheading 8507.60.00'
    assert marker in text
    path.write_text(text.replace(marker, marker.replace('general: "3.4%"', 'general: "20%"'), 1))
    return load_tables(target)


@pytest.mark.parametrize("origin, day, program, top_up, at_or_above", [
    ("KR", "2025-12-01", "ieepa_reciprocal", "9903.02.80", "9903.02.79"),
    ("DE", "2025-09-01", "ieepa_reciprocal", "9903.02.20", "9903.02.19"),
    ("JP", "2025-09-01", "ieepa_reciprocal", "9903.02.73", "9903.02.72"),
])
def test_column1_at_or_above_the_all_in_rate_files_the_other_heading(high_column1, origin, day, program,
                                                                       top_up, at_or_above):
    r = _q(high_column1, hts="8507.60.00.20", origin=origin, entry_date=day)
    rec = layer(r, program)
    assert rec["heading"] == at_or_above
    assert rec["rate"] == "0" and rec["duty"] == "0.00"
    assert "no additional duty" in rec["note"]
    numbers = [n["number"] for n in r["filing_lines"][0]["numbers"]]
    assert at_or_above in numbers and top_up not in numbers
