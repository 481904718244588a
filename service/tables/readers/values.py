"""A measure's dated values: rate or all-in rate, heading, value base, in-transit and threshold rules."""
from __future__ import annotations

from service.model.errors import TableError
from service.model.measures import EXTENTS, MODES, VALUE_BASES, InTransit, Threshold, Value
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.yamlsrc import Located

VALUE = Keys({"from", "cite", "confidence"}, {"to", "url", "checked", "note", "heading"})
DUTY_VALUE = VALUE | {"rate", "all_in", "heading_at_or_above", "exporter_rates", "other_exporters", "case", "base",
                      "base_default", "in_transit", "threshold"}
NOTICE_VALUE = VALUE | {"case"}       # a measure whose rate these tables do not hold: reported, never summed
EXEMPTION_VALUE = VALUE | {"extent", "min_share"}
VALUE_KEYS = {"duty": DUTY_VALUE, "notice": NOTICE_VALUE, "exemption": EXEMPTION_VALUE}
IN_TRANSIT = Keys({"loaded_before", "entered_before", "modes"}, {"heading"})
THRESHOLD = Keys({"fact", "at_least", "default", "note"}, {"otherwise_heading"})


def read_value(v: Located, kind: str, condition: str) -> Value:
    f.check_keys(v, VALUE_KEYS[kind])
    # Read in this order so that, of two defects in one value, the same one is reported as ever.
    exporter_rates = _exporter_rates(v)
    rate, all_in = f.fraction(v, "rate"), f.fraction(v, "all_in")
    if kind == "duty" and (rate is None) == (all_in is None):
        raise TableError(v.where(), "a duty value needs exactly one of 'rate' or 'all_in'")
    in_transit, threshold = _in_transit(v), _threshold(v)
    heading = f.heading(v, "heading")
    if kind == "duty" and heading is None and not v.get("case"):
        raise TableError(v.where(), "a duty value needs a Chapter 99 'heading' (or an AD/CVD 'case')")
    if condition == "us_content" and "min_share" not in v:
        raise TableError(v.where(), "a us_content exemption value needs 'min_share'")
    return Value(
        start=f.date_of(v, "from"), end=f.date_of(v, "to", False), cite=f.text(v, "cite"), url=f.text(v, "url", False),
        heading=heading, rate=rate, all_in=all_in, exporter_rates=exporter_rates,
        other_exporters=f.text(v, "other_exporters", False), case=f.text(v, "case", False),
        base=f.choice(v, "base", VALUE_BASES, "full_value"),
        base_default=f.choice(v, "base_default", ("full_value", "zero"), "full_value"),
        extent=f.choice(v, "extent", EXTENTS, "whole"), min_share=f.fraction(v, "min_share"),
        in_transit=in_transit, threshold=threshold,
        confidence=f.confidence(v), note=f.text(v, "note", False),
        where=v.where(), checked=f.text(v, "checked", False),
        heading_at_or_above=f.heading(v, "heading_at_or_above"))


def _exporter_rates(v: Located) -> tuple:
    """AD/CVD company rates: exporter name to deposit rate."""
    if "exporter_rates" not in v:
        return ()
    er = f.expect_map(v["exporter_rates"], v.where("exporter_rates"))
    return tuple((name, f.fraction(er, name, True)) for name in er)


def _in_transit(v: Located) -> InTransit | None:
    if "in_transit" not in v:
        return None
    t = f.expect_map(v["in_transit"], v.where("in_transit"))
    f.check_keys(t, IN_TRANSIT)
    modes = f.list_of(t, "modes")
    for k, mode in enumerate(modes):
        if mode not in MODES:
            raise TableError(modes.where(k), f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    return InTransit(f.date_of(t, "loaded_before"), f.date_of(t, "entered_before"), frozenset(modes),
                     f.heading(t, "heading"))


def _threshold(v: Located) -> Threshold | None:
    if "threshold" not in v:
        return None
    t = f.expect_map(v["threshold"], v.where("threshold"))
    f.check_keys(t, THRESHOLD)
    return Threshold(f.text(t, "fact"), f.fraction(t, "at_least", True),
                     f.choice(t, "default", ("applies", "not_applies"), "applies"), f.text(t, "note"),
                     f.heading(t, "otherwise_heading"))
