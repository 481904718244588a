"""Exact money and rate arithmetic.

All amounts are :class:`decimal.Decimal` built from strings.  Rounding happens
only at the named points below, always half-up to the cent (the common CBP
practice of rounding each line's duty to the cent and summing rounded lines).
"""
from __future__ import annotations

import decimal
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.000001")
ZERO = Decimal("0")
ONE = Decimal("1")

# The decimal context: 34 significant digits (IEEE decimal128), far more than
# a customs value up to 10^12 times a six-decimal rate needs, so no product or
# sum is ever rounded by the context; rounding happens only at the named points
# below.  FloatOperation is trapped so a float can never mix in.
CONTEXT = decimal.Context(prec=34, rounding=ROUND_HALF_UP,
                          traps=[InvalidOperation, decimal.DivisionByZero,
                                 decimal.Overflow, decimal.FloatOperation])
decimal.setcontext(CONTEXT)
decimal.DefaultContext.traps[decimal.FloatOperation] = True

MAX_AMOUNT = Decimal("1000000000000")  # one trillion USD per line


def parse_decimal(text, what: str = "value") -> Decimal:
    """Parse a decimal from a string (never a float); raise ValueError."""
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
        try:
            value = Decimal(stripped)
        except InvalidOperation:
            raise ValueError(f"{what} is not a decimal number: {text!r}") from None
    else:
        raise ValueError(f"{what} is not a decimal number: {text!r}")
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number: {text!r}")
    return value


def parse_amount(text, what: str = "value") -> Decimal:
    """A non-negative USD amount no larger than :data:`MAX_AMOUNT`."""
    value = parse_decimal(text, what)
    if value < 0:
        raise ValueError(f"{what} must not be negative")
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
