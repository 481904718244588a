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

from service.model.errors import TableError
from service.engine.line_input import LineInput
from service.model.measures import Measure, Value


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
    # Parts of the value this layer does not reach: (kind, outcome-or-None, heading)
    carve_outs: list = field(default_factory=list)
    whole_exemption_heading: str | None = None
    filed_heading: str | None = None    # heading filed for an applied layer (all-in pairs choose one)


@dataclass
class Evaluation:
    outcomes: list[Outcome]
    assumptions: list[dict]
    claims_unused: list[str]


class _Context:
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

    # ------------------------------------------------------------ one measure
    def status(self, m: Measure) -> Outcome:
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
        line, day = self.line, self.day
        out = Outcome(m)
        value = m.value_on(day)
        if value is None:
            out.reason = _not_in_force(m, day)
            return out
        out.value = value
        if value.in_transit is not None:
            value = self._in_transit(m, value, out)
            if value is None:
                return out
            out.value = value
        for req in m.requirements:
            given = line.fact(req.fact)
            if given is None:
                given = req.default
                self.assume(req.fact, f"{req.fact}={given} (not given). {req.note}", m)
            if given != req.equals:
                out.reason = f"requires {req.fact}={req.equals}; {req.note}"
                if req.otherwise_heading:
                    out.heading = out.whole_exemption_heading = req.otherwise_heading
                    out.reason += f" (file {req.otherwise_heading})"
                return out
        if value.threshold is not None:
            t = value.threshold
            given = line.fact(t.fact)
            if given is None:
                self.assume(t.fact, f"{t.fact} not given: treated as {'at least' if t.default == 'applies' else 'below'} "
                                    f"{t.at_least}. {t.note}", m)
                passes = t.default == "applies"
            else:
                try:
                    passes = Decimal(given) >= t.at_least
                except Exception:
                    from service.model.errors import InputError
                    raise InputError.field("facts", f"{t.fact} must be a decimal fraction such as 0.4") from None
            if not passes:
                out.reason = f"{t.fact} {given} is below {t.at_least}: {t.note}"
                if t.otherwise_heading:
                    out.heading = out.whole_exemption_heading = t.otherwise_heading
                return out
        # Replacement by another measure that applies.
        for other in self.duties:
            if other is not m and any(m.id == r or m.id.startswith(r + "/") for r in other.replaces):
                if self.status(other).applied:
                    out.reason = f"replaced by {other.id} ({self.outcomes[other.id].value.heading or other.title})"
                    return out
        # Exemptions.
        for ex in self.tables.exemptions_for.get(m.id, ()):
            if not (ex.matches_origin(line.origin) and ex.matches_hts(line.hts)):
                continue
            ev = ex.value_on(day)
            if ev is None:
                continue
            verdict = self._exemption(ex, ev, out)
            if verdict == "whole":
                out.reason = f"exempt: {ex.title}"
                out.heading = ev.heading
                out.whole_exemption_heading = ev.heading
                return out
        out.applied = True
        return out

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
                out.reason = note + "; not subject"
                out.heading = t.heading
                out.whole_exemption_heading = t.heading
                return None
            value = previous
        return value

    def _exemption(self, ex: Measure, ev: Value, target: Outcome) -> str | None:
        """Return "whole" if ``ex`` exempts the whole target, else record carve-outs."""
        line = self.line
        kind = ex.condition
        if kind == "always":
            return "whole"
        if kind == "preference":
            if line.preference in ex.condition_args["codes"]:
                return "whole"
            # Say that a preference claim would exempt the goods (never a silent omission).
            codes = "/".join(sorted(ex.condition_args["codes"]))
            self._offer(ex, ev, f"exempt if entered under the preference claimed with {codes} (origin rules met): "
                                f"{ex.title}")
            return None
        if kind == "claim":
            if ev.heading and ev.heading in line.claims:
                self.used_claims.add(ev.heading)
                return "whole"
            self._offer(ex, ev, f"exclusion available if the goods match its description: claim {ev.heading}")
            return None
        if kind == "us_content":
            us = line.us_content_value
            if us is None:
                self.assume("us_content_value", f"no us_content_value: {target.measure.program} charged on the "
                                                f"full value ({ex.title} needs at least "
                                                f"{ev.min_share * 100:g}% US content)", ex)
                return None
            if line.value and us / line.value >= ev.min_share:
                target.carve_outs.append(("us_content", None, ev.heading))
            return None
        if kind == "layer":
            hits = []
            for other in self.duties:
                if other is target.measure or not _named(other, ex.condition_args["layers"]):
                    continue
                o = self.status(other)
                if o.applied:
                    hits.append(o)
            if not hits:
                return None
            if ev.extent == "whole" or any(h.value.base == "full_value" for h in hits):
                return "whole"
            for h in hits:
                target.carve_outs.append(("layer", h, ev.heading))
            return None
        raise TableError(ex.where, f"unknown condition {kind!r}")

    def _offer(self, ex: Measure, ev: Value, reason: str) -> None:
        """Record an exemption the caller could still obtain (reported under not_applied)."""
        self.outcomes.setdefault("claim:" + ex.id, Outcome(ex, ev, False, reason, ev.heading))

    def run(self) -> Evaluation:
        for m in self.duties:
            self.status(m)
        outcomes = [self.outcomes[m.id] for m in self.duties]
        outcomes += [o for k, o in self.outcomes.items() if k.startswith("claim:")]
        unused = sorted(set(self.line.claims) - self.used_claims)
        return Evaluation(outcomes, self.assumptions, unused)


def _named(m: Measure, names) -> bool:
    return any(n == m.program or m.id == n or m.id.startswith(n + "/") for n in names)


def _not_in_force(m: Measure, day: date) -> str:
    first, last = m.values[0], m.values[-1]
    if day < first.start:
        return f"not yet in force on {day} (starts {first.start})"
    if last.end is not None and day >= last.end:
        return f"no longer in force on {day} (ended {last.end}, exclusive)"
    return f"not in force on {day} (gap between dated values)"


def evaluate(tables, line: LineInput) -> Evaluation:
    return _Context(tables, line, tables.candidates_for(line.hts, line.origin)).run()


__all__ = ["evaluate", "Evaluation", "Outcome"]
