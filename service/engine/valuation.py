"""Value bases and the split entry lines they lead to.

A layer is charged on one of: the full customs value, the value of its steel,
aluminum or copper content (Section 232 derivatives, 2025 regime), or the
value of active anode material (AD/CVD on AAM).  Layers that do not reach
part of the value (reciprocal and Section 122 on the metal content of a 232
derivative; reciprocal on qualifying US content) are charged on the rest.

CBP wants such cases reported as split lines: one line per portion of value,
each listing the Chapter 99 numbers that apply to that portion, then the
commodity HTS number carrying the portion's value (CSMS #64018403 order).
"""
from __future__ import annotations

from decimal import Decimal

from service.engine.line_input import LineInput
from service.engine.stack import FilingLine, FilingNumber
from service.model.measures import CONTENT_BASES
from service.model.money import ZERO

_DEFAULT_TEXT = {
    "full_value": "{field} not given: the duty is charged on the full customs value "
                  "(CBP treats undeclared metal content as the full value)",
    "zero": "{field} not given: no {what} value is charged under this measure; give {field} to include it",
}


def base_amount(outcome, line: LineInput, assumptions: list) -> Decimal:
    """The amount a layer is charged on, before carve-outs."""
    v = outcome.value
    if v.base == "full_value":
        return line.value
    given = line.content(v.base)
    if given is not None:
        return given
    field = v.base + "_value"
    what = v.base.replace("_", " ")
    text = _DEFAULT_TEXT[v.base_default].format(field=field, what=what)
    if v.note and v.base_default == "zero":
        text += f" ({v.note})"
    entry = {"fact": field, "measure_id": outcome.measure.id, "assumption": text}
    if entry not in assumptions:
        assumptions.append(entry)
    return line.value if v.base_default == "full_value" else ZERO


def filing_lines(tables, line: LineInput, hline, applied, outcomes, bases) -> tuple[FilingLine, ...]:
    """Split lines in CBP reporting order, each with its Chapter 99 numbers."""
    portions = _portions(line, applied, bases)
    rank = {p: tables.programs[p].filing_rank for p in tables.programs}
    cases = tuple(sorted({o.value.case for o in applied if o.value.case}))
    # An exemption number is filed for a measure that is off, unless another measure
    # of the same action (same table file: a country rate and its baseline) is filed.
    filed_actions = {_action(o.measure) for o in applied if o.value.heading}
    off = [o for o in outcomes if not o.applied and o.whole_exemption_heading and o.measure.kind == "duty"
           and _action(o.measure) not in filed_actions]
    out = []
    for n, (portion, amount) in enumerate(portions, start=1):
        numbers = _numbers_for(portion, applied, off)
        numbers.sort(key=lambda x: (rank.get(x.program, 99), x.number))
        numbers.append(FilingNumber(hline.code, "mfn", "commodity"))
        out.append(FilingLine(n, portion, amount, tuple(numbers), cases))
    return tuple(out)


def _portions(line: LineInput, applied, bases) -> list[tuple[str, Decimal]]:
    """The portions of value reported on their own lines (metal content, US content), the rest first."""
    slices: dict[str, Decimal] = {}
    for o in applied:
        if o.value.base in CONTENT_BASES and o.value.heading:
            slices.setdefault(o.value.base, min(bases[o.measure.id], line.value))
        for c in o.carve_outs:
            if c.kind == "us_content":
                slices.setdefault("us_content", line.us_content_value)
    remainder = line.value - sum(slices.values(), ZERO)
    return [("remainder" if slices else "full_value", max(remainder, ZERO))] + list(slices.items())


def _numbers_for(portion: str, applied, off) -> list[FilingNumber]:
    """The Chapter 99 numbers filed on one portion's line (unsorted, each number once)."""
    numbers: list[FilingNumber] = []

    def add(number, program, role):
        if number and not any(x.number == number for x in numbers):
            numbers.append(FilingNumber(number, program, role))

    for o in applied:
        v = o.value
        if not v.heading or v.base == "aam_content":
            continue
        heading = o.filed_heading or v.heading
        if v.base in CONTENT_BASES:
            if portion == v.base:
                add(heading, o.measure.program, "duty")
            continue
        carved = {(c.other.value.base if c.kind == "layer" else "us_content"): c.heading for c in o.carve_outs}
        if portion in carved:
            add(carved[portion], o.measure.program, "exemption")
        else:
            add(heading, o.measure.program, "duty")
    for o in off:
        add(o.whole_exemption_heading, o.measure.program, "exemption")
    return numbers


def _action(measure) -> str:
    """The legal action a measure belongs to: its table file (``section_301/lists``)."""
    return measure.id.rsplit("/", 1)[0]
