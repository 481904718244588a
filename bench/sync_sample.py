"""A sample ``tariff-stack sync`` run against the recorded USITC answers, on loopback (no network).

    python bench/sync_sample.py [--out bench/out/sync-sample]   # paths relative to the repository

Starts the tests' ``SourceServer`` with the answers of ``tests/sync_fixtures/usitc/``
(heading 8507 and chapter 99 rows as recorded; the other covered lines mirrored from
the tables, see ``tests/sync_usitc_data.py``), moved on to a release 2026HTSRev22 in
which 8507.60.00 prints a general rate of 5% and a new statistical number
8507.60.00.40; a state file says the last sync saw 2026HTSRev21.  Then runs
``tariff-stack sync --only usitc`` and prints ``report.md`` (the README's sample).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sync_server import SourceServer  # noqa: E402  (the tests' loopback server)
from sync_usitc_data import find, new_release, schedule_rows, serve_usitc  # noqa: E402

from service.cli import main  # noqa: E402
from service.tables.load import load_tables  # noqa: E402


def scenario(tables) -> list[dict]:
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    rows.append(dict(find(rows, "8507.60.00.90"), htsno="8507.60.00.40",
                     description="Of a kind used in unmanned aircraft (sample)"))
    return rows


def main_sample(out: Path) -> int:
    os.chdir(ROOT)                     # the report names the tables and itself relative to the repository
    tables = load_tables(ROOT / "tariff_tables")
    with SourceServer() as srv, tempfile.TemporaryDirectory() as tmp:
        serve_usitc(srv.routes, tables, scenario(tables), release=new_release("2026HTSRev22", "11/20/2026"))
        state = Path(tmp) / "state.json"
        state.write_text(json.dumps({"sources": {"usitc": {"checked_through": {
            "release": "2026HTSRev21", "date": "2026-10-07", "ch99_mentions": ""}}}, "validators": {}}))
        os.environ["TARIFF_STACK_SOURCE_USITC"] = srv.url("/usitc")
        code = main(["sync", "--only", "usitc", "--tables", "tariff_tables", "--out", str(out), "--state", str(state),
                     "--today", "2026-11-30"])
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"exit code {code}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/out/sync-sample")
    sys.exit(main_sample(Path(parser.parse_args().out)))
