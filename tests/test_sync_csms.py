"""The CSMS sync source (GovDelivery widget JSONP and account RSS) against recorded answers on a loopback server.

Fixtures: ``sync_fixtures/csms/`` (see its README for where each shape comes from).  No sleeps, no network.
"""
from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

import pytest
from urllib3.util.retry import Retry

from service.sync import csms
from service.sync.context import SyncContext
from service.sync.coverage import coverage
from service.sync.findings import SourceError
from service.sync.http import Fetcher
from service.sync.run import EXIT_FINDINGS, EXIT_PARTIAL, RunOptions, run_sync
from sync_server import SourceServer

TODAY = date(2026, 11, 28)
WIDGET = "/gd/accounts/USDHSCBP/widgets/USDHSCBP_WIDGET_2"
RSS = "/pub/accounts/USDHSCBP"
BULLETINS = "/gd/accounts/USDHSCBP/bulletins"
SEEN = {"csms": {"message": "70391204", "date": "2026-11-24"}}


@pytest.fixture(scope="module")
def cov(tables):
    return coverage(tables)


@pytest.fixture(scope="module")
def loopback():
    with SourceServer() as srv:
        yield srv


@pytest.fixture()
def server(loopback):
    routes = loopback.routes
    routes.answers.clear()
    routes.requests.clear()
    routes.fixture(f"{WIDGET}/0.json", "csms/widget_0.json", content_type="application/javascript; charset=utf-8")
    routes.fixture(f"{RSS}/feed.rss", "csms/feed.rss", content_type="application/rss+xml; charset=utf-8")
    for code in ("432a890", "4327d43", "4324db8", "432bc6d"):
        routes.fixture(f"{BULLETINS}/{code}", f"csms/bulletins/{code}.html", content_type="text/html; charset=utf-8")
    return loopback


def context(tables, cov, srv, since=None) -> SyncContext:
    fetcher = Fetcher(retries=Retry(total=1, backoff_factor=0, status_forcelist=(), raise_on_status=False))
    environ = {"TARIFF_STACK_SOURCE_CSMS_WIDGET": srv.url(WIDGET), "TARIFF_STACK_SOURCE_CSMS_RSS": srv.url(RSS)}
    return SyncContext(tables=tables, coverage=cov, fetcher=fetcher, today=TODAY, since=since or {}, environ=environ)


def numbered(result, number):
    return [f for f in result.findings if f.title.startswith(f"CSMS # {number} ")]


def test_a_new_message_citing_a_covered_heading_is_a_review_finding(tables, cov, server):
    result = csms.run(context(tables, cov, server, SEEN))
    [msg] = numbered(result, 70428816)
    assert msg.severity == "review" and msg.kind == "csms_message"
    assert msg.touches.headings == ("9903.85.08",)
    assert set(cov.measure_by_heading["9903.85.08"]) <= set(msg.touches.measures)
    assert "7607119090" in msg.touches.hts                    # named in the bulletin text
    assert msg.published == date(2026, 11, 27)
    assert msg.url == "https://content.govdelivery.com/bulletins/gd/USDHSCBP-432a890"
    assert "widget and RSS feeds" in msg.detail


def test_a_code_cited_only_in_the_bulletin_text_flags_the_message(tables, cov, server):
    result = csms.run(context(tables, cov, server, SEEN))
    [msg] = numbered(result, 70405560)
    assert "8507600020" in msg.touches.hts
    assert f"{BULLETINS}/4324db8" in [urlsplit(p).path for p, _ in server.routes.requests]


def test_a_program_in_the_tables_flags_a_message_seen_only_in_the_rss_feed(tables, cov, server):
    result = csms.run(context(tables, cov, server, SEEN))
    [msg] = numbered(result, 70433901)
    assert "IEEPA refunds" in msg.detail and "RSS feed" in msg.detail
    assert msg.published == date(2026, 11, 27)


def test_messages_citing_nothing_covered_are_counted_not_reported(tables, cov, server):
    result = csms.run(context(tables, cov, server, SEEN))
    assert not numbered(result, 70417731)
    assert result.checked_through["new"] == "4" and result.checked_through["flagged"] == "3"
    assert not any("Media Releases" in f.title or "CAMS" in f.title for f in result.findings)


def test_a_message_already_seen_is_not_new(tables, cov, server):
    result = csms.run(context(tables, cov, server, SEEN))
    assert not numbered(result, 70391204)        # cites Section 301, but the last run saw it
    assert f"{BULLETINS}/43215a4" not in [urlsplit(p).path for p, _ in server.routes.requests]
    assert result.checked_through["message"] == "70433901" and result.checked_through["date"] == "2026-11-27"
    again = csms.run(context(tables, cov, server, {"csms": result.checked_through}))
    assert again.findings == [] and again.checked_through["new"] == "0"
    assert again.checked_through["message"] == "70433901"


def test_first_run_takes_messages_from_the_tables_as_of_date(tables, cov, server):
    result = csms.run(context(tables, cov, server))
    assert tables.as_of == date(2026, 11, 28)                     # no fixture message is that recent
    assert result.findings == [] and result.checked_through["new"] == "0"
    earlier = csms.run(context(tables, cov, server, {"csms": {"date": "2026-11-24"}}))
    assert numbered(earlier, 70391204) and "Section 301" in numbered(earlier, 70391204)[0].detail


def test_widget_failing_but_rss_working_is_partial_and_does_not_advance(tables, cov, server):
    server.routes.route(f"{WIDGET}/0.json", "unavailable", status=503, content_type="text/plain")
    result = csms.run(context(tables, cov, server, SEEN))
    assert not result.ok and result.error.url.endswith(f"{WIDGET}/0.json")
    assert "the widget feed failed: HTTP 503" in result.error.reason
    assert "the state stays at message 70391204" in result.error.reason and "listed again" in result.error.reason
    assert result.checked_through["message"] == "70391204"
    assert "not advanced: widget feed failed: HTTP 503" in result.checked_through["note"]
    assert numbered(result, 70428816) and numbered(result, 70433901)       # the RSS messages are still reported


def test_a_message_only_the_failed_feed_carried_is_reported_by_the_next_run(tables, tmp_path, server):
    """The widget down: message 70405560 (only in the widget, citing 8507.60.00.20) must not be skipped for good."""
    environ = {"TARIFF_STACK_SOURCE_CSMS_WIDGET": server.url(WIDGET), "TARIFF_STACK_SOURCE_CSMS_RSS": server.url(RSS)}
    opts = RunOptions(tables=tables, out_dir=tmp_path / "out", state_path=tmp_path / "state.json", only=("csms",),
                      today=TODAY, environ=environ, retries=Retry(total=0, backoff_factor=0))
    (tmp_path / "state.json").write_text(json.dumps({"sources": {"csms": {"checked_through": SEEN["csms"]}}}))
    good = server.routes.answers[f"{WIDGET}/0.json"]
    server.routes.route(f"{WIDGET}/0.json", "boom", status=500, content_type="text/plain")
    first, md, _ = run_sync(opts)
    assert first.exit_code == EXIT_PARTIAL
    assert "source csms failed: the widget feed failed: HTTP 500" in md.read_text()
    assert not [f for f in first.findings if f.title.startswith("CSMS # 70405560 ")]
    assert json.loads((tmp_path / "state.json").read_text())["sources"]["csms"]["checked_through"] == SEEN["csms"]
    server.routes.answers[f"{WIDGET}/0.json"] = good
    second, _, _ = run_sync(opts)
    [late] = [f for f in second.findings if f.title.startswith("CSMS # 70405560 ")]
    assert "8507600020" in late.touches.hts and second.exit_code == EXIT_FINDINGS
    assert json.loads((tmp_path / "state.json").read_text())["sources"]["csms"]["checked_through"]["message"] == \
        "70433901"


def test_both_feeds_failing_is_a_source_error(tables, cov, server):
    server.routes.route(f"{WIDGET}/0.json", "unavailable", status=503, content_type="text/plain")
    server.routes.route(f"{RSS}/feed.rss", "gone", status=500, content_type="text/plain")
    with pytest.raises(SourceError) as err:
        csms.run(context(tables, cov, server, SEEN))
    assert err.value.source == "csms"
    assert "widget feed failed: HTTP 503" in err.value.reason and "RSS feed failed: HTTP 500" in err.value.reason


def test_html_instead_of_the_widget_jsonp_is_a_clear_failure(tables, cov, server):
    server.routes.route(f"{WIDGET}/0.json", "<!DOCTYPE html><html><body>Page not found</body></html>",
                        content_type="text/html")
    result = csms.run(context(tables, cov, server, SEEN))
    assert "answered an HTML page (text/html), expected the widget's JSONP" in result.error.reason
    server.routes.route(f"{RSS}/feed.rss", "<html><body>Maintenance</body></html>", content_type="text/html")
    with pytest.raises(SourceError, match="HTML page"):
        csms.run(context(tables, cov, server, SEEN))


def test_widget_answer_without_the_update_array_is_refused(tables, cov, server):
    server.routes.route(f"{WIDGET}/0.json", "GDWidgets[0].error('no bulletins')", content_type="text/javascript")
    result = csms.run(context(tables, cov, server, SEEN))
    assert "no GDWidgets[...].update([...]) array" in result.error.reason


def test_a_widget_list_without_bulletins_is_refused_not_read_as_no_messages(tables, cov, server):
    server.routes.route(f"{WIDGET}/0.json", '["a", "b"]', content_type="application/json")
    result = csms.run(context(tables, cov, server, SEEN))
    assert not result.ok and "holds no bulletin" in result.error.reason
    assert result.checked_through["message"] == SEEN["csms"]["message"]


def test_rss_with_an_entity_declaration_is_refused(tables, cov, server):
    bomb = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            '<rss version="2.0"><channel><title>&b;</title></channel></rss>')
    server.routes.route(f"{RSS}/feed.rss", bomb, content_type="application/rss+xml")
    result = csms.run(context(tables, cov, server, SEEN))
    assert not result.ok and "the RSS feed failed" in result.error.reason
    assert "not well-formed or safe XML" in result.error.reason


def test_an_unreadable_bulletin_is_noted_and_the_subject_still_counts(tables, cov, server):
    del server.routes.answers[f"{BULLETINS}/432a890"]
    result = csms.run(context(tables, cov, server, SEEN))
    [msg] = numbered(result, 70428816)
    assert msg.touches.headings == ("9903.85.08",) and "bulletin text could not be read: HTTP 404" in msg.detail


def test_bulletin_url_is_the_message_number_in_hexadecimal(tables, cov, server):
    ctx = context(tables, cov, server)
    assert csms.bulletin_url(ctx, 69302472) == server.url(f"{BULLETINS}/42178c8")
    real = SyncContext(tables=tables, coverage=cov, fetcher=ctx.fetcher, today=TODAY, environ={})
    assert csms.bulletin_url(real, 69851916) == "https://content.govdelivery.com/accounts/USDHSCBP/bulletins/429db0c"


def test_feeds_answering_304_have_nothing_new_and_the_state_stays(tables, cov, server):
    server.routes.fixture(f"{WIDGET}/0.json", "csms/widget_0.json", content_type="application/javascript",
                          headers={"ETag": '"w1"'})
    server.routes.fixture(f"{RSS}/feed.rss", "csms/feed.rss", content_type="application/rss+xml",
                          headers={"Last-Modified": "Fri, 27 Nov 2026 21:00:00 GMT", "ETag": '"r1"'})
    first_ctx = context(tables, cov, server, SEEN)
    first = csms.run(first_ctx)
    assert first.ok and first.findings and set(first_ctx.fetcher.kept["csms"]) == {
        server.url(f"{WIDGET}/0.json"), server.url(f"{RSS}/feed.rss")}
    again = context(tables, cov, server, {"csms": first.checked_through})
    again.fetcher.validators = dict(first_ctx.fetcher.kept)
    server.routes.requests.clear()
    second = csms.run(again)
    assert second.ok and second.findings == [] and again.fetcher.not_modified == 2
    assert {p: h.get("If-None-Match") for p, h in server.routes.requests} == {
        f"{WIDGET}/0.json": '"w1"', f"{RSS}/feed.rss": '"r1"'}
    assert second.checked_through["message"] == first.checked_through["message"] == "70433901"
