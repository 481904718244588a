"""Quote one import line: the itemized duty stack.

``quote(tables, line)`` returns a plain dict, the same document the CLI prints
with ``--json`` and the API serves: ``layers``, ``total_duty``,
``effective_rate``, ``filing_lines``, ``not_applied``, ``assumptions`` and
``warnings``.  Amounts and rates are strings holding exact decimals.
"""
from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from service.model import countries
from service.model import hts
from service.model.errors import InputError, NotCovered
from service.engine.line_input import LineInput
from service.model.money import ZERO, cents, fmt_money, fmt_rate, rate6
from service.engine.stacking import evaluate
from service.engine.valuation import base_amount, filing_lines

CURRENCY = "USD"


def resolve_line(tables, digits: str):
    """The covered HTS line for a code: exact, or the covered parent of a longer code."""
    if digits in tables.lines:
        return tables.lines[digits]
    for prefix in hts.prefixes(digits)[1:]:
        if prefix in tables.lines and len(prefix) >= 8:
            return tables.lines[prefix]
    children = sorted(code for code in tables.lines if code.startswith(digits))
    if children:
        listed = ", ".join(hts.dotted(c) for c in children[:12])
        raise NotCovered(f"HTS {hts.dotted(digits)} is not specific enough: it covers several covered lines "
                         "(statistical suffixes or subheadings)", hint=f"give one of: {listed}")
    near = sorted(code for code in tables.lines if code[:4] == digits[:4])
    hint = ("covered lines in this heading: " + ", ".join(hts.dotted(c) for c in near[:12])) if near else \
        "see GET /v1/hts or tariff_tables/hts/ for the covered lines"
    raise NotCovered(f"HTS {hts.dotted(digits)} is not covered by the tariff tables", hint=hint)


def _mfn(tables, line: LineInput, hline, not_applied: list) -> dict:
    lr = hline.rate_on(line.entry_date)
    if lr is None:
        raise NotCovered(f"no column 1 rate for {hline.code} on {line.entry_date}",
                         hint="the tables cover entry dates from " + str(tables.coverage_from), field="entry_date")
    rate, label, program_code = lr.general, "column 1 general", None
    if line.preference:
        sp = tables.special_programs.get(line.preference)
        if sp is None:
            raise InputError.field("preference", f"unknown special program indicator {line.preference!r}; known: "
                                                 + ", ".join(sorted(tables.special_programs)))
        if line.origin not in sp.countries:
            raise InputError.field("preference", f"{sp.code} ({sp.name}) is not available to goods of {line.origin}")
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
    layer = {
        "program": "mfn", "heading": hline.code, "rate": fmt_rate(rate.ad_valorem), "rate_text": rate.text,
        "value_base": "full_value", "base_amount": fmt_money(line.value), "duty": fmt_money(cents(duty)),
        "measure_id": f"hts/{hline.code}" + (f"/special/{program_code}" if program_code else ""),
        "citation": lr.cite, "confidence": lr.confidence, "note": label,
    }
    if rate.specific is not None:
        layer["specific_rate"] = fmt_rate(rate.specific)
        layer["specific_unit"] = rate.unit
        layer["quantity"] = fmt_rate(line.quantity)
    return layer


QUOTE_CACHE_SIZE = 100_000
ONE = Decimal(1)


def quote(tables, line: LineInput) -> dict:
    """Price one line against the tables; raise InputError / NotCovered.

    Two caches per tables object; treat the returned document as read-only:

    * the exact input: a repeated line costs one dict lookup;
    * the *stack*, for lines whose rules do not depend on the value (no
      content values, no US content, no quantity): the document priced on a
      value of 1 is kept per (line, origin, date, facts), and a new value only
      rescales its amounts (every base is then the full value or nothing, so
      each layer's duty is the value times its rate, rounded to the cent).
      ``tests/test_engine_cache.py`` checks it against the full computation.
    """
    cache = tables.quote_cache
    found = cache.get(line)
    if found is None:
        if _value_free(line):
            key = _stack_key(line)
            unit = tables.stack_cache.get(key)
            if unit is None:
                unit = _quote(tables, LineInput(**{**line.__dict__, "value": ONE}))
                if len(tables.stack_cache) >= QUOTE_CACHE_SIZE:
                    tables.stack_cache.clear()
                tables.stack_cache[key] = unit
            found = _rescale(unit, line.value)
        else:
            found = _quote(tables, line)
        if len(cache) >= QUOTE_CACHE_SIZE:
            cache.clear()
        cache[line] = found
    return found


def _value_free(line: LineInput) -> bool:
    return (line.quantity is None and line.steel_content_value is None and line.aluminum_content_value is None
            and line.copper_content_value is None and line.us_content_value is None
            and line.aam_content_value is None)


def _stack_key(line: LineInput) -> tuple:
    return (line.hts, line.origin, line.entry_date, line.mode, line.loaded_date, line.preference, line.exporter,
            line.facts, line.claims)


def _rescale(unit: dict, value: Decimal) -> dict:
    """The unit-value document at ``value``: bases, duties, totals, filing values."""
    layers = []
    total = ZERO
    for layer in unit["layers"]:
        base = value * Decimal(layer["base_amount"])
        duty = cents(base * Decimal(layer["rate"]))
        total += duty
        layers.append({**layer, "base_amount": fmt_money(base), "duty": fmt_money(duty)})
    doc = OrderedDict(unit)
    doc["customs_value"] = fmt_money(value)
    doc["layers"] = layers
    doc["total_duty"] = fmt_money(total)
    doc["effective_rate"] = fmt_rate(rate6(total / value)) if value else "0"
    doc["filing_lines"] = [{**fl, "value": fmt_money(value * Decimal(fl["value"]))} for fl in unit["filing_lines"]]
    return doc


def _quote(tables, line: LineInput) -> dict:
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


def _stack_signature(doc: dict) -> tuple:
    """What must agree between two suffixes for the 8-digit code to have one answer."""
    layers = tuple((x["program"], None if x["program"] == "mfn" else x["heading"], x["rate"], x["value_base"],
                    x["duty"]) for x in doc["layers"])
    filing = tuple(tuple(n["number"] for n in fl["numbers"] if n["role"] != "commodity") for fl in doc["filing_lines"])
    return layers, filing, doc["total_duty"]


def _quote_without_suffix(tables, line: LineInput, suffixes: list[str]) -> dict:
    """An 8-digit code priced once if every statistical suffix gives the same duties; else say which to give."""
    docs = [_quote_line(tables, LineInput(**{**line.__dict__, "hts": code})) for code in suffixes]
    code8 = hts.dotted(line.hts)
    listed = ", ".join(hts.dotted(c) for c in suffixes)
    if len({_stack_signature(d) for d in docs}) > 1:
        raise NotCovered(f"HTS {code8} is not specific enough: its statistical suffixes are charged differently "
                         f"on {line.entry_date}", hint=f"give one of: {listed}")
    doc = OrderedDict(docs[0])
    doc["hts"] = code8
    doc["hts_requested"] = code8
    doc["description"] = doc["description"].split(": ")[0]
    doc["layers"] = [({**x, "heading": code8, "measure_id": f"hts/{code8}"} if x["program"] == "mfn" else x)
                     for x in doc["layers"]]
    doc["filing_lines"] = [{**fl, "numbers": [({**n, "number": code8} if n["role"] == "commodity" else n)
                                              for n in fl["numbers"]]} for fl in doc["filing_lines"]]
    doc["assumptions"] = list(doc["assumptions"]) + [{
        "fact": "hts",
        "assumption": f"no statistical suffix given: every suffix of {code8} ({listed}) is charged the same on "
                      f"{line.entry_date}; the entry itself must report the 10-digit statistical number"}]
    return doc


def _quote_line(tables, line: LineInput) -> dict:
    hline = resolve_line(tables, line.hts)
    not_applied: list[dict] = []
    mfn_layer = _mfn(tables, line, hline, not_applied)
    # The column 1 rate an all-in rate includes: the ad valorem rate, or for a
    # specific or compound rate its ad valorem equivalent on this line.
    if "specific_rate" in mfn_layer and line.value:
        column1 = rate6(Decimal(mfn_layer["duty"]) / line.value)
    else:
        column1 = Decimal(mfn_layer["rate"])
    ev = evaluate(tables, line)
    assumptions = list(ev.assumptions)
    if line.entry_date > tables.as_of:
        assumptions.append({"fact": "entry_date",
                            "assumption": f"entry date is after the tables' as-of date {tables.as_of}: priced on the "
                                          "measures known then; later actions are not included"})
    layers = [mfn_layer]
    applied = []
    for o in ev.outcomes:
        m, v = o.measure, o.value
        if not o.applied:
            entry = {"program": m.program, "measure_id": m.id, "heading": o.heading or (v.heading if v else None),
                     "reason": o.reason}
            if m.open_question:
                entry["open_question"] = m.open_question
            not_applied.append(entry)
            continue
        applied.append(o)
    # Bases first (carve-outs refer to other layers' bases).
    bases = {}
    for o in applied:
        bases[o.measure.id] = base_amount(o, line, assumptions)
    for o in applied:
        base = bases[o.measure.id]
        for kind, other, _heading in o.carve_outs:
            base -= line.us_content_value if kind == "us_content" else bases[other.measure.id]
        base = max(base, ZERO)
        bases[o.measure.id] = base
    warnings = []
    for o in applied:
        m, v = o.measure, o.value
        rate, exporter = v.rate_for_exporter(line.exporter)
        note = v.note
        o.filed_heading = v.heading
        if v.all_in is not None:
            rate = max(v.all_in - column1, ZERO)
            note = (f"all-in {fmt_rate(v.all_in)} less column 1 rate {fmt_rate(rate6(column1))}"
                    + (f"; {v.note}" if v.note else ""))
            if column1 >= v.all_in and v.heading_at_or_above:
                o.filed_heading = v.heading_at_or_above
                note = (f"column 1 rate {fmt_rate(rate6(column1))} is at or above the all-in "
                        f"{fmt_rate(v.all_in)}: no additional duty" + (f"; {v.note}" if v.note else ""))
        if v.exporter_rates or v.other_exporters:
            if exporter:
                note = f"exporter-specific rate for {exporter}"
            else:
                label = v.other_exporters or "all other exporters"
                if line.exporter:
                    assumptions.append({"fact": "exporter", "measure_id": m.id,
                                        "assumption": f"exporter {line.exporter!r} has no rate of its own in {v.case or m.id}: "
                                                      f"{label} rate applied"})
                else:
                    assumptions.append({"fact": "exporter", "measure_id": m.id,
                                        "assumption": f"no exporter named: {label} rate applied for {v.case or m.id}"})
        o.rate = rate
        base = bases[m.id]
        layer = {
            "program": m.program, "heading": o.filed_heading or v.case, "rate": fmt_rate(rate),
            "value_base": v.base if not o.carve_outs else _reduced_base_name(v.base, o),
            "base_amount": fmt_money(base), "duty": fmt_money(cents(base * rate)), "measure_id": m.id,
            "citation": v.cite, "confidence": v.confidence,
        }
        if v.case:
            layer["case"] = v.case
        if note:
            layer["note"] = note
        if o.reason:
            layer["note"] = (layer.get("note", "") + "; " if layer.get("note") else "") + o.reason
        if m.open_question:
            layer["open_question"] = m.open_question
        if m.legal_status is not None:
            layer["legal_status"] = m.legal_status.as_dict()
            warnings.append(_legal_status_warning(m, o.filed_heading or v.case))
        layers.append(layer)
        if v.confidence != "confirmed":
            warnings.append(f"{m.id} ({v.heading or v.case}) rests on facts rated '{v.confidence}': {v.cite}")
    warnings.extend(_notices(tables, line))
    if not hline.in_schedule_on(line.entry_date):
        when = (f"from {hline.stat_from}" if hline.stat_from and line.entry_date < hline.stat_from
                else f"until {hline.stat_to} (exclusive)")
        current = [hts.dotted(c) for c in _suffixes_on(tables, hline.digits[:8], line.entry_date)]
        warnings.append(f"{hline.code} is a statistical number of the HTSUS {when}, not of the edition in force on "
                        f"{line.entry_date}: priced on its subheading's rates; report "
                        + (" or ".join(current) if current else "the current number") + " on the entry")
    if mfn_layer["confidence"] != "confirmed":
        warnings.append(f"the column 1 rate of {hline.code} is rated '{mfn_layer['confidence']}': {mfn_layer['citation']}")
    for claim in ev.claims_unused:
        not_applied.append({"program": "claim", "measure_id": None, "heading": claim,
                            "reason": "claimed heading does not match any exemption in force for this line"})
    total = sum((Decimal(layer["duty"]) for layer in layers), ZERO)
    programs = [tables.programs[layer["program"]] for layer in layers]
    order = sorted(range(len(layers)), key=lambda i: (programs[i].filing_rank, layers[i]["heading"] or ""))
    layers = [layers[i] for i in order]
    return OrderedDict(
        tables_version=tables.version,
        hts=hline.code,
        hts_requested=hts.dotted(line.hts),
        description=hline.description,
        origin=line.origin,
        origin_name=countries.name(line.origin),
        entry_date=line.entry_date.isoformat(),
        currency=CURRENCY,
        customs_value=fmt_money(line.value),
        layers=layers,
        total_duty=fmt_money(total),
        effective_rate=fmt_rate(rate6(total / line.value)) if line.value else "0",
        filing_lines=filing_lines(tables, line, hline, mfn_layer, applied, ev.outcomes, bases),
        not_applied=not_applied,
        assumptions=assumptions,
        warnings=warnings,
    )


def _notices(tables, line: LineInput) -> list[str]:
    """Measures that reach the line but whose rate is not in the tables (e.g. an AD/CVD order): say so."""
    out = []
    for m in tables.candidates_for(line.hts, line.origin):
        if m.kind != "notice":
            continue
        v = m.value_on(line.entry_date)
        if v is not None:
            out.append(f"{m.title} ({v.case or m.id}) may apply and is NOT included in the duties above: "
                       f"{v.note or 'its rate is not in these tables'} [{v.cite}]")
    return out


def _legal_status_warning(m, heading) -> str:
    s = m.legal_status
    return (f"{m.id} ({heading}) legal status: {s.state.replace('_', ' ')} (since {s.since}): {s.summary} "
            f"[{s.cite}]; the duty is shown as assessed at entry")


def _reduced_base_name(base: str, o) -> str:
    parts = []
    for kind, other, _h in o.carve_outs:
        parts.append("us_content" if kind == "us_content" else other.value.base)
    return f"{base}_less_" + "_and_".join(dict.fromkeys(parts))
