"""Applying a reviewed draft: ``tariff-stack sync --apply REPORT.json --finding ID [--finding ID ...]``.

The tables directory is copied to a temporary directory; each chosen finding's draft
is applied to the copy through :data:`EDITS` (text edits, never a re-dump); the copy
is loaded with the normal loader and swept by the same compile check as
``tariff-stack check`` (the lines the drafts touch; every line with ``--full-check``).
Only when all of that passes are the changed files replaced in the real directory,
each atomically (``os.replace``).  Otherwise the loader's ``file:line`` errors are
printed and nothing changes.  The version in ``meta.yaml`` and the CHANGELOG entry
stay with the reviewer: the applier says so and does neither.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from service.engine.compile import compile_tables
from service.model.errors import InputError, NotCovered, TableError
from service.sync.fx_draft import apply_fx_daily
from service.sync.hts_edit import apply_line_rate
from service.sync.report import REPORT_VERSION
from service.sync.util import write_atomic
from service.tables.load import default_dir, load_tables

# Draft kind -> apply_<edit>(tables_dir, args) -> files changed (relative paths).
EDITS = {
    "line_rate": apply_line_rate,
    "fx_daily": apply_fx_daily,
}
REMINDER = ("Next, as the reviewer: check the new rows (they say confidence 'unconfirmed' and take the "
            "release's publication date as 'from' until you confirm the effective date), bump meta.yaml "
            "'version' (YYYY.MM.DD-N), write the CHANGELOG.md entry, run `tariff-stack check`, and compare "
            "quotes with `tariff-stack diff OLD_DIR NEW_DIR`.")


class ApplyError(Exception):
    """The report or a finding cannot be applied (said in one line)."""


def apply_findings(report_path: Path, ids, tables_dir: Path | None = None, full_check: bool = False,
                   out=print, err=print) -> int:
    """Apply the drafts of ``ids``; 0 when the tables were changed, 2 when nothing was."""
    tables_dir = Path(tables_dir) if tables_dir else default_dir()
    try:
        findings = chosen_findings(read_report(report_path), ids)
        if not (tables_dir / "meta.yaml").is_file():
            raise ApplyError(f"{tables_dir} is not a tables directory (no meta.yaml)")
        with tempfile.TemporaryDirectory(prefix="tariff-stack-apply-") as tmp:
            copy = Path(tmp) / "tables"
            shutil.copytree(tables_dir, copy, ignore=shutil.ignore_patterns("__pycache__"))
            changed = _edit(copy, findings)
            _check(copy, findings, full_check)
            _replace(copy, tables_dir, changed)
    except ApplyError as exc:
        err(f"tariff-stack sync --apply: {exc}; nothing was changed")
        return 2
    except TableError as exc:
        _table_errors(exc, err)
        return 2
    except OSError as exc:
        err(f"tariff-stack sync --apply: {exc}")
        return 2
    for rel in changed:
        out(f"changed {tables_dir / rel}")
    for f in findings:
        out(f"  applied {f['id']}: {f['title']}")
    out(REMINDER)
    return 0


def read_report(path: Path) -> dict:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ApplyError(f"cannot read the report {path}: {exc}") from None
    if not isinstance(doc, dict) or doc.get("report_version") != REPORT_VERSION:
        raise ApplyError(f"{path} is not a sync report (report_version {REPORT_VERSION})")
    return doc


def chosen_findings(report: dict, ids) -> list[dict]:
    by_id = {f.get("id"): f for f in report.get("findings") or [] if isinstance(f, dict)}
    if not ids:
        raise ApplyError("name at least one finding with --finding ID")
    chosen = []
    for i in dict.fromkeys(ids):
        f = by_id.get(i)
        if f is None:
            raise ApplyError(f"the report has no finding {i!r}")
        if not f.get("draft"):
            why = (" (the circuit breaker tripped: no drafts)" if (report.get("circuit_breaker") or {}).get("tripped")
                   else " (the change is not mechanical: edit the tables by hand)")
            raise ApplyError(f"finding {i} has no draft{why}")
        if f["draft"].get("edit") not in EDITS:
            raise ApplyError(f"finding {i}: no applier for edit {f['draft'].get('edit')!r} "
                             f"(known: {', '.join(EDITS)})")
        chosen.append(f)
    return chosen


def _edit(copy: Path, findings: list[dict]) -> list[str]:
    changed: list[str] = []
    for f in findings:
        draft = f["draft"]
        try:
            files = EDITS[draft["edit"]](copy, dict(draft.get("args") or {}))
        except (ValueError, KeyError) as exc:   # an edit's refusal (EditError is a ValueError), a bad draft
            raise ApplyError(f"finding {f['id']}: {exc}") from None
        changed += [rel for rel in files if rel not in changed]
    return changed


def _check(copy: Path, findings: list[dict], full: bool) -> None:
    """The loader, then the compile sweep of ``tariff-stack check`` (touched lines, or every line)."""
    tables = load_tables(copy)
    touched = {c for f in findings for c in (f.get("touches") or {}).get("hts") or []}
    try:
        compile_tables(tables, lines=None if full else touched & set(tables.lines))
    except (NotCovered, InputError, ValueError, ArithmeticError) as exc:
        raise ApplyError(f"the edited tables load, but the compile check failed: {type(exc).__name__}: {exc}") from None


def _replace(copy: Path, tables_dir: Path, changed: list[str]) -> None:
    """Each changed file replaced whole (write beside it, then ``os.replace``)."""
    for rel in changed:
        write_atomic(tables_dir / rel, (copy / rel).read_bytes())


def _table_errors(exc: TableError, err) -> None:
    errors = getattr(exc, "errors", [exc])
    err(f"tariff-stack sync --apply: the edited tables do not load ({len(errors)} error"
        f"{'s' if len(errors) != 1 else ''}; paths relative to the tables directory); nothing was changed:")
    for e in errors:
        err(f"  {e.where}: {e.reason}")
