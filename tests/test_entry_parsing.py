"""ErrorCollector, the entry-line parser and the pure steps of a landed cost."""
from datetime import date
from decimal import Decimal

import pytest

from service.engine.entry import parse_entry, parse_entry_line
from service.engine.landed_cost import landed_cost, price_entry
from service.engine.landed_doc import entry_doc
from service.engine.landed_parts import allocate_costs, allocate_over
from service.engine.quote import quote_stack
from service.engine.line_input import LineInput
from service.model.errors import ErrorCollector, InputError, NotCovered
from service.model.money import parse_amount

D = Decimal


# ------------------------------------------------------------ ErrorCollector

def test_collector_keeps_every_message_in_order_and_raises_once():
    errors = ErrorCollector()
    assert not errors
    errors.raise_if_any("invalid entry")            # nothing collected: no error
    errors.add("b", "first")
    errors.add("a", "second")
    errors.add("b", "third")
    assert errors
    with pytest.raises(InputError) as exc:
        errors.raise_if_any("invalid entry")
    assert str(exc.value) == "invalid entry: b: first"
    assert exc.value.errors == {"b": ["first", "third"], "a": ["second"]}
    assert list(exc.value.errors) == ["b", "a"]


def test_guard_returns_the_value_or_records_a_value_error():
    errors = ErrorCollector()
    assert errors.guard("costs.x", parse_amount, "12.5", "costs.x.amount") == D("12.5")
    assert not errors
    assert errors.guard("costs.x", parse_amount, "-1", "costs.x.amount") is None
    assert errors.errors == {"costs.x": ["costs.x.amount must not be negative"]}


def test_an_input_error_keeps_fields_under_the_same_name_and_files_the_rest_under_the_field():
    errors = ErrorCollector()
    with errors.field("costs.x"):
        raise InputError("two", {"costs.x.currency": ["bad currency"], "elsewhere": ["moved"]})
    assert errors.errors == {"costs.x.currency": ["bad currency"], "costs.x": ["moved"]}


def test_field_context_lets_other_exceptions_through():
    errors = ErrorCollector()
    with pytest.raises(KeyError):
        with errors.field("x"):
            raise KeyError("not a caller's error")
    assert not errors


def test_a_scope_prefixes_its_fields_and_knows_whether_it_recorded_anything():
    errors = ErrorCollector()
    errors.add("name", "bad name")
    line = errors.scoped("lines.3")
    assert not line                                   # the parent's error is not the line's
    line.add("quantity", "missing required field")
    line.merge({"hts": ["malformed", "again"]})
    assert line and errors
    assert errors.errors == {"name": ["bad name"], "lines.3.quantity": ["missing required field"],
                             "lines.3.hts": ["malformed", "again"]}


def test_fail_fast_raises_the_first_error_as_input_error_field_does():
    errors = ErrorCollector(fail_fast=True).scoped("domestic")
    with pytest.raises(InputError) as exc:
        errors.guard("quantity", parse_amount, "x", "domestic.quantity")
    expected = InputError.field("domestic.quantity", "domestic.quantity is not a decimal number: 'x'")
    assert (str(exc.value), exc.value.errors) == (str(expected), expected.errors)


def test_errors_under_a_prefix():
    exc = InputError("invalid entry: lines.0.hts: bad", {"lines.0.hts": ["bad"], "mode": ["m"]}).under("imported.2")
    assert exc.message == "imported.2: invalid entry: lines.0.hts: bad"
    assert exc.errors == {"imported.2.lines.0.hts": ["bad"], "imported.2.mode": ["m"]}
    nc = NotCovered("no rate", "hint", "entry_date").under("imported.0")
    assert (nc.message, nc.hint, nc.field) == ("imported.0: no rate", "hint", "imported.0.entry_date")


# ------------------------------------------------------- entry-line parser

def test_parse_entry_line_reports_its_fields_under_the_line(tables):
    errors = ErrorCollector()
    raw = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "0", "unit_price": "x", "incoterm": "XYZ", "zz": 1}
    assert parse_entry_line(tables, 4, raw, errors, require_prices=True) is None
    assert errors.errors == {
        "lines.4.zz": ["unknown field"],
        "lines.4.quantity": ["must be at least 0.000001"],
        "lines.4.unit_price": ["unit_price is not a decimal number: 'x'"],
        "lines.4.incoterm": ["must be one of EXW, FCA, FOB, CFR, CIF, DAP, DDP"],
    }


def test_parse_entry_line_builds_the_line(tables):
    errors = ErrorCollector()
    raw = {"hts": "8507.60.00.20", "origin": "cn", "quantity": "4", "unit_price": "10", "incoterm": "cif",
           "energy_kwh_per_unit": "0.25", "preference": "KR"}
    line = parse_entry_line(tables, 0, raw, errors, require_prices=True)
    assert not errors
    assert (line.id, line.hts, line.origin, line.incoterm, line.energy_kwh) == ("1", "8507600020", "CN", "CIF", D("1"))
    assert line.duty_fields == (("preference", "KR"),)


def test_parse_entry_names_every_bad_field(tables):
    with pytest.raises(InputError) as exc:
        parse_entry(tables, {"entry_date": "2026-03-10", "allocation": "x", "costs": {"bogus": "1"},
                             "lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "1"}]})
    assert str(exc.value) == "invalid entry: allocation: must be one of value, weight, quantity"
    assert exc.value.errors == {"allocation": ["must be one of value, weight, quantity"],
                                "costs.bogus": ["unknown cost; known: international_freight, insurance, "
                                                "brokerage, inland_freight, other"],
                                "lines.0.unit_price": ["missing required field"]}


# ------------------------------------------------------------- pure steps

def test_allocate_costs_gives_each_line_a_share_of_every_cost_summing_exactly():
    costs = {"international_freight": D("100.00"), "insurance": D("0.01"), "brokerage": D("0")}
    shares = allocate_costs(costs, [D("1"), D("1"), D("1")])
    assert [list(s) for s in shares] == [list(costs)] * 3
    assert [s["international_freight"] for s in shares] == [D("33.34"), D("33.33"), D("33.33")]
    assert [s["insurance"] for s in shares] == [D("0.01"), D("0"), D("0")]
    for name, total in costs.items():
        assert sum(s[name] for s in shares) == total
    assert allocate_costs(costs, []) == []


def test_allocate_over_only_the_chosen_lines():
    parts = allocate_over(D("33.58"), [D("100"), D("1000"), D("300")], [False, True, True])
    assert parts[0] == 0 and sum(parts) == D("33.58")
    # 3358 cents split 1000:300: 2583.08 and 774.92, the spare cent to the larger remainder
    assert parts[1:] == [D("25.83"), D("7.75")]
    assert allocate_over(D("10"), [D("1"), D("2")], [False, False]) == [0, 0]


def _line(preference):
    return LineInput(hts="8507600020", origin="KR", entry_date=date(2026, 3, 10),
                     value=D("1"), preference=preference)


def test_the_stack_says_which_special_program_it_applied(tables):
    """The MPF exemption reads a structured field of the stack, never a measure id."""
    korus = quote_stack(tables, _line("KR"))
    general = quote_stack(tables, _line(None))
    assert korus.special_program == "KR" and general.special_program is None
    assert [x.program for x in korus.layers if x.program == "mfn"] == ["mfn"]


def test_an_8_digit_code_priced_over_its_suffixes_keeps_the_fta_mpf_exemption(tables):
    """2822.00.00 is priced over its statistical suffixes; the KORUS claim still exempts it from MPF
    (the measure-id reading this replaces lost the claim and charged MPF)."""
    body = {"entry_date": "2026-03-10", "lines": [{"hts": "2822.00.00", "origin": "KR", "preference": "KR",
                                                   "quantity": "100", "unit_price": "1000"}]}
    assert "28220000" not in tables.lines and "2822000010" in tables.lines
    doc = landed_cost(tables, parse_entry(tables, body))
    assert doc["lines"][0]["fees"]["mpf"] == "0.00"
    mpf = next(f for f in doc["fees"] if f["fee"] == "mpf")
    assert (mpf["applied"], mpf["amount"]) == (False, "0.00")
    assert mpf["reason"] == "every line claims a preference exempt from MPF"


def test_price_entry_objects_agree_with_the_document(tables):
    body = {"entry_date": "2026-03-10", "export_date": "2026-02-05", "mode": "vessel",
            "costs": {"international_freight": "5000", "insurance": "500", "brokerage": "300"},
            "lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "1000", "unit_price": "105.5",
                       "incoterm": "CIF", "energy_kwh_per_unit": "0.2"},
                      {"hts": "8507.60.00.20", "origin": "KR", "preference": "KR", "quantity": "10",
                       "unit_price": "100"}]}
    entry = parse_entry(tables, body)
    result = price_entry(tables, entry)
    doc = entry_doc(result)
    assert doc == landed_cost(tables, entry)
    t = result.totals
    assert (t.dutiable_value, t.landed_cost, t.energy_kwh) == (D(doc["totals"]["dutiable_value"]),
                                                               D(doc["totals"]["landed_cost"]), D("200"))
    cn, kr = result.lines
    # freight and insurance split by USD value, 105,500 : 1,000 (5,000 x 105,500 / 106,500 = 4,953.05)
    assert cn.priced.deductions == {"international_freight": D("4953.05"), "insurance": D("495.31")}
    assert cn.priced.dutiable == D("105500") - D("4953.05") - D("495.31")
    assert (cn.priced.stack.special_program, kr.priced.stack.special_program) == (None, "KR")
    assert kr.mpf == 0 and cn.mpf == D(doc["fees"][0]["amount"])    # the KR line is exempt from MPF
    assert sum(x.landed for x in result.lines) == t.landed_cost
