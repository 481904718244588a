"""The Federal Register and AD/CVD sync sources against recorded answers on a loopback server.

Fixtures: ``sync_fixtures/federal_register/`` (see its README for where each shape comes from).
The source base points at the test server; no test sleeps or reads the real network.
"""
from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from urllib3.util.retry import Retry

from service.sync import adcvd, fedreg
from service.sync.context import SyncContext
from service.sync.coverage import coverage
from service.sync.findings import SourceError
from service.sync.http import Fetcher
from sync_server import SourceServer

TODAY = date(2026, 11, 28)
SINCE = {"through": "2021-11-01"}
DOCS = "federal_register/text"
TEXTS = {
    "/fr/documents/full_text/text/2021/11/12/2021-24601.txt": "2021-24601.txt",
    "/fr/documents/full_text/text/2024/11/12/2024-26167.txt": "2024-26167.txt",
    "/fr/documents/full_text/text/2025/05/28/2025-09563.txt": "2025-09563.txt",
    "/fr/documents/full_text/text/2026/03/10/2026-04630.txt": "2026-04630.txt",
    "/fr/documents/full_text/text/2026/11/20/2026-23410.txt": "2026-23410.txt",
}


@pytest.fixture(scope="module")
def cov(tables):
    return coverage(tables)


@pytest.fixture(scope="module")
def loopback():
    with SourceServer() as srv:      # one server for the module (stopping one takes half a second)
        yield srv


@pytest.fixture()
def server(loopback):
    """The recorded answers, afresh for each test."""
    loopback.routes.answers.clear()
    loopback.routes.requests.clear()
    loopback.routes.fixture("/fr/api/v1/documents.json", "federal_register/documents_page1.json")
    loopback.routes.fixture("/fr/api/v1/documents", "federal_register/documents_page2.json")
    for path, name in TEXTS.items():
        loopback.routes.fixture(path, f"{DOCS}/{name}", content_type="text/plain; charset=utf-8")
    return loopback


def context(tables, cov, srv, since=None) -> SyncContext:
    fetcher = Fetcher(retries=Retry(total=1, backoff_factor=0, status_forcelist=(), raise_on_status=False))
    return SyncContext(tables=tables, coverage=cov, fetcher=fetcher, today=TODAY, since=since or {},
                       environ={"TARIFF_STACK_SOURCE_FEDERAL_REGISTER": srv.url("/fr/api/v1")})


def by_url_part(findings, part):
    return [f for f in findings if part in f.url]


def test_an_unchanged_query_answers_304_and_nothing_is_new(tables, cov, server):
    """The first page is conditional once the last run read every page; the validators are the source's own."""
    server.routes.fixture("/fr/api/v1/documents.json", "federal_register/documents_page1.json",
                          headers={"ETag": '"page1"'})
    first = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    ctx = context(tables, cov, server, {"federal_register": first.checked_through})
    second = fedreg.run(ctx)                  # a new 'since' (the newest day read): a new URL, asked unconditionally
    assert "note" not in first.checked_through and ctx.fetcher.not_modified == 0
    third_ctx = context(tables, cov, server, {"federal_register": second.checked_through})
    third_ctx.fetcher.validators = dict(ctx.fetcher.kept)
    server.routes.requests.clear()
    third = fedreg.run(third_ctx)
    assert third_ctx.fetcher.not_modified == 1 and len(server.routes.requests) == 1
    assert server.routes.requests[0][1]["If-None-Match"] == '"page1"'
    assert third.findings == [] and third.checked_through == second.checked_through
    other = context(tables, cov, server, {"adcvd": second.checked_through})
    other.fetcher.validators = dict(ctx.fetcher.kept)
    adcvd.run(other)                           # adcvd's own query: never answered with fedreg's validators
    assert other.fetcher.not_modified == 0


# --- the Federal Register source --------------------------------------------------------------------------------

def test_request_carries_the_repeated_array_params_and_the_since_date(tables, cov, server):
    fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    first = server.routes.requests[0][0]
    assert urlsplit(first).path == "/fr/api/v1/documents.json"
    pairs = parse_qsl(urlsplit(first).query)
    assert ("conditions[publication_date][gte]", "2021-11-01") in pairs
    assert [v for k, v in pairs if k == "conditions[agencies][]"] == list(fedreg.AGENCIES)
    assert "trade-representative-office-of-united-states" in [v for k, v in pairs if k == "conditions[agencies][]"]
    assert [v for k, v in pairs if k == "fields[]"] == list(fedreg.FIELDS)
    assert ("order", "oldest") in pairs and ("per_page", "100") in pairs


def test_pagination_follows_next_page_url_onto_the_configured_base(tables, cov, server):
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    paths = [urlsplit(p).path for p, _ in server.routes.requests]
    assert paths.count("/fr/api/v1/documents.json") == 1 and paths.count("/fr/api/v1/documents") == 1
    page2 = dict(parse_qsl(urlsplit(next(p for p, _ in server.routes.requests
                                         if urlsplit(p).path == "/fr/api/v1/documents")).query))
    assert page2["page"] == "2" and page2["search_after_cursor"]
    # the newest document read is on page 2: the run went through both pages
    assert result.checked_through["through"] == "2026-11-24"
    assert result.checked_through["document"] == "2026-23702"
    assert result.ok


def test_notice_naming_a_covered_code_is_a_finding_touching_that_line(tables, cov, server):
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    [itc] = by_url_part(result.findings, "2026-04630")
    assert itc.severity == "review"
    assert "2826909010" in itc.touches.hts
    assert itc.published == date(2026, 3, 10)
    assert "91 FR 11802" in itc.detail


def test_proclamation_naming_a_heading_touches_its_measure(tables, cov, server):
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    [procl] = by_url_part(result.findings, "2026-23410")
    assert procl.kind == "presidential_document"
    assert "9903.85.08" in procl.touches.headings
    assert set(cov.measure_by_heading["9903.85.08"]) <= set(procl.touches.measures)
    assert "7607119030" in procl.touches.hts and "Section 232" in procl.detail


def test_adcvd_notice_for_a_case_in_the_tables_touches_the_case_and_its_measures(tables, cov, server):
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    [foil] = by_url_part(result.findings, "2024-26167")
    assert foil.touches.cases == ("A-570-053",)
    assert "adcvd/aluminum_foil_china/ad_foil" in foil.touches.measures
    assert foil.effective == date(2024, 11, 12)        # from the DATES field: effective_on is null


def test_documents_naming_nothing_covered_are_not_findings(tables, cov, server):
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    assert not by_url_part(result.findings, "2025-05887")       # 2,4-D: a case and product the tables do not hold
    assert not by_url_part(result.findings, "2026-23702")       # a CBP information collection
    assert len(result.findings) == 5


def test_documents_of_the_last_day_already_seen_are_not_read_again(tables, cov, server):
    first = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    assert first.checked_through["seen"] == "2026-23702"
    again = fedreg.run(context(tables, cov, server, {"federal_register": first.checked_through}))
    assert again.findings == []
    pairs = parse_qsl(urlsplit(server.routes.requests[-2][0]).query)
    assert ("conditions[publication_date][gte]", "2026-11-24") in pairs
    assert again.checked_through["through"] == "2026-11-24"


def test_html_instead_of_json_is_a_clear_failure(tables, cov, server):
    server.routes.route("/fr/api/v1/documents.json", "<!DOCTYPE html><html><body>Request Access</body></html>",
                        content_type="text/html")
    with pytest.raises(SourceError) as err:
        fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    assert "HTML" in err.value.reason and err.value.source == "federal_register"


def test_a_failing_source_is_a_source_error(tables, cov, server):
    server.routes.route("/fr/api/v1/documents.json", "unavailable", status=503, content_type="text/plain")
    with pytest.raises(SourceError) as err:
        fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    assert "503" in err.value.reason


def test_an_answer_in_an_unknown_shape_is_refused(tables, cov, server):
    server.routes.route("/fr/api/v1/documents.json", '{"errors": {"per_page": "is too large"}}')
    with pytest.raises(SourceError, match="documents search result"):
        fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))


def test_next_page_url_off_the_federal_register_is_refused(tables, cov, server):
    server.routes.route("/fr/api/v1/documents.json",
                        '{"count": 1, "next_page_url": "https://example.org/steal?page=2", "results": []}')
    with pytest.raises(SourceError, match="outside the Federal Register"):
        fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))


def test_an_unreadable_raw_text_is_noted_not_fatal(tables, cov, server):
    del server.routes.answers["/fr/documents/full_text/text/2026/03/10/2026-04630.txt"]
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    [itc] = by_url_part(result.findings, "2026-04630")
    assert itc.severity == "review" and "raw text could not be read: HTTP 404" in itc.detail


def test_first_run_starts_from_the_tables_as_of_date(tables, cov, server):
    fedreg.run(context(tables, cov, server))
    pairs = parse_qsl(urlsplit(server.routes.requests[0][0]).query)
    assert ("conditions[publication_date][gte]", tables.as_of.isoformat()) in pairs


# --- the AD/CVD source ------------------------------------------------------------------------------------------

def test_review_results_for_a_case_in_the_tables_are_rate_findings_with_the_measure(tables, cov, server):
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    rates = [f for f in result.findings if f.kind == "cash_deposit_rate"]
    assert {f.touches.cases for f in rates} == {("A-570-053",)}
    dingsheng = next(f for f in rates if "Dingsheng" in f.title)
    assert dingsheng.severity == "change"
    assert dingsheng.touches.measures == ("adcvd/aluminum_foil_china/ad_foil",)
    assert dingsheng.effective == date(2024, 11, 12)
    assert "26.60%" in dingsheng.title and "the day before (2024-11-11)" in dingsheng.detail
    assert "Scope is never automatic" in dingsheng.detail and dingsheng.draft is None
    assert "7607119090" in dingsheng.touches.hts
    zhongji = next(f for f in rates if "Zhongji" in f.title)
    assert "Huafeng Aluminium Industry Co., Ltd" in zhongji.title     # a name wrapped over two lines


def test_rates_equal_to_the_tables_are_not_reported(tables, cov, server):
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    assert not any("China-Wide" in f.title for f in result.findings)      # 106.09%, as the tables have it
    assert not by_url_part(result.findings, "2025-09563")                 # AAM preliminary: all as in the tables


def test_changed_rate_is_reported_against_the_value_in_force(tables, cov, server):
    text = (server.routes.answers["/fr/documents/full_text/text/2025/05/28/2025-09563.txt"].body.decode()
            .replace("All Others.....................................................     6.55",
                     "All Others.....................................................     8.10"))
    server.routes.route("/fr/documents/full_text/text/2025/05/28/2025-09563.txt", text, content_type="text/plain")
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    [other] = [f for f in by_url_part(result.findings, "2025-09563")]
    assert set(other.touches.measures) == {"adcvd/aam_china/cvd_aam", "adcvd/aam_china/cvd_in_batteries"}
    assert "8.10%" in other.title and "6.55% (all others rate)" in other.detail
    assert other.effective == date(2025, 5, 28)


def test_an_order_on_no_case_in_the_tables_naming_a_covered_code_is_reported(tables, cov, server):
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    [order] = by_url_part(result.findings, "2021-24601")
    assert order.severity == "review" and order.kind == "adcvd_notice"
    assert "7607119090" in order.touches.hts and order.touches.cases == ()
    assert "matches no case in the tables" in order.detail


def test_adcvd_asks_for_ita_notices_only(tables, cov, server):
    adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    pairs = parse_qsl(urlsplit(server.routes.requests[0][0]).query)
    assert [v for k, v in pairs if k == "conditions[agencies][]"] == ["international-trade-administration"]
    assert ("conditions[type][]", "NOTICE") in pairs


# --- the parts --------------------------------------------------------------------------------------------------

def test_rate_table_on_one_header_line_and_residual_names():
    text = ("Producer/Exporter                                    Weighted-average dumping margin (percent)\n"
            "Jiangsu Dingsheng New Materials Joint-Stock            26.60\n"
            "Vietnam-Wide Entity                                   17.76\n"
            "\n"
            "The period of review is 2023-2024 and 12.50 is not in a table.\n")
    [table] = adcvd.parse_rate_tables(text)
    assert table.kind == "dumping"
    assert [(r.name, r.rate, r.residual) for r in table.rows] == [
        ("Jiangsu Dingsheng New Materials Joint-Stock", Decimal("0.266"), False),
        ("Vietnam-Wide Entity", Decimal("0.1776"), True)]


def test_prose_between_rules_is_not_a_rate_table():
    text = ("---------------------------------------------------------------------------\n"
            "\\1\\ See the weighted-average dumping margin memorandum (in percent terms).\n"
            "---------------------------------------------------------------------------\n"
            "Commerce will instruct CBP to collect cash deposits at 10.00\n")
    assert adcvd.parse_rate_tables(text) == []


@pytest.mark.parametrize("title, kind, deposits", [
    ("Certain Aluminum Foil From the People's Republic of China: Preliminary Results of Antidumping Duty "
     "Administrative Review; 2024-2025", "preliminary results of review", False),
    ("Active Anode Material From the People's Republic of China: Preliminary Affirmative Countervailing Duty "
     "Determination and Alignment of Final Determination With Final Antidumping Duty Determination",
     "preliminary determination", True),
    ("Certain Aluminum Foil From the People's Republic of China: Final Results of Expedited Second Sunset "
     "Reviews of the Antidumping and Countervailing Duty Orders", "sunset review", False),
    ("X From Y: Amended Final Affirmative Antidumping Duty Determination and Antidumping Duty Order",
     "amended final determination", True),
    ("X From Y: Antidumping Duty Order", "order", True),
])
def test_notice_kinds(title, kind, deposits):
    assert adcvd.notice_kind(title) == adcvd.Kind(kind, deposits)


def test_preliminary_review_results_are_a_review_not_a_rate_change(tables, cov, server):
    page = server.routes.answers["/fr/api/v1/documents.json"].body.decode().replace(
        "Final Results of Antidumping Duty Administrative Review, Final Determination of No Shipments, and "
        "Rescission of Review, in Part; 2022-2023", "Preliminary Results of Antidumping Duty Administrative Review; "
        "2022-2023")
    server.routes.route("/fr/api/v1/documents.json", page)
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    [foil] = by_url_part(result.findings, "2024-26167")
    assert foil.severity == "review" and "do not change cash deposits" in foil.detail
    assert "Dong-IL Aluminium Co., Ltd 28.01%" in foil.detail


def test_pagination_is_bounded_and_the_rest_waits_for_the_next_run(tables, cov, server, monkeypatch):
    monkeypatch.setattr(fedreg, "MAX_PAGES", 1)
    result = fedreg.run(context(tables, cov, server, {"federal_register": SINCE}))
    assert [urlsplit(p).path for p, _ in server.routes.requests].count("/fr/api/v1/documents") == 0
    assert result.checked_through["through"] == "2025-05-28" and "stopped after 1 pages" in result.checked_through["note"]


def test_a_notice_covering_several_cases_is_not_attributed(tables, cov, server):
    page = server.routes.answers["/fr/api/v1/documents.json"].body.decode().replace(
        '"A-570-053"', '"A-570-053", "A-580-916"')
    server.routes.route("/fr/api/v1/documents.json", page)
    result = adcvd.run(context(tables, cov, server, {"adcvd": SINCE}))
    [foil] = by_url_part(result.findings, "2024-26167")
    assert foil.severity == "review" and "covers several cases (A-570-053, A-580-916)" in foil.detail
    assert not [f for f in result.findings if f.kind == "cash_deposit_rate"]


@pytest.mark.parametrize("title, named", [
    ("Further Modifying the Reciprocal Tariff Rates To Reflect Ongoing Discussions", ("IEEPA",)),
    ("Imposing Duties To Address the Flow of Illicit Drugs Across Our Northern Border", ("IEEPA",)),
    ("Adjusting Imports of Copper Into the United States", ("Section 232",)),
    ("Notice of Action Pursuant to Section 301: China's Targeting of the Semiconductor Industry", ("Section 301",)),
    ("Agency Information Collection Activities; Cargo Manifest", ()),
])
def test_programs_named_in_titles(cov, title, named):
    assert fedreg.programs_named(title, cov.programs) == named


def test_a_presidential_document_on_tariffs_passes_the_cheap_filter(tables, cov, server):
    doc = fedreg.Document("2026-99999", "Implementing Certain Tariff-Related Elements of a Trade Agreement",
                          "Presidential Document", "", "", date(2026, 11, 25), None, "", "", "", (), ())
    ctx = context(tables, cov, server)
    assert fedreg.relevant(ctx, doc, fedreg.adcvd_products(tables)) == (
        "tariffs, duties or imports (a presidential document)",)
    notice = dataclasses.replace(doc, type="Notice")
    assert fedreg.relevant(ctx, notice, fedreg.adcvd_products(tables)) == ()
