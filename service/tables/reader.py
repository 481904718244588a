"""The reading context shared by every table reader: files, errors, country groups.

A compiler reports every defect, not the first: :meth:`Reader.collecting`
records a :class:`~service.model.errors.TableError` and lets the reader go on
with the next item; :meth:`Reader.raise_collected` raises them all at once.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from service.model import countries as iso
from service.model import hts as htsmod
from service.model.errors import TableError, TableErrors
from service.tables import fields as f
from service.tables.yamlsrc import Located, load as load_yaml


class Reader:
    def __init__(self, directory: Path):
        self.dir = directory
        self.aliases: dict[str, str] = {}
        self.groups: dict[str, frozenset[str]] = {}
        self.errors: list[TableError] = []

    @contextmanager
    def collecting(self):
        """Record a :class:`TableError` and go on with the next item (a compiler reports them all)."""
        try:
            yield
        except TableErrors as exc:
            self.errors.extend(exc.errors)
        except TableError as exc:
            self.errors.append(exc)

    def failed_since(self, count: int) -> bool:
        """Whether an error was recorded after ``count`` errors had been."""
        return len(self.errors) > count

    def raise_collected(self) -> None:
        if self.errors:
            raise TableErrors(self.errors)

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.dir))
        except ValueError:
            return str(path)

    def read(self, path: Path):
        name = self.rel(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise TableError(f"{name}:1", "file is not UTF-8") from None
        return load_yaml(text, name)

    def read_mapping(self, path: Path) -> Located:
        """A table file whose top level is a mapping."""
        return f.expect_map(self.read(path), f"{self.rel(path)}:1")

    def country_set(self, node: Located, key: str) -> frozenset[str] | None:
        """Country codes and group names as a set of ISO codes; ``None`` for ``*`` (every origin)."""
        items = f.list_of(node, key, required=False)
        out = set()
        for i, code in enumerate(items):
            if not isinstance(code, str):
                raise TableError(items.where(i), f"{key!r}: country codes must be text")
            if code == "*":
                return None
            if code in self.groups:
                out |= self.groups[code]
                continue
            try:
                out.add(iso.normalize(code))
            except ValueError as exc:
                raise TableError(items.where(i), f"{key!r}: {exc}") from None
        return frozenset(out)

    def hts_prefixes(self, node: Located, key: str, required: bool) -> tuple[str, ...]:
        """HTS codes of a scope as digit prefixes; ``""`` for ``*`` (every line)."""
        items = f.list_of(node, key, required)
        out = []
        for i, code in enumerate(items):
            if code == "*":
                out.append("")
                continue
            try:
                out.append(htsmod.normalize(code))
            except ValueError as exc:
                raise TableError(items.where(i), f"{key!r}: {exc}") from None
        return tuple(out)
