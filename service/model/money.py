"""Exact money and rate arithmetic.

All amounts are :class:`decimal.Decimal` built from strings.  Rounding happens
only at the named points below, always half-up to the cent (the common CBP
practice of rounding each line's duty to the cent and summing rounded lines).
"""
from __future__ import annotations

import decimal
import functools
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pycountry

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")
ZERO = Decimal("0")
ONE = Decimal("1")

# The decimal context: 34 significant digits (IEEE decimal128), far more than
# a customs value up to 10^12 times a six-decimal rate needs, so no product or
# sum is ever rounded by the context; rounding happens only at the named points
# below.  FloatOperation is trapped so a float can never mix in.
#
# The context is per thread, and a thread's context starts as a copy of
# ``decimal.DefaultContext``: setting only this thread's context would leave
# every other thread (gunicorn's gthread request threads, a thread pool) at
# Python's default 28 digits and half-even, so the API and the command line
# would differ on a long value.  ``DefaultContext`` is set to the same
# precision, rounding and traps, for every thread that starts using decimal
# after this module is imported (the web server imports it before it starts
# any thread).
PRECISION = 34
TRAPS = (InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.FloatOperation)
CONTEXT = decimal.Context(prec=PRECISION, rounding=ROUND_HALF_UP, traps=list(TRAPS))


def _configure_default_context() -> None:
    default = decimal.DefaultContext
    default.prec, default.rounding = PRECISION, ROUND_HALF_UP
    for signal in list(default.traps):
        default.traps[signal] = signal in TRAPS


_configure_default_context()
decimal.setcontext(CONTEXT)

MAX_AMOUNT = Decimal("1000000000000")  # one trillion USD per line


_NOT_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")          # what Decimal reads, ASCII only
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")                  # 100,000.00
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,\d{1,2})$")   # 100.000,00 or 12,5
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){2,}$")                   # 1.000.000
_SIGNS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "￥": "JPY", "₩": "KRW", "₹": "INR"}
_PREFIX = re.compile(r"^(US\$|[$€£¥￥₩₹]|[A-Za-z]{3}(?=[\s\d.+-]))\s*")
_SUFFIX = re.compile(r"\s*(US\$|[$€£¥￥₩₹]|(?<=[\s\d.])[A-Za-z]{3})$")
_AMBIGUOUS_DOT = re.compile(r"^[+-]?[1-9]\d{0,2}\.\d{3}$")                   # 12.500: 12.5 or 12500?
MONEY_FORMS = "100000, 100000.00, 100,000.00, $100,000 or USD 100000"


@functools.lru_cache(maxsize=None)
def _currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def parse_decimal(text, what: str = "value") -> Decimal:
    """Parse a decimal from a string (never a float); raise ValueError.

    Only ASCII digits are read: Python's ``Decimal()`` also accepts
    ``1_000`` and non-ASCII digits (full-width ``１００``, Arabic-Indic
    ``١٠٠``), which are refused here, as is digit grouping (see
    :func:`parse_amount` for the pasted forms of an amount of money).
    """
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, bool) or isinstance(text, float):
        raise ValueError(f"{what} must be given as a decimal string, not {type(text).__name__}")
    elif isinstance(text, int):
        value = Decimal(text)
    elif isinstance(text, str):
        stripped = text.strip()
        if not stripped or len(stripped) > 40:
            raise ValueError(f"{what} is not a decimal number: {text!r}")
        _refuse_lookalikes(stripped, what)
        if not _PLAIN.match(stripped) and stripped.lower().lstrip("+-") not in ("nan", "snan", "inf", "infinity"):
            raise ValueError(f"{what} is not a decimal number: {text!r}")
        try:
            value = Decimal(stripped)
        except InvalidOperation:
            raise ValueError(f"{what} is not a decimal number: {text!r}") from None
    else:
        raise ValueError(f"{what} is not a decimal number: {text!r}")
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number: {text!r}")
    return value


def _refuse_lookalikes(text: str, what: str) -> None:
    """Digits Decimal() would read but a person could misread, or a parser elsewhere would not."""
    if "_" in text:
        raise ValueError(f"{what} has '_' in {text!r}: write the digits alone (1000) or group them with commas "
                         "(1,000)")
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        raise ValueError(f"{what} has non-ASCII digits in {text!r}: only the digits 0-9 are read")


def split_currency(text: str) -> tuple[str, str | None]:
    """An amount as written, split into its number and the currency marked on it (or None).

    The currency may be a sign or an ISO 4217 code, before or after the number:
    ``$100``, ``US$100``, ``USD 100``, ``100 USD``, ``100$``, ``EUR 100``, ``€100``.
    """
    number, currency = text.strip(), None
    for pattern in (_PREFIX, _SUFFIX):
        found = pattern.search(number)
        if found:
            mark = found.group(1)
            code = _SIGNS.get(mark, mark.upper())
            if code not in _currency_codes():
                continue                      # three letters that are no currency: not a decimal number
            if currency is not None and code != currency:
                raise ValueError(f"two currencies in {text!r}")
            currency = code
            number = (number[found.end():] if pattern is _PREFIX else number[:found.start()]).strip()
    return number, currency


def parse_amount(text, what: str = "value", currency: str | None = "USD") -> Decimal:
    """A non-negative amount no larger than :data:`MAX_AMOUNT`, as people paste it.

    Read: plain decimals (``100000``, ``100000.00``), thousands grouped with
    commas in threes (``100,000.00``), and, when ``currency`` is given (an
    amount of money in that currency), the currency marked before or after
    (``$100,000``, ``USD 100000``, ``100000 USD``).  Refused, each with its
    reason: an exponent (``1.23457E+11``, Excel's rounded display); a decimal comma or ``.`` grouping (``100.000,00``, ``1.000.000``:
    '.' is the decimal point here, so they would be misread); commas not in
    groups of three (``1,00``); a space, ``'`` or ``_`` inside the number;
    non-ASCII digits; another currency than ``currency`` (nothing converts
    it here); a currency mark on a quantity (``currency=None``).
    """
    if isinstance(text, str):
        number, marked = split_currency(text)
        if marked is not None:
            if currency is None:
                raise ValueError(f"{what} is a number, not an amount of money: {text!r} carries a currency")
            if marked != currency:
                raise ValueError(f"{what} is in {currency}; {text!r} is in {marked}, which is not converted here")
            if not number:
                raise ValueError(f"{what} is not a decimal number: {text!r}")
        _refuse_lookalikes(number, what)
        if "e" in number.lower():
            raise ValueError(f"{what} {text!r} is written with an exponent (Excel shows 1.23457E+11 for a number "
                             "too wide for its column, with the digits rounded): write the digits in full")
        if "," in number:
            if _GROUPED.match(number):
                number = number.replace(",", "")
            elif _DECIMAL_COMMA.match(number):
                raise ValueError(f"{what} {text!r} has a decimal comma: write the decimal point as '.' "
                                 "(100000.00); ',' may only group thousands (100,000.00)")
            else:
                raise ValueError(f"{what} {text!r}: ',' may only group thousands, in threes (100,000.00); "
                                 f"accepted forms: {MONEY_FORMS}")
        elif _DOT_GROUPS.match(number):
            raise ValueError(f"{what} {text!r} groups thousands with '.': '.' is the decimal point here; "
                             "write 1000000 or 1,000,000")
        elif currency is not None and _AMBIGUOUS_DOT.match(number):
            whole, frac = number.lstrip("+-").split(".")
            small = f"{whole}.{frac.rstrip('0')}" if frac.rstrip("0") else whole
            plain = small if len(small.split(".")[-1]) < 3 or "." not in small else small + "0"
            raise ValueError(f"{what} {text!r} is ambiguous: {small} with '.' as the decimal point, or "
                             f"{whole}{frac} with '.' grouping thousands; write {plain} or {whole},{frac}")
        elif re.search(r"\d[\s']+\d", number):
            raise ValueError(f"{what} {text!r} has a space or ' inside the number: write 100000 or 100,000")
        text = number if number == text.strip() or _PLAIN.match(number) else text
    value = parse_decimal(text, what)
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    if value == 0:
        value = abs(value)                    # -0 is 0 (and must not be echoed as -0.00)
    if value > MAX_AMOUNT:
        raise ValueError(f"{what} must not exceed {MAX_AMOUNT}")
    return value


def cents(amount: Decimal) -> Decimal:
    """Rounding point: a duty or fee amount, half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def rate6(rate: Decimal) -> Decimal:
    """Rounding point: a displayed ratio such as the effective rate."""
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def fmt_decimal(number: Decimal) -> str:
    """An exact decimal as plain text, without exponent or trailing zeros: a rate as a
    fraction (0.25), a quantity (1000), a share (0.4), a units-per-USD rate (7.1069)."""
    text = format(number.normalize(), "f")
    return text if text != "-0" else "0"


def fmt_money(amount: Decimal) -> str:
    return format(amount.quantize(CENT), "f")


def allocate(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Split ``total`` (cents) over ``weights`` so the parts sum exactly to it.

    Rounding point: largest-remainder allocation to the cent.  Zero weights
    get nothing; all-zero weights split equally.
    """
    n = len(weights)
    if n == 0:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        weights, weight_sum = [ONE] * n, Decimal(n)
    total_cents = int((total / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Decimal(total_cents) * w / weight_sum for w in weights]
    floors = [int(e.to_integral_value(rounding=decimal.ROUND_FLOOR)) for e in exact]
    left = total_cents - sum(floors)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(c) * CENT for c in floors]


UNIT_PLACES = Decimal("0.0001")


def per_unit(amount: Decimal, count: Decimal) -> Decimal:
    """Rounding point: a cost per unit or per kWh, half-up to 4 decimals."""
    return (amount / count).quantize(UNIT_PLACES, rounding=ROUND_HALF_UP)
