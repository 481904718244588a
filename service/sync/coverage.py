"""What the tables cover, read once per run: what a source's news is matched against."""
from __future__ import annotations

import re
from dataclasses import dataclass

from service.model import hts as htsmod
from service.tables.tables import Tables

HEADING_99 = re.compile(r"\b99\d\d\.\d\d\.\d\d\b")
CASE = re.compile(r"\b[AC]-\d{3}-\d{3}\b")
# An HTS code as sources print it: 8507.60.00, 8507.60.0020, 8507.60.00.20, 850760 (6+ digits with dots).
HTS_IN_TEXT = re.compile(r"\b(\d{4})\.(\d{2})(?:\.(\d{2})(?:\.?(\d{2}))?)?\b")


@dataclass(frozen=True)
class Coverage:
    lines: frozenset[str]          # covered HTS digits (8 or 10)
    headings: frozenset[str]       # chapter 99 headings the tables file, dotted (9903.05.31)
    cases: frozenset[str]          # AD/CVD case numbers (A-570-194)
    programs: frozenset[str]
    currencies: frozenset[str]     # currencies of the FX table
    measure_by_heading: dict       # heading -> tuple of measure ids

    def lines_named(self, text: str) -> tuple[str, ...]:
        """Covered lines a text names: a code in the text equal to, a parent of, or a child of a covered line."""
        found = set()
        for m in HTS_IN_TEXT.finditer(text):
            digits = "".join(g for g in m.groups() if g)
            found.update(code for code in self.lines if code.startswith(digits) or digits.startswith(code))
        return tuple(sorted(found))

    def headings_named(self, text: str) -> tuple[str, ...]:
        return tuple(sorted({h for h in HEADING_99.findall(text) if h in self.headings}))

    def cases_named(self, text: str) -> tuple[str, ...]:
        return tuple(sorted({c for c in CASE.findall(text) if c in self.cases}))

    def measures_for_headings(self, headings) -> tuple[str, ...]:
        return tuple(sorted({m for h in headings for m in self.measure_by_heading.get(h, ())}))


def coverage(tables: Tables) -> Coverage:
    by_heading: dict[str, set] = {}
    cases = set()
    for m in tables.measures.values():
        for v in m.values:
            for heading in (v.heading, getattr(v, "heading_at_or_above", None)):
                if heading and heading.startswith("99"):
                    by_heading.setdefault(heading, set()).add(m.id)
            if v.case:
                cases.update(CASE.findall(v.case))
    return Coverage(
        lines=frozenset(tables.lines),
        headings=frozenset(by_heading),
        cases=frozenset(cases),
        programs=frozenset(tables.programs),
        currencies=frozenset(tables.fx.currencies) if tables.fx else frozenset(),
        measure_by_heading={h: tuple(sorted(ids)) for h, ids in by_heading.items()},
    )


def dotted(digits: str) -> str:
    return htsmod.dotted(digits)
