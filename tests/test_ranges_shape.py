"""The duty range's fast path (a value-free line's range shape, kept per unit line in the engine caches, and
at each value only the layers priced and summed) gives exactly the range of the direct computation: every
combination of the missing facts' values priced from scratch (``_quote``, no cache) at the line's own value.

The reference below follows the rules stated in ``service.engine.ranges`` (module docstring) and shares none
of its pricing code: it reads the facts with ``missing_facts`` and sets them with ``vary``, nothing else.
"""
import datetime
import itertools

import pytest

from service import load_tables, parse_line
from service.engine import ranges
from service.engine.line_input import known_facts
from service.engine.quote import _quote, quote, quote_stack
from service.model.errors import InputError, NotCovered
from service.engine.cache import LruCache
from service.model.money import fmt_money

ORIGINS = ("CN", "MX", "DE", "CA", "KR", "VN")
DATES = ("2025-04-10", "2025-12-01", "2026-03-02", "2026-10-01")
# values whose products round differently at the half cent, tiny and huge values, and a value of 0
VALUES = ("0", "0.01", "0.05", "1", "3.33", "12345.67", "99999.99", "250000", "987654321.05")
EXTRAS = ({}, {"facts": "vehicle_part=yes"}, {"steel_content_value": "0.01"})


@pytest.fixture(scope="module")
def fresh():
    return load_tables()   # its own engine caches: nothing memoised by other test modules


def direct_total(tables, line, facts, labels):
    """The total duty with each fact at the value labelled, priced from scratch; None if it cannot be."""
    settings = {f.name: dict(f.options)[label] for f, label in zip(facts, labels)}
    try:
        return _quote(tables, ranges.vary(line, settings)).total_duty
    except (InputError, NotCovered):
        return None


def direct_range(tables, line) -> dict | None:
    """The range document as the rules define it, without the plan, the shape or any engine cache."""
    stack = _quote(tables, line)
    facts = ranges.missing_facts(tables, line, stack.assumptions, stack.not_applied)
    if not facts:
        return None
    assumed = tuple(f.assumed for f in facts)
    total = {}

    def priced(labels):
        if labels not in total:
            total[labels] = direct_total(tables, line, facts, labels)
        return total[labels]

    def alone(k):
        tried = [(label, priced(assumed[:k] + (label,) + assumed[k + 1:])) for label, _ in facts[k].options]
        return [(label, t) for label, t in tried if t is not None]

    size = 1
    for f in facts:
        size *= len(f.options)
    every = size <= ranges.MAX_COMBINATIONS
    if every:   # a fact moves if its values differ for some values of the others
        combos = list(itertools.product(*[[label for label, _ in f.options] for f in facts]))
        for c in combos:
            priced(c)
        moves = [any(len({priced(c) for c in combos if c[:k] + c[k + 1:] == other and priced(c) is not None}) > 1
                     for other in {c[:k] + c[k + 1:] for c in combos}) for k in range(len(facts))]
        values = [alone(k) for k in range(len(facts))]
        method = f"every combination of the values of {len(facts)} fact(s) priced ({size} combinations)"
    else:       # each alone, then all at their lowest and all at their highest (as priced alone)
        values = [alone(k) for k in range(len(facts))]
        moves = [len({t for _, t in v}) > 1 for v in values]
        for pick in (min, max):
            priced(tuple(pick(v, key=lambda x: x[1])[0] if v else f.assumed for f, v in zip(facts, values)))
        method = (f"{size} combinations are too many: each fact priced on its own with the others at today's "
                  "assumption, then all facts at their lowest and all at their highest")
    found = [t for t in total.values() if t is not None]
    return {"assumed": fmt_money(priced(assumed)), "low": fmt_money(min(found)), "high": fmt_money(max(found)),
            "facts": [{"fact": f.name, "assumption": f.assumed,
                       "values": [{"value": label, "total_duty": fmt_money(t)} for label, t in v], "moves": m}
                      for f, v, m in zip(facts, values, moves)],
            "method": method + ranges._METHOD_NOTES}


def check_lines(tables, codes, origins, dates, values, extras) -> int:
    """Compare every line's range (document and objects) with the direct computation; the lines with a range."""
    with_range = 0
    for code, origin, day, extra in itertools.product(codes, origins, dates, extras):
        if tables.lines[code].rate_on(datetime.date.fromisoformat(day)) is None:
            continue
        for value in values:
            data = {"hts": code, "origin": origin, "entry_date": day, "value": value, **extra}
            try:
                line = parse_line(data, tables.aliases, known_facts(tables))
                doc = quote(tables, line)
            except (InputError, NotCovered):
                continue
            expected = direct_range(tables, line)
            got = ranges.with_duty_range(tables, line, doc)
            assert got.get("duty_range") == expected, data
            found = ranges.duty_range(tables, line, quote_stack(tables, line))
            assert (found.doc() if found else None) == expected, data
            with_range += expected is not None
    return with_range


def test_the_fast_path_equals_the_direct_computation(fresh):
    # value-free lines share one shape per unit line: price them at many values, then at many again
    codes = sorted(fresh.lines)[::23] + ["8507600090", "85444210", "7308909590"]
    assert check_lines(fresh, codes, ("CN", "MX", "DE"), ("2026-03-02", "2026-10-01"), VALUES, EXTRAS) > 300


def test_one_fact_at_a_time_equals_the_direct_computation(fresh, monkeypatch):
    # at most 2 combinations: any line with 2 facts or a fact of 3 values is priced one fact at a time
    monkeypatch.setattr(ranges, "MAX_COMBINATIONS", 2)
    # a range cache of its own: the shapes kept so far price every combination, and these are dropped after
    monkeypatch.setattr(ranges.caches_for(fresh), "ranges", LruCache(1000))
    codes = ["8507600090", "85444210", "7308909590"] + sorted(fresh.lines)[::41]
    assert check_lines(fresh, codes, ("MX", "DE", "CN"), ("2026-10-01",), VALUES[1:7], EXTRAS[:2]) > 50


def test_the_document_and_the_objects_agree_at_any_value(fresh):
    # the shape renders the document directly; its objects' document is the same, value after value
    line = parse_line({"hts": "8507.60.00.90", "origin": "MX", "entry_date": "2026-10-01", "value": "1"})
    shape = ranges._shape(fresh, line)
    assert [f.name for f in shape.facts] == ["vehicle_part", "preference"]
    for cents in range(1, 2000, 7):
        value = parse_line({"hts": "8507.60.00.90", "origin": "MX", "entry_date": "2026-10-01",
                            "value": f"{cents // 100}.{cents % 100:02d}"}).value
        assert shape.doc_at(value) == shape.at(value).doc()


@pytest.mark.slow  # exhaustive: every line x 6 origins x 4 dates x 9 values x 3 extras, priced from scratch
def test_every_line_equals_the_direct_computation(fresh):
    assert check_lines(fresh, sorted(fresh.lines), ORIGINS, DATES, VALUES, EXTRAS) > 10000
