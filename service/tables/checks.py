"""Checks across table files, run after every file has read cleanly; all errors are collected."""
from __future__ import annotations

import re
from datetime import date
from itertools import takewhile
from pathlib import Path

from service.model import hts as htsmod
from service.model.errors import TableError, TableErrors
from service.model.measures import Measure
from service.tables.reader import Reader


# Files and folders a tables directory must have.  Without measures/ the
# service would quote the column 1 rate alone (3.4% for a 48.4% stack).
REQUIRED_FILES = ("meta.yaml", "countries.yaml", "programs.yaml")
REQUIRED_DIRS = ("hts", "measures", "fees")


def require_layout(directory: Path) -> None:
    errors = []
    for name in REQUIRED_FILES:
        if not (directory / name).is_file():
            errors.append(TableError(f"{directory / name}", f"required file {name} is missing from the tables directory"))
    for name in REQUIRED_DIRS:
        folder = directory / name
        if not folder.is_dir():
            errors.append(TableError(f"{folder}", f"required folder {name}/ is missing from the tables directory"))
        elif not any(folder.rglob("*.yaml")):
            errors.append(TableError(f"{folder}", f"folder {name}/ holds no .yaml table"))
    if errors:
        raise TableErrors(errors)


def cross_check(measures: dict[str, Measure], specials: dict, lines: dict) -> list[TableError]:
    """References between tables must resolve; every scope code must reach a covered line."""
    errors: list[TableError] = []
    ids = set(measures)
    programs = {m.program for m in measures.values()}
    for m in measures.values():
        for ref in m.replaces:
            if ref not in ids and not any(i.startswith(ref + "/") for i in ids):
                errors.append(TableError(m.where, f"'replaces' names unknown measure {ref!r}"))
        for ref in m.exempts + tuple(m.condition_args.get("layers", ())):
            if ref not in programs and ref not in ids and not any(i.startswith(ref + "/") for i in ids):
                errors.append(TableError(m.where, f"refers to unknown program or measure {ref!r}"))
        for code in m.condition_args.get("codes", ()):
            if code not in specials:
                errors.append(TableError(m.where, f"unknown special program code {code!r}"))
        errors.extend(_scope_reaches_lines(m, lines))
    rates = {r.where: r for line in lines.values() for r in line.rates}   # statistical suffixes share rates
    for r in rates.values():
        for code in r.special:
            if code not in specials:
                errors.append(TableError(r.where, f"special rate names unknown program code {code!r} "
                                                  "(add it to programs.yaml)"))
    return errors


def _scope_reaches_lines(m: Measure, lines: dict) -> list[TableError]:
    """A scope code that matches no covered line makes the layer vanish from every quote: refuse it."""
    errors = []
    for key, prefixes in (("hts", m.hts), ("exclude_hts", m.exclude_hts)):
        for prefix in prefixes:
            if prefix and not any(code.startswith(prefix) or prefix.startswith(code) for code in lines):
                errors.append(TableError(m.where, f"scope {key} {htsmod.dotted(prefix)} matches no covered line "
                                                  "(hts/*.yaml): the measure would never apply to it; "
                                                  "add the line or correct the code"))
    return errors


# ------------------------------------------------------------------ releases
# The rules of a release (tariff_tables/README.md, "Releases"): the version is
# the as-of date and a serial number within that day, and CHANGELOG.md has an
# entry for it in the tz style, saying apart what changes on future dates and
# what corrects the past.

VERSION = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-([1-9]\d*)$")
VERSION_FORM = "YYYY.MM.DD-N: the as-of date, then the release's serial number within that day (2026.11.28-2)"
CHANGELOG = "CHANGELOG.md"
CHANGELOG_PARTS = ("Changes to future dates", "Corrections to past dates")
_ENTRY = re.compile(r"^##\s+(\S+)(\s+\(.*\))?\s*$")      # "## 2026.11.22-1 (first release)"


def release_checks(reader: Reader, version: str, as_of: date) -> list[TableError]:
    """The version follows the scheme and names the as-of date; CHANGELOG.md has its entry, with both parts."""
    where = reader.read_mapping(reader.dir / "meta.yaml").where("version")
    return check_version(where, version, as_of) + check_changelog(reader.dir / CHANGELOG, version)


def check_version(where: str, version: str, as_of: date) -> list[TableError]:
    found = VERSION.match(version)
    if not found:
        return [TableError(where, f"version {version!r} does not follow the scheme {VERSION_FORM}")]
    year, month, day = (int(found.group(i)) for i in (1, 2, 3))
    try:
        named = date(year, month, day)
    except ValueError:
        return [TableError(where, f"version {version!r}: {found.group(1)}.{found.group(2)}.{found.group(3)} is not "
                                  f"a date ({VERSION_FORM})")]
    if named != as_of:
        return [TableError(where, f"version {version} names the date {named}, but as_of is {as_of}: a release's "
                                  "version starts with its as-of date")]
    return []


def check_changelog(path: Path, version: str) -> list[TableError]:
    """The current version's entry: present, the newest, once, with both parts."""
    if not path.is_file():
        return [TableError(CHANGELOG, "CHANGELOG.md is missing: every release of the tables needs an entry "
                                      "(tariff_tables/README.md, Releases)")]
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = [(n, m.group(1)) for n, text in enumerate(lines, 1) if (m := _ENTRY.match(text))]
    mine = [n for n, name in entries if name == version]
    if not mine:
        at = entries[0][0] if entries else 1
        return [TableError(f"{CHANGELOG}:{at}", f"no entry '## {version}' for the tables version of meta.yaml: add "
                                               "it above the newest entry, with both parts: "
                                               + " and ".join(f"'### {p}'" for p in CHANGELOG_PARTS))]
    start, errors = mine[0], []
    if len(mine) > 1:
        errors.append(TableError(f"{CHANGELOG}:{mine[1]}", f"a second entry '## {version}' (the first is at "
                                                           f"line {start})"))
    if entries[0][0] != start:
        errors.append(TableError(f"{CHANGELOG}:{start}", f"the entry of the current version {version} is not the "
                                                         f"first (newest first: line {entries[0][0]} is "
                                                         f"'## {entries[0][1]}')"))
    end = next((n for n, _ in entries if n > start), len(lines) + 1)
    return errors + _part_errors(lines[start:end - 1], start, version)


def _part_errors(body: list[str], heading: int, version: str) -> list[TableError]:
    """Each part as a '### Part' heading with text under it, or a line 'Part: text'; 'None.' is text."""
    errors = []
    for part in CHANGELOG_PARTS:
        found = _part(body, part)
        if found is None:
            errors.append(TableError(f"{CHANGELOG}:{heading}", f"the entry {version} has no '{part}' part: add "
                                                               f"'### {part}' (or a line '{part}: ...'), with "
                                                               "'None.' if there are none"))
        elif not found[1]:
            errors.append(TableError(f"{CHANGELOG}:{heading + 1 + found[0]}",
                                     f"'{part}' of the entry {version} is empty: say what changed, or 'None.'"))
    return errors


def _part(body: list[str], part: str) -> tuple[int, bool] | None:
    """Where the part starts in ``body`` and whether it says anything; None if it is not there."""
    heading = re.compile(rf"^###\s+{re.escape(part)}\s*$", re.IGNORECASE)
    inline = re.compile(rf"^{re.escape(part)}\s*:\s*(.*)$", re.IGNORECASE)
    for i, text in enumerate(body):
        if heading.match(text):
            under = takewhile(lambda t: not t.startswith("#"), body[i + 1:])
            return i, any(t.strip() for t in under)
        found = inline.match(text)
        if found:
            following = body[i + 1] if i + 1 < len(body) else ""
            return i, bool(found.group(1).strip()) or bool(following.strip() and not following.startswith("#"))
    return None
