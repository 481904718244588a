"""The release rules the loader checks: the tables version ``YYYY.MM.DD-N`` names the as-of date, and
CHANGELOG.md has the version's entry (newest first) with its two tz-style parts."""
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from service.model.errors import TableError
from service.tables.checks import CHANGELOG_PARTS, check_changelog, check_version
from service.tables.load import default_dir, load_tables

SHIPPED = default_dir()
FUTURE, PAST = CHANGELOG_PARTS


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "tables"
    shutil.copytree(SHIPPED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def _meta(root: Path) -> tuple[str, str, int]:
    """The version, the as-of date and the version's line in meta.yaml."""
    lines = (root / "meta.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines, 1) if text.startswith("version:"))
    version = re.search(r'"(.*)"', lines[at - 1]).group(1)
    as_of = next(re.search(r'"(.*)"', t).group(1) for t in lines if t.startswith("as_of:"))
    return version, as_of, at


VERSION = _meta(SHIPPED)[0]


def _set_version(root: Path, version: str) -> int:
    old, _, at = _meta(root)
    path = root / "meta.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(f'version: "{old}"', f'version: "{version}"'),
                    encoding="utf-8")
    return at


def _errors(root: Path) -> list[TableError]:
    with pytest.raises(TableError) as exc:
        load_tables(root)
    return getattr(exc.value, "errors", [exc.value])


def _changelog(root: Path) -> tuple[list[str], int]:
    """CHANGELOG.md's lines and the 1-based line of the current version's entry."""
    lines = (root / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    return lines, next(n for n, text in enumerate(lines, 1) if re.match(rf"## {re.escape(VERSION)}\b", text))


def _write_changelog(root: Path, lines: list[str]) -> None:
    (root / "CHANGELOG.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def log(tmp_path) -> Path:
    """A folder holding a copy of the shipped CHANGELOG.md (the checks read only that file)."""
    shutil.copy(SHIPPED / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    return tmp_path


def _log_errors(root: Path) -> list[TableError]:
    return check_changelog(root / "CHANGELOG.md", VERSION)


# ------------------------------------------------------------------ shipped

def test_the_shipped_tables_pass_the_release_checks(tables):
    version, as_of, at = _meta(SHIPPED)
    assert tables.version == version and tables.as_of == date.fromisoformat(as_of)
    assert check_version(f"meta.yaml:{at}", tables.version, tables.as_of) == []
    assert check_changelog(SHIPPED / "CHANGELOG.md", tables.version) == []


# ------------------------------------------------------------------ the version

@pytest.mark.parametrize("version,message", [
    ("2026-11-28", "does not follow the scheme YYYY.MM.DD-N"),
    ("2026.11.28", "does not follow the scheme"),
    ("2026.11.28-0", "does not follow the scheme"),       # serial numbers start at 1
    ("2026.11.28-01", "does not follow the scheme"),
    ("v2026.11.28-1", "does not follow the scheme"),
    ("2026.02.30-1", "is not a date"),
    ("2026.11.27-1", "names the date 2026-11-27, but as_of is 2026-11-28"),
])
def test_a_version_off_the_scheme_or_the_as_of_date_is_refused(version, message):
    [error] = check_version("meta.yaml:3", version, date(2026, 11, 28))
    assert error.where == "meta.yaml:3" and message in error.reason


def test_the_loader_refuses_a_version_that_is_not_the_as_of_date_at_its_line(copy):
    at = _set_version(copy, "2026.11.27-1")
    mine = [e for e in _errors(copy) if e.where == f"meta.yaml:{at}"]
    assert len(mine) == 1 and "names the date 2026-11-27" in mine[0].reason


def test_a_new_serial_number_of_the_day_passes_with_its_entry(copy):
    serial = int(VERSION.rsplit("-", 1)[1]) + 1
    new = f"{VERSION.rsplit('-', 1)[0]}-{serial}"
    lines, at = _changelog(copy)
    _set_version(copy, new)
    _write_changelog(copy, lines[:at - 1] + [f"## {new}", "", f"### {FUTURE}", "", "None.", "", f"### {PAST}", "",
                                             "None.", ""] + lines[at - 1:])
    assert load_tables(copy).version == new


# ------------------------------------------------------------------ the CHANGELOG

def test_a_missing_changelog_is_an_error(copy):
    (copy / "CHANGELOG.md").unlink()
    errors = _errors(copy)
    assert [e.where for e in errors] == ["CHANGELOG.md"] and "CHANGELOG.md is missing" in errors[0].reason


def test_no_entry_for_the_version_is_refused_at_the_newest_entry(log):
    lines, at = _changelog(log)
    lines[at - 1] = lines[at - 1].replace(VERSION, "2026.11.28-9")
    _write_changelog(log, lines)
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{at}" and f"no entry '## {VERSION}'" in error.reason


@pytest.mark.parametrize("part", CHANGELOG_PARTS)
def test_an_entry_without_one_part_is_refused_at_its_heading(log, part):
    lines, at = _changelog(log)
    heading = next(n for n in range(at, len(lines)) if lines[n] == f"### {part}")
    _write_changelog(log, lines[:heading] + ["### Other notes"] + lines[heading + 1:])
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{at}" and f"has no '{part}' part" in error.reason


def test_an_empty_part_is_refused_at_its_line(log):
    lines, at = _changelog(log)
    heading = next(n for n in range(at, len(lines)) if lines[n] == f"### {FUTURE}")
    following = next(n for n in range(heading + 1, len(lines)) if lines[n].startswith("#"))
    _write_changelog(log, lines[:heading + 1] + [""] + lines[following:])
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{heading + 1}" and "is empty" in error.reason and "None." in error.reason


def test_the_inline_parts_of_the_early_entries_are_accepted(log):
    """2026.11.22-1 and -2 wrote 'Changes to future dates: none.' on a line of its own."""
    lines, at = _changelog(log)
    end = next(n for n in range(at, len(lines)) if lines[n].startswith("## "))
    inline = [f"## {VERSION} (inline form)", "", f"{FUTURE}: none.", f"{PAST}:", "  the rates of ... (continued)", ""]
    _write_changelog(log, lines[:at - 1] + inline + lines[end:])
    assert _log_errors(log) == []
    _write_changelog(log, lines[:at - 1] + inline[:3] + [f"{PAST}:", ""] + lines[end:])
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{at + 3}" and f"'{PAST}'" in error.reason and "is empty" in error.reason


def test_the_current_entry_must_be_the_first_and_only_one(log):
    lines, at = _changelog(log)
    newer = ["## 2099.01.01-1", "", f"{FUTURE}: none.", f"{PAST}: none.", ""]
    _write_changelog(log, lines[:at - 1] + newer + lines[at - 1:])
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{at + len(newer)}" and "is not the first" in error.reason
    again = [f"## {VERSION}", "", f"{FUTURE}: none.", f"{PAST}: none.", ""]
    _write_changelog(log, lines + [""] + again)
    [error] = _log_errors(log)
    assert error.where == f"CHANGELOG.md:{len(lines) + 2}" and f"a second entry '## {VERSION}'" in error.reason


def test_the_loader_reports_a_changelog_error_with_the_others(copy):
    lines, at = _changelog(copy)
    _write_changelog(copy, lines[:at - 1] + [lines[at - 1].replace(VERSION, "2026.11.28-9")] + lines[at:])
    line = _set_version(copy, "2026.11.27-1")
    assert {e.where for e in _errors(copy)} == {f"meta.yaml:{line}", f"CHANGELOG.md:{at}"}


@pytest.mark.slow  # a subprocess
def test_check_reports_the_release_errors_with_file_and_line(copy):
    at = _set_version(copy, "2026.11.27-1")
    lines = (copy / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
    entry = next(n for n, text in enumerate(lines, 1) if text.startswith("## "))
    done = subprocess.run([sys.executable, "-m", "service.cli", "check", "--quick"], capture_output=True, text=True,
                          env=dict(os.environ, TARIFF_TABLES_DIR=str(copy)), timeout=300)
    assert done.returncode == 2 and "tariff tables invalid: 2 errors" in done.stderr
    assert f"meta.yaml:{at}: version 2026.11.27-1 names the date 2026-11-27" in done.stderr
    assert f"CHANGELOG.md:{entry}: no entry '## 2026.11.27-1'" in done.stderr
