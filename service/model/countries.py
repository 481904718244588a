"""Countries: ISO 3166-1 alpha-2 codes, the names people write, and the named
groups the tables use.

ISO codes and names come from pycountry (the maintained ISO 3166 database)
rather than a hand-kept list; groups such as ``EU`` and ``USMCA`` and the
tables' code aliases (``UK`` for ``GB``) live in
``tariff_tables/countries.yaml``.

:func:`read` accepts an alpha-2 code, an alpha-3 code, an English name (the
ISO name, its common or official form) or one of a few short forms used in
trade (``PRC``, ``Korea``, ``Vietnam``, ``Turkey``), and says how a name was
read so that the caller can echo it.  An unknown one gets a did-you-mean.
"""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

import pycountry

# Short forms that are not an ISO name, common name or official name in pycountry.
# "Korea" alone is read as the Republic of Korea: in US trade usage (HTSUS special
# program "KR", the KORUS agreement, CBP's country list) "Korea" is South Korea, and
# trade with North Korea is embargoed.  The reading is reported, never silent.
SHORT_FORMS = {
    "prc": "CN", "mainland china": "CN", "peoples republic of china": "CN",
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "rok": "KR",
    "north korea": "KP", "dprk": "KP",
    "vietnam": "VN", "viet nam": "VN",
    "taiwan": "TW", "chinese taipei": "TW", "republic of china": "TW",
    "hong kong": "HK", "hong kong sar": "HK", "macau": "MO", "macao": "MO",
    "turkey": "TR", "turkiye": "TR",
    "russia": "RU", "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "usa": "US", "united states": "US", "united states of america": "US", "america": "US",
    "czech republic": "CZ", "holland": "NL", "the netherlands": "NL", "uae": "AE",
    "laos": "LA", "iran": "IR", "syria": "SY", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
    "moldova": "MD", "brunei": "BN", "ivory coast": "CI", "cote divoire": "CI", "cape verde": "CV",
    "swaziland": "SZ", "burma": "MM", "east timor": "TL", "vatican": "VA",
}
# Names read one way where another reading exists: the note says why.
NOTED = {"korea": "in US trade usage 'Korea' is the Republic of Korea (KORUS, special program KR); "
                  "give KP for North Korea",
         "congo": "'Congo' is the Republic of the Congo (Brazzaville); give CD for the Democratic Republic "
                  "of the Congo (Kinshasa)"}
# Two-letter codes that are also a spreadsheet's word for "no value": read, and said.
CODE_NOTES = {"NA": "NA is Namibia; if the cell meant 'not available', the origin is missing"}
FORMS = "an ISO 3166-1 code (CN, CHN) or an English name (China, South Korea)"


@dataclass(frozen=True)
class Reading:
    """How a country the caller wrote was read."""

    code: str            # ISO 3166-1 alpha-2
    given: str           # as written
    how: str             # "alpha-2", "alias", "alpha-3", "name"
    note: str | None     # how a name was read, to be echoed to the caller (None for a code)


@functools.lru_cache(maxsize=None)
def iso_codes() -> frozenset[str]:
    return frozenset(c.alpha_2 for c in pycountry.countries)


def name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def _key(text: str) -> str:
    """A name folded for lookup: no accents, no case, no punctuation, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", "", re.sub(r"[-,.()/]", " ", text))
    return " ".join(text.split())


@functools.lru_cache(maxsize=None)
def _names() -> dict[str, str]:
    """Folded English names (ISO, common, official, ISO with its comma inverted) to alpha-2."""
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for text in (c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)):
            if not text:
                continue
            out[_key(text)] = c.alpha_2
            if ", " in text:                       # "Korea, Republic of" -> "Republic of Korea"
                head, tail = text.split(", ", 1)
                out[_key(f"{tail} {head}")] = c.alpha_2
    out.update(SHORT_FORMS)
    return out


@functools.lru_cache(maxsize=None)
def _alpha3() -> dict[str, str]:
    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def read(text, aliases: dict[str, str] | None = None) -> Reading:
    """Read a country as written; raise ValueError (with a did-you-mean) if unknown."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"country must be {FORMS}")
    given = text.strip()
    upper = given.upper()
    if len(given) == 2 and upper in iso_codes():
        note = f"{given!r} read as {upper} ({name(upper)}): {CODE_NOTES[upper]}" if upper in CODE_NOTES else None
        return Reading(upper, given, "alpha-2", note)
    if aliases and upper in aliases and len(given) <= 3:
        return Reading(aliases[upper], given, "alias", None)
    if len(given) == 3 and upper in _alpha3():
        return Reading(_alpha3()[upper], given, "alpha-3", None)
    key = _key(given)
    code = _names().get(key)
    if code is not None:
        note = f"{given!r} read as {code} ({name(code)})" + (f": {NOTED[key]}" if key in NOTED else "")
        return Reading(code, given, "name", note)
    what = "country code" if len(given) <= 3 and given.isalpha() else "country"
    raise ValueError(f"unknown {what} {given!r}: expected {FORMS}" + _did_you_mean(given, key))


def _did_you_mean(given: str, key: str) -> str:
    if len(key) < 3:
        return ""
    names = _names()
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.75)
    if not close:
        return ""
    suggestions = list(dict.fromkeys(f"{name(names[k])} ({names[k]})" for k in close))
    return "; did you mean " + " or ".join(suggestions) + "?"


def normalize(code: str, aliases: dict[str, str] | None = None) -> str:
    """Strict, for the tables: upper-case, resolve aliases such as UK -> GB, and check
    against ISO 3166-1 alpha-2 (a caller's input goes through :func:`read`)."""
    if not isinstance(code, str):
        raise ValueError("country must be an ISO 3166-1 alpha-2 code")
    text = code.strip().upper()
    if aliases and text in aliases:
        text = aliases[text]
    if text not in iso_codes():
        raise ValueError(f"unknown country code {code!r}: expected ISO 3166-1 alpha-2 such as CN, KR, DE")
    return text
