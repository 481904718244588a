"""The ``fx`` sync source against recorded answers on a loopback server (tests/sync_fixtures/fx/).

The tables are a copy of the shipped ones whose H.10 daily rates are cut back to 2026-09-04,
so the recorded H.10 answer (2026-08-31..2026-09-25, real figures) holds new days for them.
"""
import difflib
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from urllib3.util.retry import Retry

from service.model import fx
from service.sync import fx as fx_source
from service.sync.context import SyncContext
from service.sync.coverage import coverage
from service.sync.findings import SourceError
from service.sync.http import Fetcher
from service.tables.load import load_tables
from sync_server import FIXTURES, SourceServer

REPO = Path(__file__).resolve().parents[1]
H10_PATH = "/h10/Output.aspx"
TREASURY_PATH = "/treasury/v1/accounting/od/rates_of_exchange"
CUT = ("2026-09-07", "2026-09-14", "2026-09-21")     # the week lines removed from the copy
TODAY = date(2026, 9, 28)
LABEL = "not certified: Treasury reporting rate, not for customs valuation without review"


@pytest.fixture(scope="module")
def cut_dir(tmp_path_factory):
    """The shipped tables with the last H.10 weeks of CAD, CNY, JPY, MXN and KRW cut (they end 2026-09-04)."""
    root = tmp_path_factory.mktemp("fx") / "t"
    shutil.copytree(REPO / "tariff_tables", root)
    path = root / "fx" / "rates.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    kept = [line for line in lines if not line.strip().startswith(tuple(f'"{d}":' for d in CUT))]
    text = "\n".join(kept).replace('to: "2026-09-28"', 'to: "2026-09-07"')
    assert len(lines) - len(kept) == 15
    path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cut_tables(cut_dir):
    return load_tables(cut_dir)


@pytest.fixture
def tables_dir(cut_dir, tmp_path):
    """A copy a test may edit (apply a draft to)."""
    shutil.copytree(cut_dir, tmp_path / "t")
    return tmp_path / "t"


@pytest.fixture
def server():
    with SourceServer() as srv:
        srv.routes.fixture(H10_PATH, "fx/h10_daily_package.csv", content_type="text/csv")
        srv.routes.fixture(TREASURY_PATH, "fx/treasury_rates_of_exchange.json")
        yield srv


def sync(tables, srv):
    fetcher = Fetcher(retries=Retry(total=1, backoff_factor=0, status_forcelist=(500, 502, 503, 504),
                                    allowed_methods=("GET",), raise_on_status=False))
    env = {"TARIFF_STACK_SOURCE_H10": srv.url("/h10"), "TARIFF_STACK_SOURCE_TREASURY": srv.url("/treasury")}
    ctx = SyncContext(tables=tables, coverage=coverage(tables), fetcher=fetcher, today=TODAY, environ=env)
    return fx_source.run(ctx)


def by_currency(result, kind="fx_rates"):
    out = {}
    for f in result.findings:
        if f.kind == kind:
            out.setdefault(f.touches.currencies[0], []).append(f)
    return out


# ---------------------------------------------------------------- H.10: new days, a changed day, ND

def test_new_h10_days_give_a_change_finding_with_a_draft(cut_tables, server):
    result = sync(cut_tables, server)
    assert result.ok and result.checked_through == {"h10": "2026-09-25"}
    found = by_currency(result)
    for code in ("CAD", "CNY", "JPY", "MXN", "KRW"):
        [finding] = found[code]
        assert finding.severity == "change" and finding.draft is not None
        assert finding.title == f"{code}: 15 new H.10 certified daily rate(s), 2026-09-07 to 2026-09-25"
        args = finding.draft.args
        assert (args["from"], args["to"], args["source"]) == ("2026-09-07", "2026-09-28", "h10")
        assert finding.draft.edit == "fx_daily" and finding.draft.path == "fx/rates.yaml"
        assert args["rates"].startswith("2026-09-07=ND 2026-09-08=")          # Labor Day: ND, kept as such
        assert finding.url.startswith(server.url(H10_PATH)) and "60f32914ab61dfab590e0e470153e3ae" in finding.url
    # The euro's series is not in this (trimmed) answer: said, not guessed.
    [euro] = found["EUR"]
    assert euro.severity == "review" and euro.draft is None and "RXI$US_N.B.EU" in euro.title
    # The request: the package, as CSV, from 14 days before the earliest table end to today.
    [(path, _headers)] = server.routes.requests
    assert path.startswith(H10_PATH + "?") and "filetype=csv" in path and "to=09%2F28%2F2026" in path
    assert "from=12%2F19%2F2025" in path and result.read_from == {"h10_from": "2025-12-19"}   # EUR 01-02 less 14 d


def test_the_draft_yaml_is_the_tables_week_layout(cut_tables, server):
    draft = by_currency(sync(cut_tables, server))["CNY"][0].draft
    lines = draft.yaml.splitlines()
    assert lines[0] == '      - series: "H10/H10/RXI_N.B.CH"'
    assert lines[-3:] == ['          "2026-09-07": "ND 6.7105 6.7059 6.7061 6.7080"',
                          '          "2026-09-14": "6.7082 6.7112 6.7060 6.7074 6.6975"',
                          '          "2026-09-21": "6.6947 6.6996 6.7111 6.7128 6.7110"']


def test_a_day_h10_now_publishes_differently_is_a_change_finding(cut_tables, server):
    body = (FIXTURES / "fx" / "h10_daily_package.csv").read_text(encoding="utf-8")
    assert body.count(",6.7202,") == 1                  # CNY on 2026-09-01
    server.routes.route(H10_PATH, body.replace(",6.7202,", ",6.7203,"), content_type="text/csv")
    changed = [f for f in by_currency(sync(cut_tables, server))["CNY"] if f.draft is None]
    assert len(changed) == 1 and changed[0].severity == "change"
    assert "2026-09-01: table 6.7202, H.10 6.7203" in changed[0].detail
    assert changed[0].effective == date(2026, 9, 1)


def test_a_trailing_nd_day_waits_for_a_later_figure(cut_tables, server):
    """ND after the last figure may be a day not yet published: it is not drafted as "no rate certified"."""
    body = (FIXTURES / "fx" / "h10_daily_package.csv").read_text(encoding="utf-8")
    last = body.rstrip("\n").rsplit("\n", 1)[1]
    assert last.startswith("2026-09-25,")
    server.routes.route(H10_PATH, body.replace(last, "2026-09-25,ND,ND,ND,ND,ND"), content_type="text/csv")
    args = by_currency(sync(cut_tables, server))["CNY"][0].draft.args
    assert args["rates"].endswith("2026-09-24=6.7128") and args["to"] == "2026-09-25"


def test_nd_is_no_rate_when_the_csv_is_read():
    text = (FIXTURES / "fx" / "h10_daily_package.csv").read_text(encoding="utf-8")
    series = fx_source.parse_h10(text, "u")["H10/H10/RXI_N.B.CH"]
    assert series[date(2026, 9, 7)] is None and series[date(2026, 9, 8)] == Decimal("6.7105")
    assert len(series) == 20


# ---------------------------------------------------------------- applying the draft

def test_applying_the_draft_loads_and_prices(tables_dir, server):
    before = (tables_dir / "fx" / "rates.yaml").read_text(encoding="utf-8")
    cut = load_tables(tables_dir)
    with pytest.raises(fx.InputError):                   # the copy cannot price 2026-09-24 yet
        fx.conversion(cut.fx, "CNY", date(2026, 9, 24), {})
    draft = by_currency(sync(cut, server))["CNY"][0].draft
    assert fx_source.apply_fx_daily(tables_dir, draft.args) == ["fx/rates.yaml"]
    after = (tables_dir / "fx" / "rates.yaml").read_text(encoding="utf-8")
    diff = [d for d in difflib.ndiff(before.split("\n"), after.split("\n")) if d[:1] in "+-"]
    assert all(d.startswith("+ ") for d in diff) and len(diff) == len(draft.yaml.splitlines())   # only added
    tables = load_tables(tables_dir)
    conv = fx.conversion(tables.fx, "CNY", date(2026, 9, 24), {})
    # 2026-Q3's first certified CNY rate 6.7942 (2026-07-01); 2026-09-24's 6.7128 varies 1.21%: quarterly.
    assert conv.rate_source == fx.CERTIFIED and conv.rate == Decimal("6.7942") and "varies 1.21%" in conv.check
    assert conv.to_usd(Decimal("679420")) == Decimal("100000.00")
    labor_day = fx.conversion(tables.fx, "CNY", date(2026, 9, 7), {})
    assert "5151(a)(2)" in labor_day.rule_citation and "(2026-09-04)" in labor_day.check


def test_apply_refuses_a_currency_without_daily_rates(tables_dir):
    args = {"currency": "GBP", "series": "s", "source": "h10", "quote": "usd_per_unit", "from": "2026-09-07",
            "to": "2026-09-08", "cite": "c", "confidence": "confirmed", "rates": "2026-09-07=1.3000"}
    with pytest.raises(ValueError, match="no currency GBP"):
        fx_source.apply_fx_daily(tables_dir, args)


# ---------------------------------------------------------------- H.10 failing: the Treasury fallback

@pytest.mark.parametrize("status, body, content_type", [
    (500, "server error", "text/plain"),
    (200, "<!doctype html><html><body>Maintenance</body></html>", "text/html"),
    (200, '"Series Description","x"\n2026-09-01,1.0\n', "text/csv"),     # not the H.10 shape
])
def test_h10_failing_falls_back_to_treasury_labelled_not_certified(cut_tables, server, status, body, content_type):
    server.routes.route(H10_PATH, body, status=status, content_type=content_type)
    result = sync(cut_tables, server)
    assert not result.ok and result.error.url.startswith(server.url(H10_PATH))
    found = by_currency(result, "fx_rates_not_certified")
    assert set(found) == {"CAD", "CNY", "EUR", "JPY", "KRW", "MXN"}
    for code, [finding] in found.items():
        assert finding.title.startswith(LABEL) and finding.severity == "review"
        assert LABEL in finding.draft.args["cite"] and finding.draft.args["source"] == "treasury"
        assert finding.draft.args["confidence"] == "unconfirmed"
    assert found["CNY"][0].draft.args["rates"] == "2026-09-30=7.0"      # the latest record, not 2026-06-30's
    assert not by_currency(result)                                        # nothing offered as certified
    assert result.checked_through == {"treasury": "2026-09-30"}


def test_both_sources_failing_is_one_error_naming_both(cut_tables, server):
    server.routes.route(H10_PATH, "down", status=503, content_type="text/plain")
    server.routes.route(TREASURY_PATH, "down", status=503, content_type="text/plain")
    with pytest.raises(SourceError) as exc:
        sync(cut_tables, server)
    assert "HTTP 503" in exc.value.reason and "Treasury fallback failed too" in exc.value.reason


def test_an_applied_treasury_rate_is_used_last_and_said_not_certified(cut_tables, tables_dir, server):
    server.routes.route(H10_PATH, "down", status=500, content_type="text/plain")
    draft = by_currency(sync(cut_tables, server), "fx_rates_not_certified")["CNY"][0].draft
    fx_source.apply_fx_daily(tables_dir, draft.args)
    tables = load_tables(tables_dir)
    conv = fx.conversion(tables.fx, "CNY", date(2026, 10, 15), {})        # no certified, no monthly rate then
    assert conv.rate_source == fx.NOT_CERTIFIED and conv.rate == Decimal("7.0") and conv.confidence == "unconfirmed"
    assert "not certified" in conv.assumption(date(2026, 10, 15))
    # Where a certified rate exists it still wins.
    assert fx.conversion(tables.fx, "CNY", date(2026, 9, 2), {}).rate_source == fx.CERTIFIED
