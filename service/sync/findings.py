"""What a source reports to the review: findings, a source's result, a source's failure."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

# What a finding asks of the reviewer.
SEVERITIES = ("change", "review", "info")
#   change: the tables disagree with the source (a column 1 rate, a suffix, an FX value to add);
#   review: something new that may touch the tables (a notice naming a covered code, a new release);
#   info:   context (a new release with nothing for the covered lines, a message that cites nothing covered).


class SourceError(Exception):
    """A source could not be read or did not answer in its known shape (the report is then partial)."""

    def __init__(self, source: str, url: str, reason: str):
        super().__init__(f"{source}: {reason} ({url})")
        self.source, self.url, self.reason = source, url, reason


@dataclass(frozen=True)
class Touches:
    """What in the tables a finding touches."""
    hts: tuple[str, ...] = ()        # covered HTS lines (digits)
    measures: tuple[str, ...] = ()   # measure ids (program/file/id)
    headings: tuple[str, ...] = ()   # chapter 99 headings named
    cases: tuple[str, ...] = ()      # AD/CVD case numbers
    currencies: tuple[str, ...] = ()

    def doc(self) -> dict:
        return {k: list(getattr(self, k)) for k in ("hts", "measures", "headings", "cases", "currencies")}

    def __bool__(self) -> bool:
        return any((self.hts, self.measures, self.headings, self.cases, self.currencies))


@dataclass(frozen=True)
class Draft:
    """A mechanical change to one table file, for the reviewer to apply (never applied by sync itself).

    ``path`` is relative to the tables directory; ``edit`` is the kind of edit the
    applier knows (``line_rate``: a new dated column 1 rate row on a line;
    ``fx_daily``: daily certified rates added to a currency); ``args`` its arguments
    (all strings); ``yaml`` the text a person reads."""
    path: str
    edit: str
    args: dict
    yaml: str

    def doc(self) -> dict:
        return {"path": self.path, "edit": self.edit, "args": dict(self.args), "yaml": self.yaml}


@dataclass(frozen=True)
class Finding:
    source: str                  # "usitc", "federal_register", "csms", "adcvd", "fx"
    kind: str                    # e.g. "column1_rate", "new_suffix", "new_release", "notice", "csms_message", "cash_deposit_rate", "fx_rates"
    severity: str                # one of SEVERITIES
    title: str
    url: str
    published: date | None = None
    effective: date | None = None
    touches: Touches = field(default_factory=Touches)
    detail: str = ""
    draft: Draft | None = None

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not one of {SEVERITIES}")

    @property
    def id(self) -> str:
        """A stable id, so a reviewer can name the finding whose draft to apply."""
        key = "|".join((self.source, self.kind, self.url, self.title, ",".join(self.touches.hts)))
        return f"{self.source}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"

    def doc(self) -> dict:
        return {
            "id": self.id, "source": self.source, "kind": self.kind, "severity": self.severity,
            "title": self.title, "url": self.url,
            "published": self.published.isoformat() if self.published else None,
            "effective": self.effective.isoformat() if self.effective else None,
            "touches": self.touches.doc(), "detail": self.detail,
            "draft": self.draft.doc() if self.draft else None,
        }


@dataclass
class SourceResult:
    """What one source produced in one run: its findings, or the error that stopped it."""
    source: str
    findings: list[Finding] = field(default_factory=list)
    error: SourceError | None = None
    checked_through: dict = field(default_factory=dict)   # e.g. {"release": "2026HTSRev21", "date": "2026-10-07"}
    requests: int = 0
    not_modified: int = 0
    read_from: dict = field(default_factory=dict)  # where a source that keeps no state read from (the report's
                                                   # "since"), e.g. {"h10_from": "2025-12-19"} for fx

    @property
    def ok(self) -> bool:
        return self.error is None

    def doc(self) -> dict:
        return {
            "source": self.source, "ok": self.ok,
            "error": None if self.ok else {"url": self.error.url, "reason": self.error.reason},
            "checked_through": dict(self.checked_through),
            "requests": self.requests, "not_modified": self.not_modified,
            "findings": len(self.findings),
        }
