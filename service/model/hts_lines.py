"""Covered HTSUS lines: description, unit and dated column 1 rates."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.model import hts
from service.model.periods import Dated, on_day
from service.model.rates import Rate


@dataclass(frozen=True)
class LineRate(Dated):
    start: date
    end: date | None
    general: Rate
    special: dict[str, Rate]
    special_text: str | None
    cite: str
    url: str | None
    confidence: str
    where: str
    checked: str | None = None  # what the rate text was checked against (HTSUS revision), and when



@dataclass(eq=False)
class HtsLine:
    digits: str
    description: str
    unit: str
    rates: tuple[LineRate, ...]
    where: str
    note: str | None = None
    # A statistical number exists only in some editions (e.g. 8507.60.00.20 until 2025):
    # the first day it is in the HTSUS and the first day it no longer is.
    stat_from: date | None = None
    stat_to: date | None = None
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [r.start for r in self.rates]

    @property
    def code(self) -> str:
        return hts.dotted(self.digits)

    def in_schedule_on(self, day: date) -> bool:
        """Is this statistical number printed in the HTSUS in force on ``day``?"""
        return (self.stat_from is None or day >= self.stat_from) and (self.stat_to is None or day < self.stat_to)

    def rate_on(self, day: date) -> LineRate | None:
        return on_day(self.rates, self._starts, day)
