"""What the tables say about themselves (``meta.yaml``): version, as-of date, reach, and what
they were verified against.

``verified_against`` records, for each source the tables follow, the newest
document taken into account and a note saying how it was read (first-hand
or second-hand): the HTSUS release (``hts_release``), the Federal Register
(``federal_register_through``) and CBP's CSMS messages (``csms_through``).
A date or a message number may be ``None``: nothing of that source was
reviewed, and the note says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


@dataclass(frozen=True)
class HtsRelease:
    """The USITC release of the HTSUS the covered lines were checked against (``2026HTSRev21``)."""

    name: str
    date: date
    note: str

    def as_dict(self) -> dict:
        return {"name": self.name, "date": _iso(self.date), "note": self.note}


@dataclass(frozen=True)
class ReadThrough:
    """The newest Federal Register document taken into account (``None``: none)."""

    date: date | None
    note: str

    def as_dict(self) -> dict:
        return {"date": _iso(self.date), "note": self.note}


@dataclass(frozen=True)
class CsmsThrough:
    """The newest CBP CSMS message taken into account (``None``: none)."""

    message: str | None
    date: date | None
    note: str

    def as_dict(self) -> dict:
        return {"message": self.message, "date": _iso(self.date), "note": self.note}


@dataclass(frozen=True)
class VerifiedAgainst:
    hts_release: HtsRelease
    federal_register_through: ReadThrough
    csms_through: CsmsThrough

    def as_dict(self) -> dict:
        return {"hts_release": self.hts_release.as_dict(),
                "federal_register_through": self.federal_register_through.as_dict(),
                "csms_through": self.csms_through.as_dict()}


@dataclass(frozen=True)
class TablesMeta:
    """``meta.yaml`` as read."""

    version: str
    as_of: date
    coverage_from: date
    description: str | None
    verified_against: VerifiedAgainst
