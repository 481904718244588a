"""The stack cache (value-free lines priced once at a value of 1, then
rescaled) gives exactly the document of the full computation."""
import itertools

import pytest

from service import load_tables, parse_line
from service.engine.quote import _quote, quote

ORIGINS = ("CN", "KR", "DE", "CA", "MX", "VN", "JP", "GB")
DATES = ("2024-06-20", "2025-04-10", "2025-05-20", "2025-12-01", "2026-01-15", "2026-03-10", "2026-09-01")
VALUES = ("0", "0.01", "1", "12345.67", "99999.99", "250000", "987654321.05")


@pytest.fixture(scope="module")
def fresh():
    return load_tables()   # a new tables object has its own engine caches, so nothing is already memoised


@pytest.mark.slow  # exhaustive: every line x 8 origins x 7 dates x 7 values, priced twice
def test_rescaled_documents_equal_the_full_computation(fresh):
    checked = 0
    for digits, origin, day in itertools.product(sorted(fresh.lines), ORIGINS, DATES):
        if fresh.lines[digits].rate_on(__import__("datetime").date.fromisoformat(day)) is None:
            continue
        for value in VALUES:
            line = parse_line({"hts": digits, "origin": origin, "entry_date": day, "value": value})
            try:
                expected = _quote(fresh, line).doc   # the full computation, as objects; compare documents
            except Exception as exc:  # e.g. a specific rate needing a quantity
                with pytest.raises(type(exc)) as raised:
                    quote(fresh, line)
                assert str(raised.value) == str(exc), (digits, origin, day, value)
                assert getattr(raised.value, "errors", None) == getattr(exc, "errors", None)
                continue
            assert quote(fresh, line) == expected, (digits, origin, day, value)
            checked += 1
    assert checked > 5000


def test_lines_with_content_values_bypass_the_stack_cache(fresh):
    line = parse_line({"hts": "7326.90.86.88", "origin": "CN", "entry_date": "2025-07-01", "value": "10000",
                       "steel_content_value": "4000"})
    assert quote(fresh, line) == _quote(fresh, line).doc
    assert quote(fresh, line)["total_duty"] == "7390.00"


def test_all_in_rate_is_the_all_in_less_the_column_1_rate(fresh):
    # KORUS not claimed: 15% all-in less MFN 3.4% = 11.6%, whatever the value's cents.
    doc = quote(fresh, parse_line({"hts": "8507.60.00.20", "origin": "KR", "entry_date": "2025-12-01",
                                   "value": "12345.67"}))
    reciprocal = next(x for x in doc["layers"] if x["program"] == "ieepa_reciprocal")
    assert reciprocal["rate"] == "0.116"
    # 12,345.67 x 11.6% = 1,432.10; x 3.4% = 419.75; total 1,851.85
    assert (reciprocal["duty"], doc["total_duty"]) == ("1432.10", "1851.85")
