"""``tariff-stack diff OLD NEW``: every quote whose figure changes between two table sets.

Each test edits a copy of the shipped tables (a rate changed from a date, a
line added) and compares it with the shipped set, through the function
(:mod:`service.engine.diff`) and through the command (subprocess, slow).
"""
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from service.engine.compile import CHECK_ORIGINS
from service.engine.diff import SetInvalid, default_dates, diff_dirs, diff_tables, load_pair, scope_for
from service.model.errors import InputError
from service.render.diff_text import render_diff
from service.tables.load import default_dir, load_tables

SHIPPED = default_dir()
BATTERIES = "hts/batteries.yaml"
LISTS = "measures/section_301/lists.yaml"
LINE = "85078082"                 # 8507.80.82: no statistical suffixes, priced for every origin from 2024
CHANGED_FROM = date(2026, 10, 15)  # the new column 1 rate's first day (not otherwise a boundary)
NEW_RATE = "5%"
ADDED = "85075000"                 # 8507.50.00 (nickel-metal hydride batteries), not in the shipped tables


def _copy(tmp_path, name) -> Path:
    target = tmp_path / name
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def _edit(root: Path, rel: str, old: str, new: str, after: str | None = None) -> int:
    """Replace the first ``old`` (after the first ``after``, if given); return the 1-based line of the edit."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")
    return text[:at].count("\n") + 1


def _change_column1(root: Path) -> None:
    """8507.80.82: the open 2026 rate ends the day before CHANGED_FROM; a 5% rate starts that day."""
    block = f'  - hts: "{LINE[:4]}.{LINE[4:6]}.{LINE[6:]}"'
    _edit(root, BATTERIES, '      - from: "2026-01-01"\n',
          f'      - from: "2026-01-01"\n        to: "{CHANGED_FROM}"\n', after=block)
    _edit(root, BATTERIES, '  - hts: "8507.90.40"',
          f'      - from: "{CHANGED_FROM}"\n        general: "{NEW_RATE}"\n        special: "Free (A,AU,B,BH,C,CL,CO,'
          'D,E,IL,JO,JP,KR,MA,OM,P,PA,PE,S,SG)"\n        cite: "test: a changed column 1 rate"\n'
          '        confidence: "confirmed"\n  - hts: "8507.90.40"', after=block)


def _change_list_2(root: Path) -> None:
    """Section 301 List 2 (8507.80 of China) goes from 25% to 50% on 2025-03-20."""
    _edit(root, LISTS, '      - from: "2018-08-23"\n', '      - from: "2018-08-23"\n        to: "2025-03-20"\n')
    _edit(root, LISTS, "  - id: list_3", '      - from: "2025-03-20"\n        heading: "9903.88.02"\n'
                                          '        rate: "0.5"\n        cite: "test: a changed Section 301 rate"\n'
                                          '        confidence: "likely"\n  - id: list_3')


def _add_line(root: Path) -> None:
    _edit(root, BATTERIES, '  - hts: "8507.80.41"',
          '  - hts: "8507.50.00"\n    description: "Nickel-metal hydride storage batteries"\n    unit: "No."\n'
          '    rates:\n      - from: "2024-01-01"\n        general: "2.8%"\n        special: "Free (A,AU,B,BH,CL,CO,'
          'D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"\n        cite: "test: an added line"\n        confidence: "likely"\n'
          '  - hts: "8507.80.41"')


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> Path:
    root = _copy(tmp_path_factory.mktemp("diff"), "changed")
    _change_column1(root)
    return root


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> Path:
    """A copy with a line added (8507.50.00) and Section 301 List 2 changed on 2025-03-20."""
    root = _copy(tmp_path_factory.mktemp("diff"), "other")
    _add_line(root)
    _change_list_2(root)
    return root


@pytest.fixture(scope="module")
def changed_pair(tables, changed) -> tuple:
    return tables, load_tables(changed)        # the session's shipped tables: one load fewer


@pytest.fixture(scope="module")
def other_pair(tables, other) -> tuple:
    return tables, load_tables(other)


def _diff(pair, **scope):
    """The diff of a loaded pair over a scope given as :func:`scope_for` reads it."""
    return diff_tables(*pair, scope_for(*pair, **scope))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "service.cli", "diff", "--no-progress", *map(str, args)],
                          capture_output=True, text=True, env=dict(os.environ), timeout=900)


# ------------------------------------------------------ a rate changed from a date

def test_a_rate_changed_from_a_date_lists_the_quotes_on_and_after_it_and_none_before(changed_pair):
    result = _diff(changed_pair, hts=[LINE])
    dates = result.scope.dates
    assert CHANGED_FROM in dates and CHANGED_FROM - timedelta(days=1) in dates   # both sides of the boundary
    expected = {(origin, day) for origin in CHECK_ORIGINS for day in dates if day >= CHANGED_FROM}
    found = {(c.origin, day) for c in result.changes for day in c.dates}
    assert found == expected
    assert result.changed == len(expected) and result.compared == len(CHECK_ORIGINS) * len(dates)
    for c in result.changes:
        assert c.hts == LINE and c.kind == "changed" and c.open_end and c.dates[0] == CHANGED_FROM
        mfn = [x for x in c.layer_changes() if x["program"] == "mfn"]
        assert len(mfn) == 1 and mfn[0]["change"] == "changed"
        assert (Decimal(mfn[0]["before"]["rate"]), Decimal(mfn[0]["after"]["rate"])) == (Decimal("0.034"),
                                                                                          Decimal("0.05"))
    assert result.by_program()["mfn"] == len(expected)


def test_the_day_before_the_change_is_quoted_and_unchanged(changed_pair):
    before = CHANGED_FROM - timedelta(days=1)
    result = _diff(changed_pair, hts=[LINE], dates=[before.isoformat()], origins=["CN", "DE"])
    assert result.compared == 2 and result.changes == []
    on = _diff(changed_pair, hts=[LINE], dates=[before.isoformat(), CHANGED_FROM.isoformat()], origins=["CN,DE"])
    assert on.compared == 4 and {(c.origin, c.dates) for c in on.changes} == {("CN", (CHANGED_FROM,)),
                                                                              ("DE", (CHANGED_FROM,))}
    assert not any(c.open_end for c in on.changes)      # dates given: nothing is said of later days


def test_the_text_groups_origins_with_the_same_change_and_gives_the_date_range(changed_pair):
    result = _diff(changed_pair, hts=[LINE])
    text = render_diff(result.doc())
    first = text.splitlines()[0]
    after = sum(1 for c in result.changes for day in c.dates if day > changed_pair[1].as_of)
    assert first.startswith(f"{result.compared:,} quotes compared, {result.changed:,} changed "
                            f"({result.changed - after:,} on or before the as-of date {changed_pair[1].as_of}, "
                            f"{after:,} after it; by program: ")
    assert f"mfn {result.changed:,}" in first and result.by_period()["after_as_of"] == after > 0
    groups = re.findall(r"^8507\.80\.82  ((?:\w\w, )*\w\w)$", text, re.M)
    origins = [o for group in groups for o in group.split(", ")]
    assert sorted(origins) == sorted(CHECK_ORIGINS) and len(groups) < len(origins)   # some share a group
    assert f"from {CHANGED_FROM} on" in text
    assert re.search(r"changed\s+mfn\s+8507\.80\.82 0\.034 \(\S+\) -> 8507\.80\.82 0\.05 \(\S+\)", text)


# ------------------------------------------------------ lines added and removed

def test_an_added_line_is_newly_priced_and_a_removed_one_newly_refused(other_pair):
    added = _diff(other_pair, hts=["8507.50"], origins=["CN", "KR"])
    removed = _diff(other_pair[::-1], hts=["8507.50"], origins=["CN", "KR"])
    for result, kind, priced in ((added, "newly_priced", "after"), (removed, "newly_refused", "before")):
        assert result.scope.lines == (ADDED,)
        assert result.compared == 2 * len(result.scope.dates) == result.changed
        assert {c.kind for c in result.changes} == {kind} and {c.origin for c in result.changes} == {"CN", "KR"}
        for c in result.changes:
            doc = c.doc()
            assert doc[priced]["status"] == "priced" and Decimal(doc[priced]["total_duty"]) > 0
            other = doc["before" if priced == "after" else "after"]
            assert other["status"] == "refused" and "not covered" in other["reason"]
        assert result.by_program() == {kind: result.changed}


# ------------------------------------------------------ identical sets, the intervals

def test_identical_sets_have_no_differences(tmp_path):
    result = diff_dirs(SHIPPED, _copy(tmp_path, "same"), hts=["8507.80", "7408.11"])   # as the command: loads both
    assert result.compared > 1000 and result.changes == [] and result.changed == 0
    assert "0 changed" in render_diff(result.doc()).splitlines()[0]


def test_two_different_sets_under_one_version_are_warned_about(changed_pair, tmp_path):
    old, new = changed_pair
    assert old.version == new.version                             # the copy kept the shipped meta.yaml
    doc = _diff(changed_pair, hts=[LINE], origins=["CN"]).doc()
    [warning] = doc["warnings"]
    assert f"both sets carry version {new.version} but {doc['changed']:,} quotes differ" in warning
    assert f"warning: {warning}" in render_diff(doc).splitlines()[3]      # after the summary and the two sets
    bumped = _copy(tmp_path, "bumped")
    _change_column1(bumped)
    _edit(bumped, "meta.yaml", f'version: "{new.version}"', f'version: "{new.version[:-1]}9"')
    _edit(bumped, "CHANGELOG.md", "## ", f"## {new.version[:-1]}9\n\n### Changes to future dates\n\nA test.\n\n"
                                         "### Corrections to past dates\n\nNone.\n\n## ")
    assert _diff((old, load_tables(bumped)), hts=[LINE], origins=["CN"]).doc()["warnings"] == []
    assert diff_dirs(SHIPPED, _copy(tmp_path, "same"), hts=["8507.80"]).doc()["warnings"] == []   # same set


def _drop_verified_against(root: Path) -> None:
    meta = root / "meta.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text[:text.index("# What the tables were checked against")], encoding="utf-8")


def test_a_release_from_before_verified_against_is_the_old_side_only(tmp_path):
    old = _copy(tmp_path, "old")
    _drop_verified_against(old)
    with pytest.raises(Exception, match="verified_against"):
        load_tables(old)                                         # the service and check refuse it
    result = diff_dirs(old, SHIPPED, hts=["8507.80"])              # the reviewer compares against it
    assert result.compared > 100 and result.changed == 0
    with pytest.raises(SetInvalid, match="verified_against"):
        diff_dirs(SHIPPED, old, hts=["8507.80"])                   # never as the new side


def _agree(pair, hts) -> tuple:
    """The diff priced once per interval equals the diff quoting every date."""
    scope = scope_for(*pair, hts=hts)
    fast, slow = diff_tables(*pair, scope), diff_tables(*pair, scope, exhaustive=True)
    assert fast.doc() | {"quoted": 0} == slow.doc() | {"quoted": 0}
    assert fast.quoted < slow.quoted == slow.compared
    return fast


def test_priced_once_per_interval_agrees_with_every_date_quoted(changed_pair, other_pair):
    assert _agree(changed_pair, ["8507.80"]).by_program()["mfn"] > 0
    fast = _agree(other_pair, ["8507.80", "8507.50"])
    assert fast.by_program()["section_301"] > 0 and fast.by_program()["newly_priced"] > 0
    cn = [c for c in fast.changes if c.origin == "CN" and any(x["program"] == "section_301" for x in c.layer_changes())]
    assert {c.hts for c in cn} == {"85078041", "85078082"} and min(c.dates[0] for c in cn) == date(2025, 3, 20)


@pytest.mark.slow  # every date quoted on five headings (about 30 s)
def test_priced_once_per_interval_agrees_on_many_programs(other_pair):
    assert _agree(other_pair, ["8507", "7408.11", "8544.42", "7606.11", "2504"]).changed > 0


# ------------------------------------------------------ the scope and bad input

def test_default_dates_cover_both_sets_boundaries_and_the_day_before_each(changed_pair):
    old, new = changed_pair
    days = default_dates(old, new)
    first = min(old.coverage_from, new.coverage_from)
    assert days == sorted(set(days)) and days[0] == first
    for tables in (old, new):
        assert tables.as_of in days
        for boundary in tables.boundaries():
            assert boundary in days and (boundary == first or boundary - timedelta(days=1) in days)
    assert CHANGED_FROM in days and CHANGED_FROM not in old.boundaries()


@pytest.mark.parametrize("field,kwargs,message", [
    ("hts", {"hts": ["9999"]}, "matches no covered line"),
    ("hts", {"hts": ["85.07"]}, "malformed HTS code"),
    ("origin", {"origins": ["Narnia"]}, "unknown country"),
    ("date", {"dates": ["2026-13-01"]}, ""),
    ("date", {"dates": ["2023-12-31"]}, "before both table sets' coverage"),
    ("value", {"value": "abc"}, ""),
])
def test_bad_scope_is_an_input_error_naming_the_field(changed_pair, field, kwargs, message):
    with pytest.raises(InputError) as exc:
        scope_for(*changed_pair, **kwargs)
    assert list(exc.value.errors) == [field] and message in exc.value.errors[field][0]


def test_a_broken_set_is_reported_with_its_side_and_file_line(tmp_path):
    broken = _copy(tmp_path, "broken")
    line = _edit(broken, LISTS, 'from: "2018-07-06"', 'from: "2018-13-06"')
    with pytest.raises(SetInvalid) as exc:
        load_pair(tmp_path / "missing", broken)
    (old_side, old_dir, old_errors), (side, directory, errors) = exc.value.problems
    assert (old_side, old_dir) == ("old", str(tmp_path / "missing"))
    assert "tables directory not found" in old_errors[0].reason
    assert side == "new" and directory == str(broken)
    assert [e.where for e in errors] == [f"{LISTS}:{line}"] and "bad date" in errors[0].reason


# ------------------------------------------------------ the JSON document

def _check_figure(figure: dict) -> None:
    if figure["status"] == "refused":
        assert set(figure) == {"status", "reason"} and figure["reason"]
        return
    assert set(figure) == {"status", "total_duty", "effective_rate", "layers"}
    assert Decimal(figure["total_duty"]) == sum(Decimal(x["duty"]) for x in figure["layers"])
    for x in figure["layers"]:
        assert set(x) == {"program", "heading", "rate", "duty", "measure_id"}


def check_shape(doc: dict) -> None:
    assert set(doc) == {"old", "new", "value", "lines", "origins", "dates", "compared", "quoted", "changed",
                        "by_period", "by_program", "warnings", "changes"}
    assert sum(doc["by_period"].values()) == doc["changed"]
    for side in ("old", "new"):
        assert set(doc[side]) == {"directory", "version", "as_of", "coverage_from"}
    assert set(doc["dates"]) == {"count", "first", "last", "default"}
    assert doc["changed"] == sum(len(c["dates"]) for c in doc["changes"])
    for c in doc["changes"]:
        assert set(c) == {"hts", "origin", "kind", "from", "to", "open_end", "dates", "before", "after", "layers"}
        assert c["kind"] in ("changed", "newly_priced", "newly_refused", "refusal_changed")
        assert c["dates"][0] == c["from"] and c["dates"][-1] == c["to"] and c["dates"] == sorted(c["dates"])
        _check_figure(c["before"])
        _check_figure(c["after"])
        for x in c["layers"]:
            assert x["change"] in ("changed", "appeared", "disappeared")
            assert ("before" in x) == (x["change"] != "appeared") and ("after" in x) == (x["change"] != "disappeared")


def test_the_json_document_has_every_changed_quote(changed_pair, other_pair):
    doc = _diff(changed_pair, hts=[LINE, "8507.60"]).doc()
    check_shape(doc)
    assert doc["value"] == "100000.00" and doc["origins"] == list(CHECK_ORIGINS) and doc["dates"]["default"]
    assert json.loads(json.dumps(doc)) == doc                  # plain JSON types only
    added = _diff(other_pair, hts=["8507.50"], value="2500").doc()
    check_shape(added)
    assert added["value"] == "2500.00" and added["changed"] == len(CHECK_ORIGINS) * added["dates"]["count"]


# ------------------------------------------------------ the command

@pytest.mark.slow  # subprocesses
def test_command_exit_codes_and_output(changed, tmp_path):
    done = _cli(SHIPPED, changed, "--hts", "8507.80", "--origin", "CN,DE")
    assert done.returncode == 1, done.stderr
    assert re.match(r"[\d,]+ quotes compared, [\d,]+ changed \([\d,]+ on or before the as-of date [\d-]+, [\d,]+ "
                    r"after it; by program: mfn [\d,]+(, section_301 [\d,]+)?\)\n", done.stdout)
    assert f"from {CHANGED_FROM} on" in done.stdout and "quotes compared in" in done.stderr
    as_json = _cli(SHIPPED, changed, "--hts", "8507.80", "--origin", "CN", "--origin", "DE", "--json")
    doc = json.loads(as_json.stdout)
    check_shape(doc)
    assert as_json.returncode == 1 and {c["origin"] for c in doc["changes"]} == {"CN", "DE"}
    same = _cli(SHIPPED, _copy(tmp_path, "same"), "--hts", "8507.80", "--origin", "CN")
    assert same.returncode == 0 and ", 0 changed" in same.stdout.splitlines()[0]


@pytest.mark.slow  # subprocesses
def test_command_limit_and_bad_input(changed):
    limited = _cli(SHIPPED, changed, "--hts", "8507.80", "--limit", "1", "--origin", "CN", "--date",
                   f"{CHANGED_FROM},2027-06-01", "--origin", "DE", "--value", "$2,500")
    assert limited.returncode == 1
    assert limited.stdout.count("\n8507.80.82  ") == 1     # CN and DE change differently: two groups, one shown
    assert "... 1 more group (1 change) not shown: --limit 0 shows all" in limited.stdout
    assert "2 dates (the dates given, 2026-10-15 to 2027-06-01) at a customs value of 2500.00" in limited.stdout
    for args, message in ((("--hts", "9999"), "matches no covered line"), (("--value", "abc"), "value"),
                          (("--date", "2026-02-30"), "date"), (("--limit", "-1"), "whole number")):
        done = _cli(SHIPPED, changed, *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)


@pytest.mark.slow  # subprocesses
def test_command_names_the_broken_set_and_file_line(tmp_path):
    broken = _copy(tmp_path, "broken")
    line = _edit(broken, LISTS, 'rate: "0.25"', 'rate: 0.25')
    done = _cli(broken, SHIPPED, "--hts", "8507")
    assert done.returncode == 2 and done.stdout == ""
    assert f"the old tables ({broken}) are invalid: {LISTS}:{line}: " in done.stderr


@pytest.mark.slow  # the full sweep on both sets (about 40 s)
def test_command_on_identical_full_tables_exits_0(tmp_path):
    done = _cli(SHIPPED, _copy(tmp_path, "same"), "--json")
    doc = json.loads(done.stdout)
    assert done.returncode == 0 and doc["changed"] == 0 and doc["compared"] > 300_000
    assert doc["lines"] == len(load_pair(SHIPPED, SHIPPED)[0].lines)
