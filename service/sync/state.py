"""What the last sync saw, kept in a small JSON file between runs.

Per source: ``checked_through`` (the newest release, publication date or message
number reviewed) and the HTTP validators of each URL.  A first run (no file)
starts from the tables' ``meta.yaml`` ``verified_against`` when it is there,
else from the tables' as-of date.  The file is replaced atomically.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

DEFAULT = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "tariff-stack" / "sync-state.json"


def load_state(path: Path) -> dict:
    if not path.exists():
        return {"sources": {}, "validators": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValueError(f"{path}: sync state is not JSON ({exc}); move it away to start afresh") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: sync state must be a JSON object")
    data.setdefault("sources", {})
    data.setdefault("validators", {})
    return data


def save_state(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sync-state-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=2, sort_keys=True)
    os.replace(tmp, path)
