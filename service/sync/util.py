"""Small helpers the sync modules share: an atomic file write and the US date of the sources' answers."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from service.render.tabular_files import AtomicOutput, FileProblem


def write_atomic(path: Path, data: bytes) -> None:
    """``path`` replaced whole, never half-written: written beside it, then moved over it (the mode of the file
    it replaces is kept).  A failure is an ``OSError`` whose text names the file."""
    try:
        with AtomicOutput(str(path)) as out:
            Path(out.temp).write_bytes(data)
    except FileProblem as exc:
        raise OSError(str(exc)) from None


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def us_date(text) -> date | None:
    """``MM/DD/YYYY`` (USITC release dates, GovDelivery's ``11/27/2026 03:15 PM EST``: the first word), else None."""
    words = str(text or "").split()
    try:
        return datetime.strptime(words[0], "%m/%d/%Y").date() if words else None
    except ValueError:
        return None
