"""HTS numbers: normalising, formatting and prefix matching."""
from __future__ import annotations

import re

_DIGITS = re.compile(r"^[0-9]+$")
_SEPARATORS = re.compile(r"[.\s]+")   # a dot, spaces (also a no-break space), or a dot with spaces
_BOUNDARIES = (4, 6, 8)               # where the HTSUS groups its digits: 8507.60.00.20
FORMS = "8507.60.00.20, 8507.60.0020, 8507600020 or 8507.60.00 20"


def normalize(code: str) -> str:
    """Return the bare digits of an HTS code (2 to 10 digits, even length).

    Accepts the forms in which codes are printed and pasted: dotted
    (``8507.60.00.20``), as entry summaries, broker reports and CBP rulings
    print a statistical number (``8507.60.0020``), plain (``8507600020``),
    with a space before the suffix (``8507.60.00 20``) and with stray spaces
    around or between the groups.  A separator may only fall where the HTSUS
    groups its digits (after the 4th, 6th or 8th digit): ``85.07`` or
    ``8507.6.00`` is refused rather than guessed.  Raises ValueError naming
    what is wrong.
    """
    if not isinstance(code, str):
        raise ValueError("HTS code must be text")
    text = code.strip()
    groups = _SEPARATORS.split(text)
    if not text or not all(_DIGITS.match(g) for g in groups):
        raise ValueError(f"malformed HTS code {code!r}: expected digits grouped as in {FORMS}")
    cuts, at = [], 0
    for group in groups[:-1]:
        at += len(group)
        cuts.append(at)
    digits = "".join(groups)
    if any(cut not in _BOUNDARIES for cut in cuts):
        raise ValueError(f"malformed HTS code {code!r}: the digits are grouped 4.2.2.2, as in {FORMS}")
    if not 2 <= len(digits) <= 10 or len(digits) % 2:
        raise ValueError(f"malformed HTS code {code!r}: expected 2, 4, 6, 8 or 10 digits, as in {FORMS}")
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
