"""Country codes (ISO 3166-1 alpha-2) and the named groups the tables use.

ISO codes come from pycountry (the maintained ISO 3166 database) rather than a
hand-kept list; groups such as ``EU`` and ``USMCA`` live in
``tariff_tables/countries.yaml``.
"""
from __future__ import annotations

import functools

import pycountry


@functools.lru_cache(maxsize=None)
def iso_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def normalize(code: str, aliases: dict[str, str] | None = None) -> str:
    """Upper-case, resolve aliases such as UK -> GB, and check against ISO 3166."""
    if not isinstance(code, str):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code")
    text = code.strip().upper()
    if aliases and text in aliases:
        text = aliases[text]
    if text not in iso_codes():
        raise ValueError(f"unknown country code {code!r}: expected ISO 3166-1 alpha-2 such as CN, KR, DE")
    return text
