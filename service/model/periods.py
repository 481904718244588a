"""Dated periods: ``start`` inclusive, ``end`` exclusive (``None``: open).

Measures' dated values, HTS column 1 rates, fee values and exchange rates all
keep sorted, non-overlapping periods (the loader checks that); this is the one
lookup they share.
"""
from __future__ import annotations

import bisect
from datetime import date


class Dated:
    """Mixin for a dataclass with ``start`` and ``end`` fields."""

    __slots__ = ()

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def on_day(periods, starts: list[date], day: date):
    """The period of ``periods`` (sorted; ``starts`` their start dates) covering ``day``, or None."""
    i = bisect.bisect_right(starts, day) - 1
    if i >= 0 and periods[i].covers(day):
        return periods[i]
    return None
