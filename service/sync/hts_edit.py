"""The ``line_rate`` edit: a new dated column 1 rate row on a covered line of ``hts/*.yaml``.

The row in force on the new date gets ``to: <date>`` and a new row ``from: <date>``
follows it (with the old row's ``to``, if it had one).  The file's TEXT is edited:
two insertions (or one changed ``to:`` line and one insertion); every other byte,
comments and layout included, stays as it was.  The YAML is parsed only to find
the line and its rows (with their line numbers), never re-dumped.

Arguments (all strings): ``path`` (relative to the tables directory, under
``hts/``), ``hts`` (the covered line, dotted; a statistical number finds its
8-digit line), ``from`` (ISO date), ``general``, ``special`` (may be empty),
``cite``, ``url`` and ``checked`` (may be empty), ``confidence``.
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from service.model import hts as htsmod
from service.tables.yamlsrc import Located, load as load_yaml

ROW_KEYS = ("from", "to", "general", "special", "cite", "url", "checked", "confidence")
_TO_LINE = re.compile(r"^(?P<head>\s*to:\s*)(?P<value>[^#]*?)(?P<tail>\s*(#.*)?)$")


class EditError(ValueError):
    """A draft that cannot be applied to the file as it is (says where and why)."""


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def row_lines(args: dict, dash: int, end: str | None = None, newline: str = "\n") -> list[str]:
    """The text of a new rate row, its dash at column ``dash``."""
    keys = {"from": args["from"], "to": end, "general": args["general"], "special": args.get("special") or None,
            "cite": args["cite"], "url": args.get("url") or None, "checked": args.get("checked") or None,
            "confidence": args["confidence"]}
    pad = " " * (dash + 2)
    lines = []
    for key in ROW_KEYS:
        if keys[key] is None:
            continue
        lead = " " * dash + "- " if not lines else pad
        lines.append(f"{lead}{key}: {quoted(keys[key])}{newline}")
    return lines


def apply_line_rate(tables_dir: Path, args: dict) -> list[str]:
    """Apply one ``line_rate`` draft to ``tables_dir``; return the files changed (relative paths)."""
    rel, path = _target_file(tables_dir, args)
    text = path.read_bytes().decode("utf-8")        # bytes: the file's line endings are kept as they are
    day = _date(args.get("from"), "from")
    row = _row_in_force(_line_entry(load_yaml(text, rel), args, rel), day, rel)
    path.write_bytes(_edited(text, row, day, args).encode("utf-8"))
    return [rel]


def _target_file(tables_dir: Path, args: dict) -> tuple[str, Path]:
    rel = str(args.get("path") or "")
    parts = Path(rel).parts
    if not rel.endswith(".yaml") or len(parts) != 2 or parts[0] != "hts":
        raise EditError(f"draft path {rel!r} is not a file hts/<name>.yaml of the tables")
    path = tables_dir / rel
    if not path.is_file():
        raise EditError(f"{rel}: no such file in {tables_dir}")
    return rel, path


def _date(text, key: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise EditError(f"draft {key!r} is not a date YYYY-MM-DD: {text!r}") from None


def _line_entry(doc, args: dict, rel: str) -> Located:
    """The ``lines`` item whose ``hts`` is the draft's line or, for a statistical number, its 8-digit line."""
    try:
        target = htsmod.normalize(str(args.get("hts") or ""))
    except ValueError as exc:
        raise EditError(f"draft hts: {exc}") from None
    best = None
    for item in (doc.get("lines") or []) if isinstance(doc, dict) else []:
        try:
            digits = htsmod.normalize(str(item.get("hts")))
        except (ValueError, AttributeError):
            continue
        if target.startswith(digits) and (best is None or len(digits) > len(best[0])):
            best = (digits, item)
    if best is None:
        raise EditError(f"{rel}: no covered line {htsmod.dotted(target)}")
    return best[1]


def _row_in_force(entry: Located, day: date, rel: str) -> Located:
    for row in entry.get("rates") or []:
        start, end = _date(row.get("from"), "from"), row.get("to")
        end = _date(end, "to") if end else None
        if start <= day and (end is None or day < end):
            if start == day:
                raise EditError(f"{row.where('from')}: a row already starts on {day}; change it by hand")
            if not _block_style(row):
                raise EditError(f"{row.where()}: the row is not in block style; add the new row by hand")
            return row
    raise EditError(f"{entry.where('rates')}: no rate row of {entry.get('hts')} is in force on {day}")


def _block_style(row: Located) -> bool:
    return len(set(row.key_lines.values())) == len(row.key_lines)


def _edited(text: str, row: Located, day: date, args: dict) -> str:
    """The file text with the row ended on ``day`` and the new row inserted after it."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    first = row.line - 1
    dash = lines[first].index("-")
    old_end = row.get("to")
    after = _row_end(lines, first, dash)
    new_row = row_lines(args, dash, old_end, newline)
    if "to" in row.key_lines:
        at = row.key_lines["to"] - 1
        lines[at] = _TO_LINE.sub(lambda m: f"{m['head']}{quoted(day.isoformat())}{m['tail']}", lines[at].rstrip("\r\n")) + newline
    else:
        lines.insert(row.key_lines["from"], f"{' ' * (dash + 2)}to: {quoted(day.isoformat())}{newline}")
        after += 1
    if not lines[after - 1].endswith(("\n", "\r")):
        lines[after - 1] += newline
    lines[after:after] = new_row
    return "".join(lines)


def _row_end(lines: list[str], first: int, dash: int) -> int:
    """The index after the row's last line (its own comments included, blank lines after it not)."""
    last = first
    for i in range(first + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped:
            continue
        if len(lines[i]) - len(lines[i].lstrip(" ")) <= dash:
            break
        last = i
    return last + 1
