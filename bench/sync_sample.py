"""A sample ``tariff-stack sync`` run against the recorded answers of every source, on loopback (no network).

    python bench/sync_sample.py [--out bench/out/sync-sample]   # paths relative to the repository

Starts the tests' ``SourceServer`` with the answers of ``tests/sync_fixtures/usitc/``
(heading 8507 and chapter 99 rows as recorded; the other covered lines mirrored from
the tables, see ``tests/sync_usitc_data.py``), moved on to a release 2026HTSRev22 in
which 8507.60.00 prints a general rate of 5% and a new statistical number
8507.60.00.40; a state file says the last sync saw 2026HTSRev21.  The Federal
Register, CSMS and H.10 answers are ``tests/sync_fixtures/{federal_register,csms,fx}``
as recorded (the state says the Federal Register was last read through 2026-11-01, so
the recorded documents after it are new; CSMS from the tables' verified message).
Then runs ``tariff-stack sync`` and prints ``report.md`` (the README's sample).
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


FIXTURES = ROOT / "tests" / "sync_fixtures"
FR_TEXTS = ("2021/11/12/2021-24601", "2024/11/12/2024-26167", "2025/05/28/2025-09563", "2026/03/10/2026-04630",
            "2026/11/20/2026-23410")


def serve_news_and_fx(routes) -> dict:
    """The recorded Federal Register, CSMS and H.10 answers; returns the env vars pointing the sources at them."""
    routes.fixture("/fr/api/v1/documents.json", "federal_register/documents_page1.json")
    routes.fixture("/fr/api/v1/documents", "federal_register/documents_page2.json")
    for path in FR_TEXTS:
        routes.fixture(f"/fr/documents/full_text/text/{path}.txt", f"federal_register/text/{path.rsplit('/', 1)[1]}.txt",
                       content_type="text/plain; charset=utf-8")
    routes.fixture("/gd/accounts/USDHSCBP/widgets/USDHSCBP_WIDGET_2/0.json", "csms/widget_0.json",
                   content_type="application/javascript; charset=utf-8")
    routes.fixture("/pub/accounts/USDHSCBP/feed.rss", "csms/feed.rss", content_type="application/rss+xml; charset=utf-8")
    for page in (FIXTURES / "csms" / "bulletins").glob("*.html"):
        routes.fixture(f"/gd/accounts/USDHSCBP/bulletins/{page.stem}", f"csms/bulletins/{page.name}",
                       content_type="text/html; charset=utf-8")
    routes.fixture("/h10/Output.aspx", "fx/h10_daily_package.csv", content_type="text/csv")
    routes.fixture("/treasury/v1/accounting/od/rates_of_exchange", "fx/treasury_rates_of_exchange.json")
    return {"TARIFF_STACK_SOURCE_FEDERAL_REGISTER": "/fr/api/v1", "TARIFF_STACK_SOURCE_CSMS_WIDGET":
            "/gd/accounts/USDHSCBP/widgets/USDHSCBP_WIDGET_2", "TARIFF_STACK_SOURCE_CSMS_RSS": "/pub/accounts/USDHSCBP",
            "TARIFF_STACK_SOURCE_H10": "/h10", "TARIFF_STACK_SOURCE_TREASURY": "/treasury"}


def main_sample(out: Path) -> int:
    os.chdir(ROOT)                     # the report names the tables and itself relative to the repository
    tables = load_tables(ROOT / "tariff_tables")
    with SourceServer() as srv, tempfile.TemporaryDirectory() as tmp:
        serve_usitc(srv.routes, tables, scenario(tables), release=new_release("2026HTSRev22", "11/20/2026"))
        state = Path(tmp) / "state.json"
        state.write_text(json.dumps({"sources": {
            "usitc": {"checked_through": {"release": "2026HTSRev21", "date": "2026-10-07", "ch99_mentions": ""}},
            "federal_register": {"checked_through": {"through": "2026-11-01"}},
            "adcvd": {"checked_through": {"through": "2024-11-01"}}}, "validators": {}}))
        os.environ["TARIFF_STACK_SOURCE_USITC"] = srv.url("/usitc")
        os.environ.update({k: srv.url(v) for k, v in serve_news_and_fx(srv.routes).items()})
        code = main(["sync", "--tables", "tariff_tables", "--out", str(out), "--state", str(state),
                     "--today", "2026-11-30"])
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"exit code {code}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/out/sync-sample")
    sys.exit(main_sample(Path(parser.parse_args().out)))
