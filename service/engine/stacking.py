"""Stacking: which measures apply to one line, on which value, and which not.

The rules are generic; the law lives in the tables:

* a duty measure applies when its scope matches the line and origin and it
  has a dated value in force on the entry date;
* a dated value may carry an in-transit rule (goods loaded earlier on an
  allowed mode and entered before a deadline keep the previous treatment);
* a measure may *require* a caller fact (e.g. ``vehicle_part``) or a numeric
  *threshold* (e.g. metal weight share); a missing fact takes the table's
  default and is reported as an assumption;
* a measure may *replace* others (Section 301 four-year-review headings
  replace the earlier list heading; a country rate replaces the baseline);
* an *exemption* measure switches off a program or measure for its scope,
  either unconditionally (Annex II), on a claimed preference (USMCA), on a
  claimed heading (product exclusions), on US content (only the non-US part
  pays), or when another layer applies (Section 232 goods), either for the
  whole article or only for the part that other layer covers.

Nothing here knows a rate, a date or a country.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

from service.engine.cache import caches_for
from service.engine.line_input import LineInput
from service.model.errors import InputError, TableError
from service.model.measures import CONDITIONS, Measure, Value

WHOLE = "whole"   # an exemption verdict: the whole target is off (else None: carve-outs at most)


@dataclass(frozen=True)
class CarveOut:
    """A part of the value a layer does not reach, filed under an exemption heading."""

    kind: str                       # "us_content" or "layer"
    other: "Outcome | None"         # for "layer": the applied layer whose part is carved out
    heading: str | None


@dataclass
class Outcome:
    """What happened to one candidate measure."""

    measure: Measure
    value: Value | None = None
    applied: bool = False
    reason: str = ""
    heading: str | None = None          # heading to file when not applied (exemption/in-transit)
    exporter: str | None = None         # exporter whose rate applied
    rate: Decimal | None = None
    carve_outs: list[CarveOut] = field(default_factory=list)   # parts of the value this layer does not reach
    whole_exemption_heading: str | None = None
    filed_heading: str | None = None    # heading filed for an applied layer (all-in pairs choose one)

    def rule_out(self, reason: str, heading: str | None = None) -> bool:
        """Not applied, for ``reason``; ``heading`` is filed instead (if any).  Returns True (decided)."""
        self.reason = reason
        if heading:
            self.heading = self.whole_exemption_heading = heading
        return True


@dataclass
class Evaluation:
    outcomes: list[Outcome]
    assumptions: list[dict]
    claims_unused: list[str]


class _Context:
    """One line's evaluation: each measure's outcome, memoised (measures refer to each other)."""

    def __init__(self, tables, line: LineInput, candidates: list[Measure]):
        self.tables = tables
        self.line = line
        self.day = line.entry_date
        self.duties = [m for m in candidates if m.kind == "duty"]  # already filtered by origin
        self.candidates = candidates
        self.outcomes: dict[str, Outcome] = {}
        self.in_progress: set[str] = set()
        self.assumptions: list[dict] = []
        self.used_claims: set[str] = set()

    def assume(self, fact: str, text: str, measure: Measure | None = None) -> None:
        entry = {"fact": fact, "assumption": text}
        if measure is not None:
            entry["measure_id"] = measure.id
        if entry not in self.assumptions:
            self.assumptions.append(entry)

    def offer(self, ex: Measure, ev: Value, reason: str) -> None:
        """Record an exemption the caller could still obtain (reported under not_applied)."""
        self.outcomes.setdefault("claim:" + ex.id, Outcome(ex, ev, False, reason, ev.heading))

    def run(self) -> Evaluation:
        for m in self.duties:
            self.status(m)
        outcomes = [self.outcomes[m.id] for m in self.duties]
        outcomes += [o for k, o in self.outcomes.items() if k.startswith("claim:")]
        unused = sorted(set(self.line.claims) - self.used_claims)
        return Evaluation(outcomes, self.assumptions, unused)

    # ------------------------------------------------------------ one measure
    def status(self, m: Measure) -> Outcome:
        """The outcome of ``m`` (memoised; a measure that depends on itself is a table defect)."""
        if m.id in self.outcomes:
            return self.outcomes[m.id]
        if m.id in self.in_progress:
            raise TableError(m.where, f"stacking cycle through {m.id} on {self.day}")
        self.in_progress.add(m.id)
        try:
            outcome = self._evaluate(m)
        finally:
            self.in_progress.discard(m.id)
        self.outcomes[m.id] = outcome
        return outcome

    def _evaluate(self, m: Measure) -> Outcome:
        """Each step either rules the measure out (returns True, ``out`` says why) or lets it through."""
        out = Outcome(m)
        value = m.value_on(self.day)
        if value is None:
            out.reason = _not_in_force(m, self.day)
            return out
        out.value = value
        if value.in_transit is not None:
            value = self._in_transit(m, value, out)
            if value is None:
                return out
            out.value = value
        if (self._fails_requirement(m, out) or self._below_threshold(m, value, out) or self._replaced(m, out)
                or self._exempt(m, out)):
            return out
        out.applied = True
        return out

    def _fails_requirement(self, m: Measure, out: Outcome) -> bool:
        """A caller fact the measure needs is not as required (a missing fact takes the table's default)."""
        for req in m.requirements:
            given = self.line.fact(req.fact)
            if given is None:
                given = req.default
                self.assume(req.fact, f"{req.fact}={given} (not given). {req.note}", m)
            if given != req.equals:
                reason = f"requires {req.fact}={req.equals}; {req.note}"
                if req.otherwise_heading:
                    reason += f" (file {req.otherwise_heading})"
                return out.rule_out(reason, req.otherwise_heading)
        return False

    def _below_threshold(self, m: Measure, value: Value, out: Outcome) -> bool:
        """A numeric fact (e.g. metal weight share) is below the value's threshold."""
        t = value.threshold
        if t is None:
            return False
        given = self.line.fact(t.fact)
        if given is None:
            self.assume(t.fact, f"{t.fact} not given: treated as {'at least' if t.default == 'applies' else 'below'} "
                                f"{t.at_least}. {t.note}", m)
            passes = t.default == "applies"
        else:
            try:
                passes = Decimal(given) >= t.at_least
            except Exception:
                raise InputError.field("facts", f"{t.fact} must be a decimal fraction such as 0.4") from None
        if passes:
            return False
        return out.rule_out(f"{t.fact} {given} is below {t.at_least}: {t.note}", t.otherwise_heading)

    def _replaced(self, m: Measure, out: Outcome) -> bool:
        """Another measure that replaces ``m`` applies."""
        for other in self.duties:
            if other is not m and any(m.id == r or m.id.startswith(r + "/") for r in other.replaces):
                if self.status(other).applied:
                    return out.rule_out(f"replaced by {other.id} "
                                        f"({self.outcomes[other.id].value.heading or other.title})")
        return False

    def _exempt(self, m: Measure, out: Outcome) -> bool:
        """An exemption in force for this line switches the whole measure off (or carves out parts)."""
        line = self.line
        for ex in self.tables.exemptions_for.get(m.id, ()):
            if not (ex.matches_origin(line.origin) and ex.matches_hts(line.hts)):
                continue
            ev = ex.value_on(self.day)
            if ev is None:
                continue
            condition = EXEMPTION_CONDITIONS.get(ex.condition)
            if condition is None:
                raise TableError(ex.where, f"unknown condition {ex.condition!r}")
            if condition(self, ex, ev, out) == WHOLE:
                out.reason = f"exempt: {ex.title}"
                out.heading = out.whole_exemption_heading = ev.heading
                return True
        return False

    def _in_transit(self, m: Measure, value: Value, out: Outcome) -> Value | None:
        """Follow in-transit rules back to the treatment the goods keep (or None)."""
        line = self.line
        while value.in_transit is not None:
            t = value.in_transit
            if self.day >= t.entered_before:
                return value
            if line.loaded_date is None:
                self.assume("loaded_date", f"no loaded_date: assumed loaded on or after {t.loaded_before} "
                                           f"(goods loaded earlier on {'/'.join(sorted(t.modes))} and entered "
                                           f"before {t.entered_before} keep the earlier treatment)", m)
                return value
            if line.loaded_date >= t.loaded_before:
                return value
            if line.mode is None:
                self.assume("mode", f"no mode given: the in-transit rule of {m.id} needs "
                                    f"{'/'.join(sorted(t.modes))}; not applied", m)
                return value
            if line.mode not in t.modes:
                return value
            note = (f"in transit: loaded {line.loaded_date} by {line.mode} before {t.loaded_before} "
                    f"and entered before {t.entered_before}")
            previous = m.value_on(t.loaded_before - timedelta(days=1))
            out.reason = note
            if previous is None:
                out.rule_out(note + "; not subject", t.heading)
                return None
            value = previous
        return value


# ------------------------------------------------------- exemption conditions
# Each returns WHOLE when the exemption switches the whole target off; else
# None, having perhaps recorded carve-outs on the target or an offer to the caller.

def _always(ctx: _Context, ex: Measure, ev: Value, target: Outcome) -> str | None:
    """Unconditional (e.g. Annex II goods)."""
    return WHOLE


def _preference(ctx: _Context, ex: Measure, ev: Value, target: Outcome) -> str | None:
    """The line claims one of the preference codes (e.g. USMCA S/S+); otherwise say a claim would exempt it."""
    if ctx.line.preference in ex.condition_args["codes"]:
        return WHOLE
    codes = "/".join(sorted(ex.condition_args["codes"]))
    ctx.offer(ex, ev, f"exempt if entered under the preference claimed with {codes} (origin rules met): {ex.title}")
    return None


def _claim(ctx: _Context, ex: Measure, ev: Value, target: Outcome) -> str | None:
    """The caller claims the exemption's heading (e.g. a product exclusion); otherwise offer it."""
    if ev.heading and ev.heading in ctx.line.claims:
        ctx.used_claims.add(ev.heading)
        return WHOLE
    ctx.offer(ex, ev, f"exclusion available if the goods match its description: claim {ev.heading}")
    return None


def _us_content(ctx: _Context, ex: Measure, ev: Value, target: Outcome) -> str | None:
    """At least ``min_share`` US content: only the non-US part pays."""
    line = ctx.line
    us = line.us_content_value
    if us is None:
        ctx.assume("us_content_value", f"no us_content_value: {target.measure.program} charged on the full value "
                                       f"({ex.title} needs at least {ev.min_share * 100:g}% US content)", ex)
        return None
    if line.value and us / line.value >= ev.min_share:
        target.carve_outs.append(CarveOut("us_content", None, ev.heading))
    return None


def _layer(ctx: _Context, ex: Measure, ev: Value, target: Outcome) -> str | None:
    """Another named layer applies (e.g. Section 232): off for the whole article or only the part it covers."""
    hits = []
    for other in ctx.duties:
        if other is target.measure or not _named(other, ex.condition_args["layers"]):
            continue
        o = ctx.status(other)
        if o.applied:
            hits.append(o)
    if not hits:
        return None
    if ev.extent == "whole" or any(h.value.base == "full_value" for h in hits):
        return WHOLE
    for h in hits:
        target.carve_outs.append(CarveOut("layer", h, ev.heading))
    return None


Condition = Callable[[_Context, Measure, Value, Outcome], "str | None"]

# The one table of exemption conditions: the loader accepts exactly the names
# in ``service.model.measures.CONDITIONS``, so each must have its function here.
EXEMPTION_CONDITIONS: dict[str, Condition] = {
    "always": _always,
    "preference": _preference,
    "claim": _claim,
    "us_content": _us_content,
    "layer": _layer,
}
if set(EXEMPTION_CONDITIONS) != set(CONDITIONS):   # the loader accepts exactly what the engine implements
    raise ImportError(f"exemption conditions the loader accepts {sorted(CONDITIONS)} and the engine implements "
                      f"{sorted(EXEMPTION_CONDITIONS)} differ")


def _named(m: Measure, names) -> bool:
    return any(n == m.program or m.id == n or m.id.startswith(n + "/") for n in names)


def _not_in_force(m: Measure, day: date) -> str:
    first, last = m.values[0], m.values[-1]
    if day < first.start:
        return f"not yet in force on {day} (starts {first.start})"
    if last.end is not None and day >= last.end:
        return f"no longer in force on {day} (ended {last.end}, exclusive)"
    return f"not in force on {day} (gap between dated values)"


def measures_for(tables, digits: str, origin: str) -> list[Measure]:
    """The duty measures that may reach a code and origin, and every exemption of the code
    (memoised per tables object in a bounded cache: codes come from callers)."""
    cache = caches_for(tables).measures
    key = (digits, origin)
    found = cache.get(key)
    if found is None:
        found = tables.candidates_for(digits, origin)
        cache.put(key, found)
    return found


def evaluate(tables, line: LineInput) -> Evaluation:
    return _Context(tables, line, measures_for(tables, line.hts, line.origin)).run()


__all__ = ["CarveOut", "EXEMPTION_CONDITIONS", "Evaluation", "Outcome", "evaluate", "measures_for"]
