"""What the last sync saw, kept in a small JSON file between runs.

Shape::

    {"sources": {"<source>": {"checked_through": {"<key>": "<string>", ...}}, ...},
     "validators": {"<source>": {"<url with query>": {"etag": str | null, "last_modified": str | null}}}}

Per source: ``checked_through`` (the newest release, publication date or message
number reviewed) and the HTTP validators of that source's conditional requests
(kept per source: two sources may ask for the same URL in one run).  A first run
(no file) starts from the tables' ``meta.yaml`` ``verified_against`` when it is
there, else from the tables' as-of date.  The file is replaced atomically.

:func:`load_state` checks the structure and, for the sources that declare them
(``formats``), the values a source reads back (a date, a message number): a
defect is a ``ValueError`` naming the file and the key, never a value quietly
replaced by a default.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

from service.sync.util import write_text_atomic

DEFAULT = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "tariff-stack" / "sync-state.json"

# The kinds of value a source's ``checked_through`` key may be declared to hold (see ``formats``).
DATE, DATE_OR_EMPTY, NUMBER_OR_EMPTY = "a date YYYY-MM-DD", "a date YYYY-MM-DD or empty", "a message number or empty"
AFRESH = "correct it, or move the file away to start afresh"


def load_state(path: Path, formats: dict | None = None) -> dict:
    """The state file (an empty state when there is none); ``formats``: source -> {key: kind} (see DATE)."""
    if not path.exists():
        return {"sources": {}, "validators": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: sync state is not JSON ({exc}); move it away to start afresh") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: sync state must be a JSON object; move it away to start afresh")
    data.setdefault("sources", {})
    data.setdefault("validators", {})
    _check_sources(path, data["sources"], formats or {})
    data["validators"] = _checked_validators(path, data["validators"])
    return data


def save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(state, indent=2, sort_keys=True))


def _refuse(path: Path, key: str, what: str) -> ValueError:
    return ValueError(f"{path}: {key} {what}; {AFRESH}")


def _check_sources(path: Path, sources, formats: dict) -> None:
    if not isinstance(sources, dict):
        raise _refuse(path, "sources", "must be an object (source name -> its state)")
    for name, entry in sources.items():
        if not isinstance(entry, dict):
            raise _refuse(path, f"sources.{name}", "must be an object ({\"checked_through\": {...}})")
        through = entry.get("checked_through", {})
        if not isinstance(through, dict) or not all(isinstance(v, str) for v in through.values()):
            raise _refuse(path, f"sources.{name}.checked_through", "must be an object of strings")
        if through:
            _check_values(path, name, through, formats.get(name) or {})


def _check_values(path: Path, name: str, through: dict, wanted: dict) -> None:
    for key, kind in wanted.items():
        where = f"sources.{name}.checked_through.{key}"
        if key not in through:
            if kind == DATE:
                raise _refuse(path, where, f"is missing (the source reads {kind} from it)")
            continue
        if not _is(kind, through[key]):
            raise _refuse(path, where, f"{through[key]!r} is not {kind}")


def _is(kind: str, value: str) -> bool:
    if value == "" and kind != DATE:
        return True
    if kind == NUMBER_OR_EMPTY:
        return value.isdigit()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:          # 2026-13-45
        return False
    return True


def _checked_validators(path: Path, validators) -> dict:
    """``source -> url -> {etag, last_modified}``.  Entries of the earlier layout (url -> {etag, last_modified},
    before validators were kept per source) are dropped: the next request of that URL is unconditional."""
    if not isinstance(validators, dict):
        raise _refuse(path, "validators", "must be an object (source -> URL -> {etag, last_modified})")
    kept = {}
    for source, urls in validators.items():
        if "://" in source:
            continue                    # the earlier layout: one URL's validators, not a source's
        if not isinstance(urls, dict):
            raise _refuse(path, f"validators.{source}", "must be an object (URL -> {etag, last_modified})")
        for url, seen in urls.items():
            if not isinstance(seen, dict) or not all(v is None or isinstance(v, str) for v in seen.values()):
                raise _refuse(path, f"validators.{source}.{url}", "must be an object {etag, last_modified} of "
                                                                  "strings or null")
        kept[source] = urls
    return kept
