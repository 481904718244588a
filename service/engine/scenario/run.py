"""Each endpoint's engine function run on the tables and on the tables with a scenario, merged and marked
(``service.engine.scenario.marks``).  The engine functions themselves are unchanged."""
from __future__ import annotations

from service.model.scenarios import Scenario
from service.engine.scenario import marks as docs
from service.engine.compare import compare
from service.engine.credit.position import entry_position, position_doc
from service.engine.credit.inputs import Project
from service.engine.entry import parse_entry
from service.engine.landed_cost import price_entry
from service.engine.landed_doc import entry_doc
from service.engine.line_input import LineInput
from service.engine.ranges import answered_quote
from service.engine.scenario.apply import apply, summary
from service.engine.schedule import schedule
from service.engine.timeline import timeline


def quote_with(tables, scenario: Scenario, line: LineInput, brief: bool = False) -> dict:
    """A duty quote with the scenario; ``brief``: the scenario named only (a batch gives the rest once)."""
    mine = answered_quote(apply(tables, scenario), line)
    base = answered_quote(tables, line)
    about = {"name": scenario.name} if brief else summary(tables, scenario)
    return docs.quote_doc(mine, base, scenario, about)


def timeline_with(tables, scenario: Scenario, line: LineInput, start, end) -> dict:
    return docs.timeline_doc(timeline(apply(tables, scenario), line, start, end), timeline(tables, line, start, end),
                             scenario, summary(tables, scenario))


def landed_with(tables, scenario: Scenario, entry, project: Project | None = None):
    """The landed cost with the scenario: its result (for the tabular forms) and its document, with the
    project's credit position (if any) with the scenario and its figures without it."""
    result, base = price_entry(apply(tables, scenario), entry), price_entry(tables, entry)
    doc = docs.landed_doc(entry_doc(result), entry_doc(base), scenario, summary(tables, scenario))
    if project is not None:
        doc["credit"] = position_doc(entry_position(tables, project, result))
        without, changed = docs.credit_without(doc, position_doc(entry_position(tables, project, base)))
        doc["scenario"]["without_scenario"].update(without)
        doc["scenario"]["changed"] += changed
    return result, doc


def compare_with(tables, scenario: Scenario, data: dict) -> dict:
    return docs.compare_doc(compare(apply(tables, scenario), data), compare(tables, data), scenario,
                            summary(tables, scenario))


def schedule_with(tables, scenario: Scenario, data: dict) -> dict:
    derived = apply(tables, scenario)
    mine, base = schedule(derived, data), schedule(tables, data)
    shared = {k: v for k, v in data.items() if k != "shipments"}
    entries = []
    for shipment in mine["shipments"]:      # each shipment's lines with their layers, as the schedule priced them
        entry = parse_entry(tables, {**shared, **data["shipments"][shipment["index"]]})
        entries.append((entry_doc(price_entry(derived, entry)), entry_doc(price_entry(tables, entry))))
    return docs.schedule_doc(mine, base, entries, scenario, summary(tables, scenario))


__all__ = ["compare_with", "landed_with", "quote_with", "schedule_with", "timeline_with"]
