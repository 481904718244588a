"""Loading and checking the tariff tables (``tariff_tables/``).

The loader is strict, in the manner of a compiler: an unknown key, a bad or
reversed date, overlapping periods of one measure, a malformed HTS or country
code, a dated value without a citation, or YAML that would turn a code, rate
or date into a float, boolean or date object stops loading with ``file:line``
and the reason (:class:`~service.model.errors.TableError`); every defect found
is reported, not only the first (:class:`~service.model.errors.TableErrors`).

Layout (paths relative to the tables directory), one reader per kind in
:mod:`service.tables.readers`::

    meta.yaml             version, as-of date, coverage start, what they were verified against
    countries.yaml        country aliases and named groups (EU, USMCA, ...)
    programs.yaml         programs (filing order) and special tariff programs
    hts/*.yaml            covered HTSUS lines with dated column 1 rates
    measures/<program>/*.yaml   Chapter 99 measures and exemptions
    fees/*.yaml           MPF and HMF
    fx/rates.yaml         monthly currency rates (optional)
    refunds/interest.yaml, refunds/routes.yaml   overpayment interest and refund
                          routes, for audits of past entries (optional)
    incentives/*.yaml     tax credits (48E storage, 45X battery components) for the
                          credit position of landed cost and compare (optional)
    projects/*.yaml       project templates (optional)
    scenarios/*.yaml      named hypothetical scenarios (optional): measures added, measures ended
    CHANGELOG.md          an entry per version (checked: service.tables.checks.release_checks)

A measure's id is its file path below ``measures/`` without ``.yaml``, then
``/`` and its local ``id``: ``section_301/lists/list_3``.
"""
from __future__ import annotations

import os
from pathlib import Path

from service.model.errors import TableError
from service.tables.checks import cross_check, release_checks, require_layout
from service.tables.reader import Reader
from service.tables.readers.countries import read_countries
from service.tables.readers.fees import read_fee_file
from service.tables.readers.fx import read_fx
from service.tables.readers.hts import read_hts_file
from service.tables.readers.measures import read_measure_file
from service.tables.readers.meta import read_meta
from service.tables.readers.programs import read_programs
from service.tables.readers.incentives import read_incentives
from service.tables.readers.refunds import check_refund_routes, read_refunds
from service.tables.readers.scenarios import read_scenario_file
from service.tables.readers.templates import read_template
from service.tables.tables import Tables


def default_dir() -> Path:
    """``TARIFF_TABLES_DIR`` if set, else the tables shipped with the package."""
    env = os.environ.get("TARIFF_TABLES_DIR")
    if env:
        return Path(env)
    import tariff_tables  # the installed data package

    return Path(tariff_tables.__file__).parent


def load_tables(directory: str | Path | None = None, past_release: bool = False) -> Tables:
    """Load and validate every table; raise :class:`TableError` (or ``TableErrors``, all of them) on defects.

    ``past_release``: a set released before ``meta.yaml`` said what it was verified against (the old side
    of ``tariff-stack diff``) loads without it; everything else is checked as usual."""
    directory = Path(directory) if directory is not None else default_dir()
    if not directory.is_dir():
        raise TableError(str(directory), "tables directory not found")
    require_layout(directory)
    reader = Reader(directory)
    meta = read_meta(reader, past_release)
    aliases, groups = read_countries(reader)
    programs, specials = read_programs(reader)
    lines = _read_all(reader, directory / "hts", "*.yaml", read_hts_file, {})
    measures = _read_all(reader, directory / "measures", "**/*.yaml", read_measure_file, {},
                         programs)
    fees = _read_all(reader, directory / "fees", "*.yaml", read_fee_file, {})
    reader.raise_collected()      # references are checked only between tables that loaded
    reader.errors.extend(cross_check(measures, specials, lines))
    fx = _read_fx(reader, directory / "fx" / "rates.yaml")
    refunds = read_refunds(reader, directory / "refunds") if (directory / "refunds").is_dir() else None
    reader.errors.extend(check_refund_routes(measures, refunds))
    incentives = read_incentives(reader, directory / "incentives") if (directory / "incentives").is_dir() else {}
    reader.raise_collected()
    tables = Tables(meta.version, meta.as_of, meta.coverage_from, directory, aliases, groups, programs, specials,
                    lines, measures, fees, fx=fx, verified_against=meta.verified_against,
                    refunds=refunds, incentives=incentives)
    tables.build_indexes()
    _read_templates(reader, directory / "projects", tables)
    _read_scenarios(reader, directory / "scenarios", tables)
    reader.errors.extend(release_checks(reader, tables.version, tables.as_of))   # the version and its CHANGELOG entry
    reader.raise_collected()
    return tables


def _read_all(reader: Reader, folder: Path, pattern: str, read_file, into: dict, *context) -> dict:
    """Every file of one kind, in name order, errors collected file by file."""
    for path in sorted(folder.glob(pattern)):
        with reader.collecting():
            read_file(reader, path, *context, into)
    return into


def _read_fx(reader: Reader, path: Path):
    if not path.exists():
        return None
    with reader.collecting():
        return read_fx(reader, path)
    return None


def _read_templates(reader: Reader, folder: Path, tables: Tables) -> None:
    """Templates are read last: each of their lines must be a covered HTS line."""
    for path in sorted(folder.glob("*.yaml")):
        with reader.collecting():
            template = read_template(reader, path, tables.line_for)
            tables.templates[template.id] = template


def _read_scenarios(reader: Reader, folder: Path, tables: Tables) -> None:
    """Scenarios are read after the measures they add to or end; one may start from another read before it."""
    for path in sorted(folder.glob("*.yaml")):
        with reader.collecting():
            scenario = read_scenario_file(reader, path, tables, tables.scenarios)
            tables.scenarios[scenario.name] = scenario
