"""Every dated value of every duty measure, on the day before it starts, its
first day and its last day (python-holidays style).

For each value the test picks a covered line and an origin inside the
measure's scope.  On the first and last day the value must either be applied
(a layer citing exactly this value) or be accounted for in not_applied
(replaced, exempt, or a fact it needs); the day before, no layer may cite it.
"""
from datetime import timedelta

import pytest
from conftest import shipped_tables

from service import parse_line, quote
from service.model.errors import InputError

TABLES = shipped_tables()


def _origin(measure):
    if measure.origins:
        return sorted(measure.origins)[0]
    for code in ("CN", "DE", "VN", "JP"):
        if code not in measure.exclude_origins:
            return code
    raise AssertionError(measure.id)


def _line(measure, day):
    for digits, line in sorted(TABLES.lines.items()):
        if measure.matches_hts(digits) and line.rate_on(day) is not None:
            return digits
    return None


def _cases():
    for m in TABLES.measures.values():
        if m.kind != "duty":
            continue
        for i, v in enumerate(m.values):
            last = (v.end - timedelta(days=1)) if v.end else v.start + timedelta(days=365)
            for label, day in (("before", v.start - timedelta(days=1)), ("first", v.start), ("last", last)):
                if day < TABLES.coverage_from:
                    continue
                yield pytest.param(m.id, i, label, day, id=f"{m.id}#{i}-{label}-{day}")


def _facts(measure):
    """Facts that let the measure apply (every requirement it states)."""
    out = {}
    if measure.requirements:
        out["facts"] = ",".join(f"{r.fact}={r.equals}" for r in measure.requirements)
    return out


@pytest.mark.parametrize("measure_id, index, label, day", list(_cases()))
def test_dated_value_boundaries(measure_id, index, label, day):
    m = TABLES.measures[measure_id]
    v = m.values[index]
    digits = _line(m, day)
    if digits is None:
        pytest.skip("no covered line in scope on this date")
    data = {"hts": digits, "origin": _origin(m), "entry_date": day.isoformat(), "value": "100000",
            "quantity": "1", **_facts(m)}
    try:
        result = quote(TABLES, parse_line(data))
    except InputError as exc:  # e.g. a special rate that needs a fact the test cannot know
        pytest.fail(f"{data}: {exc.errors}")
    citing = [x for x in result["layers"] if x["measure_id"] == m.id and x["citation"] == v.cite]
    if label == "before":
        previous = m.value_on(day)
        if previous is None or previous.cite != v.cite:
            assert not citing, f"{m.id} value from {v.start} used on {day}"
        return
    if citing:
        layer = citing[0]
        if v.rate is not None and not v.exporter_rates:
            assert layer["rate"] == format(v.rate.normalize(), "f")
        assert layer["heading"] == (v.heading or v.case)
        return
    reasons = [n["reason"] for n in result["not_applied"] if n["measure_id"] == m.id]
    assert reasons, f"{m.id} value from {v.start} neither applied nor explained on {day}"
    assert any(word in reasons[0] for word in ("replaced", "exempt", "requires", "is below", "in transit")), reasons
