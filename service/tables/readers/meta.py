"""``meta.yaml``: the tables' version, as-of date, coverage start and what they were verified against."""
from __future__ import annotations

import re
from datetime import date

from service.model.errors import TableError
from service.model.meta import CsmsThrough, HtsRelease, ReadThrough, TablesMeta, VerifiedAgainst
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

META = Keys({"version", "as_of", "coverage_from", "verified_against"}, {"description"})
VERIFIED_AGAINST = Keys({"hts_release", "federal_register_through", "csms_through"})
HTS_RELEASE = Keys({"name", "date", "note"})
FEDERAL_REGISTER_THROUGH = Keys({"date", "note"})
CSMS_THROUGH = Keys({"message", "date", "note"})

_RELEASE_NAME = re.compile(r"^\d{4}HTS(Basic|Rev\d{1,3})$")   # USITC's names: 2026HTSBasic, 2026HTSRev21
_CSMS_NUMBER = re.compile(r"^(\d{8,9}|\d{2}-\d{6})$")          # 69851916, or the old 14-000077


def read_meta(reader: Reader, past_release: bool = False) -> TablesMeta:
    """``past_release``: tables released before ``verified_against`` existed (2026.11.28-3) may lack it;
    only ``tariff-stack diff`` reads an old set so, never the service or ``check``."""
    node = reader.read_mapping(reader.dir / "meta.yaml")
    f.check_keys(node, _past_meta() if past_release else META)
    as_of = f.date_of(node, "as_of")
    verified = None if past_release and "verified_against" not in node else _verified_against(node, as_of)
    return TablesMeta(f.text(node, "version"), as_of, f.date_of(node, "coverage_from"),
                      f.text(node, "description", required=False), verified)


def _past_meta() -> Keys:
    """META with ``verified_against`` optional (a release from before it existed); not a schema of its own."""
    return Keys(META.required - {"verified_against"}, META.optional | {"verified_against"})


def _verified_against(node: Located, as_of: date) -> VerifiedAgainst:
    block = _mapping(node, "verified_against", VERIFIED_AGAINST)
    release = _mapping(block, "hts_release", HTS_RELEASE)
    register = _mapping(block, "federal_register_through", FEDERAL_REGISTER_THROUGH)
    csms = _mapping(block, "csms_through", CSMS_THROUGH)
    return VerifiedAgainst(
        HtsRelease(_matching(release, "name", _RELEASE_NAME, "a USITC release name such as \"2026HTSRev21\" "
                                                             "or \"2026HTSBasic\""),
                   _date(release, "date", as_of, required=True), f.text(release, "note")),
        ReadThrough(_date(register, "date", as_of), f.text(register, "note")),
        CsmsThrough(_matching(csms, "message", _CSMS_NUMBER, "a CSMS number such as \"69851916\", or null",
                              required=False),
                    _date(csms, "date", as_of), f.text(csms, "note")))


def _mapping(node: Located, key: str, keys: Keys) -> Located:
    """The mapping under ``key``, its keys checked (unknown ones refused with a did-you-mean)."""
    value = node.get(key)
    if not isinstance(value, Located):
        raise TableError(node.where(key), f"{key!r} must be a mapping with keys {', '.join(sorted(keys.allowed))}")
    f.check_keys(value, keys)
    return value


def _date(node: Located, key: str, as_of: date, required: bool = False) -> date | None:
    """A date that may be null (nothing reviewed; the note says so), never after the as-of date."""
    day = f.date_of(node, key, required)
    if day is not None and day > as_of:
        raise TableError(node.where(key), f"{key!r}: {day} is after the tables' as-of date {as_of}: the tables "
                                          "cannot have been checked against a later document")
    return day


def _matching(node: Located, key: str, pattern: re.Pattern, expected: str, required: bool = True) -> str | None:
    value = f.text(node, key, required)
    if value is not None and not pattern.match(value):
        raise TableError(node.where(key), f"{key!r}: {value!r} is not {expected}")
    return value
