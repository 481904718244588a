"""Stacking's pure parts: the exemption-condition dispatch table and each condition.

The measures here are built by hand (no tables on disk): each test states
the law it stands for in a few fields.
"""
import dataclasses
import shutil
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from service import TableError, load_tables
from service.engine.line_input import LineInput
from service.engine.stacking import EXEMPTION_CONDITIONS, WHOLE, CarveOut, Outcome, _Context
from service.model.measures import CONDITIONS, Measure, Value
from service.tables.load import default_dir

DAY = date(2026, 3, 10)


def value(**kw) -> Value:
    return Value(start=date(2025, 1, 1), end=None, cite="test citation", **kw)


def measure(mid: str, kind: str = "duty", program: str | None = None, **kw) -> Measure:
    kw.setdefault("values", (value(heading="9903.99.99"),))
    return Measure(id=mid, program=program or mid.split("/")[0], title=f"title of {mid}", kind=kind, hts=("",),
                   exclude_hts=(), origins=None, exclude_origins=frozenset(), where=f"{mid}.yaml:1", **kw)


def line(**kw) -> LineInput:
    return LineInput(**{"hts": "8507600020", "origin": "CN", "entry_date": DAY, "value": Decimal("1000"), **kw})


def context(ln: LineInput, *measures: Measure, exemptions_for=None) -> _Context:
    tables = SimpleNamespace(exemptions_for=exemptions_for or {})
    return _Context(tables, ln, list(measures))


# ------------------------------------------------------------ the vocabulary

def test_every_condition_the_loader_accepts_has_an_implementation_and_no_other():
    assert set(EXEMPTION_CONDITIONS) == set(CONDITIONS)
    assert all(callable(f) for f in EXEMPTION_CONDITIONS.values())


def test_in_transit_is_a_value_rule_not_an_exemption_condition():
    assert "in_transit" not in CONDITIONS


def test_a_table_using_an_unimplemented_condition_does_not_load(tmp_path):
    root = tmp_path / "tables"
    shutil.copytree(default_dir(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = root / "measures" / "section_301" / "exclusions.yaml"
    text = path.read_text()
    at = text.index('condition: {type: "claim"}')
    path.write_text(text[:at] + 'condition: {type: "in_transit"}' + text[at + len('condition: {type: "claim"}'):])
    with pytest.raises(TableError) as caught:
        load_tables(root)
    message = str(caught.value)
    assert "exclusions.yaml:" + str(text[:at].count("\n") + 1) in message
    assert "'in_transit' is not one of always, preference, layer, us_content, claim" in message


# ------------------------------------------------------------ each condition

def test_always_exempts_the_whole_target():
    ex, target = measure("annex/ii", "exemption"), Outcome(measure("ieepa/baseline"))
    assert EXEMPTION_CONDITIONS["always"](context(line()), ex, value(heading="9903.01.32"), target) == WHOLE
    assert target.carve_outs == []


def test_preference_claimed_exempts_and_unclaimed_is_offered():
    ex = measure("s232/usmca", "exemption", condition="preference", condition_args={"codes": frozenset({"S", "S+"})})
    ev = value(heading="9903.94.44")
    claimed = context(line(origin="MX", preference="S+"))
    assert EXEMPTION_CONDITIONS["preference"](claimed, ex, ev, Outcome(measure("s232/parts"))) == WHOLE
    assert claimed.outcomes == {}
    unclaimed = context(line(origin="MX"))
    assert EXEMPTION_CONDITIONS["preference"](unclaimed, ex, ev, Outcome(measure("s232/parts"))) is None
    offer = unclaimed.outcomes["claim:s232/usmca"]
    assert (offer.applied, offer.heading) == (False, "9903.94.44")
    assert "preference claimed with S/S+" in offer.reason


def test_claim_matches_the_claimed_heading_only():
    ex, ev = measure("s301/exclusions/x1", "exemption", condition="claim"), value(heading="9903.88.69")
    ctx = context(line(claims=("9903.88.69",)))
    assert EXEMPTION_CONDITIONS["claim"](ctx, ex, ev, Outcome(measure("s301/lists"))) == WHOLE
    assert ctx.used_claims == {"9903.88.69"}
    other = context(line(claims=("9903.88.70",)))
    assert EXEMPTION_CONDITIONS["claim"](other, ex, ev, Outcome(measure("s301/lists"))) is None
    assert other.used_claims == set()
    assert "claim 9903.88.69" in other.outcomes["claim:s301/exclusions/x1"].reason


def test_us_content_carves_out_the_us_part_at_or_above_the_share():
    ex = measure("recip/us_content", "exemption", condition="us_content")
    ev = value(heading="9903.01.34", min_share=Decimal("0.2"))
    target = Outcome(measure("recip/country"))
    ctx = context(line(us_content_value=Decimal("200")))        # exactly 20%
    assert EXEMPTION_CONDITIONS["us_content"](ctx, ex, ev, target) is None
    assert target.carve_outs == [CarveOut("us_content", None, "9903.01.34")]
    below = Outcome(measure("recip/country"))
    EXEMPTION_CONDITIONS["us_content"](context(line(us_content_value=Decimal("199.99"))), ex, ev, below)
    assert below.carve_outs == []


def test_us_content_not_given_is_an_assumption_not_a_carve_out():
    ex = measure("recip/us_content", "exemption", condition="us_content")
    target = Outcome(measure("recip/country"))
    ctx = context(line())
    EXEMPTION_CONDITIONS["us_content"](ctx, ex, value(heading="9903.01.34", min_share=Decimal("0.2")), target)
    assert target.carve_outs == []
    assert [a["fact"] for a in ctx.assumptions] == ["us_content_value"]
    assert "needs at least 20.0% US content" in ctx.assumptions[0]["assumption"]


def test_layer_covered_part_carves_out_the_other_layers_base():
    steel = measure("section_232/derivatives", values=(value(heading="9903.81.91", rate=Decimal("0.5"),
                                                             base="steel_content"),))
    recip = measure("recip/country", values=(value(heading="9903.01.25", rate=Decimal("0.1")),))
    ex = measure("recip/over_232", "exemption", condition="layer", condition_args={"layers": ("section_232",)})
    ctx = context(line(), steel, recip)
    target = Outcome(recip)
    verdict = EXEMPTION_CONDITIONS["layer"](ctx, ex, value(heading="9903.01.33", extent="covered_part"), target)
    assert verdict is None
    assert target.carve_outs == [CarveOut("layer", ctx.outcomes["section_232/derivatives"], "9903.01.33")]
    assert ctx.outcomes["section_232/derivatives"].applied
    # extent "whole": the other layer's presence switches the whole target off
    assert EXEMPTION_CONDITIONS["layer"](context(line(), steel, recip), ex, value(extent="whole"),
                                         Outcome(recip)) == WHOLE


def test_layer_without_the_named_layer_applying_does_nothing():
    recip = measure("recip/country", values=(value(heading="9903.01.25", rate=Decimal("0.1")),))
    ex = measure("recip/over_232", "exemption", condition="layer", condition_args={"layers": ("section_232",)})
    target = Outcome(recip)
    assert EXEMPTION_CONDITIONS["layer"](context(line(), recip), ex, value(extent="whole"), target) is None
    assert target.carve_outs == []


def test_carve_out_is_frozen():
    c = CarveOut("us_content", None, "9903.01.34")
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.heading = "9903.01.35"


# ------------------------------------------------------------ the evaluation

def test_a_preference_exemption_switches_a_duty_off_through_the_dispatch_table():
    duty = measure("s232/parts", values=(value(heading="9903.94.05", rate=Decimal("0.25")),))
    ex = measure("s232/usmca", "exemption", condition="preference", condition_args={"codes": frozenset({"S"})},
                 values=(value(heading="9903.94.44"),), exempts=("s232",))
    claimed = context(line(origin="MX", preference="S"), duty, ex, exemptions_for={"s232/parts": [ex]}).run()
    (out,) = claimed.outcomes
    assert (out.applied, out.reason, out.whole_exemption_heading) == (False, f"exempt: {ex.title}", "9903.94.44")
    unclaimed = context(line(origin="MX"), duty, ex, exemptions_for={"s232/parts": [ex]}).run()
    assert [(o.measure.id, o.applied) for o in unclaimed.outcomes] == [("s232/parts", True), ("s232/usmca", False)]


def test_a_requirement_not_met_rules_out_with_its_otherwise_heading():
    from service.model.measures import Requirement
    duty = measure("s232/autos", values=(value(heading="9903.94.05", rate=Decimal("0.25")),),
                   requirements=(Requirement("vehicle_part", "yes", "no", "auto parts only", "9903.94.06"),))
    ev = context(line(), duty).run()
    (out,) = ev.outcomes
    assert not out.applied
    assert out.reason == "requires vehicle_part=yes; auto parts only (file 9903.94.06)"
    assert out.heading == out.whole_exemption_heading == "9903.94.06"
    assert ev.assumptions == [{"fact": "vehicle_part", "assumption": "vehicle_part=no (not given). auto parts only",
                               "measure_id": "s232/autos"}]


def test_a_non_decimal_threshold_fact_is_an_input_error():
    from service.model.errors import InputError
    from service.model.measures import Threshold
    duty = measure("s232/metal", values=(value(heading="9903.82.02", rate=Decimal("0.25"),
                                               threshold=Threshold("metal_share", Decimal("0.15"), "applies",
                                                                   "15% by weight")),))
    with pytest.raises(InputError):
        context(line(facts=(("metal_share", "lots"),)), duty).run()
