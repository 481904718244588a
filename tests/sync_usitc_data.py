"""The USITC answers the sync tests (and bench/sync_sample.py) serve: recorded rows, and a mirror of the tables.

``tests/sync_fixtures/usitc/`` holds recorded answers (see its README.md): the release
list, the current release, the rows of heading 8507 and five chapter 99 rows.  The
sync reads one export range per covered chapter, so a test server must also answer
for the ~320 other covered lines: :func:`schedule_rows` writes them in the recorded
row shape (keys, value styles, the rate on the 8-digit row and blank rates on its
statistical numbers, ``...00`` for a line without suffixes) with the values the
tables hold, i.e. a schedule that agrees with the tables.  Tests then change a row.
"""
from __future__ import annotations

import copy
import json
from datetime import date

from sync_server import FIXTURES

from service.sync.hts_compare import in_force
from service.sync.usitc import CH99_RANGE, chapter_ranges, export_url

USITC = FIXTURES / "usitc"
RELEASE_DAY = date(2026, 10, 7)      # 2026HTSRev21 in the recorded release list


def recorded(name: str):
    return json.loads((USITC / name).read_text(encoding="utf-8"))


def _row(template: dict, htsno: str, description: str, units, general: str = "", special: str = "") -> dict:
    row = copy.deepcopy(template)
    row.update({"htsno": htsno, "description": description, "units": list(units), "general": general,
                "special": special, "other": "", "footnotes": []})
    return row


def schedule_rows(tables, day: date = RELEASE_DAY) -> list[dict]:
    """Rows for every covered line in force on ``day``: heading 8507 as recorded, the others mirrored."""
    rows = {r["htsno"]: r for r in recorded("exportList_8507.json")}
    template = rows["8507.60.00"]
    for codes in in_force(tables, day).values():
        for code in codes:
            if not code.startswith("8507"):
                _mirror(rows, template, tables.lines[code], code, day)
    return sorted(rows.values(), key=lambda r: r["htsno"].replace(".", ""))


def _mirror(rows: dict, template: dict, line, code: str, day: date) -> None:
    rate = line.rate_on(day)
    units = [u.strip() for u in (line.unit or "").split(",") if u.strip()]
    general, special = rate.general.text, rate.special_text or ""
    dotted8 = f"{code[:4]}.{code[4:6]}.{code[6:8]}"
    if len(code) == 8:
        rows[dotted8 + ".00"] = _row(template, dotted8 + ".00", line.description, units, general, special)
        return
    rows.setdefault(dotted8, _row(template, dotted8, line.description.split(":")[0], [], general, special))
    rows[f"{dotted8}.{code[8:]}"] = _row(template, f"{dotted8}.{code[8:]}", line.description, units)


def find(rows: list[dict], htsno: str) -> dict:
    return next(r for r in rows if r["htsno"] == htsno)


def new_release(name: str = "2026HTSRev22", day: str = "11/20/2026") -> tuple[dict, list]:
    """The recorded currentRelease and releaseList, moved on to a new release."""
    listing = recorded("releaseList.json")
    for item in listing:
        if item["status"] == "current":
            item["status"], item["releaseEndDate"] = "archive", day
    n = name.split("Rev")[-1]
    listing.append({**copy.deepcopy(listing[-1]), "name": name, "description": f"2026 HTS Revision {n}",
                    "title": f"Revision {n} (2026)", "date": day, "target": day, "releaseStartDate": day,
                    "status": "current", "releaseEndDate": None})
    return {"name": name, "description": f"2026 HTS Revision {n}", "title": f"Revision {n} (2026)"}, listing


def serve_usitc(routes, tables, rows=None, ch99=None, release=None, prefix: str = "/usitc", headers=None) -> None:
    """Route the USITC endpoints the sync reads: each export range answers the rows in that range."""
    rows = schedule_rows(tables) if rows is None else rows
    ch99 = recorded("exportList_9903.json") if ch99 is None else ch99
    current, listing = release or (recorded("currentRelease.json"), recorded("releaseList.json"))
    routes.route(f"{prefix}/currentRelease", json.dumps(current), headers=headers)
    routes.route(f"{prefix}/releaseList", json.dumps(listing), headers=headers)
    for start, end in chapter_ranges(tables.lines) + [CH99_RANGE]:
        part = [r for r in rows + ch99 if start <= r["htsno"][:len(start)] <= end]
        routes.route(export_url(prefix, start, end), json.dumps(part))


def fast_retries():
    """One retry, no back-off: a failing source fails at once (tests never sleep)."""
    from urllib3.util.retry import Retry

    return Retry(total=1, connect=1, read=1, status=1, backoff_factor=0, status_forcelist=(500, 502, 503, 504),
                 allowed_methods=("GET",), raise_on_status=False)


def run_options(srv, tmp_path, tables, **kw):
    """RunOptions for a test: the loopback server, a state file and a report directory under ``tmp_path``."""
    from service.sync.run import RunOptions

    kw.setdefault("today", date(2026, 11, 30))
    kw.setdefault("only", ("usitc",))
    return RunOptions(tables=tables, out_dir=tmp_path / "report", state_path=tmp_path / "state.json",
                      environ={"TARIFF_STACK_SOURCE_USITC": srv.url("/usitc"),
                               "TARIFF_STACK_SOURCE_FEDERAL_REGISTER": srv.url("/fr"),
                               "TARIFF_STACK_SOURCE_CSMS_WIDGET": srv.url("/csms"),
                               "TARIFF_STACK_SOURCE_CSMS_RSS": srv.url("/csms-rss"),
                               "TARIFF_STACK_SOURCE_H10": srv.url("/h10"),
                               "TARIFF_STACK_SOURCE_TREASURY": srv.url("/treasury")},
                      retries=fast_retries(), **kw)
