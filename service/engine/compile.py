"""The compile sweep ``tariff-stack check`` runs after loading the tables.

Loading checks each file and the references between files; the sweep then
quotes every covered line, for a set of origins, on every date a value starts
or ends and the day before it, so an error that only shows when measures
stack surfaces in ``check`` rather than in a request.  An
:class:`~service.model.errors.InputError` (a line that needs a caller fact,
such as a quantity for a specific rate) is expected and still counted.
"""
from __future__ import annotations

from datetime import timedelta

from service.model.errors import InputError
from service.engine.line_input import parse_line
from service.engine.quote import quote

CHECK_ORIGINS = ("CN", "KR", "JP", "DE", "CA", "MX", "GB", "VN", "IN", "BR", "AU")


def _sweep_dates(tables) -> list:
    """Every boundary date and the day before it, from the start of coverage, in order."""
    days = set()
    for day in tables.boundaries():
        days.add(day)
        days.add(day - timedelta(days=1))
    return sorted(d for d in days if d >= tables.coverage_from)


def compile_tables(tables, progress=None, lines=None) -> int:
    """Quote every covered line for a set of origins on every boundary date; return the count.

    ``progress(1)`` is called after each line (all its origins and dates), if given;
    ``lines`` (HTS digits) limits the sweep to those lines (the sync draft applier's check).
    """
    count = 0
    days = _sweep_dates(tables)
    for digits, line in tables.lines.items():
        if lines is not None and digits not in lines:
            continue
        for origin in CHECK_ORIGINS:
            for day in days:
                if line.rate_on(day) is None:
                    continue
                data = {"hts": digits, "origin": origin, "entry_date": day.isoformat(), "value": "1000"}
                try:
                    quote(tables, parse_line(data))
                except InputError:
                    pass  # e.g. a preference or specific rate needing a caller fact
                count += 1
        if progress is not None:
            progress(1)
    return count
