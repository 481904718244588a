"""Bad input is a clear error naming the field; uncovered codes are 'not covered', never 0%."""
import pytest

from service import InputError, NotCovered, parse_line


@pytest.mark.parametrize("field, value, message", [
    ("hts", "85076", "malformed HTS code"),
    ("hts", "8507.6.00", "malformed HTS code"),
    ("origin", "XX", "unknown country code"),
    ("entry_date", "2026-02-30", "no such date"),
    ("entry_date", "15/01/2026", "YYYY-MM-DD"),
    ("value", "-5", "must not be negative"),
    ("value", "NaN", "finite"),
    ("value", "Infinity", "finite"),
    ("value", "1e400", "written with an exponent"),
    ("value", "abc", "not a decimal"),
    ("mode", "ship", "must be one of"),
])
def test_bad_field(field, value, message):
    data = {"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": "100", field: value}
    with pytest.raises(InputError) as exc:
        parse_line(data)
    assert field in exc.value.errors
    assert message in exc.value.errors[field][0]


def test_missing_and_unknown_fields():
    with pytest.raises(InputError) as exc:
        parse_line({"hts": "8507.60.00.20", "origin": "CN", "valu": "1"})
    assert set(exc.value.errors) == {"valu", "entry_date", "value"}


def test_float_is_refused():
    with pytest.raises(InputError) as exc:
        parse_line({"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": 100.5})
    assert "decimal string" in exc.value.errors["value"][0]


def test_content_larger_than_value():
    with pytest.raises(InputError) as exc:
        parse_line({"hts": "7326.90.86", "origin": "CN", "entry_date": "2026-01-15", "value": "100",
                    "steel_content_value": "150"})
    assert "steel_content_value" in exc.value.errors


def test_uncovered_hts_is_not_priced(q):
    with pytest.raises(NotCovered) as exc:
        q("8471.30.01", "CN", "2026-01-15")
    assert "not covered" in exc.value.message
    assert exc.value.field == "hts"


def test_ambiguous_hts_lists_the_choices(q):
    with pytest.raises(NotCovered) as exc:
        q("8507.60", "CN", "2026-01-15")
    assert "8507.60.00.10" in exc.value.hint and "8507.60.00.20" in exc.value.hint
    assert exc.value.field == "hts"


def test_longer_code_resolves_to_covered_parent(q):
    assert q("8504.40.95.70.00"[:13], "CN", "2026-01-15")["hts"] == "8504.40.95.70"
    assert q("8424100000", "CN", "2026-01-15")["hts"] == "8424.10.00"


def test_date_before_coverage(q):
    with pytest.raises(InputError) as exc:
        q("8507.60.00.20", "CN", "2023-06-01")
    assert "entry_date" in exc.value.errors


def test_preference_for_wrong_country(q):
    with pytest.raises(InputError) as exc:
        q("8507.60.00.20", "CN", "2026-01-15", preference="KR")
    assert "preference" in exc.value.errors


def test_future_date_is_priced_with_a_warning(q, tables):
    # Issue 13: a warning (was an assumption), worded in tests/test_freshness.py.
    r = q("8507.60.00.20", "CN", "2027-03-01")
    assert any(w.startswith(f"entry date 2027-03-01 is after the tables' as-of date {tables.as_of}")
               for w in r["warnings"])
