"""``hts/*.yaml``: the covered HTSUS lines, their dated column 1 rates and statistical suffixes."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from service.model import hts as htsmod
from service.model.errors import TableError
from service.model.hts_lines import HtsLine, LineRate
from service.model.rates import parse_rate, parse_special
from service.tables import fields as f
from service.tables.fields import Keys
from service.tables.reader import Reader
from service.tables.yamlsrc import Located

HTS_FILE = Keys({"lines"}, {"description"})
LINE = Keys({"hts", "description", "unit", "rates"}, {"statistical", "note"})
RATE = Keys({"from", "general", "cite", "confidence"}, {"to", "special", "url", "checked", "note"})
DATED_SUFFIX = Keys({"description", "cite"}, {"from", "to"})
_SUFFIX = re.compile(r"^\d{2}$")


def read_hts_file(reader: Reader, path: Path, lines: dict[str, HtsLine]) -> None:
    node = reader.read_mapping(path)
    f.check_keys(node, HTS_FILE)
    items = f.list_of(node, "lines")
    for i, ln in enumerate(items):
        with reader.collecting():
            _read_line(f.expect_map(ln, items.where(i)), lines)


def _read_line(ln: Located, lines: dict[str, HtsLine]) -> None:
    """One covered line; an 8-digit line with ``statistical`` suffixes becomes one line per suffix."""
    f.check_keys(ln, LINE)
    digits = _line_digits(ln)
    rates = _read_rates(ln, digits)
    for code, desc, (stat_from, stat_to) in _targets(ln, digits):
        if code in lines:
            raise TableError(ln.where("hts"), f"line {htsmod.dotted(code)} is defined twice "
                                              f"(first at {lines[code].where})")
        lines[code] = HtsLine(code, desc, f.text(ln, "unit"), rates, ln.where(), f.text(ln, "note", False),
                              stat_from, stat_to)


def _line_digits(ln: Located) -> str:
    try:
        digits = htsmod.normalize(f.text(ln, "hts"))
    except ValueError as exc:
        raise TableError(ln.where("hts"), str(exc)) from None
    if len(digits) not in (8, 10):
        raise TableError(ln.where("hts"), "a covered line must be an 8- or 10-digit HTS number")
    return digits


def _read_rates(ln: Located, digits: str) -> tuple[LineRate, ...]:
    rates = []
    ritems = f.list_of(ln, "rates")
    for j, r in enumerate(ritems):
        rates.append(_read_rate(f.expect_map(r, ritems.where(j))))
    if not rates:
        raise TableError(ln.where("rates"), "a line needs at least one dated rate")
    f.check_periods(rates, ritems.where, f"rates of {htsmod.dotted(digits)}")
    return tuple(rates)


def _read_rate(r: Located) -> LineRate:
    f.check_keys(r, RATE)
    try:
        general = parse_rate(f.text(r, "general"))
    except ValueError as exc:
        raise TableError(r.where("general"), str(exc)) from None
    special_text = f.text(r, "special", False)
    try:
        special = parse_special(special_text)
    except ValueError as exc:
        raise TableError(r.where("special"), str(exc)) from None
    return LineRate(f.date_of(r, "from"), f.date_of(r, "to", False), general, special, special_text,
                    f.text(r, "cite"), f.text(r, "url", False),
                    f.confidence(r), r.where(), f.text(r, "checked", False))


_Target = tuple[str, str, tuple[date | None, date | None]]


def _targets(ln: Located, digits: str) -> list[_Target]:
    """(code, description, (from, to)) for the line itself, or for each of its statistical suffixes."""
    stat = ln.get("statistical")
    if stat is None:
        return [(digits, f.text(ln, "description"), (None, None))]
    stat = f.expect_map(stat, ln.where("statistical"))
    if len(digits) != 8:
        raise TableError(ln.where("statistical"), "'statistical' suffixes need an 8-digit line")
    targets = []
    for suffix, desc in stat.items():
        if not _SUFFIX.match(suffix):
            raise TableError(stat.where(suffix), f"statistical suffix {suffix!r} must be two digits in quotes")
        dates = (None, None)
        if isinstance(desc, Located):  # {description, from, to}: a suffix of some editions only
            f.check_keys(desc, DATED_SUFFIX)
            f.text(desc, "cite")
            dates = (f.date_of(desc, "from", False), f.date_of(desc, "to", False))
            desc = desc.get("description")
        if not isinstance(desc, str) or not desc.strip():
            raise TableError(stat.where(suffix), "statistical suffix needs a description")
        targets.append((digits + suffix, f"{f.text(ln, 'description')}: {desc.strip()}", dates))
    return targets
