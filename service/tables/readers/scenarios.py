"""``scenarios/*.yaml`` and a request's ``scenario`` object: hypothetical measures and ends of measures.

A scenario's added measures are measure documents exactly as in a
``measures/<program>/*.yaml`` file, each with its ``program`` (in a table the
file says it), read by the measures reader itself, so a scenario measure is
checked like a table row; their ids are ``scenario/<name>/<local id>``.  An
end names an existing measure and ``on``, the first day it is no longer in
force; ``successor`` names an added measure that the exemptions, replacements
and layer conditions naming the ended one also name (a rate raised by ending
a measure and adding its replacement keeps its exemptions).

A shipped file is named by its stem and read at load time (``file:line``); a
request's object is turned into the same located nodes, whose positions are
field paths (``scenario.measures.0.values.0.rate``).
"""
from __future__ import annotations

import difflib
import re
from decimal import Decimal
from pathlib import Path

from service.model.errors import TableError, TableErrors
from service.model.scenarios import ID_PREFIX, Scenario, ScenarioEnd
from service.tables import fields as f
from service.tables.checks import cross_check
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.readers import measures as measure_reader
from service.tables.yamlsrc import Located, LocatedList

SCENARIO_FILE = Keys({"description"}, {"measures", "end", "use"})
SCENARIO_REQUEST = Keys(set(), {"name", "description", "measures", "end", "use"})
SCENARIO_MEASURE = Keys(measure_reader.MEASURE.required | {"program"}, measure_reader.MEASURE.optional)
END = Keys({"measure", "on"}, {"note", "successor"})
NAME = re.compile(r"^[a-z0-9_]{1,60}$")
REQUEST_NAME = "custom"          # the name of a request's scenario that gives none
MAX_ITEMS = 50                   # measures, and ends, in one request's scenario


def read_scenario_file(reader: Reader, path: Path, tables, shipped: dict[str, Scenario]) -> Scenario:
    """A shipped scenario, named by its file's stem; ``shipped``: those read before it (for ``use``)."""
    node = reader.read_mapping(path)
    f.check_keys(node, SCENARIO_FILE)
    name = path.stem
    if not NAME.match(name):
        raise TableError(node.where(), f"scenario file name {name!r}: use lower-case letters, digits and _")
    return _read(reader, node, name, tables, shipped, shipped=True)


def read_scenario_request(tables, data: dict, field: str) -> Scenario:
    """A request's scenario object; raise :class:`TableErrors` whose ``where`` are field paths under ``field``."""
    node = located(data, field)
    f.check_keys(node, SCENARIO_REQUEST)
    name = node.get("name", REQUEST_NAME)
    if not isinstance(name, str) or not NAME.match(name):
        raise TableError(node.where("name"), "'name': lower-case letters, digits and _ (at most 60)")
    for key in ("measures", "end"):
        if len(f.list_of(node, key, False)) > MAX_ITEMS:
            raise TableError(node.where(key), f"{key!r}: at most {MAX_ITEMS} items")
    if not any(k in node for k in ("measures", "end", "use")):
        raise TableError(node.where(), "a scenario needs 'measures', 'end' or 'use' (a shipped scenario)")
    reader = Reader(tables.directory)
    reader.aliases, reader.groups = tables.aliases, tables.groups
    return _read(reader, node, name, tables, tables.scenarios, shipped=False)


def _read(reader: Reader, node: Located, name: str, tables, known: dict[str, Scenario], shipped: bool) -> Scenario:
    """What a file and a request share: ``use``, the added measures, the ends; every defect collected."""
    base = _based_on(node, known)
    description = f.text(node, "description", shipped) or (base.description if base else "")
    inherited = {m.id: m for m in base.measures} if base else {}
    own: dict = {}
    count = len(reader.errors)
    with reader.collecting():
        _read_measures(reader, node, f"{ID_PREFIX}{name}/", tables, dict(inherited), own)
    _raise_new(reader, count)
    added = {**inherited, **own}
    reader.errors.extend(_references(tables, added, own))
    _raise_new(reader, count)
    ends = _read_ends(reader, node, f"{ID_PREFIX}{name}/", tables, added, own)
    return Scenario(name, description, tuple(added.values()), (base.ends if base else ()) + ends, node.where(),
                    shipped, base.name if base else None)


def _based_on(node: Located, known: dict[str, Scenario]) -> Scenario | None:
    if "use" not in node:
        return None
    use = f.text(node, "use")
    if use not in known:
        raise TableError(node.where("use"), f"unknown scenario {use!r}" + _close(use, known, "shipped scenarios"))
    return known[use]


def _read_measures(reader: Reader, node: Located, stem: str, tables, seen: dict, into: dict) -> None:
    """Each added measure: its ``program``, then the measure exactly as the measures reader reads it."""
    items = f.list_of(node, "measures", False)
    for i, item in enumerate(items):
        with reader.collecting():
            m = f.expect_map(item, items.where(i))
            f.check_keys(m, SCENARIO_MEASURE)
            program = f.text(m, "program")
            if program not in tables.programs:
                raise TableError(m.where("program"), f"unknown program {program!r}"
                                                     + _close(program, tables.programs, "programs"))
            found: dict = dict(seen)
            measure_reader._read_measure(reader, _without(m, "program"), stem, program, found, None)
            new = {k: v for k, v in found.items() if k not in seen}
            for mid, measure in new.items():
                if mid in tables.measures:
                    raise TableError(m.where("id"), f"measure {mid!r} is a table measure's id")
            seen.update(new)
            into.update(new)


def _references(tables, added: dict, own: dict) -> list[TableError]:
    """The loader's cross-checks (references resolve, scopes reach covered lines), for this scenario's measures."""
    merged = {**tables.measures, **added}
    others = {mid: _Stub(m) for mid, m in merged.items() if mid not in own}
    return cross_check({**others, **own}, tables.special_programs, tables.lines)


class _Stub:
    """A measure as ``cross_check`` sees one already checked: its id and program, nothing to check."""

    def __init__(self, m):
        self.id, self.program, self.where = m.id, m.program, m.where
        self.replaces, self.exempts, self.condition_args, self.hts, self.exclude_hts = (), (), {}, (), ()


def _read_ends(reader: Reader, node: Located, stem: str, tables, added: dict, own: dict) -> tuple:
    items = f.list_of(node, "end", False)
    ends, count = [], len(reader.errors)
    for i, item in enumerate(items):
        with reader.collecting():
            ends.append(_read_end(f.expect_map(item, items.where(i)), stem, tables, added, own))
    _raise_new(reader, count)
    return tuple(ends)


def _raise_new(reader: Reader, count: int) -> None:
    """Raise the errors recorded since ``count`` (taken off the reader: whoever catches them records them)."""
    if len(reader.errors) > count:
        new = reader.errors[count:]
        del reader.errors[count:]
        raise TableErrors(new)


def _read_end(e: Located, stem: str, tables, added: dict, own: dict) -> ScenarioEnd:
    f.check_keys(e, END)
    mid = f.text(e, "measure")
    target = tables.measures.get(mid) or added.get(mid)
    if target is None:
        raise TableError(e.where("measure"), f"unknown measure {mid!r}" + _close(mid, tables.measures, "measure ids"))
    on = f.date_of(e, "on")
    last = target.values[-1].end
    if last is not None and last <= on:
        raise TableError(e.where("on"), f"measure {mid} already ends on {last} (exclusive): ending it on {on} "
                                        "changes nothing")
    successor = f.text(e, "successor", False)
    if successor is not None:
        successor = stem + successor
        if successor not in own:
            raise TableError(e.where("successor"), f"'successor' names no measure this scenario adds "
                                                   f"(its local id: one of {', '.join(sorted(own)) or 'none'})")
    return ScenarioEnd(mid, on, f.text(e, "note", False), successor, e.where())


def _close(name: str, known, what: str) -> str:
    near = difflib.get_close_matches(str(name), [str(k) for k in known], n=5, cutoff=0.5)
    return f"; closest {what}: {', '.join(near)}" if near else ""


def _without(node: Located, key: str) -> Located:
    """A copy of ``node`` (same type and positions) without ``key``."""
    out = type(node)((k, v) for k, v in node.items() if k != key)
    out.file, out.line, out.key_lines = node.file, node.line, node.key_lines
    return out


# ----------------------------------------------------- a request's JSON object

class _PathMap(Located):
    """A request's object located by field path: ``where("rate")`` is ``scenario.measures.0.values.0.rate``."""

    __slots__ = ()

    def where(self, key: str | None = None) -> str:
        return self.file if key is None else f"{self.file}.{key}"


class _PathList(LocatedList):
    __slots__ = ()

    def where(self, index: int | None = None) -> str:
        return self.file if index is None else f"{self.file}.{index}"


def located(value, path: str):
    """JSON as the tables' located nodes; a number or boolean is refused (the tables quote every value)."""
    if isinstance(value, dict):
        out = _PathMap((k, located(v, f"{path}.{k}")) for k, v in value.items())
        out.file, out.line, out.key_lines = path, 0, {}
        return out
    if isinstance(value, list):
        out = _PathList(located(v, f"{path}.{i}") for i, v in enumerate(value))
        out.file, out.line, out.item_lines = path, 0, [0] * len(value)
        return out
    if isinstance(value, (bool, int, float, Decimal)):
        raise TableError(path, f"{value!r} must be text: rates, dates and codes are JSON strings "
                               "(\"0.25\" or \"25%\", \"2027-01-01\"), as in the tables")
    return value


__all__ = ["read_scenario_file", "read_scenario_request", "located"]
