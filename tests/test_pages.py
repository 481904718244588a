"""The pages (issue 16): the quote and timeline pages show GET /v1/duty's and /v1/timeline's figures to the cent.

HTML is read with the stdlib parser (no browser; the Selenium tests are elsewhere).  Every figure is
compared with the API's JSON for the same query, and the chart's tagged elements with the layers.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from service.web.app import create_app

QUOTE = {"hts": "8507.60.00.90", "origin": "CN", "entry_date": "2026-10-01", "value": "100000"}


class Page(HTMLParser):
    """Every element's tag and attributes (in order), the text inside each id'd element, and the title."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag not in ("input", "meta", "link", "br", "rect", "path", "circle", "line", "use", "img"):
            self._open.append(attrs.get("id"))
            if attrs.get("id"):
                self.text.setdefault(attrs["id"], "")

    def handle_endtag(self, tag):
        if self._open and tag not in ("input", "meta", "link", "br"):
            self._open.pop()

    def handle_data(self, data):
        for ident in self._open:
            if ident:
                self.text[ident] += data

    def by_id(self, ident: str) -> tuple[str, dict]:
        found = [e for e in self.elements if e[1].get("id") == ident]
        assert len(found) == 1, (ident, len(found))
        return found[0]

    def having(self, attr: str, tag: str | None = None) -> list[dict]:
        return [a for t, a in self.elements if attr in a and (tag is None or t == tag)]


@pytest.fixture()
def web(tables):
    return create_app(tables, {"MAX_TABLE_AGE_DAYS": None}).test_client()


def test_the_quote_page_shows_the_api_figures_to_the_cent(web):
    api = web.get("/v1/duty", query_string=QUOTE).get_json()
    r = web.get("/quote", query_string=QUOTE)
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = Page(r.get_data(as_text=True))
    # 12.5% + 25% + 3.4% of 100000.00 = 12500.00 + 25000.00 + 3400.00 = 40900.00; 40900 / 100000 = 0.409
    assert page.by_id("total-duty")[1]["data-value"] == api["total_duty"] == "40900.00"
    assert page.by_id("effective-rate")[1]["data-value"] == api["effective_rate"] == "0.409"
    assert page.text["effective-rate"].strip() == "40.9%"
    assert page.text["total-duty"].strip() == "40,900.00"
    assert page.by_id("landed-cost")[1]["data-value"] == "140900.00"   # 100000.00 + 40900.00
    rows = [(a["data-program"], a["data-heading"], a["data-duty"], a["data-rate"]) for a in page.having("data-duty", "tr")]
    assert rows == [(la["program"], la["heading"], la["duty"], la["rate"]) for la in api["layers"]]
    assert [d for _, _, d, _ in rows] == ["12500.00", "25000.00", "3400.00"]


def test_the_layers_chart_has_one_tagged_element_per_layer(web):
    api = web.get("/v1/duty", query_string=QUOTE).get_json()
    page = Page(web.get("/quote", query_string=QUOTE).get_data(as_text=True))
    assert page.by_id("chart-layers")[0] == "figure"
    tagged = [(a["data-program"], a["data-heading"], a["data-duty"]) for a in page.having("data-duty", "rect")]
    assert tagged == [(la["program"], la["heading"], la["duty"]) for la in api["layers"]]
    assert any(t == "table" and "chart-data" in a.get("class", "") for t, a in page.elements)


def test_the_quote_page_names_the_sections_and_links_the_downloads(web):
    page = Page(web.get("/quote", query_string=QUOTE).get_data(as_text=True))
    for ident in ("not-applied", "assumptions", "warnings", "filing-lines"):
        page.by_id(ident)
    assert "vehicle_part" in page.text["assumptions"]          # the assumed fact, in words
    csv = page.by_id("download-csv")[1]["href"]
    assert csv.startswith("/v1/duty.csv?") and "hts=8507.60.00.90" in csv
    api_url = page.by_id("api-url")[1]["value"]
    assert web.get(api_url).get_json()["total_duty"] == "40900.00"
    assert web.get(csv).status_code == 200
    # the fact the answer assumed is asked for after the first submit
    assert page.by_id("vehicle_part")[0] == "select"


def test_a_fact_given_on_the_page_prices_as_the_api_does(web):
    query = {**QUOTE, "vehicle_part": "yes"}
    api = web.get("/v1/duty", query_string=query).get_json()
    page = Page(web.get("/quote", query_string=query).get_data(as_text=True))
    assert page.by_id("total-duty")[1]["data-value"] == api["total_duty"] == "53400.00"  # the range's "yes" figure


def test_a_bad_hts_is_a_400_page_with_the_error_next_to_the_field(web):
    query = {**QUOTE, "hts": "abc"}
    api = web.get("/v1/duty", query_string=query)
    r = web.get("/quote", query_string=query)
    assert r.status_code == api.status_code == 400
    html = r.get_data(as_text=True)
    page = Page(html)
    tag, attrs = page.by_id("hts")
    assert attrs["value"] == "abc" and attrs["aria-invalid"] == "true" and attrs["aria-describedby"] == "error-hts"
    assert page.by_id("error-hts")[1]["class"] == "field-error"
    assert page.text["error-hts"] == api.get_json()["errors"]["hts"][0]
    assert html.index('id="hts"') < html.index('id="error-hts"') < html.index('id="origin"')
    assert page.by_id("errors")[1]["role"] == "alert"
    assert page.by_id("origin")[1]["value"] == "CN" and page.by_id("value")[1]["value"] == "100000"


@pytest.mark.parametrize("field, bad, status", [("value", "abc", 400), ("origin", "ZZ", 400),
                                                ("entry_date", "2026-13-40", 400), ("hts", "1234", 404)])
def test_the_page_refuses_what_the_api_refuses(web, field, bad, status):
    query = {**QUOTE, field: bad}
    api = web.get("/v1/duty", query_string=query)
    r = web.get("/quote", query_string=query)
    assert r.status_code == api.status_code == status
    page = Page(r.get_data(as_text=True))
    assert page.text[f"error-{field}"] == api.get_json()["errors"][field][0]


def test_the_empty_form_and_the_home_redirect(web):
    r = web.get("/")
    assert r.status_code == 302 and r.headers["Location"] == "/quote"
    page = Page(web.get("/quote").get_data(as_text=True))
    assert not page.having("data-duty") and "errors" not in page.text
    labels = {a["for"] for a in page.having("for", "label")}
    assert {"hts", "origin", "entry_date", "value"} <= labels
    assert len(page.having("value", "option")) > 10                 # the covered lines in #hts-list
    assert page.by_id("hts")[1]["list"] == "hts-list"


def test_the_footer_shows_the_tables_version_and_as_of(web, tables):
    page = Page(web.get("/quote").get_data(as_text=True))
    assert page.text["tables-version"] == tables.version
    assert page.text["tables-as-of"] == tables.as_of.isoformat()
    hrefs = [a["href"] for a in page.having("href", "a")]
    assert {"/quote", "/timeline", "/compare", "/schedule", "/audit", "/docs"} <= set(hrefs)
    assert ("html", {"lang": "en"}) in page.elements
    assert sum(1 for t, _ in page.elements if t == "h1") == 1


def test_the_stylesheet_is_served_with_print_rules(web):
    with web.get("/static/pages.css") as r:       # a file response: closed, or a ResourceWarning
        css = r.get_data(as_text=True)
    assert "@media print" in css and "max-width: 40rem" in css


TIMELINE = {"hts": "8507.60.00.90", "from": "2025-01-01", "to": "2026-12-31"}


def test_the_timeline_chart_carries_the_api_intervals_for_each_origin(web):
    r = web.get("/timeline", query_string={**TIMELINE, "origin": "CN,KR"})
    assert r.status_code == 200
    page = Page(r.get_data(as_text=True))
    assert page.by_id("chart-timeline")[0] == "figure"
    tagged = page.having("data-rate", "rect")
    for origin in ("CN", "KR"):
        api = web.get("/v1/timeline", query_string={**TIMELINE, "origin": origin}).get_json()
        mine = [a for a in tagged if a["data-origin"] == origin]
        for interval in api["intervals"]:
            bars = [a for a in mine if a["data-from"] == interval["from"] and a["data-to"] == interval["to"]]
            assert {a["data-program"] for a in bars} == {la["program"] for la in interval["layers"]}
            # ad valorem on the full value: the programs' rates add up to the interval's effective rate
            assert sum(float(a["data-rate"]) for a in bars) == pytest.approx(float(interval["effective_rate"]))
        rows = [a for a in page.having("data-rate", "tr") if a["data-origin"] == origin]
        assert [(a["data-from"], a["data-rate"]) for a in rows] == [(i["from"], i["effective_rate"])
                                                                   for i in api["intervals"]]


def test_the_timeline_labels_a_change_by_its_measure(web):
    html = web.get("/timeline", query_string={**TIMELINE, "origin": "CN"}).get_data(as_text=True)
    # 2026-01-01: the four-year review's 25% replaces list 4A's 7.5% (both measures named, in the chart and table)
    label = "2026-01-01: section_301/four_year_review/li_ion_2026, section_301/lists/list_4a"
    assert html.count(label) >= 2


def test_a_bad_origin_on_the_timeline_is_a_400_next_to_the_field(web):
    r = web.get("/timeline", query_string={**TIMELINE, "origin": "CN,ZZ"})
    assert r.status_code == 400
    page = Page(r.get_data(as_text=True))
    assert "ZZ" in page.text["error-origin"] and page.by_id("origin")[1]["value"] == "CN, ZZ"


def test_timeline_sets_several_origins_side_by_side_on_one_chart(client):
    html = client.get("/timeline?hts=8507.60.00.90&origin=CN&origin=KR&from=2025-01-01&to=2026-12-31"
                      ).get_data(as_text=True)
    # One stepped chart of the origins' total rates first (a series per origin), then one per origin.
    assert html.count('class="origins" data-origins="CN KR"') == 1
    assert html.index('data-origins="CN KR"') < html.index('data-origin="CN"')
    single = client.get("/timeline?hts=8507.60.00.90&origin=CN&from=2025-01-01&to=2026-12-31").get_data(as_text=True)
    assert 'class="origins"' not in single


def test_timeline_program_rates_are_exact_at_any_value(client):
    # At a value of 3 the duties round to the cent (0.03 + 0.11...); the full-value layers' rates are summed
    # instead: MFN 3.4% and Section 301 7.5% on 2025-01-01, as the API's layers give them.
    html = client.get("/timeline?hts=8507.60.00.90&origin=CN&from=2025-01-01&to=2025-02-01&value=3"
                      ).get_data(as_text=True)
    assert 'data-program="mfn" data-rate="0.034"' in html and 'data-program="section_301" data-rate="0.075"' in html
    assert "3.333333" not in html


def test_every_offered_select_value_is_accepted(client):
    """A value the quote form offers in a select is one the API takes (no 400 for picking it)."""
    import re
    html = client.get("/quote?hts=8507.60.00.90&origin=CN&entry_date=2026-10-01&value=100000").get_data(as_text=True)
    modes = re.findall(r'<option value="([^"]+)"', html[html.index('name="mode"'):].split("</select>")[0])
    assert modes
    for mode in modes:
        r = client.get(f"/quote?hts=8507.60.00.90&origin=CN&entry_date=2026-10-01&value=100000&mode={mode}")
        assert r.status_code == 200, mode


def test_stale_tables_are_said_on_every_page(tables, monkeypatch):
    from datetime import timedelta

    from service.model import freshness
    from service.web.app import create_app
    monkeypatch.setattr(freshness, "today_utc", lambda: tables.as_of + timedelta(days=1))   # 1 day old, limit 0
    stale = create_app(tables, {"MAX_TABLE_AGE_DAYS": 0}).test_client()
    for path in ("/quote", "/timeline", "/compare", "/schedule", "/audit"):
        html = stale.get(path).get_data(as_text=True)
        assert 'id="tables-stale"' in html and "old (limit 0)" in html, path
