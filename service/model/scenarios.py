"""Scenarios: hypothetical measures added to the tables, and existing measures ended early.

A scenario is data in the tables' own vocabulary: its added measures are
:class:`~service.model.measures.Measure` objects read by the measures reader
(ids ``scenario/<name>/<local id>``, so they never clash with a table's), its
ends name existing measures and the first day they are no longer in force
(exclusive, like every ``to`` of the tables).  Scenarios are never law: the
engine marks every layer and figure they change (``service.engine.scenario``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from service.model.measures import Measure

ID_PREFIX = "scenario/"


@dataclass(frozen=True)
class ScenarioEnd:
    """An existing measure no longer in force from ``on`` (exclusive end of its last value)."""

    measure: str                   # the id of the measure ended
    on: date                       # first day it is no longer in force
    note: str | None
    successor: str | None          # an added measure that inherits the exemptions and replacements naming it
    where: str


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    measures: tuple[Measure, ...]  # added, ids under scenario/<name>/ (and those of the scenario it starts from)
    ends: tuple[ScenarioEnd, ...]
    where: str                     # file:line of a shipped scenario, or the request field
    shipped: bool = False
    based_on: str | None = None    # the shipped scenario this one starts from ("use")

    @property
    def added_ids(self) -> frozenset[str]:
        return frozenset(m.id for m in self.measures)

    @property
    def ended_ids(self) -> frozenset[str]:
        return frozenset(e.measure for e in self.ends)
