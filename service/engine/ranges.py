"""Ranges instead of false precision: the lowest and highest duty a line's missing facts allow.

When a fact the rules need is missing, the engine takes a documented
default and reports it as an assumption (``service.engine.stacking``,
``service.engine.valuation``).  That answer stays THE answer; this module
adds how far the duty could move if the fact were otherwise, and which fact
moves it.  The facts ranged over, and the values tried for each:

* a requirement fact (``vehicle_part``, ``us_melted``...): each value it
  takes in the tables (yes and no, or a choice's values);
* a threshold fact (``metal_weight_share``): 0 and each threshold that
  reads it (below and at the threshold);
* a missing steel, aluminum, copper or AAM content value: none (0) and the
  full customs value;
* a missing US content value: none and the full value (the exemption needs
  at least its minimum share; the duty only falls as US content rises);
* a preference the line could claim (USMCA ``S``/``S+``, offered under
  ``not_applied``): none and each code.

Not ranged: the in-transit facts (``loaded_date``, ``mode``), the exporter of
an AD/CVD case, a statistical suffix, and product-exclusion claims (the
caller names those; they are listed under ``not_applied``).

Each value is priced with :func:`~service.engine.quote.quote_stack`: every
combination when there are at most :data:`MAX_COMBINATIONS`, otherwise each
fact on its own (the others at today's assumption) plus all facts at their
lowest and all at their highest.  A line with no ranged fact costs no quote.
What does not depend on the value (the facts, the combinations, their layers, the labels) is worked
out once per value-free line (:class:`_Shape`, in the engine caches); a line's value only adds the
layers of each combination, each rounded to the cent (``tests/test_ranges_shape.py`` checks it).
"""
from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from decimal import Decimal

from service.engine.cache import caches_for
from service.engine.line_input import CONTENT_FIELDS, LineInput, known_facts, with_readings
from service.engine.quote import _stack_key, _value_free, quote, quote_stack
from service.model.errors import InputError, NotCovered
from service.model.money import ZERO, cents, fmt_money

MAX_COMBINATIONS = 32
NONE = "none"                       # the label of "no preference claimed"
ONE = Decimal(1)
_METAL_AAM = tuple(f for f in CONTENT_FIELDS if f != "us_content_value")


@dataclass(frozen=True)
class Fact:
    """A missing fact: its name, the label of today's assumption, and the values to try (label, raw)."""

    name: str
    assumed: str
    options: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class FactRange:
    fact: str
    assumption: str                           # the value today's answer assumes (one of the labels)
    values: tuple[tuple[str, Decimal], ...]   # each value and the total duty, the other facts as assumed
    moves: bool                               # some value changes the duty, for some value of the others tried

    def doc(self) -> dict:
        return {"fact": self.fact, "assumption": self.assumption,
                "values": [{"value": label, "total_duty": fmt_money(total)} for label, total in self.values],
                "moves": self.moves}


@dataclass(frozen=True)
class DutyRange:
    """The duty today's assumptions give, and the lowest and highest the facts' values give."""

    assumed: Decimal
    low: Decimal
    high: Decimal
    facts: tuple[FactRange, ...]
    method: str

    @property
    def moving(self) -> tuple[str, ...]:
        return tuple(f.fact for f in self.facts if f.moves)

    def doc(self) -> dict:
        return {"assumed": fmt_money(self.assumed), "low": fmt_money(self.low), "high": fmt_money(self.high),
                "facts": [f.doc() for f in self.facts], "method": self.method}


# ------------------------------------------------------------ the entry points

def answered_quote(tables, line: LineInput) -> dict:
    """The quote document as the API and the CLI answer it: the engine's quote, the names read from the
    caller's input (assumptions) and the duty range of any assumed fact."""
    return with_readings(with_duty_range(tables, line, quote(tables, line)), line)


def with_duty_range(tables, line: LineInput, doc: dict) -> dict:
    """``doc`` (the line's quote, shared through the caches: never changed) with its ``duty_range``, as a copy;
    ``doc`` itself when no fact was assumed (the line's :class:`_Shape` read the facts from that quote)."""
    shape = _shape(tables, line)
    return {**doc, "duty_range": shape.doc_at(line.value)} if shape is not None else doc


def duty_range(tables, line: LineInput, stack) -> DutyRange | None:
    """The range of a priced line (its :class:`~service.engine.stack.Stack`); None when no fact was assumed."""
    return line_range(tables, line) if missing_facts(tables, line, stack.assumptions, stack.not_applied) else None


# ------------------------------------------------------------ which facts are missing

def missing_facts(tables, line: LineInput, assumptions, not_applied) -> list[Fact]:
    """The facts a quote assumed (its assumptions) or could still claim (a preference offer), once each."""
    found: dict[str, Fact] = {}
    rules = known_facts(tables) if assumptions else {}
    for a in assumptions:
        name = a["fact"]
        if name in found:
            continue
        fact = _fact_of(tables, line, name, a.get("measure_id"), rules)
        if fact is not None:
            found[name] = fact
    if line.preference is None:
        fact = _preference_fact(tables, line, not_applied)
        if fact is not None:
            found[fact.name] = fact
    return list(found.values())


def _fact_of(tables, line: LineInput, name: str, measure_id: str | None, rules) -> Fact | None:
    measure = tables.measures.get(measure_id) if measure_id else None
    value = measure.value_on(line.entry_date) if measure is not None else None
    if name in rules and rules[name].kind == "fraction":
        return _threshold_fact(name, value)
    if name in rules:
        return _requirement_fact(name, measure, rules[name])
    if name in _METAL_AAM and value is not None:
        assumed = line.value if value.base_default == "full_value" else ZERO
        return _amount_fact(name, assumed, (ZERO, line.value))
    if name == "us_content_value" and value is not None and value.min_share is not None:
        return _amount_fact(name, ZERO, (ZERO, line.value))
    return None   # loaded_date, mode, exporter, hts: not facts to range over


def _requirement_fact(name: str, measure, rule) -> Fact | None:
    req = next((r for r in measure.requirements if r.fact == name), None) if measure is not None else None
    if req is None:
        return None
    values = ("yes", "no") if rule.kind == "yes_no" else rule.values
    return Fact(name, req.default, tuple((v, v) for v in values))


def _threshold_fact(name: str, value) -> Fact | None:
    t = value.threshold if value is not None else None
    if t is None or t.fact != name:
        return None
    at = format(t.at_least.normalize(), "f")
    return Fact(name, at if t.default == "applies" else "0", (("0", "0"), (at, at)))


def _amount_fact(name: str, assumed: Decimal, amounts) -> Fact:
    options = tuple((fmt_money(x), x) for x in dict.fromkeys(amounts))
    return Fact(name, fmt_money(assumed), options)


def _preference_fact(tables, line: LineInput, not_applied) -> Fact | None:
    """The preference codes an offer under ``not_applied`` names (USMCA S/S+), open to the line's origin."""
    codes: set[str] = set()
    for entry in not_applied:
        m = tables.measures.get(entry.get("measure_id") or "")
        if m is not None and m.kind == "exemption" and m.condition == "preference":
            codes.update(m.condition_args["codes"])
    open_codes = sorted(c for c in codes if c in tables.special_programs
                        and line.origin in tables.special_programs[c].countries)
    if not open_codes:
        return None
    return Fact("preference", NONE, ((NONE, None), *((c, c) for c in open_codes)))


# ------------------------------------------------------------ pricing the values

def line_range(tables, line: LineInput) -> DutyRange | None:
    """The range of the missing facts' values (every combination, or each on its own and the extremes)."""
    shape = _shape(tables, line)
    return shape.at(line.value) if shape is not None else None


_METHOD_NOTES = ("; the answer's total_duty keeps today's assumption; content values are tried from none to the "
                 "full customs value; a fact that a tried value brings into play takes its default")
_MISSING = object()   # not priced (a combination) or not kept (a shape) yet


class _Plan:
    """A line's missing facts and the priced combinations of their values (by labels).  A value-free line
    (the engine's stack cache, ``service.engine.quote``) is planned at a value of 1, the content values
    tried being 0 or 1, each combination kept as its layers' (base, rate), which a line of any value
    rescales as the stack cache does (each layer's duty is the value times base and rate, to the cent).
    Other lines are planned at their own value, each combination kept as its total duty."""

    def __init__(self, tables, line: LineInput, unit: bool):
        self.tables, self.line, self.unit = tables, line, unit
        stack = quote_stack(tables, line)
        self.facts = missing_facts(tables, line, stack.assumptions, stack.not_applied)
        # today's assumptions are the line as given (no fact set): its own stack
        self.priced: dict[tuple[str, ...], object] = {tuple(f.assumed for f in self.facts): self._kept(stack)}

    def _kept(self, stack):
        return tuple((x.base_amount, x.rate) for x in stack.layers) if self.unit else stack.total_duty

    def priced_as(self, labels: tuple[str, ...]):
        """The unit layers (unit plan) or total (else) of one combination; None if it cannot be priced."""
        found = self.priced.get(labels, _MISSING)
        if found is _MISSING:
            settings = {f.name: dict(f.options)[label] for f, label in zip(self.facts, labels)}
            try:
                found = self._kept(quote_stack(self.tables, vary(self.line, settings)))
            except (InputError, NotCovered):
                found = None
            self.priced[labels] = found   # one key, one value: safe to share between threads
        return found


def _shape(tables, line: LineInput) -> "_Shape | None":
    """The shape of ``line``'s range (None: no fact missing), kept in the engine caches: a value-free line's
    is its unit line's (keyed as the engine's stack cache keys it), another line's its own (if it has one)."""
    unit = bool(line.value) and _value_free(line)
    key = _stack_key(line) if unit else line
    cache = caches_for(tables).ranges
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        planned = LineInput(**{**line.__dict__, "value": ONE}) if unit else line
        plan = _Plan(tables, planned, unit)
        found = _Shape(plan) if plan.facts else None
        if unit or found is not None:
            cache.put(key, found)
    return found


class _Shape:
    """A line's range but for its amounts, worked out once from its plan (kept in the engine caches).

    Kept: the combinations of the facts' values priced (every one, or each fact's values alone); each
    one's sum: its layers as indexes into the plan's distinct (base, rate) pairs (a unit plan; the
    combinations with the same layers share one sum) or its total (else); the sums giving each fact's
    values alone, and the groups of sums its ``moves`` compares (the combinations equal but for that
    fact, or its values alone); the labels and the method text.  At a value, each distinct layer is
    priced to the cent once and each sum added: the figures of pricing every combination at that value.
    """

    def __init__(self, plan: _Plan):
        self.facts, self.unit = plan.facts, plan.unit
        self.size = math.prod(len(f.options) for f in self.facts)
        self.every = self.size <= MAX_COMBINATIONS
        self.plan = None if self.every else plan   # one at a time prices more at each value
        self._prepare(plan, self.facts)

    def _prepare(self, plan: _Plan, facts: list[Fact]) -> None:
        assumed = tuple(f.assumed for f in facts)   # each is one of its fact's values (missing_facts)
        alone = [[assumed[:k] + (label,) + assumed[k + 1:] for label, _ in f.options] for k, f in enumerate(facts)]
        combos = (itertools.product(*[[label for label, _ in f.options] for f in facts]) if self.every
                  else dict.fromkeys([*itertools.chain(*alone), assumed]))
        pairs: dict[tuple[Decimal, Decimal], int] = {}
        sums: dict[tuple, int] = {}
        index = {labels: _sum_index(plan, labels, pairs, sums) for labels in combos}
        self.pairs, self.terms = tuple(pairs), tuple(sums)
        self.assumed = index[assumed]
        self.priced = tuple(dict.fromkeys(i for i in index.values() if i is not None))
        self.alone = [tuple((label, index[c]) for (label, _), c in zip(f.options, alone[k]) if index[c] is not None)
                      for k, f in enumerate(facts)]
        groups = [_groups(index, k) if self.every else _distinct([[i for _, i in self.alone[k]]])
                  for k in range(len(facts))]
        self.rows = tuple((f.name, _planned_label(plan, f, f.assumed),
                           tuple((_planned_label(plan, f, label), i) for label, i in self.alone[k]),
                           tuple((g[0], j) for g in groups[k] for j in g[1:])) for k, f in enumerate(facts))
        self.method = _method(len(facts), self.size, self.every)

    def at(self, value: Decimal) -> DutyRange:
        """The range at ``value`` (a plan that is not a unit plan: at its own value), as objects."""
        sums, low, high = self._figures(value)
        amounts: dict[Decimal, str] = {}
        ranges = tuple(FactRange(name, _label(assumption, value, amounts),
                                 tuple((_label(v, value, amounts), sums[i]) for v, i in alone), _differ(sums, pairs))
                       for name, assumption, alone, pairs in self.rows)
        return DutyRange(sums[self.assumed], sums[low], sums[high], ranges, self.method)

    def doc_at(self, value: Decimal) -> dict:
        """``self.at(value).doc()``, without the objects (a batch prices many lines)."""
        sums, low, high = self._figures(value)
        text = [fmt_money(x) for x in sums]
        amounts: dict[Decimal, str] = {}
        facts = [{"fact": name, "assumption": _label(assumption, value, amounts),
                  "values": [{"value": _label(v, value, amounts), "total_duty": text[i]} for v, i in alone],
                  "moves": _differ(sums, pairs)} for name, assumption, alone, pairs in self.rows]
        return {"assumed": text[self.assumed], "low": text[low], "high": text[high], "facts": facts,
                "method": self.method}

    def _figures(self, value: Decimal) -> tuple[list[Decimal], int, int]:
        """Each sum at ``value`` (one at a time: and all facts at their lowest, and all at their highest, as
        priced alone), and the indexes of the lowest and highest total priced."""
        if self.unit:
            duties = [cents(value * base * rate) for base, rate in self.pairs]
            sums = [sum([duties[j] for j in t], ZERO) for t in self.terms]
        else:
            sums = [total for _labels, total in self.terms]
        priced = self.priced
        if not self.every:
            priced = [*priced]
            for pick in (min, max):
                labels = tuple(pick(a, key=lambda x: sums[x[1]])[0] if a else f.assumed
                               for f, a in zip(self.facts, self.alone))
                total = _total(self.plan, labels, value)
                if total is not None:
                    priced.append(len(sums))
                    sums.append(total)
        return sums, min(priced, key=sums.__getitem__), max(priced, key=sums.__getitem__)


def _planned_label(plan: _Plan, fact: Fact, label: str):
    """A value's label as planned, or a unit plan's content value (0 or 1) as the amount per unit of value
    (none: the label "0.00" at any value)."""
    if not (plan.unit and fact.name in CONTENT_FIELDS):
        return label
    amount = dict(fact.options)[label]
    return amount if amount else fmt_money(amount)


def _label(label, value: Decimal, amounts: dict) -> str:
    """A value's label at ``value``: a planned label, or an amount per unit of value (formatted once)."""
    if label.__class__ is str:
        return label
    found = amounts.get(label)
    if found is None:
        found = amounts[label] = fmt_money(label * value)
    return found


def _differ(sums: list[Decimal], pairs) -> bool:
    """Some pair of sums differs (a fact moves the duty)."""
    for a, b in pairs:
        if sums[a] != sums[b]:
            return True
    return False


def _sum_index(plan: _Plan, labels: tuple[str, ...], pairs: dict, sums: dict) -> int | None:
    """The index of a combination's sum: its layers' pair indexes, sorted (a unit plan), else its own total;
    None if it cannot be priced.  A layer of no base or no rate adds 0.00 at any value: left out, unless
    the sum would be left with no layer (exact sums of cents: the same figure, to the last digit)."""
    found = plan.priced_as(labels)
    if found is None:
        return None
    if not plan.unit:
        return sums.setdefault((labels, found), len(sums))
    layers = [(base, rate) for base, rate in found if base and rate] or found[:1]
    return sums.setdefault(tuple(sorted(pairs.setdefault(pair, len(pairs)) for pair in layers)), len(sums))


def _total(plan: _Plan, labels: tuple[str, ...], value: Decimal) -> Decimal | None:
    """One combination's total at ``value``, each layer to the cent (None: it cannot be priced)."""
    found = plan.priced_as(labels)
    if found is None or not plan.unit:
        return found
    return sum((cents(value * base * rate) for base, rate in found), ZERO)


def _groups(index: dict, k: int) -> list[tuple[int, ...]]:
    """The sums of the priced combinations equal but for fact ``k``, by group."""
    groups: dict[tuple, list[int]] = {}
    for labels, i in index.items():
        if i is not None:
            groups.setdefault(labels[:k] + labels[k + 1:], []).append(i)
    return _distinct(groups.values())


def _distinct(groups) -> list[tuple[int, ...]]:
    """Each group's distinct sums, the groups of more than one (one sum alone never moves)."""
    return [g for g in (tuple(dict.fromkeys(x)) for x in groups) if len(g) > 1]


def _method(facts: int, size: int, every: bool) -> str:
    return (f"every combination of the values of {facts} fact(s) priced ({size} combinations)" if every else
            f"{size} combinations are too many: each fact priced on its own with the others at today's assumption, "
            "then all facts at their lowest and all at their highest") + _METHOD_NOTES


def vary(line: LineInput, settings: dict[str, object]) -> LineInput:
    """``line`` with each named fact set: a field (a content value, the preference) or a caller fact."""
    fields = {k: v for k, v in settings.items() if k in CONTENT_FIELDS or k == "preference"}
    facts = {k: v for k, v in settings.items() if k not in fields}
    if facts:
        fields["facts"] = tuple(sorted({**dict(line.facts), **facts}.items()))
    return dataclasses.replace(line, **fields)


__all__ = ["DutyRange", "Fact", "FactRange", "MAX_COMBINATIONS", "duty_range", "line_range", "missing_facts",
           "vary", "with_duty_range"]
