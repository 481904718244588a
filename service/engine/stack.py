"""One line's priced duty stack as objects; the JSON document is rendered from it.

Stages that need amounts (the stack cache's rescaling, the all-in rate's
column 1 equivalent, the landed cost's MPF exemption) read these objects,
never ``Decimal(doc[...])`` back from the document.  ``Stack.doc`` is the
document ``quote()`` returns, the same bytes as ever: keys in the same
order, amounts as exact decimal strings.  Treat it as read-only (it is
rendered once and shared through the caches).
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.model.measures import LegalStatus
from service.model.money import ZERO, cents, fmt_money, fmt_decimal, rate6

CURRENCY = "USD"


@dataclass(frozen=True, slots=True)
class Layer:
    """One duty layer: the column 1 (MFN) rate or one Chapter 99 / AD/CVD measure."""

    program: str
    heading: str | None
    rate: Decimal
    value_base: str
    base_amount: Decimal
    duty: Decimal                       # rounded to the cent
    measure_id: str
    citation: str
    confidence: str
    rate_text: str | None = None        # the column 1 rate as printed (MFN layer only)
    case: str | None = None
    note: str | None = None
    open_question: str | None = None
    legal_status: LegalStatus | None = None
    specific_rate: Decimal | None = None  # a specific or compound column 1 rate (MFN layer only)
    specific_unit: str | None = None
    quantity: Decimal | None = None

    def at_value(self, value: Decimal) -> "Layer":
        """This layer of a stack priced at a value of 1, for the customs value ``value``."""
        base = value * self.base_amount
        # The constructor, not dataclasses.replace (which costs more than the rest of the rescaling).
        return Layer(self.program, self.heading, self.rate, self.value_base, base, cents(base * self.rate),
                     self.measure_id, self.citation, self.confidence, self.rate_text, self.case, self.note,
                     self.open_question, self.legal_status, self.specific_rate, self.specific_unit, self.quantity)

    def doc(self) -> dict:
        d = {"program": self.program, "heading": self.heading, "rate": fmt_decimal(self.rate)}
        if self.program == "mfn":
            d["rate_text"] = self.rate_text
        d.update(value_base=self.value_base, base_amount=fmt_money(self.base_amount), duty=fmt_money(self.duty),
                 measure_id=self.measure_id, citation=self.citation, confidence=self.confidence)
        if self.case is not None:
            d["case"] = self.case
        if self.note is not None:
            d["note"] = self.note
        if self.open_question is not None:
            d["open_question"] = self.open_question
        if self.legal_status is not None:
            d["legal_status"] = self.legal_status.as_dict()
        if self.specific_rate is not None:
            d.update(specific_rate=fmt_decimal(self.specific_rate), specific_unit=self.specific_unit,
                     quantity=fmt_decimal(self.quantity))
        return d


@dataclass(frozen=True, slots=True)
class FilingNumber:
    number: str
    program: str
    role: str          # "duty", "exemption" or "commodity"

    def doc(self) -> dict:
        return {"number": self.number, "program": self.program, "role": self.role}


@dataclass(frozen=True, slots=True)
class FilingLine:
    """One split entry line: a portion of the value and the numbers filed for it."""

    line: int
    portion: str
    value: Decimal
    numbers: tuple[FilingNumber, ...]
    adcvd_cases: tuple[str, ...] = ()

    def doc(self) -> dict:
        d = {"line": self.line, "portion": self.portion, "value": fmt_money(self.value),
             "numbers": [n.doc() for n in self.numbers]}
        if self.adcvd_cases:
            d["adcvd_cases"] = list(self.adcvd_cases)
        return d


@dataclass(frozen=True, slots=True)
class Stack:
    """A priced line: what ``quote()`` serves, as objects.

    ``special_program`` is the special program indicator (e.g. ``KR``, ``S``)
    whose column 1 special rate the MFN layer applied, or None when the
    general rate applied (not claimed, not in force, or not listed for the
    line).  The landed cost reads it for the MPF exemption of FTA goods.
    """

    tables_version: str
    hts: str
    hts_requested: str
    description: str
    origin: str
    origin_name: str
    entry_date: date
    customs_value: Decimal
    layers: tuple[Layer, ...]
    filing_lines: tuple[FilingLine, ...]
    not_applied: tuple[dict, ...]
    assumptions: tuple[dict, ...]
    warnings: tuple[str, ...]
    special_program: str | None = None
    _doc: OrderedDict | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def total_duty(self) -> Decimal:
        return sum((layer.duty for layer in self.layers), ZERO)

    def at_value(self, value: Decimal, doc: OrderedDict | None = None) -> "Stack":
        """This stack, priced at a value of 1, for the customs value ``value``.

        Valid for value-free stacks only: every base is then the full value
        or nothing, so each layer's duty is the value times its rate.
        ``doc``, if given, is :meth:`doc_at_value` for the same value; without it the
        document is rendered only when asked for (the same document).
        """
        layers = tuple(x.at_value(value) for x in self.layers)
        filing = tuple(FilingLine(fl.line, fl.portion, value * fl.value, fl.numbers, fl.adcvd_cases)
                       for fl in self.filing_lines)
        stack = Stack(self.tables_version, self.hts, self.hts_requested, self.description, self.origin,
                      self.origin_name, self.entry_date, value, layers, filing, self.not_applied, self.assumptions,
                      self.warnings, self.special_program)
        if doc is not None:
            object.__setattr__(stack, "_doc", doc)
        return stack

    def doc_at_value(self, value: Decimal) -> OrderedDict:
        """The document of :meth:`at_value` without building its objects: the unit's document with
        only the amounts rendered anew (the same keys in the same order)."""
        unit = self.doc
        doc = OrderedDict(unit)
        doc["customs_value"] = fmt_money(value)
        total = ZERO
        layers = []
        for d, x in zip(unit["layers"], self.layers):
            base = value * x.base_amount
            duty = cents(base * x.rate)
            total += duty
            layers.append({**d, "base_amount": fmt_money(base), "duty": fmt_money(duty)})
        doc["layers"] = layers
        doc["total_duty"] = fmt_money(total)
        doc["effective_rate"] = fmt_decimal(rate6(total / value)) if value else "0"
        doc["filing_lines"] = [{**d, "value": fmt_money(value * fl.value)}
                               for d, fl in zip(unit["filing_lines"], self.filing_lines)]
        return doc

    @property
    def stack(self) -> "Stack":
        """Itself (a cache entry is a Stack or a :class:`Rescaled`; both give ``doc`` and ``stack``)."""
        return self

    @property
    def doc(self) -> OrderedDict:
        """The JSON document, rendered on first use and kept (slots: no per-instance dict)."""
        if self._doc is None:
            object.__setattr__(self, "_doc", self._render())
        return self._doc

    def _render(self) -> OrderedDict:
        total = self.total_duty
        value = self.customs_value
        return OrderedDict(
            tables_version=self.tables_version,
            hts=self.hts,
            hts_requested=self.hts_requested,
            description=self.description,
            origin=self.origin,
            origin_name=self.origin_name,
            entry_date=self.entry_date.isoformat(),
            currency=CURRENCY,
            customs_value=fmt_money(value),
            layers=[x.doc() for x in self.layers],
            total_duty=fmt_money(total),
            effective_rate=fmt_decimal(rate6(total / value)) if value else "0",
            filing_lines=[fl.doc() for fl in self.filing_lines],
            not_applied=list(self.not_applied),
            assumptions=list(self.assumptions),
            warnings=list(self.warnings),
        )


class Rescaled:
    """A value-free stack at another customs value, as the quote cache keeps it: the document is
    made on first use, the objects (:meth:`Stack.at_value`) only when a caller asks for them."""

    __slots__ = ("unit", "value", "_doc", "_stack")

    def __init__(self, unit: Stack, value: Decimal):
        self.unit, self.value, self._doc, self._stack = unit, value, None, None

    @property
    def doc(self) -> OrderedDict:
        if self._doc is None:
            self._doc = self.unit.doc_at_value(self.value)
        return self._doc

    @property
    def stack(self) -> Stack:
        if self._stack is None:   # the document is passed on if it was rendered, else left for later
            self._stack = self.unit.at_value(self.value, self._doc)
        return self._stack
