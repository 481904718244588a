"""The pages in a real browser (issue 16): headless Chromium drives ``tariff-stack serve`` on loopback.

Each page test fills the form as a person would, submits it, reads the figures from the page by the pages
contract's ids and data attributes (``research/i16/CONTRACT.md``), and compares them with the API's JSON for
the same request, fetched from the same server, to the cent.  Charts must be drawn: their elements exist and
carry the same figures.  Screenshots at desktop and phone width go to ``tests/screenshots/`` (``browser.py``).
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import requests
from browser import DESKTOP, PHONE, Page, chromium, dec, live_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUOTE = {"hts": "8507.60.00.90", "origin": "CN", "entry_date": "2026-10-01", "value": "100000"}
TIMELINE = {"hts": "8507.60.00.90", "from": "2025-01-01", "to": "2026-12-31"}
TIMELINE_ORIGINS = ["CN", "KR"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from live_server(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def driver():
    browser = chromium()
    yield browser
    browser.quit()


@pytest.fixture
def page(driver, server):
    return Page(driver, server)


def api(server, path, params):
    response = requests.get(server + path, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def assert_usable(page, name):
    """The page's accessibility basics hold, and it fits a phone and a laptop: screenshots of both."""
    assert page.accessibility_problems() == []
    for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
        with page.at_size(width, height):
            assert page.screenshot(f"{name}-{label}").stat().st_size > 0    # first: a failure is seen too
            assert page.horizontal_overflow() == 0, f"{name} scrolls sideways at {width} px"


# ------------------------------------------------------------------ harness


def test_the_harness_drives_the_api_reference(page):
    """The harness itself: the browser loads /docs from the live server and reads its title and heading."""
    page.open("/docs")
    assert page.driver.title.strip()
    assert page.exists("h1") or page.exists("h2")
    assert page.screenshot("docs-desktop").stat().st_size > 0


# -------------------------------------------------------------------- quote


@pytest.fixture
def quote_page(page):
    return page.open("/quote").fill(**QUOTE).submit()


def test_quote_total_and_layers_match_the_api_to_the_cent(quote_page, server):
    doc = api(server, "/v1/duty", QUOTE)
    # 8507.60.00.90 from CN on 2026-10-01 (the JSON's layers): 301 forced labour 12.5% + 301 li-ion 25%
    # + MFN 3.4% = 40.9% of 100,000 = 40,900.00; the page must show the API's figures, whatever they are.
    assert quote_page.value("#total-duty") == doc["total_duty"]
    assert quote_page.value("#effective-rate") == doc["effective_rate"]
    rows = quote_page.data("tr.layer", "program", "heading", "duty", "rate")
    expected = [(x["program"], x["heading"], x["duty"], x["rate"]) for x in doc["layers"]]
    assert Counter(rows) == Counter(expected)
    assert sum(dec(duty) for _, _, duty, _ in rows) == Decimal(doc["total_duty"])


def test_quote_chart_has_one_element_per_layer_with_its_duty(quote_page, server):
    doc = api(server, "/v1/duty", QUOTE)
    assert quote_page.exists("figure.chart#chart-layers svg")
    drawn = quote_page.data("#chart-layers [data-duty]", "program", "heading", "duty")
    assert Counter(drawn) == Counter((x["program"], x["heading"], x["duty"]) for x in doc["layers"])
    # The chart's figures are also a table (screen readers, no JavaScript).
    assert quote_page.exists("#chart-layers ~ table.chart-data, #chart-layers table.chart-data")


def test_quote_page_is_the_bookmark_and_links_the_api(quote_page, server):
    assert quote_page.path.startswith("/quote?")
    api_url = quote_page.one("#api-url")            # a link, or a read-only box holding the URL
    link = api_url.get_attribute("href") or api_url.get_attribute("value") or api_url.text
    assert "/v1/duty" in link
    answer = requests.get(link if link.startswith("http") else server + link[link.index("/v1/"):], timeout=30)
    assert answer.status_code == 200 and answer.json()["total_duty"] == quote_page.value("#total-duty")
    csv = requests.get(quote_page.attr("#download-csv", "href"), timeout=30)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")


def test_quote_footer_names_the_tables(quote_page, server):
    health = api(server, "/healthz", {})
    assert health["tables_version"] in quote_page.text("#tables-version")
    assert health["as_of"] in quote_page.text("#tables-as-of")


def test_quote_bad_hts_is_shown_next_to_the_field(page, server):
    page.open("/quote").fill(**{**QUOTE, "hts": "12345"}).submit()
    error = page.one("#error-hts")
    assert error.text.strip()
    hts = page.one('[name="hts"]')
    assert hts.get_attribute("aria-invalid") == "true"
    assert "error-hts" in (hts.get_attribute("aria-describedby") or "").split()
    assert hts.get_attribute("value") == "12345"      # the form keeps what the person typed
    assert page.text("#errors")                       # and the summary at the top lists it
    assert requests.get(page.driver.current_url, timeout=30).status_code == 400


def test_quote_page_is_usable_at_both_widths(quote_page):
    assert_usable(quote_page, "quote")


# ----------------------------------------------------------------- timeline


def program_rates(interval, customs_value):
    """{program: its effective rate} of one timeline interval, from the API's layers: the program's layer rates
    summed (two Section 301 headings are one program) when all are on the full value; else its duty over the
    customs value to six places (AD/CVD on the anode material inside cells, none declared here, costs 0)."""
    out = {}
    for program in dict.fromkeys(x["program"] for x in interval["layers"]):
        items = [x for x in interval["layers"] if x["program"] == program]
        if all(x["value_base"] == "full_value" for x in items):
            out[program] = sum((Decimal(x["rate"]) for x in items), Decimal(0))
        else:
            out[program] = (sum((Decimal(x["duty"]) for x in items), Decimal(0)) / customs_value
                            ).quantize(Decimal("0.000001"))
    return out


def expected_steps(server):
    """Per origin, the (from, to, program, rate) steps of the API's timeline: the chart's data elements."""
    steps = {}
    for origin in TIMELINE_ORIGINS:
        doc = api(server, "/v1/timeline", {**TIMELINE, "origin": origin})
        value = Decimal(doc["customs_value"])
        steps[origin] = Counter((i["from"], i["to"], program, rate)
                                for i in doc["intervals"] for program, rate in program_rates(i, value).items())
    return steps


@pytest.fixture
def timeline_page(page):
    return page.open("/timeline").fill(**TIMELINE, origin=TIMELINE_ORIGINS).submit()


def drawn_steps(timeline_page):
    """The chart's step elements, per origin when the page says which (data-origin on the element or its
    figure), else all together."""
    rows = timeline_page.driver.execute_script("""
        return Array.from(document.querySelectorAll('figure.chart[id^="chart-timeline"] [data-rate]'), el => [
          el.getAttribute('data-origin') || (el.closest('[data-origin]') || {getAttribute: () => null}).getAttribute('data-origin'),
          el.getAttribute('data-from'), el.getAttribute('data-to'), el.getAttribute('data-program'),
          el.getAttribute('data-rate')]);""")
    steps = {}
    for origin, start, end, program, rate in rows:
        steps.setdefault(origin, Counter())[(start, end, program, dec(rate))] += 1
    return steps


def test_timeline_chart_steps_match_the_api(timeline_page, server):
    assert timeline_page.exists('figure.chart[id^="chart-timeline"] svg')
    expected, drawn = expected_steps(server), drawn_steps(timeline_page)
    assert drawn, "the timeline chart has no data-rate elements"
    if set(drawn) == {None}:                 # one chart, origins not tagged: the union of both timelines
        expected = {None: sum(expected.values(), Counter())}
    for origin, steps in expected.items():
        on_page = drawn.get(origin, Counter())
        assert on_page == steps, (origin, "drawn, not in the API:", sorted(on_page - steps),
                                  "in the API, not drawn:", sorted(steps - on_page))
    assert set(drawn) == set(expected)
    # The first CN step (the JSON, tables 2026.11.28-8): 301 list 4A 7.5% + MFN 3.4% = 10.9% until the
    # fentanyl IEEPA duty of 2025-02-04; the chart draws its 301 part.
    assert ("2025-01-01", "2025-02-04", "section_301", Decimal("0.075")) in (drawn.get("CN") or drawn[None])


def test_timeline_table_and_errors(timeline_page, page):
    assert timeline_page.exists("table.chart-data")
    page.open("/timeline").fill(**{**TIMELINE, "hts": "12345"}, origin=TIMELINE_ORIGINS).submit()
    assert page.text("#error-hts")
    assert page.attr('[name="hts"]', "aria-invalid") == "true"
    assert requests.get(page.driver.current_url, timeout=30).status_code == 400


def test_timeline_page_is_usable_at_both_widths(timeline_page):
    assert_usable(timeline_page, "timeline")


# ------------------------------------------------- compare, schedule, audit (POST forms)
# Their form field names are not in the contract beyond "pasted lines" and "a file"; the names below are the
# ones these tests expect (hts,origin,quantity,unit_price[,energy_kwh_per_unit] lines in a textarea).  Each
# page shows the JSON body it posted in <pre id="api-body">; the test posts that body to the API itself and
# compares the page's figures with the answer, after checking the body carries what was typed.

PASTED = "8507.60.00.20,CN,1000,100,0.896\n8507.60.00.20,KR,1000,112,0.896"
# The compare and schedule forms (template li_ion_cell_order, its one line "cells"): field names are the JSON
# paths of the request the page builds (imported.0.origin, shipments.1.entry_date).
COMPARE_FORM = {"entry_date": "2026-10-01", "imported.0.name": "CN cells", "imported.0.origin": "CN",
                "imported.0.fill.cells.unit_price": "45", "imported.1.name": "KR cells", "imported.1.origin": "KR",
                "imported.1.fill.cells.unit_price": "52", "domestic.delivered_price": "500000",
                "project.construction_start": "2026-03-01"}
SCHEDULE_FORM = {"origin": "CN", "fill.cells.unit_price": "100", "shipments.0.entry_date": "2026-01-15",
                 "shipments.1.entry_date": "2026-10-01"}


def page_served(server, path):
    """The page answers its empty form (every page has landed: a 404 is a failure, not a skip)."""
    status = requests.get(server + path, timeout=30).status_code
    assert status == 200, f"GET {path} answered {status}"


def posted_body(page, api_path, server):
    """The page's JSON body (#api-body) and the API's answer to it, from the same server."""
    import json

    assert api_path in page.text("#api-url")
    body = json.loads(page.text("#api-body"))
    answer = requests.post(server + api_path, json=body, timeout=60)
    assert answer.status_code == 200, answer.text
    return body, answer.json()


def page_values(page) -> Counter:
    return Counter(v for (v,) in page.data("[data-value]", "value"))


def test_compare_landed_costs_match_the_api(page, server):
    page_served(server, "/compare")
    page.open("/compare").fill(**COMPARE_FORM).submit("entry_date")
    body, doc = posted_body(page, "/v1/compare", server)
    assert [q["defaults"]["origin"] for q in body["imported"]] == ["CN", "KR"]
    for i, quote in enumerate(doc["imported"]):
        assert page.value(f"#landed-cost-{i}") == quote["landed_cost"]
        assert page.value(f"#net-cost-{i}") == quote["net_cost"]        # the project's credit position
    assert page.value("#landed-cost-domestic") == doc["domestic"]["delivered_cost"]
    assert page.value("#net-cost-domestic") == doc["domestic"]["net_cost"]
    drawn = page.data('#chart-compare [data-part="price"]', "quote", "value")
    assert sorted(v for _q, v in drawn) == sorted([*(q["dutiable_value"] for q in doc["imported"]),
                                                   doc["domestic"]["delivered_cost"]])
    assert_usable(page, "compare")


def test_schedule_costs_by_shipment_match_the_api(page, server):
    page_served(server, "/schedule")
    page.open("/schedule").fill(**SCHEDULE_FORM).submit("origin")
    body, doc = posted_body(page, "/v1/schedule", server)
    assert [s["entry_date"] for s in body["shipments"]] == ["2026-01-15", "2026-10-01"]
    assert page_values(page) >= Counter(s["totals"]["landed_cost"] for s in doc["shipments"])
    assert page.exists("figure.chart#chart-schedule svg")
    assert_usable(page, "schedule")


AUDIT_TOTALS = ("paid", "owed", "refundable", "contingent", "underpaid")


def test_audit_upload_totals_match_the_api(page, server, tmp_path):
    from test_audit_files import OWN_FORM

    page_served(server, "/audit")
    entries = tmp_path / "entries.csv"
    entries.write_text(OWN_FORM, encoding="utf-8")
    page.open("/audit")
    page.one('input[type="file"]').send_keys(str(entries))
    page.submit(page.attr('input[type="file"]', "name"))
    _, doc = posted_body(page, "/v1/audit", server)
    # test_audit_files: paid 50,900.00, owed 24,300.00, refundable 30,000.00, contingent 10,000.00,
    # underpaid 3,400.00 on that file; the page shows the API's figures for the body it posted.
    for name in AUDIT_TOTALS:
        assert page.value(f"#total-{name}") == doc["totals"][name], name
    # The download is the CLI's NAME.audit.csv inside the page (a data: link, no second request).
    href = page.attr("#download-csv", "href")
    assert href.startswith("data:text/csv") and page.attr("#download-csv", "download").endswith(".audit.csv")
    assert_usable(page, "audit")
