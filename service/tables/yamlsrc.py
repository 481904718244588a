"""Strict YAML reading for the tariff tables.

Every scalar comes back as a ``str``: codes, rates and dates must never turn
into floats, booleans or ``datetime.date`` behind the author's back.  A plain
(unquoted) scalar that YAML 1.1 would read as a number, boolean or timestamp is
refused with its file and line, so ``rate: 0.10`` or ``origin: [NO]`` cannot
slip in.  The only plain scalar with a meaning of its own is ``null``/``~``
(an open end date), which loads as ``None``.

Mappings come back as :class:`Located` dicts that remember their file and the
line of every key, so later validation can name ``file:line``.
"""
from __future__ import annotations

import yaml

from service.model.errors import TableError

# Tags PyYAML's resolver would give a plain scalar that we refuse.
_SURPRISING = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a float",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:timestamp": "a date",
}
_NULL_TAG = "tag:yaml.org,2002:null"


class Located(dict):
    """A mapping that knows where it came from (file and line of each key)."""

    __slots__ = ("file", "line", "key_lines")

    def where(self, key: str | None = None) -> str:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return f"{self.file}:{line}"


class LocatedList(list):
    __slots__ = ("file", "line", "item_lines")

    def where(self, index: int | None = None) -> str:
        if index is None or index >= len(self.item_lines):
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.item_lines[index]}"


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps every scalar a string and records lines."""


def _where(loader: _Loader, node: yaml.Node) -> str:
    return f"{loader.name}:{node.start_mark.line + 1}"


def _scalar(loader: _Loader, node: yaml.ScalarNode):
    value = loader.construct_scalar(node)
    if node.style is None or node.style == "":  # plain scalar
        if node.tag == _NULL_TAG:
            return None
        if node.tag in _SURPRISING:
            raise TableError(
                _where(loader, node),
                f"unquoted value {value!r} would load as {_SURPRISING[node.tag]}; "
                f"quote it (\"{value}\")",
            )
    return value


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    out = Located()
    out.file = loader.name
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise TableError(_where(loader, key_node), "mapping keys must be plain text")
        key = loader.construct_scalar(key_node)
        if key in out:
            raise TableError(_where(loader, key_node), f"duplicate key {key!r}")
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LocatedList:
    out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
    out.file = loader.name
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


for _tag in ("str", "int", "float", "bool", "timestamp", "null"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _scalar)
_Loader.add_constructor("tag:yaml.org,2002:map", _mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _sequence)
_Loader.add_constructor(None, lambda loader, node: (_ for _ in ()).throw(
    TableError(_where(loader, node), f"YAML tag {node.tag!r} is not allowed")))

def load(text: str, name: str):
    """Parse one table file; raise :class:`TableError` with ``name:line``."""
    loader = _Loader(text)
    loader.name = name
    try:
        node = loader.get_single_node()
        if node is None:
            raise TableError(f"{name}:1", "file is empty")
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise TableError(f"{name}:{line}", f"YAML syntax: {exc.problem or exc}") from None
    finally:
        loader.dispose()
