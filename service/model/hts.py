"""HTS numbers: normalising, formatting and prefix matching."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"^\d+$")
_DOTTED = re.compile(r"^\d{4}(\.\d{2}){0,3}$")


def normalize(code: str) -> str:
    """Return the bare digits of an HTS code (2 to 10 digits, even length).

    Accepts dotted (``8507.60.00.20``) or plain (``8507600020``) forms.
    Raises ValueError naming what is wrong.
    """
    if not isinstance(code, str):
        raise ValueError("HTS code must be text")
    text = code.strip()
    if "." in text:
        if not _DOTTED.match(text):
            raise ValueError(f"malformed HTS code {code!r}: expected dotted form like 8507.60.00.20")
        digits = text.replace(".", "")
    else:
        digits = text
    if not _DIGITS.match(digits) or not 2 <= len(digits) <= 10 or len(digits) % 2:
        raise ValueError(f"malformed HTS code {code!r}: expected 2, 4, 6, 8 or 10 digits")
    return digits


def dotted(digits: str) -> str:
    """Format bare digits in the HTSUS dotted style (kept as text by spreadsheets)."""
    if len(digits) <= 4:
        return digits
    parts = [digits[:4]] + [digits[i:i + 2] for i in range(4, len(digits), 2)]
    return ".".join(parts)


def prefixes(digits: str):
    """All matching prefixes of a code, longest first (10, 8, 6, 4, 2)."""
    return [digits[:n] for n in range(len(digits), 1, -2)]
