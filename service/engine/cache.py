"""Bounded, thread-safe caches for the engine, one set per loaded tables object.

``Tables`` holds data and indexes only; what the engine memoises lives here.
A tables object is an ``eq`` dataclass and so unhashable: its caches are
kept under ``id(tables)``, and ``weakref.finalize`` drops them when that
object is collected (before its id can be reused by another object).

Each cache is a least-recently-used mapping bounded by entries, chosen so
that a stream of distinct requests cannot grow a worker's memory without
limit: the goal is a gunicorn worker under 150 MB resident after 200,000
distinct priced lines (``bench/memory.py``; the figures, before and after,
are in ``bench/REPORT.md``).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Hashable

QUOTE_CACHE_SIZE = 5_000    # exact input lines -> priced stack
STACK_CACHE_SIZE = 5_000    # value-free stack keys -> stack priced at a value of 1
MEASURES_CACHE_SIZE = 20_000  # (HTS code as given, origin) -> the measures that may reach it
RANGE_CACHE_SIZE = 5_000    # value-free stack keys, or other lines -> their duty range shape (engine/ranges.py)

_MISSING = object()


class LruCache:
    """A mapping bounded to ``maxsize`` entries; the least recently used goes first.

    Safe to share between threads: every read and write holds one lock (a
    read moves the entry to the recent end, so it writes too).
    """

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError("an LRU cache needs room for at least one entry")
        self.maxsize = maxsize
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                return default
            self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._data

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class IdentityCache:
    """A bounded LRU cache keyed on an object's identity (and more key parts), for objects that are
    unhashable or costly to hash (a tables object, a tuple of warnings shared by every line of one stack).

    Each entry keeps the object itself (``weak=True``: a weak reference, for objects that must not be kept
    alive by a cache, such as a tables object), and a lookup checks it is still the same object, so an id
    reused after the first object is collected never finds the first one's value.  Bounded like every
    engine cache: the least recently used entry goes first.
    """

    def __init__(self, maxsize: int, weak: bool = False):
        self._lru = LruCache(maxsize)
        self._weak = weak

    def get(self, owner: Any, *parts: Hashable, default: Any = None) -> Any:
        found = self._lru.get((id(owner), *parts))
        if found is None:
            return default
        ref, value = found
        return value if (ref() if self._weak else ref) is owner else default

    def put(self, owner: Any, *parts: Hashable, value: Any) -> Any:
        """Remember ``value`` for ``owner`` (and ``parts``); return it."""
        self._lru.put((id(owner), *parts), (weakref.ref(owner) if self._weak else owner, value))
        return value

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        self._lru.clear()


@dataclass
class EngineCaches:
    """What the engine memoises for one tables object."""

    quotes: LruCache = field(default_factory=lambda: LruCache(QUOTE_CACHE_SIZE))
    stacks: LruCache = field(default_factory=lambda: LruCache(STACK_CACHE_SIZE))
    measures: LruCache = field(default_factory=lambda: LruCache(MEASURES_CACHE_SIZE))
    ranges: LruCache = field(default_factory=lambda: LruCache(RANGE_CACHE_SIZE))


_by_tables: dict[int, EngineCaches] = {}
_registry_lock = threading.Lock()


def caches_for(tables) -> EngineCaches:
    """The caches of ``tables`` (created on first use, dropped when it is collected)."""
    key = id(tables)
    found = _by_tables.get(key)
    if found is None:
        with _registry_lock:
            found = _by_tables.get(key)
            if found is None:
                found = _by_tables[key] = EngineCaches()
                weakref.finalize(tables, _by_tables.pop, key, None)
    return found


def clear(tables) -> None:
    """Forget what was memoised for ``tables`` (e.g. after editing it in place)."""
    with _registry_lock:
        _by_tables.pop(id(tables), None)
