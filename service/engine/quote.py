"""Quote one import line: the itemized duty stack.

``quote(tables, line)`` returns a plain dict, the same document the CLI prints
with ``--json`` and the API serves: ``layers``, ``total_duty``,
``effective_rate``, ``filing_lines``, ``not_applied``, ``assumptions`` and
``warnings``.  Amounts and rates are strings holding exact decimals.
``quote_stack(tables, line)`` returns the same priced line as objects
(``service.engine.stack.Stack``), the document being its ``doc``.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from service.model import countries, freshness
from service.model import hts
from service.model.errors import InputError, NotCovered
from service.engine.cache import caches_for
from service.engine.line_input import LineInput
from service.model.money import ZERO, cents, fmt_decimal, rate6
from service.engine.stack import CURRENCY, Layer, Rescaled, Stack
from service.engine.stacking import Evaluation, Outcome, evaluate, measures_for
from service.engine.valuation import base_amount, filing_lines

__all__ = ["CURRENCY", "quote", "quote_stack"]

ONE = Decimal(1)


# ----------------------------------------------------------------- the caches

def quote(tables, line: LineInput) -> dict:
    """Price one line against the tables; raise InputError / NotCovered.

    The returned document is shared through the caches: treat it as read-only.
    """
    return _priced(tables, line).doc


def quote_stack(tables, line: LineInput) -> Stack:
    """The priced line as objects (see :func:`_priced` for the caches)."""
    return _priced(tables, line).stack


def _priced(tables, line: LineInput) -> Stack | Rescaled:
    """The priced line, through two bounded caches per tables object:

    * the exact input: a repeated line costs one lookup;
    * the *stack*, for lines whose rules do not depend on the value (no
      content values, no US content, no quantity): the stack priced on a
      value of 1 is kept per (line, origin, date, facts), and a new value only
      rescales its amounts (every base is then the full value or nothing, so
      each layer's duty is the value times its rate, rounded to the cent).
      ``tests/test_engine_cache.py`` checks it against the full computation.
    """
    caches = caches_for(tables)
    found = caches.quotes.get(line)
    if found is None:
        if _value_free(line):
            key = _stack_key(line)
            unit = caches.stacks.get(key)
            if unit is None:
                unit = _quote(tables, LineInput(**{**line.__dict__, "value": ONE}))
                caches.stacks.put(key, unit)
            found = Rescaled(unit, line.value)
        else:
            found = _quote(tables, line)
        caches.quotes.put(line, found)
    return found


def _value_free(line: LineInput) -> bool:
    return (line.quantity is None and line.steel_content_value is None and line.aluminum_content_value is None
            and line.copper_content_value is None and line.us_content_value is None
            and line.aam_content_value is None)


def _stack_key(line: LineInput) -> tuple:
    return (line.hts, line.origin, line.entry_date, line.mode, line.loaded_date, line.preference, line.exporter,
            line.facts, line.claims)


# ------------------------------------------------- 8-digit codes and suffixes

def _quote(tables, line: LineInput) -> Stack:
    """The full computation (no cache)."""
    if line.entry_date < tables.coverage_from:
        raise InputError.field("entry_date", f"the tables cover entry dates from {tables.coverage_from}")
    suffixes = _statistical_suffixes(tables, line)
    if suffixes:
        return _quote_without_suffix(tables, line, suffixes)
    return _quote_line(tables, line)


def _statistical_suffixes(tables, line: LineInput) -> list[str]:
    """The covered 10-digit lines of an 8-digit code that is not itself a line (in force on the entry date)."""
    if len(line.hts) != 8 or line.hts in tables.lines:
        return []
    return _suffixes_on(tables, line.hts, line.entry_date)


def _suffixes_on(tables, digits8: str, day) -> list[str]:
    """The 10-digit covered lines under ``digits8`` that the HTSUS prints, with a rate, on ``day``."""
    return sorted(code for code, hline in tables.lines.items()
                  if len(code) == 10 and code.startswith(digits8) and hline.rate_on(day) is not None
                  and hline.in_schedule_on(day))


def _stack_signature(stack: Stack) -> tuple:
    """What must agree between two suffixes for the 8-digit code to have one answer."""
    layers = tuple((x["program"], None if x["program"] == "mfn" else x["heading"], x["rate"], x["value_base"],
                    x["duty"]) for x in stack.doc["layers"])
    filing = tuple(tuple(n.number for n in fl.numbers if n.role != "commodity") for fl in stack.filing_lines)
    return layers, filing, stack.doc["total_duty"]


def _quote_without_suffix(tables, line: LineInput, suffixes: list[str]) -> Stack:
    """An 8-digit code priced once if every statistical suffix gives the same duties; else say which to give."""
    stacks = [_quote_line(tables, LineInput(**{**line.__dict__, "hts": code})) for code in suffixes]
    code8 = hts.dotted(line.hts)
    listed = ", ".join(hts.dotted(c) for c in suffixes)
    if len({_stack_signature(s) for s in stacks}) > 1:
        raise NotCovered(f"HTS {code8} is not specific enough: its statistical suffixes are charged differently "
                         f"on {line.entry_date}", hint=f"give one of: {listed}")
    first = stacks[0]
    layers = tuple((replace(x, heading=code8, measure_id=f"hts/{code8}") if x.program == "mfn" else x)
                   for x in first.layers)
    filing = tuple(replace(fl, numbers=tuple((replace(n, number=code8) if n.role == "commodity" else n)
                                             for n in fl.numbers)) for fl in first.filing_lines)
    assumption = {"fact": "hts",
                  "assumption": f"no statistical suffix given: every suffix of {code8} ({listed}) is charged the "
                                f"same on {line.entry_date}; the entry itself must report the 10-digit statistical "
                                "number"}
    return replace(first, hts=code8, hts_requested=code8, description=first.description.split(": ")[0],
                   layers=layers, filing_lines=filing, assumptions=first.assumptions + (assumption,))


# ------------------------------------------------------------- one HTS line

def _quote_line(tables, line: LineInput) -> Stack:
    hline = tables.line_for(line.hts)
    not_applied: list[dict] = []
    mfn, special_program = _mfn(tables, line, hline, not_applied)
    ev = evaluate(tables, line)
    assumptions = list(ev.assumptions)
    applied = _applied(ev, not_applied)
    bases = _bases(applied, line, assumptions)
    # Deterministic (the entry date and the tables' as-of date), so it belongs in the cached stack.
    late = freshness.after_as_of(line.entry_date, tables.as_of)
    warnings: list[str] = [late] if late else []
    column1 = _column1(mfn, line)
    layers = [mfn] + [_measure_layer(o, line, column1, bases[o.measure.id], assumptions, warnings)
                      for o in applied]
    warnings.extend(_line_warnings(tables, line, hline, mfn))
    for claim in ev.claims_unused:
        not_applied.append({"program": "claim", "measure_id": None, "heading": claim,
                            "reason": "claimed heading does not match any exemption in force for this line"})
    return Stack(
        tables_version=tables.version, hts=hline.code, hts_requested=hts.dotted(line.hts),
        description=hline.description, origin=line.origin, origin_name=countries.name(line.origin),
        entry_date=line.entry_date, customs_value=line.value, layers=_in_filing_order(tables, layers),
        filing_lines=filing_lines(tables, line, hline, applied, ev.outcomes, bases),
        not_applied=tuple(not_applied), assumptions=tuple(assumptions), warnings=tuple(warnings),
        special_program=special_program)


def _mfn(tables, line: LineInput, hline, not_applied: list) -> tuple[Layer, str | None]:
    """The column 1 layer, and the special program whose rate it applied (None: the general rate)."""
    lr = hline.rate_on(line.entry_date)
    if lr is None:
        raise _outside_line_coverage(tables, hline, line.entry_date)
    rate, label, program_code = lr.general, "column 1 general", None
    if line.preference:
        sp = _special_program(tables, line)
        if not (sp.start <= line.entry_date and (sp.end is None or line.entry_date < sp.end)):
            not_applied.append({"program": "mfn", "measure_id": f"special/{sp.code}", "heading": None,
                                "reason": f"{sp.name} not in force on {line.entry_date}"})
        elif sp.code not in lr.special:
            not_applied.append({"program": "mfn", "measure_id": f"special/{sp.code}", "heading": None,
                                "reason": f"{hline.code} does not list {sp.code} in its special rate column; "
                                          "column 1 general rate applies"})
        else:
            rate, label, program_code = lr.special[sp.code], f"column 1 special ({sp.code}: {sp.name})", sp.code
    duty = line.value * rate.ad_valorem
    if rate.specific is not None:
        if line.quantity is None:
            raise InputError.field("quantity", f"{hline.code} has a specific rate ({rate.text}); "
                                               f"give the quantity in {rate.unit}")
        duty += line.quantity * rate.specific
    layer = Layer(
        program="mfn", heading=hline.code, rate=rate.ad_valorem, rate_text=rate.text, value_base="full_value",
        base_amount=line.value, duty=cents(duty),
        measure_id=f"hts/{hline.code}" + (f"/special/{program_code}" if program_code else ""),
        citation=lr.cite, confidence=lr.confidence, note=label)
    if rate.specific is not None:
        layer = replace(layer, specific_rate=rate.specific, specific_unit=rate.unit, quantity=line.quantity)
    return layer, program_code


def _outside_line_coverage(tables, hline, day) -> NotCovered:
    """A line the tables cover, but not on ``day``: its own dates, and the numbers that cover that day."""
    first, last_end = hline.rates[0].start, hline.rates[-1].end
    if day < first:
        reason = f"the tables cover {hline.code} from {first} (its first column 1 rate), not on {day}"
    elif last_end is not None and day >= last_end:
        reason = f"the tables cover {hline.code} until {last_end} (exclusive), not on {day}"
    else:
        gap = next((r.end for r in hline.rates if r.end and r.end <= day), None)
        reason = f"{hline.code} has no column 1 rate in the tables on {day}" + (f" (its rate ended {gap})" if gap else "")
    edition = []
    if hline.stat_from:
        edition.append(f"from {hline.stat_from}")
    if hline.stat_to:
        edition.append(f"until {hline.stat_to} (exclusive)")
    if edition:
        reason += f"; it is a statistical number of the HTSUS {' and '.join(edition)}"
    siblings = [hts.dotted(c) for c in _suffixes_on(tables, hline.digits[:8], day) if c != hline.digits] \
        if len(hline.digits) == 10 else []
    hint = (f"on {day} the HTSUS numbers under {hts.dotted(hline.digits[:8])} are: {', '.join(siblings)}" if siblings
            else f"give an entry date from {first}" + (f" to before {last_end}" if last_end else ""))
    return NotCovered(reason, hint=hint, field="entry_date")


def _special_program(tables, line: LineInput):
    """The special program the line claims; an input error if unknown or not open to its origin."""
    sp = tables.special_programs.get(line.preference)
    if sp is None:
        raise InputError.field("preference", f"unknown special program indicator {line.preference!r}; known: "
                                             + ", ".join(sorted(tables.special_programs)))
    if line.origin not in sp.countries:
        raise InputError.field("preference", f"{sp.code} ({sp.name}) is not available to goods of {line.origin}")
    return sp


def _column1(mfn: Layer, line: LineInput) -> Decimal:
    """The column 1 rate an all-in rate includes: the ad valorem rate, or for a
    specific or compound rate its ad valorem equivalent on this line."""
    if mfn.specific_rate is not None and line.value:
        return rate6(mfn.duty / line.value)
    return mfn.rate


def _applied(ev: Evaluation, not_applied: list) -> list[Outcome]:
    """The outcomes that apply; the others are reported under not_applied."""
    applied = []
    for o in ev.outcomes:
        m, v = o.measure, o.value
        if o.applied:
            applied.append(o)
            continue
        entry = {"program": m.program, "measure_id": m.id, "heading": o.heading or (v.heading if v else None),
                 "reason": o.reason}
        if m.open_question:
            entry["open_question"] = m.open_question
        not_applied.append(entry)
    return applied


def _bases(applied: list[Outcome], line: LineInput, assumptions: list) -> dict[str, Decimal]:
    """Each applied layer's base: first before carve-outs (they refer to other layers' bases), then after."""
    bases = {o.measure.id: base_amount(o, line, assumptions) for o in applied}
    for o in applied:
        base = bases[o.measure.id]
        for c in o.carve_outs:
            base -= line.us_content_value if c.kind == "us_content" else bases[c.other.measure.id]
        bases[o.measure.id] = max(base, ZERO)
    return bases


# ------------------------------------------------------ one applied measure

def _measure_layer(o: Outcome, line: LineInput, column1: Decimal, base: Decimal, assumptions: list,
                   warnings: list) -> Layer:
    m, v = o.measure, o.value
    rate, note = _rate_and_note(o, line, column1, assumptions)
    o.rate = rate
    if o.reason:
        note = (note + "; " if note else "") + o.reason
    layer = Layer(
        program=m.program, heading=o.filed_heading or v.case, rate=rate,
        value_base=v.base if not o.carve_outs else _reduced_base_name(v.base, o),
        base_amount=base, duty=cents(base * rate), measure_id=m.id, citation=v.cite, confidence=v.confidence,
        case=v.case or None, note=note or None, open_question=m.open_question or None,
        legal_status=m.legal_status)
    if m.legal_status is not None:
        warnings.append(_legal_status_warning(m, o.filed_heading or v.case))
    if v.confidence != "confirmed":
        warnings.append(f"{m.id} ({v.heading or v.case}) rests on facts rated '{v.confidence}': {v.cite}")
    return layer


def _rate_and_note(o: Outcome, line: LineInput, column1: Decimal, assumptions: list) -> tuple[Decimal, str | None]:
    """The rate charged (all-in net of column 1, or the exporter's), its note; sets the heading filed."""
    m, v = o.measure, o.value
    rate, exporter = v.rate_for_exporter(line.exporter)
    note = v.note
    o.filed_heading = v.heading
    if v.all_in is not None:
        rate = max(v.all_in - column1, ZERO)
        note = (f"all-in {fmt_decimal(v.all_in)} less column 1 rate {fmt_decimal(rate6(column1))}"
                + (f"; {v.note}" if v.note else ""))
        if column1 >= v.all_in and v.heading_at_or_above:
            o.filed_heading = v.heading_at_or_above
            note = (f"column 1 rate {fmt_decimal(rate6(column1))} is at or above the all-in "
                    f"{fmt_decimal(v.all_in)}: no additional duty" + (f"; {v.note}" if v.note else ""))
    if v.exporter_rates or v.other_exporters:
        if exporter:
            note = f"exporter-specific rate for {exporter}"
        else:
            label = v.other_exporters or "all other exporters"
            text = (f"exporter {line.exporter!r} has no rate of its own in {v.case or m.id}: {label} rate applied"
                    if line.exporter else f"no exporter named: {label} rate applied for {v.case or m.id}")
            assumptions.append({"fact": "exporter", "measure_id": m.id, "assumption": text})
    return rate, note


def _reduced_base_name(base: str, o: Outcome) -> str:
    parts = ["us_content" if c.kind == "us_content" else c.other.value.base for c in o.carve_outs]
    return f"{base}_less_" + "_and_".join(dict.fromkeys(parts))


def _legal_status_warning(m, heading) -> str:
    s = m.legal_status
    return (f"{m.id} ({heading}) legal status: {s.state.replace('_', ' ')} (since {s.since}): {s.summary} "
            f"[{s.cite}]; the duty is shown as assessed at entry")


# ------------------------------------------------------- the line as a whole

def _line_warnings(tables, line: LineInput, hline, mfn: Layer) -> list[str]:
    """Notices (measures not summed), an out-of-edition statistical number, an unconfirmed column 1 rate."""
    warnings = _notices(tables, line)
    if not hline.in_schedule_on(line.entry_date):
        when = (f"from {hline.stat_from}" if hline.stat_from and line.entry_date < hline.stat_from
                else f"until {hline.stat_to} (exclusive)")
        current = [hts.dotted(c) for c in _suffixes_on(tables, hline.digits[:8], line.entry_date)]
        warnings.append(f"{hline.code} is a statistical number of the HTSUS {when}, not of the edition in force on "
                        f"{line.entry_date}: priced on its subheading's rates; report "
                        + (" or ".join(current) if current else "the current number") + " on the entry")
    if mfn.confidence != "confirmed":
        warnings.append(f"the column 1 rate of {hline.code} is rated '{mfn.confidence}': {mfn.citation}")
    return warnings


def _notices(tables, line: LineInput) -> list[str]:
    """Measures that reach the line but whose rate is not in the tables (e.g. an AD/CVD order): say so."""
    out = []
    for m in measures_for(tables, line.hts, line.origin):
        if m.kind != "notice":
            continue
        v = m.value_on(line.entry_date)
        if v is not None:
            out.append(f"{m.title} ({v.case or m.id}) may apply and is NOT included in the duties above: "
                       f"{v.note or 'its rate is not in these tables'} [{v.cite}]")
    return out


def _in_filing_order(tables, layers: list[Layer]) -> tuple[Layer, ...]:
    return tuple(sorted(layers, key=lambda x: (tables.programs[x.program].filing_rank, x.heading or "")))
