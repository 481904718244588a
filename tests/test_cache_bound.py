"""The engine's caches: bounded by entries, least recently used first out,
one set per tables object (dropped with it), safe across threads."""
import gc
import threading

import pytest

from service import load_tables, parse_line
from service.engine import cache
from service.engine.cache import LruCache, caches_for
from service.engine.quote import quote
from service.engine.stacking import measures_for


def test_lru_holds_at_most_its_bound_and_evicts_the_oldest():
    c = LruCache(3)
    for k in range(10):
        c.put(k, str(k))
    assert len(c) == 3
    assert [k in c for k in range(10)] == [False] * 7 + [True] * 3
    assert c.get(0) is None and c.get(9) == "9"


def test_lru_a_read_keeps_an_entry():
    c = LruCache(3)
    for k in "abc":
        c.put(k, k.upper())
    assert c.get("a") == "A"          # now the most recent
    c.put("d", "D")                   # evicts "b", the least recently used
    assert ("a" in c, "b" in c, "c" in c, "d" in c) == (True, False, True, True)
    c.put("c", "C2")                  # overwriting refreshes and does not grow
    c.put("e", "E")
    assert len(c) == 3 and "a" not in c and c.get("c") == "C2"


def test_lru_default_and_falsy_values():
    c = LruCache(2)
    c.put("zero", 0)
    assert c.get("zero", "missing") == 0
    assert c.get("nope", "missing") == "missing"
    with pytest.raises(ValueError):
        LruCache(0)


def test_lru_is_consistent_under_threads():
    c = LruCache(100)

    def work(offset):
        for k in range(2000):
            c.put((offset, k), k)
            c.get((offset, k - 1))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(c) == 100
    assert len(c._data) == 100


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_the_quote_cache_is_bounded_when_more_distinct_lines_than_its_size_are_priced(tables, monkeypatch):
    monkeypatch.setattr(cache, "QUOTE_CACHE_SIZE", 50)
    monkeypatch.setattr(cache, "STACK_CACHE_SIZE", 5)
    cache.clear(tables)
    keys = [("8507.60.00.20", "CN"), ("8507.60.00.20", "KR"), ("8504.40.95.70", "DE"), ("8544.60.40", "VN"),
            ("8537.10.91", "JP"), ("8424.10.00", "CN"), ("7326.90.86.88", "KR")]
    lines = [parse_line({"hts": h, "origin": o, "entry_date": "2026-03-10", "value": str(1000 + i)})
             for i, (h, o) in enumerate(keys * 30)]
    docs = [quote(tables, ln) for ln in lines]
    c = caches_for(tables)
    assert (len(c.quotes), len(c.stacks)) == (50, 5)
    assert lines[-1] in c.quotes and lines[0] not in c.quotes
    # an evicted line is priced again, to the same document
    assert quote(tables, lines[0]) == docs[0] and lines[0] in c.quotes
    cache.clear(tables)


def test_each_tables_object_has_its_own_caches_dropped_with_it():
    first = load_tables()
    line = parse_line({"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-03-10", "value": "1000"})
    quote(first, line)
    assert line in caches_for(first).quotes
    key = id(first)
    assert key in cache._by_tables
    del first
    gc.collect()
    assert key not in cache._by_tables


def test_the_measures_lookup_is_bounded_for_codes_and_origins_callers_choose(tables, monkeypatch):
    """Callers choose the code (any statistical child of a covered 8-digit line) and the origin,
    so the (code, origin) -> measures memo is an engine LRU, not a growing dict on Tables."""
    monkeypatch.setattr(cache, "MEASURES_CACHE_SIZE", 10)
    cache.clear(tables)
    origins = ["CN", "KR", "DE", "VN", "JP", "MX", "CA", "BR", "IN", "TW", "GB", "AU"]
    docs = {o: quote(tables, parse_line({"hts": "8507.60.00.20", "origin": o, "entry_date": "2026-03-10",
                                         "value": "1000"})) for o in origins}
    assert len(caches_for(tables).measures) == 10
    assert not hasattr(tables, "_candidates") and not hasattr(tables, "_by_origin")
    # the lookup itself is unchanged: the memo holds what Tables computes
    assert measures_for(tables, "8507600020", "CN") == tables.candidates_for("8507600020", "CN")
    assert docs["CN"]["total_duty"] != docs["DE"]["total_duty"]
    cache.clear(tables)
