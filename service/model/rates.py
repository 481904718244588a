"""Column 1 rate text as printed in the HTSUS, parsed into exact parts.

Forms accepted (the ones the HTSUS uses for ordinary lines):
``Free``, ``3.4%``, ``1.5¢/kg``, ``$1.23/kg``, ``4.4¢/kg + 10%`` (compound).
A special-rate column is a sequence of ``<rate> (<program codes>)`` groups,
e.g. ``Free (A, AU, B, BH, CL, ...) 0.5% (JP)``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from service.model.money import ZERO

_PCT = re.compile(r"^(\d+(?:\.\d+)?)%$")
_SPEC = re.compile(r"^(\$)?(\d+(?:\.\d+)?)(¢)?/([a-z ]+?)(?: of [a-z]+ content)?$")
_GROUP = re.compile(r"\s*(Free|[^()]+?)\s*\(([^()]*)\)")


@dataclass(frozen=True)
class Rate:
    """An HTSUS rate: an ad valorem fraction plus an optional specific part."""

    text: str
    ad_valorem: Decimal = ZERO
    specific: Decimal | None = None  # USD per unit
    unit: str | None = None


def parse_rate(text: str) -> Rate:
    """Parse one rate; raise ValueError with a reason."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("rate text is empty")
    clean = " ".join(text.split())
    if clean == "Free":
        return Rate(clean)
    ad_valorem = ZERO
    specific = None
    unit = None
    for part in (p.strip() for p in clean.split("+")):
        pct = _PCT.match(part)
        if pct:
            if ad_valorem:
                raise ValueError(f"two ad valorem parts in {text!r}")
            ad_valorem = Decimal(pct.group(1)) / 100
            continue
        spec = _SPEC.match(part)
        if spec:
            if specific is not None:
                raise ValueError(f"two specific parts in {text!r}")
            dollars, number, cent, unit = spec.groups()
            if bool(dollars) == bool(cent):
                raise ValueError(f"specific rate {part!r} needs either $ or ¢")
            specific = Decimal(number) / (100 if cent else 1)
            unit = unit.strip()
            continue
        raise ValueError(f"cannot read rate {part!r} in {text!r}")
    return Rate(clean, ad_valorem, specific, unit)


def parse_special(text: str | None) -> dict[str, Rate]:
    """Parse a special-rate column into ``{program code: Rate}``."""
    if text is None or not text.strip():
        return {}
    out: dict[str, Rate] = {}
    pos = 0
    clean = " ".join(text.split())
    for match in _GROUP.finditer(clean):
        if clean[pos:match.start()].strip():
            raise ValueError(f"cannot read special rate text near {clean[pos:match.start()]!r}")
        rate = parse_rate(match.group(1))
        for code in (c.strip() for c in match.group(2).split(",")):
            if not code:
                raise ValueError(f"empty program code in {text!r}")
            if code in out:
                raise ValueError(f"program code {code!r} listed twice in {text!r}")
            out[code] = rate
        pos = match.end()
    if clean[pos:].strip():
        raise ValueError(f"cannot read special rate text near {clean[pos:]!r}")
    return out
