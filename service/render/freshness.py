"""The tables' stamp on an answer: ``as_of`` and ``age_days`` beside ``tables_version``.

The engine's documents are shared through its caches and never carry the
age (it changes every day): each answer is stamped as it leaves, by the web
layer (``service.web.freshness``) and the CLI, from a
:class:`~service.model.freshness.Freshness`.  Stale tables (older than the
limit) add their warning to the answer's ``warnings``.
"""
from __future__ import annotations

from service.model.freshness import Freshness

STAMP_KEYS = ("as_of", "age_days")


def stamped(doc: dict, fresh: Freshness, warn: bool = True) -> dict:
    """A copy of ``doc`` with ``as_of`` and ``age_days`` right after ``tables_version`` (first if it has
    none) and, with ``warn``, the staleness warning last in ``warnings`` (the key added if missing).
    ``doc`` itself is not changed."""
    stamp = {"as_of": fresh.as_of.isoformat(), "age_days": fresh.age_days}
    out: dict = {} if "tables_version" in doc else dict(stamp)
    for key, value in doc.items():
        if key in STAMP_KEYS:
            continue
        out[key] = value
        if key == "tables_version":
            out.update(stamp)
    if warn and fresh.warning:
        out["warnings"] = [*out.get("warnings", []), fresh.warning]
    return out


def stamp_line(version: str, fresh: Freshness) -> str:
    """One line for a page or a terminal: version, as-of date, age and limit, and the warning if stale."""
    text = f"Tables {version} as of {fresh.as_of} ({days(fresh.age_days)} old; limit {days(fresh.limit)})."
    return text + (f" Warning: {fresh.warning}." if fresh.warning else "")


def days(n: int) -> str:
    """``1 day``, ``2 days``."""
    return f"{n} day" if n in (1, -1) else f"{n} days"


def stamp_first_row(rows: list[dict], version: str, fresh: Freshness) -> list[dict]:
    """Spreadsheet rows with the tables' stamp (``tables_version``, ``as_of``, ``age_days``) on the first row, so a
    column sum counts it once; rows that carry a stamp of their own (the health and error forms) are left as
    they are.  The rows themselves are not changed."""
    if not rows or any("tables_version" in row for row in rows):
        return rows
    stamp = {"tables_version": version, "as_of": fresh.as_of.isoformat(), "age_days": fresh.age_days}
    return [{**rows[0], **stamp}, *rows[1:]]
