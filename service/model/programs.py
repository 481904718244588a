"""Programs (filing order of the layers) and special tariff programs (the HTSUS "Special" column)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# A special program indicator as the HTSUS special column and the entry summary
# print it: "KR", "AU", "S", "A", "A+" (least-developed GSP), "A*" (GSP with
# some beneficiaries excluded).  One spelling for the tables and the callers.
SPECIAL_PROGRAM_CODE = re.compile(r"^[A-Z][A-Z+*]{0,3}$")


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    filing_rank: int


@dataclass(frozen=True)
class SpecialProgram:
    code: str
    name: str
    countries: frozenset[str]
    start: date
    end: date | None
    cite: str
