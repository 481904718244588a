"""Issue 14 review: the audit's memos are one bounded helper (service.engine.cache.IdentityCache), keyed on an
object's identity, never answering for another object that reuses an id, never keeping a tables object alive."""
import gc
import weakref

from service.engine.audit import compare as audit_compare, document as audit_doc, inputs as audit_input, run as audit
from service.engine.cache import IdentityCache


class Owner:
    """A weak-referenceable stand-in for a tables object."""


def test_an_identity_cache_is_bounded_least_recently_used_first_out():
    c = IdentityCache(3)
    owners = [Owner() for _ in range(5)]
    for i, o in enumerate(owners):
        c.put(o, "x", value=i)
    assert len(c) == 3
    assert [c.get(o, "x") for o in owners] == [None, None, 2, 3, 4]


def test_an_identity_cache_answers_only_for_the_same_object_and_parts():
    c = IdentityCache(10)
    a, b = tuple(["w1"]), tuple(["w1"])    # equal, not the same object: a tuple of warnings per stack
    c.put(a, value="kept")
    assert c.get(a) == "kept" and c.get(b) is None and c.get(a, "other") is None
    assert c.get(b, default=0) == 0


def test_a_weak_identity_cache_does_not_keep_its_owner_alive_nor_answer_for_an_id_reused():
    c = IdentityCache(10, weak=True)
    owner = Owner()
    ref = weakref.ref(owner)
    c.put(owner, 1, value="index")
    assert c.get(owner, 1) == "index"
    key = id(owner)
    del owner
    gc.collect()
    assert ref() is None                              # the cache did not keep it
    # whatever object gets that id next, the entry is not its: the weak reference is dead
    newcomer = Owner()
    if id(newcomer) == key:
        assert c.get(newcomer, 1) is None


def test_the_audit_memos_are_identity_caches_with_bounds(client):
    # the six memos of the audit, each one bounded helper (the review counted six hand-written copies)
    memos = {"heading index": audit_compare._INDEXES, "unassessed headings": audit_compare._UNASSESSED,
             "line templates": audit_input._TEMPLATES, "line warnings": audit_doc._WARNINGS,
             "legal status documents": audit_doc._LEGAL, "interest growth": audit._GROWTH}
    assert all(isinstance(m, IdentityCache) for m in memos.values()), memos
    from test_audit import BATTERY_2025, JANUARY_2026
    r = client.post("/v1/audit", json={"audit_date": "2026-06-01", "lines": [BATTERY_2025, JANUARY_2026]})
    assert r.status_code == 200
    assert 0 < len(audit_doc._LEGAL) <= audit_doc._LEGAL._lru.maxsize
    assert 0 < len(audit._GROWTH) <= audit._GROWTH._lru.maxsize
