"""An audit request as the caller gives it, checked field by field.

Each line is a line as filed: the fields of a duty line (read by
:func:`service.engine.line_input.parse_line`, so the API, the CLI and the
pricer accept the same forms), plus ``entry_number``, ``line_number``, the
optional ``liquidation_date``, ``liquidated`` and ``deposit_date``, and
``paid``: the duties deposited, a list of ``{heading, amount}`` where the
heading is a Chapter 99 heading (``9903.01.24``), the HTS number itself for
the column 1 duty (``8507.60.00.20``) or an AD/CVD case number
(``A-570-194``, also with ACE's three-digit company suffix ``-000``).

Every error of every line is reported at once, named by its path in the body
(``lines.3.paid.0.amount``), as one :class:`InputError`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.model import hts
from service.model.errors import ErrorCollector, InputError
from service.model.money import CENT, parse_amount
from service.model.refunds import IMPORTER_TYPES
from service.engine.audit.windows import read_liquidation_status
from service.engine.cache import IdentityCache
from service.engine.line_input import CONTENT_FIELDS, LineInput, known_facts, parse_date, parse_line

MAX_LINES = 10_000
MAX_PAID = 50            # paid headings on one line
AUDIT_FIELDS = ("entry_number", "line_number", "liquidation_date", "liquidated", "liquidation_status",
                "deposit_date", "paid")
REQUEST_FIELDS = ("lines", "audit_date", "interest_to", "importer_type")
_HEADING = re.compile(r"^(99\d{2})\.?(\d{2})\.?(\d{2})$")
_CASE = re.compile(r"^([AC])-?(\d{3})-?(\d{3})(?:-?(\d{3}))?$")
_YES, _NO = ("yes", "true", "y", "1"), ("no", "false", "n", "0")
_PLAIN_VALUE = re.compile(r"^[1-9][0-9]{0,11}(\.[0-9]{1,2})?$")    # a customs value parse_line reads as it is
_PLAIN_CENTS = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")   # the common form, read without the general parser
HEADING_FORMS = ("a Chapter 99 heading (9903.01.24), the line's HTS number for the column 1 duty (8507.60.00.20) "
                 "or an AD/CVD case number (A-570-194)")


@dataclass(frozen=True, slots=True)
class Paid:
    """One duty deposited on a line: the number it was filed under, and the amount."""

    heading: str     # canonical: 9903.01.24, 8507.60.00.20 (dotted), A-570-194
    kind: str        # "chapter99", "hts" or "case"
    amount: Decimal


@dataclass(frozen=True)
class AuditLine:
    index: int
    line: LineInput
    entry_number: str
    line_number: int
    paid: tuple[Paid, ...]
    liquidation_date: date | None = None
    liquidated: bool | None = None
    deposit_date: date | None = None
    held: str | None = None       # extended, suspended, under_review: from the liquidation status given


@dataclass(frozen=True)
class AuditRequest:
    lines: tuple[AuditLine, ...]
    audit_date: date
    interest_to: date
    importer_type: str
    assumptions: tuple[dict, ...]    # what the request left out and the audit assumed


def paid_heading(text) -> tuple[str, str]:
    """``(canonical, kind)`` of a number duties were paid under; ValueError naming the accepted forms."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"must be {HEADING_FORMS}")
    return _paid_heading(text)


@functools.lru_cache(maxsize=4096)
def _paid_heading(text: str) -> tuple[str, str]:
    given = text.strip().upper()
    found = _HEADING.match(given)
    if found:
        return ".".join(found.groups()), "chapter99"
    found = _CASE.match(given)
    if found:
        return f"{found.group(1)}-{found.group(2)}-{found.group(3)}", "case"
    try:
        digits = hts.normalize(given)
    except ValueError:
        raise ValueError(f"{text.strip()[:40]!r} is not {HEADING_FORMS}") from None
    if len(digits) < 8:
        raise ValueError(f"{text.strip()[:40]!r} is not {HEADING_FORMS}: an HTS number has 8 or 10 digits")
    return hts.dotted(digits), "hts"


def parse_request(tables, data) -> AuditRequest:
    """The whole request checked; every line's errors collected under ``lines.<i>``."""
    if not isinstance(data, dict):
        raise InputError("the body must be a JSON object", {"body": ["must be an object"]})
    errors = ErrorCollector()
    for name in sorted(k for k in data if k not in REQUEST_FIELDS):
        errors.add(name, "unknown field (known: " + ", ".join(REQUEST_FIELDS) + ")")
    settings = _settings(tables, data, errors)
    lines = _lines(tables, data.get("lines"), errors, None if "audit_date" in errors.errors else settings[0])
    _check_unique(data.get("lines"), errors)
    errors.raise_if_any("invalid audit")
    return AuditRequest(tuple(lines), *settings)


def parse_settings(tables, data: dict) -> AuditRequest:
    """The audit's own settings (``audit_date``, ``interest_to``, ``importer_type``) without lines: for
    a file audited line by line (``tariff-stack audit``)."""
    errors = ErrorCollector()
    settings = _settings(tables, data, errors)
    errors.raise_if_any("invalid audit settings")
    return AuditRequest((), *settings)


def parse_item(tables, item, index: int, audit_date: date) -> AuditLine:
    """One line as filed, checked on its own; an InputError naming its fields (``paid.0.amount``)."""
    errors = ErrorCollector()
    found = _line(tables, known_facts(tables), index, item, errors, audit_date)
    errors.raise_if_any("invalid line")
    return found


def _settings(tables, data: dict, errors: ErrorCollector) -> tuple:
    """audit_date, interest_to and importer_type, or their defaults (each reported as an assumption)."""
    assumptions = []
    audit_date = errors.guard("audit_date", parse_date, data["audit_date"], "audit_date") \
        if data.get("audit_date") not in (None, "") else None
    if audit_date is None:
        audit_date = tables.as_of
        assumptions.append({"fact": "audit_date", "assumption": f"windows are judged as of {tables.as_of}, the "
                            "tables' as-of date (give audit_date for another day)"})
    interest_to = errors.guard("interest_to", parse_date, data["interest_to"], "interest_to") \
        if data.get("interest_to") not in (None, "") else None
    if interest_to is None:
        last = tables.refunds.interest.values[-1].end if tables.refunds is not None else None
        capped = last is not None and audit_date > last
        interest_to = last if capped else audit_date
        assumptions.append({"fact": "interest_to", "assumption": f"interest is computed to {interest_to} "
                            + (f"(where the interest rates the tables hold end; the audit date, {audit_date}, is "
                               "later)" if capped else "(the audit date)")
                            + "; by law it runs to the date of liquidation or reliquidation (19 U.S.C. 1505(c)): "
                            "give interest_to for the date you expect"})
    importer_type = data.get("importer_type")
    if importer_type in (None, ""):
        importer_type = "corporate"
        assumptions.append({"fact": "importer_type", "assumption": "the importer is a corporation: corporate "
                            "overpayment rates (one point below the non-corporate rates); give importer_type="
                            "non_corporate otherwise"})
    elif importer_type not in IMPORTER_TYPES:
        errors.add("importer_type", f"must be one of {', '.join(IMPORTER_TYPES)}")
    return audit_date, interest_to, importer_type, tuple(assumptions)


def _lines(tables, items, errors: ErrorCollector, audit_date: date | None) -> list[AuditLine]:
    if not isinstance(items, list) or not items:
        errors.add("lines", "must be a list of 1 to 10000 lines as filed")
        return []
    if len(items) > MAX_LINES:
        errors.add("lines", f"at most {MAX_LINES} lines; got {len(items)}")
        return []
    facts = known_facts(tables)
    out = []
    for i, item in enumerate(items):
        found = _line(tables, facts, i, item, errors.scoped(f"lines.{i}"), audit_date)
        if found is not None:
            out.append(found)
    return out


def _line(tables, facts, index: int, item, errors: ErrorCollector, audit_date: date | None) -> AuditLine | None:
    """One line as filed: its duty-line fields, its identity, its liquidation and what was paid; its dates
    and value possible (:func:`_impossible`)."""
    if not isinstance(item, dict):
        errors.add("line", "must be a JSON object (a line as filed)")
        return None
    duty_fields = {k: v for k, v in item.items() if k not in AUDIT_FIELDS}
    line = None
    try:
        line = _duty_line(tables, facts, duty_fields)
    except InputError as exc:           # its fields under this line: lines.3.hts
        errors.merge(exc.errors)
    own = _own_fields(item, errors)
    paid = _paid(item.get("paid"), errors)
    if line is None or own is None or paid is None or _impossible(line, own, audit_date, errors):
        return None
    return AuditLine(index, line, *own[:2], paid, *own[2:])


def _impossible(line: LineInput, own: tuple, audit_date: date | None, errors: ErrorCollector) -> bool:
    """Dates and a value no entry can have, each a 400 naming its field: an entry after the audit date, a
    liquidation before the entry, a deposit before the entry or after its liquidation or the audit date, and a
    customs value of 0 (unlike a quote of /v1/duty, where 0 prices nothing: here it would make every duty
    paid on the line look refundable, as a file whose commodity row lost its value does)."""
    failed = len(errors.errors)
    entry, liquidation, deposit = line.entry_date, own[2], own[4]
    if line.value <= 0:
        errors.add("value", "must be more than 0: the line's customs value (ES-003: the commodity row's Line "
                            "Tariff Goods Value Amount); at 0 every duty paid on the line would read as refundable")
    if audit_date is not None and entry > audit_date:
        errors.add("entry_date", f"{entry} is after the audit date ({audit_date}): an audit is of entries made on "
                                 "or before it (give audit_date)")
    if liquidation is not None and liquidation < entry:
        errors.add("liquidation_date", f"{liquidation} is before the entry date ({entry}): an entry liquidates "
                                       "after it is made")
    if deposit is not None and deposit < entry:
        errors.add("deposit_date", f"{deposit} is before the entry date ({entry}): duties are deposited with the "
                                   "entry summary, on or after the date of entry (usually some days after it)")
    elif deposit is not None and audit_date is not None and deposit > audit_date:
        errors.add("deposit_date", f"{deposit} is after the audit date ({audit_date})")
    elif deposit is not None and liquidation is not None and deposit > liquidation:
        errors.add("deposit_date", f"{deposit} is after the liquidation date ({liquidation}): duties are deposited "
                                   "with the entry summary, before the entry liquidates")
    return len(errors.errors) > failed


_TEMPLATES = IdentityCache(20_000, weak=True)   # (tables, the line's fields but its value) -> line at a value of 1


def _duty_line(tables, facts, fields: dict) -> LineInput:
    """:func:`parse_line`, memoised on everything but a plain value (``10004``, ``10004.50``).

    Lines of one audit repeat their HTS number, origin, date and facts with
    another value: the line is read once per such key (with a value of 1) and
    the value is set on a copy, exactly as parse_line reads a plain decimal.
    Lines with content values (checked against the value), or any field that is
    not plain text, are read in full; so is every line whose reading fails, so
    its errors are parse_line's own.
    """
    raw = fields.get("value")
    if type(raw) is not str or not _PLAIN_VALUE.match(raw) or not all(type(v) is str for v in fields.values()) \
            or any(name in fields for name in CONTENT_FIELDS):
        return parse_line(fields, tables.aliases, facts)
    key = tuple(sorted((k, v) for k, v in fields.items() if k != "value"))
    template = _TEMPLATES.get(tables, key)
    if template is None:
        template = _TEMPLATES.put(tables, key, value=parse_line({**fields, "value": "1"}, tables.aliases, facts))
    return _with_value(template, Decimal(raw))


def _with_value(line: LineInput, value: Decimal) -> LineInput:
    """A copy of ``line`` with another value: what ``dataclasses.replace`` does, without running the
    constructor again (ten times cheaper; a LineInput has no __post_init__ and no slots)."""
    copy = object.__new__(LineInput)
    copy.__dict__.update(line.__dict__)
    copy.__dict__["value"] = value
    return copy


def _own_fields(item: dict, errors: ErrorCollector) -> tuple | None:
    """(entry_number, line_number, liquidation_date, liquidated, deposit_date, held), or None on an error."""
    try:                                   # the common case, without collecting: every field reads
        return _read_own_fields(item)
    except ValueError:
        pass                               # read again, each field's error collected
    failed = len(errors.errors)
    entry_number = errors.guard("entry_number", _entry_number, item.get("entry_number"))
    line_number = errors.guard("line_number", _line_number, item.get("line_number"))
    dates = {name: errors.guard(name, parse_date, item[name], name)
             for name in ("liquidation_date", "deposit_date") if item.get(name) not in (None, "")}
    liquidated = errors.guard("liquidated", _yes_no, item["liquidated"]) \
        if item.get("liquidated") not in (None, "") else None
    status = errors.guard("liquidation_status", read_liquidation_status, item.get("liquidation_status"), liquidated) \
        if item.get("liquidation_status") not in (None, "") else (liquidated, None)
    if len(errors.errors) > failed:
        return None
    return entry_number, line_number, dates.get("liquidation_date"), status[0], dates.get("deposit_date"), status[1]


def _read_own_fields(item: dict) -> tuple:
    get = item.get
    dates = [parse_date(get(name), name) if get(name) not in (None, "") else None
             for name in ("liquidation_date", "deposit_date")]
    liquidated = _yes_no(get("liquidated")) if get("liquidated") not in (None, "") else None
    liquidated, held = read_liquidation_status(get("liquidation_status"), liquidated) \
        if get("liquidation_status") not in (None, "") else (liquidated, None)
    return (_entry_number(get("entry_number")), _line_number(get("line_number")), dates[0], liquidated, dates[1],
            held)


def _entry_number(value) -> str:
    if value in (None, ""):
        raise ValueError("missing required field: the entry number of the line (e.g. ABC12345678)")
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not text or len(text) > 20 or not all(c.isalnum() or c in "- " for c in text):
        raise ValueError("must be an entry number of at most 20 letters, digits and dashes (e.g. ABC-1234567-8)")
    return text


def _line_number(value) -> int:
    if value in (None, ""):
        raise ValueError("missing required field: the line number on the entry summary (1, 2, ...)")
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 9999:
        raise ValueError(f"must be a whole number from 1 to 9999; got {str(value)[:20]!r}")
    return int(text)


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text in _YES or text in _NO:
        return text in _YES
    raise ValueError(f"must be yes or no (true or false); got {str(value)[:20]!r}")


def _paid(items, errors: ErrorCollector) -> tuple[Paid, ...] | None:
    """The duties deposited: ``[{heading, amount}]``; the same heading twice is summed."""
    if items is None:
        errors.add("paid", "missing required field: the duties deposited, as [{heading, amount}] ([] if none)")
        return None
    if not isinstance(items, list) or len(items) > MAX_PAID:
        errors.add("paid", f"must be a list of at most {MAX_PAID} {{heading, amount}} objects")
        return None
    sums: dict[tuple[str, str], Decimal] = {}
    failed = False
    for i, item in enumerate(items):
        found = _paid_item(item, errors.scoped(f"paid.{i}"))
        if found is None:
            failed = True
            continue
        key, amount = found
        sums[key] = sums[key] + amount if key in sums else amount
    if failed:
        return None
    return tuple(Paid(heading, kind, amount) for (heading, kind), amount in sums.items())


def _paid_item(item, errors: ErrorCollector) -> tuple[tuple[str, str], Decimal] | None:
    """One ``{heading, amount}``; its errors collected under ``paid.<i>``."""
    if type(item) is dict and len(item) == 2 and type(item.get("heading")) is str:   # the common case, fast
        try:
            return paid_heading(item["heading"]), _paid_amount(item.get("amount"))
        except ValueError:
            pass                                  # read again below, each field's error collected
    if not isinstance(item, dict) or set(item) - {"heading", "amount"}:
        errors.add("heading", "each paid item must be an object {heading, amount}")
        return None
    key = errors.guard("heading", paid_heading, item.get("heading"))
    amount = errors.guard("amount", _paid_amount, item.get("amount"))
    if key is None or amount is None:
        return None
    return key, amount


def _paid_amount(value) -> Decimal:
    """Dollars and cents (a deposit has no fraction of a cent), kept to the cent: ``500.5`` is 500.50."""
    if isinstance(value, str) and _PLAIN_CENTS.match(value):
        return Decimal(value).quantize(CENT)
    if value in (None, ""):
        raise ValueError("missing required field: the duty deposited, in USD")
    if isinstance(value, str) and value.strip().startswith("-"):
        raise ValueError("must not be negative: a duty deposited is 0 or more (a refund is not a payment)")
    amount = parse_amount(value, "the amount")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{str(value)[:30]!r} has a fraction of a cent: a duty deposited is in dollars and cents")
    return amount.quantize(CENT)


def _check_unique(items, errors: ErrorCollector) -> None:
    """Each (entry_number, line_number) once, also among lines with other errors: a line given twice
    would be counted twice."""
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, dict) or item.get("entry_number") in (None, "") or item.get("line_number") in (None, ""):
            continue
        key = (str(item["entry_number"]).strip(), str(item["line_number"]).strip())
        if key in seen:
            errors.add(f"lines.{i}.line_number", f"entry {key[0]} line {key[1]} is given twice (also lines.{seen[key]})")
        else:
            seen[key] = i


__all__ = ["Paid", "AuditLine", "AuditRequest", "parse_request", "parse_settings", "parse_item", "paid_heading", "MAX_LINES", "AUDIT_FIELDS",
           "REQUEST_FIELDS", "HEADING_FORMS"]
