"""``measures/<program>/*.yaml``: Chapter 99 measures, exemptions and notices.

A measure's id is its file path below ``measures/`` without ``.yaml``, then
``/`` and its local ``id``: ``section_301/lists/list_3``.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from service.model.errors import TableError
from service.model.measures import CONDITIONS, LEGAL_STATES, LEGAL_TREATMENT, LegalStatus, Measure, RefundCoverage, Requirement
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.readers.values import read_value
from service.tables.yamlsrc import Located

MEASURE_FILE = Keys({"program", "measures"}, {"title", "description", "legal_status"})
MEASURE = Keys({"id", "title", "scope", "values"},
               {"kind", "replaces", "exempts", "condition", "requires", "open_question", "legal_status", "note"})
SCOPE = Keys({"hts"}, {"exclude_hts", "origin", "exclude_origin"})
CONDITION = Keys({"type"}, {"codes", "layers"})
REQUIREMENT = Keys({"fact", "equals", "default", "note"}, {"otherwise_heading"})
LEGAL_STATUS = Keys({"state", "since", "summary", "cite", "confidence"}, {"url", "refund"})
REFUND = Keys({"routes"}, {"entries_from", "entries_before", "note"})
_ROUTE_ID = re.compile(r"^[a-z0-9_]+$")
KINDS = ("duty", "exemption", "notice")
_LOCAL_ID = re.compile(r"^[A-Za-z0-9_.+-]+$")


def read_measure_file(reader: Reader, path: Path, programs: dict, measures: dict[str, Measure]) -> None:
    node = reader.read_mapping(path)
    f.check_keys(node, MEASURE_FILE)
    program = f.text(node, "program")
    if program not in programs:
        raise TableError(node.where("program"), f"unknown program {program!r} (see programs.yaml)")
    stem = str(Path(reader.rel(path)).relative_to("measures").with_suffix("")).replace(os.sep, "/")
    # A file-level legal_status applies to every duty measure of the file (one action, one lawsuit).
    file_status = None
    if "legal_status" in node:
        with reader.collecting():
            file_status = read_legal_status(node)
    items = f.list_of(node, "measures")
    for i, m in enumerate(items):
        with reader.collecting():
            _read_measure(reader, f.expect_map(m, items.where(i)), f"{stem}/", program, measures, file_status)


def _read_measure(reader: Reader, m: Located, stem: str, program: str, measures: dict[str, Measure],
                  file_status: LegalStatus | None) -> None:
    f.check_keys(m, MEASURE)
    mid = _measure_id(m, stem, measures)
    kind = f.choice(m, "kind", KINDS, "duty")
    scope = f.expect_map(m["scope"], m.where("scope"))
    f.check_keys(scope, SCOPE)
    condition, cargs = _read_condition(m, kind)
    requirements = _read_requirements(m) if "requires" in m else ()
    failed = len(reader.errors)
    values = _read_values(reader, m, kind, condition)
    legal_status = read_legal_status(m) if "legal_status" in m else file_status if kind == "duty" else None
    if reader.failed_since(failed):
        return
    _check_values(m, mid, values)
    measures[mid] = Measure(
        id=mid, program=program, title=f.text(m, "title"), kind=kind,
        hts=reader.hts_prefixes(scope, "hts", True), exclude_hts=reader.hts_prefixes(scope, "exclude_hts", False),
        origins=reader.country_set(scope, "origin") if "origin" in scope else None,
        exclude_origins=reader.country_set(scope, "exclude_origin") or frozenset(),
        values=values, where=m.where(), replaces=tuple(f.list_of(m, "replaces", False)),
        exempts=tuple(f.list_of(m, "exempts", False)), condition=condition, condition_args=cargs,
        requirements=requirements,
        open_question=f.text(m, "open_question", False), legal_status=legal_status)


def _measure_id(m: Located, stem: str, measures: dict[str, Measure]) -> str:
    local = f.text(m, "id")
    if not _LOCAL_ID.match(local):
        raise TableError(m.where("id"), f"malformed measure id {local!r}")
    mid = f"{stem}{local}"
    if mid in measures:
        raise TableError(m.where("id"), f"measure {mid!r} defined twice")
    return mid


def _read_condition(m: Located, kind: str) -> tuple[str, dict]:
    """An exemption's condition (one of the engine's ``CONDITIONS``) and its arguments."""
    if kind != "exemption":
        if "exempts" in m or "condition" in m:
            raise TableError(m.where(), "'exempts'/'condition' belong to exemptions (kind: exemption)")
        return "always", {}
    if "exempts" not in m:
        raise TableError(m.where(), "an exemption needs 'exempts' (programs or measure ids)")
    if "condition" not in m:
        return "always", {}
    cnode = f.expect_map(m.get("condition") or Located(), m.where("condition"))
    condition = f.choice(cnode, "type", CONDITIONS, "always")
    f.check_keys(cnode, CONDITION)
    cargs = {}
    if condition == "preference":
        cargs["codes"] = frozenset(f.list_of(cnode, "codes"))
    if condition == "layer":
        cargs["layers"] = tuple(f.list_of(cnode, "layers"))
    return condition, cargs


def _read_values(reader: Reader, m: Located, kind: str, condition: str) -> tuple:
    """The dated values; errors are collected value by value."""
    vitems = f.list_of(m, "values")
    values = []
    for j, v in enumerate(vitems):
        with reader.collecting():
            values.append(read_value(f.expect_map(v, vitems.where(j)), kind, condition))
    return tuple(values)


def _check_values(m: Located, mid: str, values: tuple) -> None:
    """At least one value; in order and without overlap; in-transit windows after their value's start."""
    if not values:
        raise TableError(m.where("values"), "a measure needs at least one dated value")
    f.check_periods(values, f.list_of(m, "values").where, f"measure {mid}")
    for v in values:
        if v.in_transit and v.in_transit.entered_before <= v.start:
            raise TableError(v.where, "in_transit 'entered_before' must be after the value's 'from'")


def _read_requirements(m: Located) -> tuple[Requirement, ...]:
    """``requires``: one caller fact (a mapping) or several that must all hold (a list of mappings)."""
    node = m["requires"]
    if isinstance(node, Located):
        items = [(node, m.where("requires"))]
    else:
        listed = f.list_of(m, "requires")
        items = [(x, listed.where(i)) for i, x in enumerate(listed)]
    out = []
    for item, where in items:
        r = f.expect_map(item, where)
        f.check_keys(r, REQUIREMENT)
        out.append(Requirement(f.text(r, "fact"), f.text(r, "equals"), f.text(r, "default"), f.text(r, "note"),
                               f.heading(r, "otherwise_heading")))
    if not out:
        raise TableError(m.where("requires"), "'requires' needs at least one fact")
    return tuple(out)


def read_legal_status(node: Located) -> LegalStatus:
    """A measure's contested status, shown next to its layer (the duty as assessed is unchanged).

    A state whose duties are refundable (``voided``, ``terminated``) needs ``refund``: the routes an
    audit tries and the entries covered; a measure still in force (``upheld``) takes none.
    """
    s = f.expect_map(node["legal_status"], node.where("legal_status"))
    f.check_keys(s, LEGAL_STATUS)
    state = f.choice(s, "state", LEGAL_STATES, "challenged")
    refund = _read_refund(s) if "refund" in s else None
    if refund is None and LEGAL_TREATMENT[state] == "refundable":
        raise TableError(s.where("state"), f"legal_status {state!r} needs 'refund' (the routes and the entries "
                                           "the ruling covers)")
    if refund is not None and LEGAL_TREATMENT[state] == "in_force":
        raise TableError(s.where("refund"), f"legal_status {state!r}: a measure in force has no refund")
    return LegalStatus(state, f.date_of(s, "since"), f.text(s, "summary"), f.text(s, "cite"), f.confidence(s),
                       refund)


def _read_refund(s: Located) -> RefundCoverage:
    """``refund``: route ids (checked against refunds/routes.yaml by the loader) and the entries covered."""
    r = f.expect_map(s["refund"], s.where("refund"))
    f.check_keys(r, REFUND)
    routes = f.list_of(r, "routes")
    if not routes:
        raise TableError(r.where("routes"), "'routes' needs at least one route id")
    for i, route in enumerate(routes):
        if not isinstance(route, str) or not _ROUTE_ID.match(route):
            raise TableError(routes.where(i), f"malformed route id {route!r} (a route id of refunds/routes.yaml)")
    start, end = f.date_of(r, "entries_from", False), f.date_of(r, "entries_before", False)
    if start and end and end <= start:
        raise TableError(r.where("entries_before"), "'entries_before' must be after 'entries_from'")
    return RefundCoverage(tuple(routes), start, end, f.text(r, "note", False))
