"""The ``fx_daily`` draft as table text: a daily block in fx/rates.yaml's layout, and the edit that appends it.

The edit works on the text of the file (comments and layout survive): it inserts the block's
lines at the end of one currency's ``daily:`` list.  The applier (``service.sync.apply``)
re-loads the edited copy through the loader and its checks before it replaces anything.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from service.model import fx_daily as fxd
from service.tables.readers.fx import RATE

TABLE = "fx/rates.yaml"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ARGS = ("currency", "series", "source", "quote", "from", "to", "cite", "confidence", "rates")


def block_text(args: dict) -> str:
    """The YAML lines of a daily block, in the table's layout (a week a line)."""
    lines = [f'      - series: {_quoted(args["series"])}', f'        source: {_quoted(args["source"])}',
             f'        quote: {_quoted(args["quote"])}', f'        from: {_quoted(args["from"])}',
             f'        to: {_quoted(args["to"])}', f'        cite: {_quoted(args["cite"])}',
             f'        confidence: {_quoted(args["confidence"])}']
    if args.get("checked"):
        lines.append(f'        checked: {_quoted(args["checked"])}')
    lines.append("        rates:")
    lines += [f'          "{first}": "{" ".join(figures)}"' for first, figures in _weeks(args)]
    return "\n".join(lines) + "\n"


def _weeks(args: dict) -> list[tuple[str, list[str]]]:
    weeks: list[tuple[str, list[str]]] = []
    weekly = args["source"] == fxd.H10
    for pair in args["rates"].split():
        day_text, _, figure = pair.partition("=")
        if not _DAY.match(day_text):
            raise ValueError(f"fx_daily: bad day {day_text!r}")
        day = date.fromisoformat(day_text)
        if figure != "ND" and not RATE.match(figure):
            raise ValueError(f"fx_daily: bad figure {figure!r} for {day_text}")
        if not weeks or not weekly or day.weekday() == 0:
            weeks.append((day_text, []))
        weeks[-1][1].append(figure)
    return weeks


def _quoted(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError("fx_daily: a value may not span lines")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def apply_fx_daily(tables_dir: Path, args: dict) -> list[str]:
    """Append a daily block to one currency's ``daily:`` list in fx/rates.yaml, editing the text (comments stay).

    The caller (service.sync.apply) re-loads the edited copy through the loader and its checks."""
    missing = [k for k in ARGS if not isinstance(args.get(k), str) or not args[k]]
    if missing:
        raise ValueError(f"fx_daily: missing argument(s) {', '.join(missing)}")
    if not re.fullmatch(r"[A-Z]{3}", args["currency"]):
        raise ValueError(f"fx_daily: bad currency {args['currency']!r}")
    path = Path(tables_dir) / TABLE
    lines = path.read_text(encoding="utf-8").split("\n")
    code = args["currency"]
    at = _end_of_daily_list(lines, code)
    block = block_text(args).rstrip("\n").split("\n")
    path.write_text("\n".join(lines[:at] + block + lines[at:]), encoding="utf-8")
    return [TABLE]


def _end_of_daily_list(lines: list[str], code: str) -> int:
    """The index of the first line after ``code``'s ``daily:`` list."""
    try:
        start = lines.index(f"  {code}:")
    except ValueError:
        raise ValueError(f"fx_daily: {TABLE} has no currency {code}") from None
    i = start + 1
    while i < len(lines) and (not lines[i].strip() or lines[i].startswith("    ")):
        if lines[i] == "    daily:":
            j = i + 1
            while j < len(lines) and (lines[j].startswith("      ") or not lines[j].strip()):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            return j
        i += 1
    raise ValueError(f"fx_daily: {code} has no 'daily:' list in {TABLE}; add its rule and first block by hand")
