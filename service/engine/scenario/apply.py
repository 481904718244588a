"""Scenarios applied: the tables as they would be with hypothetical measures added and existing ones ended.

``scenario_of(tables, value, field)`` reads a request's ``scenario`` (a shipped
name, or an object in the tables' own schema, checked by the tables' readers;
every defect a 400 naming its field path); ``apply(tables, scenario)`` gives a
derived tables object that the unchanged engine prices.  Derived tables have
their own engine caches (``service.engine.cache`` keys them by identity and
drops them when the object is collected), so a scenario never leaks into the
answers of the tables themselves; the derived tables of shipped scenarios are
kept in a small bounded cache (at most :data:`DERIVED_CACHE_SIZE`), a request's
own scenario is derived for that request only.
``service.engine.scenario.marks`` marks what a scenario changed.
"""
from __future__ import annotations

import dataclasses
from collections import OrderedDict

from service.model.errors import InputError, TableError, TableErrors
from service.model.measures import Measure
from service.model.scenarios import Scenario, ScenarioEnd
from service.engine.cache import IdentityCache
from service.tables.documents import measure_doc
from service.tables.readers.scenarios import read_scenario_request

DERIVED_CACHE_SIZE = 16
NOT_LAW = "hypothetical scenario, not law: every figure marked with it depends on measures that are not in force"
_DERIVED = IdentityCache(DERIVED_CACHE_SIZE, weak=True)   # (tables, shipped scenario name) -> derived tables


def scenario_of(tables, value, field: str = "scenario") -> Scenario | None:
    """A request's scenario: None, a shipped scenario's name, or an object; raise InputError naming the field."""
    if value is None:
        return None
    if isinstance(value, str):
        return shipped(tables, value, field)
    if not isinstance(value, dict):
        raise InputError.field(field, "must be the name of a shipped scenario or a scenario object "
                                      "{name?, description?, measures?, end?, use?}")
    try:
        return read_scenario_request(tables, value, field)
    except TableErrors as exc:
        errors = _field_errors(exc.errors)
    except TableError as exc:
        errors = _field_errors([exc])
    first = next(iter(errors))
    raise InputError(f"invalid scenario: {first}: {errors[first][0]}", errors)


def shipped(tables, name: str, field: str = "scenario") -> Scenario:
    found = tables.scenarios.get(name)
    if found is None:
        names = ", ".join(sorted(tables.scenarios)) or "none"
        raise InputError.field(field, f"unknown scenario {name[:60]!r} (shipped scenarios: {names}; "
                                      "see GET /v1/scenarios)")
    return found


def _field_errors(errors: list[TableError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(e.where, []).append(e.reason)
    return out


# ------------------------------------------------------------------ applying

def apply(tables, scenario: Scenario):
    """The tables with the scenario's measures added and its ends applied (``tables`` itself is not changed)."""
    if scenario.shipped:
        found = _DERIVED.get(tables, scenario.name)
        if found is not None:
            return found
    measures = {**tables.measures, **{m.id: m for m in scenario.measures}}
    for end in scenario.ends:
        _end(measures, end)
    derived = dataclasses.replace(tables, measures=measures, by_prefix={}, exemptions_for={}, _boundaries=None)
    derived.build_indexes()
    if scenario.shipped:
        _DERIVED.put(tables, scenario.name, value=derived)
    return derived


def _end(measures: dict[str, Measure], end: ScenarioEnd) -> None:
    """End one measure; its successor inherits what names it (exemptions, replacements, layer conditions)."""
    ended = measures[end.measure]
    cut = with_end(ended, end.on)
    if cut is None:
        del measures[end.measure]
    else:
        measures[end.measure] = cut
    if end.successor:
        for mid, m in list(measures.items()):
            measures[mid] = _naming_successor(m, ended, end.successor)


def with_end(m: Measure, on) -> Measure | None:
    """``m`` no longer in force from ``on``: values from ``on`` dropped, the one across it cut; None if none left."""
    values = tuple(v if v.end is not None and v.end <= on else dataclasses.replace(v, end=on)
                   for v in m.values if v.start < on)
    return dataclasses.replace(m, values=values) if values else None


def _names(refs, m: Measure) -> bool:
    return any(m.id == r or m.id.startswith(r + "/") for r in refs)


def _naming_successor(m: Measure, ended: Measure, successor: str) -> Measure:
    changes = {}
    if m.kind == "exemption" and _names(m.exempts, ended) and successor not in m.exempts:
        changes["exempts"] = (*m.exempts, successor)
    if _names(m.replaces, ended) and successor not in m.replaces:
        changes["replaces"] = (*m.replaces, successor)
    layers = m.condition_args.get("layers", ())
    if _names(layers, ended) and successor not in layers:
        changes["condition_args"] = {**m.condition_args, "layers": (*layers, successor)}
    return dataclasses.replace(m, **changes) if changes else m


# ------------------------------------------------------------------ describing

def summary(tables, scenario: Scenario) -> OrderedDict:
    """Name, description and what the scenario adds and ends, each with its citations."""
    return OrderedDict(
        name=scenario.name, description=scenario.description, shipped=scenario.shipped,
        based_on=scenario.based_on, note=NOT_LAW,
        measures_added=[measure_doc(m) for m in scenario.measures],
        measures_ended=[_end_doc(tables, scenario, e) for e in scenario.ends],
    )


def _end_doc(tables, scenario: Scenario, end: ScenarioEnd) -> OrderedDict:
    """An end, with the title and the citations of the values it cuts short."""
    m = tables.measures.get(end.measure) or next(x for x in scenario.measures if x.id == end.measure)
    return OrderedDict(measure_id=end.measure, title=m.title, on=end.on.isoformat(), note=end.note,
                       successor=end.successor,
                       citations=[v.cite for v in m.values if v.end is None or v.end > end.on], source=end.where)


def listing(tables) -> list[OrderedDict]:
    """The shipped scenarios (GET /v1/scenarios)."""
    return [summary(tables, tables.scenarios[name]) for name in sorted(tables.scenarios)]


__all__ = ["NOT_LAW", "apply", "listing", "scenario_of", "shipped", "summary", "with_end"]
