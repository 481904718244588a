"""The loaded tariff tables: data and the indexes built over it, nothing else.

:func:`service.tables.load.load_tables` builds a :class:`Tables`; the engine
reads it and keeps its own bounded caches (``service.engine.cache``); a
``Tables`` is never written to after loading (``templates`` are added while loading).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from service.model import hts as htsmod
from service.model.errors import NotCovered
from service.model.fees import Fee
from service.model.fx import FxTable
from service.model.hts_lines import HtsLine
from service.model.incentives import IncentiveTable
from service.model.measures import Measure
from service.model.meta import VerifiedAgainst
from service.model.refunds import RefundTables
from service.model.programs import Program, SpecialProgram
from service.model.templates import Template


@dataclass
class Tables:
    version: str
    as_of: date
    coverage_from: date
    directory: Path
    aliases: dict[str, str]
    groups: dict[str, frozenset[str]]
    programs: dict[str, Program]
    special_programs: dict[str, SpecialProgram]
    lines: dict[str, HtsLine]
    measures: dict[str, Measure]
    fees: dict[str, Fee]
    # Indexes built once after loading.
    by_prefix: dict[str, list[Measure]] = field(default_factory=dict)
    exemptions_for: dict[str, list[Measure]] = field(default_factory=dict)
    fx: FxTable | None = None               # currency conversion (fx/rates.yaml)
    templates: dict[str, Template] = field(default_factory=dict, repr=False)  # project templates by id
    verified_against: VerifiedAgainst | None = None  # what the tables were checked against (meta.yaml)
    refunds: RefundTables | None = None     # refund routes and overpayment interest (refunds/*.yaml)
    incentives: dict[str, IncentiveTable] = field(default_factory=dict)   # tax credits (incentives/*.yaml)
    scenarios: dict = field(default_factory=dict, repr=False)  # shipped hypothetical scenarios by name (scenarios/*.yaml)
    _boundaries: list | None = field(default=None, repr=False)

    def build_indexes(self) -> None:
        self.by_prefix = defaultdict(list)
        for m in self.measures.values():
            for prefix in m.hts:
                self.by_prefix[prefix].append(m)
        self.by_prefix = dict(self.by_prefix)
        self.exemptions_for = {}
        exemptions = [m for m in self.measures.values() if m.kind == "exemption"]
        for m in self.measures.values():
            if m.kind == "duty":
                self.exemptions_for[m.id] = [e for e in exemptions if e.targets(m)]

    def candidates(self, digits: str) -> list[Measure]:
        """Measures whose HTS scope matches ``digits`` (origin and date not yet checked)."""
        seen: dict[str, Measure] = {}
        for prefix in [""] + htsmod.prefixes(digits):
            for m in self.by_prefix.get(prefix, ()):
                if m.id not in seen and m.matches_hts(digits):
                    seen[m.id] = m
        return list(seen.values())

    def candidates_for(self, digits: str, origin: str) -> list[Measure]:
        """Duty measures matching line and origin, plus every exemption matching the line.

        Computed on each call; the engine memoises it (``service.engine.stacking.measures_for``)."""
        return [m for m in self.candidates(digits) if m.kind == "exemption" or m.matches_origin(origin)]

    def line_for(self, digits: str) -> HtsLine:
        """The covered HTS line for a code: exact, or the covered parent of a longer code."""
        if digits in self.lines:
            return self.lines[digits]
        for prefix in htsmod.prefixes(digits)[1:]:
            if prefix in self.lines and len(prefix) >= 8:
                return self.lines[prefix]
        children = sorted(code for code in self.lines if code.startswith(digits))
        if children:
            listed = ", ".join(htsmod.dotted(c) for c in children[:12])
            raise NotCovered(f"HTS {htsmod.dotted(digits)} is not specific enough: it covers several covered lines "
                             "(statistical suffixes or subheadings)", hint=f"give one of: {listed}")
        near = sorted(code for code in self.lines if code[:4] == digits[:4])
        hint = ("covered lines in this heading: " + ", ".join(htsmod.dotted(c) for c in near[:12])) if near else \
            "see GET /v1/hts or tariff_tables/hts/ for the covered lines"
        raise NotCovered(f"HTS {htsmod.dotted(digits)} is not covered by the tariff tables", hint=hint)

    def boundaries(self) -> list[date]:
        """Every date on which some measure or line rate starts or ends (computed once)."""
        if self._boundaries is None:
            self._boundaries = self._compute_boundaries()
        return self._boundaries

    def _compute_boundaries(self) -> list[date]:
        days = set()
        for m in self.measures.values():
            days.update(m.boundaries())
        for line in self.lines.values():
            for r in line.rates:
                days.add(r.start)
                if r.end:
                    days.add(r.end)
        for fee in self.fees.values():
            days.update(fee.boundaries())
        return sorted(d for d in days if d >= self.coverage_from)
