"""Measures: one legal action's scope and its dated values.

A *measure* is one Chapter 99 action (or one exemption from such actions)
with a fixed scope (HTS prefixes and origins) and a list of dated values.
Each dated value runs from ``start`` (inclusive) to ``end`` (exclusive, or
open when ``None``), and carries its own citation.  History is never
overwritten: a change of rate is a new dated value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model.periods import Dated, on_day

# Value bases a duty can be charged on.
VALUE_BASES = (
    "full_value",        # the whole customs value of the line
    "steel_content",     # value of the steel content (Section 232 derivatives)
    "aluminum_content",
    "copper_content",
    "aam_content",       # value of active anode material (AD/CVD on AAM)
)
CONTENT_BASES = {"steel_content", "aluminum_content", "copper_content"}

CONFIDENCE = ("confirmed", "likely", "unconfirmed")
MODES = ("vessel", "air", "truck", "rail", "other")
# Exemption conditions (``condition: {type: ...}``), each implemented by one function of
# service.engine.stacking.EXEMPTION_CONDITIONS.  In-transit treatment is not a condition: it is a
# dated value's ``in_transit`` rule (loaded before / entered before / modes) on the duty measure.
CONDITIONS = ("always", "preference", "layer", "us_content", "claim")
EXTENTS = ("whole", "covered_part")
# A measure's standing in court (shown next to its layer; never changes the duty as assessed).
# ``voided``: a final ruling holds the measure unlawful, so duties paid under it are refundable on the
# entries it covers; ``terminated``: an AD/CVD investigation ended without an order (a negative final
# determination), so its provisional cash deposits are refundable.
LEGAL_STATES = ("challenged", "ruled_unlawful_on_appeal", "enjoined", "struck_down", "upheld", "voided",
                "terminated")
# What an audit of past entries makes of a paid duty in each state (service.engine.audit): ``refundable``
# (owed no more), ``contingent`` (owed today, lawfulness still litigated: shown apart, never refundable),
# ``in_force`` (owed).  The state is data in the tables; this is the vocabulary's meaning.
LEGAL_TREATMENT = {"challenged": "contingent", "ruled_unlawful_on_appeal": "contingent", "enjoined": "contingent",
                   "struck_down": "contingent", "upheld": "in_force", "voided": "refundable",
                   "terminated": "refundable"}
REFUNDABLE_STATES = tuple(s for s, t in LEGAL_TREATMENT.items() if t == "refundable")


@dataclass(frozen=True)
class RefundCoverage:
    """Which entries a ruling (or a terminated investigation) makes refundable, and by which routes.

    ``routes`` are route ids of ``tariff_tables/refunds/routes.yaml``, in the order an audit tries them;
    ``entries_from`` (inclusive) and ``entries_before`` (exclusive) bound the entry dates covered
    (None: every entry of the measure).
    """

    routes: tuple[str, ...]
    entries_from: date | None = None
    entries_before: date | None = None
    note: str | None = None

    def covers(self, entry_date: date) -> bool:
        return ((self.entries_from is None or entry_date >= self.entries_from)
                and (self.entries_before is None or entry_date < self.entries_before))


@dataclass(frozen=True)
class LegalStatus:
    """Litigation or contested collection of a measure, reported with its layer."""

    state: str
    since: date
    summary: str
    cite: str
    confidence: str
    refund: RefundCoverage | None = None

    @property
    def treatment(self) -> str:
        """``refundable``, ``contingent`` or ``in_force`` (see :data:`LEGAL_TREATMENT`)."""
        return LEGAL_TREATMENT[self.state]

    def as_dict(self) -> dict:
        return {"state": self.state, "since": self.since.isoformat(), "summary": self.summary,
                "citation": self.cite, "confidence": self.confidence}


@dataclass(frozen=True)
class InTransit:
    """Goods loaded before ``loaded_before`` on an allowed final mode and
    entered before ``entered_before`` keep the previous treatment."""

    loaded_before: date
    entered_before: date
    modes: frozenset[str]
    heading: str | None = None


@dataclass(frozen=True)
class Requirement:
    """A caller fact a duty measure needs (e.g. ``vehicle_part``)."""

    fact: str
    equals: str
    default: str
    note: str
    otherwise_heading: str | None = None  # heading filed when the fact rules the measure out (e.g. 9903.94.06)


@dataclass(frozen=True)
class Threshold:
    """A numeric fact that must be at least ``at_least`` (e.g. metal weight share)."""

    fact: str
    at_least: Decimal
    default: str  # "applies" or "not_applies"
    note: str
    otherwise_heading: str | None = None  # heading filed when the article is below the threshold (9903.82.03)


@dataclass(frozen=True)
class Value(Dated):
    start: date
    end: date | None
    cite: str
    url: str | None = None
    heading: str | None = None
    rate: Decimal | None = None
    all_in: Decimal | None = None
    exporter_rates: tuple[tuple[str, Decimal], ...] = ()
    other_exporters: str | None = None  # label for the rate in ``rate``
    case: str | None = None
    base: str = "full_value"
    base_default: str = "full_value"  # what a missing content value defaults to
    extent: str = "whole"              # for exemptions of kind ``layer``
    min_share: Decimal | None = None   # for ``us_content`` exemptions
    in_transit: InTransit | None = None
    threshold: Threshold | None = None
    confidence: str = "confirmed"
    note: str | None = None
    where: str = ""
    checked: str | None = None          # what the value was checked against, and when
    # For an all-in rate: the heading filed (at 0) when the column 1 rate is
    # already at or above the all-in rate (the "net-of-MFN" pair of headings).
    heading_at_or_above: str | None = None


    def rate_for_exporter(self, exporter: str | None) -> tuple[Decimal | None, str | None]:
        """Rate for a named exporter, or the all-others/country-wide rate."""
        if exporter:
            wanted = exporter.casefold()
            for name, rate in self.exporter_rates:
                if name.casefold() == wanted:
                    return rate, name
        return self.rate, None


@dataclass(eq=False)
class Measure:
    id: str
    program: str
    title: str
    kind: str                       # "duty" or "exemption"
    hts: tuple[str, ...]            # digit prefixes; ("",) means every line
    exclude_hts: tuple[str, ...]
    origins: frozenset[str] | None  # None means every origin
    exclude_origins: frozenset[str]
    values: tuple[Value, ...]
    where: str
    replaces: tuple[str, ...] = ()
    exempts: tuple[str, ...] = ()
    condition: str = "always"
    condition_args: dict = field(default_factory=dict)
    requirements: tuple[Requirement, ...] = ()   # every caller fact the measure needs, all must hold
    open_question: str | None = None
    legal_status: LegalStatus | None = None
    _starts: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self._starts = [v.start for v in self.values]

    def value_on(self, day: date) -> Value | None:
        return on_day(self.values, self._starts, day)

    def matches_hts(self, digits: str) -> bool:
        if not any(digits.startswith(p) for p in self.hts):
            return False
        return not any(digits.startswith(p) for p in self.exclude_hts)

    def matches_origin(self, country: str) -> bool:
        if country in self.exclude_origins:
            return False
        return self.origins is None or country in self.origins

    def targets(self, measure: "Measure") -> bool:
        """Does this exemption name ``measure`` (by program or id prefix)?"""
        return any(t == measure.program or measure.id == t or measure.id.startswith(t + "/")
                   for t in self.exempts)

    def boundaries(self) -> list[date]:
        out = []
        for v in self.values:
            out.append(v.start)
            if v.end:
                out.append(v.end)
            if v.in_transit:
                out.append(v.in_transit.entered_before)
        return out
