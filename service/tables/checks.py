"""Checks across table files, run after every file has read cleanly; all errors are collected."""
from __future__ import annotations

from pathlib import Path

from service.model import hts as htsmod
from service.model.errors import TableError, TableErrors
from service.model.measures import Measure


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
