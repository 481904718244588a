"""Issue 11, spreadsheet outputs: safe to sum, errors that reach the cell, the
.iqy address, CSV on every POST endpoint, working request examples, and a real
LibreOffice import under a German locale.
"""
import csv
import io
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from conftest import CONTRACT, DUTY, REPO, url

from service.model.errors import InputError
from service.render import spreadsheet
from service.web.app import create_app

SPEC = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
POST_PATHS = [p for p, item in SPEC["paths"].items()   # the API's (the pages' form posts are HTML, tag pages)
              if "post" in item and "{ext}" not in p and "pages" not in item["post"].get("tags", [])]


def example(path):
    return SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"]


def parse(fmt, text):
    """The rows of a CSV/TSV/HTML body as dicts by header."""
    if fmt == "html":
        parser = _Cells()
        parser.feed(text)
        rows = parser.rows
    else:
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == "csv" else "\t"))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def total(rows, column):
    return sum((Decimal(r[column]) for r in rows if r[column]), Decimal("0"))


# ------------------------------------------------------------ 1. safe to sum

@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_duty_sum_counts_each_duty_once(client, fmt):
    doc = client.get(url("/v1/duty", **DUTY)).get_json()
    rows = parse(fmt, client.get(url(f"/v1/duty.{fmt}", **DUTY)).get_data(as_text=True))
    assert total(rows, "duty") == Decimal(doc["total_duty"]) == Decimal("48400.00")
    assert total(rows, "total_duty") == Decimal(doc["total_duty"])   # filled once, on the first row
    assert {r["row_type"] for r in rows} == {"layer"} and len(rows) == len(doc["layers"])
    first = rows[0]
    assert (first["customs_value"], first["effective_rate"]) == ("100000.00", "0.484")
    assert first["not_applied"].count(spreadsheet.NOTE_SEPARATOR) == len(doc["not_applied"]) - 1
    assert all(a["assumption"] in first["assumptions"] for a in doc["assumptions"])
    doc_columns = ("customs_value", "total_duty", "effective_rate", "not_applied", "assumptions", "warnings")
    assert all(r[c] == "" for r in rows[1:] for c in doc_columns)


def test_duty_warnings_reach_the_first_row(client):
    # 2026-03-10: the Section 122 surcharge carries a legal-status warning.
    params = {**DUTY, "entry_date": "2026-03-10"}
    doc = client.get(url("/v1/duty", **params)).get_json()
    assert doc["warnings"]
    rows = parse("csv", client.get(url("/v1/duty.csv", **params)).get_data(as_text=True))
    assert rows[0]["warnings"] == spreadsheet.NOTE_SEPARATOR.join(doc["warnings"]) and rows[1]["warnings"] == ""
    assert total(rows, "duty") == Decimal(doc["total_duty"])


def test_a_quote_without_layers_is_still_one_row_with_its_notes():
    doc = {"hts": "8507.60.00.20", "origin": "US", "entry_date": "2026-01-15", "currency": "USD", "layers": [],
           "customs_value": "10.00", "total_duty": "0.00", "effective_rate": "0",
           "not_applied": [{"program": "mfn", "heading": None, "measure_id": None, "reason": "US goods"}],
           "assumptions": [], "warnings": ["w"]}
    (row,) = spreadsheet.duty_rows(doc)
    assert (row["row_type"], row["duty"], row["total_duty"], row["not_applied"], row["warnings"]) == \
        ("none", "0.00", "0.00", "mfn: US goods", "w")


def test_landed_cost_columns_sum_to_the_entry_totals(client):
    body = {**example("/v1/landed-cost"), "lines": [
        {"hts": "8507.60.00.20", "origin": "CN", "quantity": "1000", "unit_price": "105.5", "incoterm": "CIF",
         "energy_kwh_per_unit": "0.896"},
        {"hts": "8507.60.00.20", "origin": "KR", "quantity": "500", "unit_price": "120", "incoterm": "CIF",
         "energy_kwh_per_unit": "0.896", "preference": "KR"}]}
    doc = client.post("/v1/landed-cost", json=body).get_json()
    t = doc["totals"]
    for fmt in ("csv", "tsv", "html"):
        rows = parse(fmt, client.post(f"/v1/landed-cost.{fmt}", json=body).get_data(as_text=True))
        assert [r["row_type"] for r in rows] == ["line", "line"]
        for column, expected in [("price_usd", t["price_usd"]), ("dutiable_value", t["dutiable_value"]),
                                 ("duty", t["duty"]), ("fees", t["fees"]), ("landed_cost", t["landed_cost"]),
                                 *t["costs"].items(), ("total_duty", t["duty"]), ("total_fees", t["fees"]),
                                 ("total_landed_cost", t["landed_cost"])]:
            assert total(rows, column) == Decimal(expected), column
        assert (rows[0]["total_effective_rate"], rows[0]["total_per_kwh"]) == (t["effective_duty_rate"], t["per_kwh"])
        assert "mpf 3" in rows[0]["fee_notes"] and "hmf" in rows[0]["fee_notes"]
        assert rows[1]["total_landed_cost"] == rows[1]["fee_notes"] == rows[1]["warnings"] == ""


def test_compare_is_one_row_per_quote(client):
    body = example("/v1/compare")
    doc = client.post("/v1/compare", json=body).get_json()
    rows = parse("csv", client.post("/v1/compare.csv", json=body).get_data(as_text=True))
    assert [r["kind"] for r in rows] == ["domestic"] + ["imported"] * len(doc["imported"])
    assert total(rows, "duty") == sum(Decimal(q["duty"]) for q in doc["imported"])
    assert [r["cheaper"] for r in rows[1:]] == [q["cheaper"] for q in doc["imported"]]
    assert rows[0]["best"] == doc["best"] and all(r["best"] == "" for r in rows[1:])


def test_timeline_reports_its_notional_value_on_the_first_row(client):
    params = {"hts": "8507.60.00.20", "origin": "CN", "from": "2025-01-01", "to": "2026-06-01"}
    rows = parse("csv", client.get(url("/v1/timeline.csv", **params)).get_data(as_text=True))
    assert "notional 1000 USD" in rows[0]["assumptions"] and all(r["assumptions"] == "" for r in rows[1:])
    valued = parse("csv", client.get(url("/v1/timeline.csv", **params, value="5")).get_data(as_text=True))
    assert all(r["assumptions"] == "" for r in valued)


def test_batch_csv_sums_the_priced_lines_and_lists_failed_ones(client):
    body = {"lines": [DUTY, {**DUTY, "hts": "9999.99.99"}, {**DUTY, "value": "abc"},
                      {**DUTY, "origin": "KR", "entry_date": "2026-03-10", "value": "50000"}]}
    doc = client.post("/v1/duty", json=body).get_json()
    ok = [x["result"] for x in doc["results"] if x["status"] == 200]
    for fmt in ("csv", "tsv", "html"):
        by_suffix = client.post(f"/v1/duty.{fmt}", json=body)
        by_param = client.post(f"/v1/duty?format={fmt}", json=body)
        assert by_suffix.status_code == 200 and by_suffix.data == by_param.data
        assert by_suffix.headers["Content-Type"] == spreadsheet.MEDIA_TYPES[fmt]
        rows = parse(fmt, by_suffix.get_data(as_text=True))
        assert total(rows, "duty") == total(rows, "total_duty") == sum(Decimal(q["total_duty"]) for q in ok)
        errors = [r for r in rows if r["row_type"] == "error"]
        assert [(r["line"], r["status"], r["error_code"], r["error_field"]) for r in errors] == [
            ("1", "404", "not_covered", "hts"), ("2", "400", "invalid_input", "value")]
        assert "covered lines" in errors[0]["error"]          # the hint comes along
        assert {r["line"] for r in rows} == {"0", "1", "2", "3"}


def test_schedule_csv_one_row_per_shipment_line_with_changes(client):
    body = example("/v1/schedule")
    doc = client.post("/v1/schedule", json=body).get_json()
    for fmt in ("csv", "tsv", "html"):
        r = client.post(f"/v1/schedule.{fmt}", json=body)
        assert r.status_code == 200 and r.data == client.post(f"/v1/schedule?format={fmt}", json=body).data
        rows = parse(fmt, r.get_data(as_text=True))
        assert len(rows) == sum(len(s["lines"]) for s in doc["shipments"])
        assert total(rows, "duty") == total(rows, "total_duty") == \
            sum(Decimal(s["totals"]["duty"]) for s in doc["shipments"])
        assert [r["total_duty"] for r in rows] == ["30900.00", "48400.00", "38400.00"]
        assert rows[0]["changes"] == ""
        assert "section_301/four_year_review/li_ion_2026 starts" in rows[1]["changes"]
        assert "ieepa_fentanyl/border/china ends" in rows[2]["changes"]


# -------------------------------------------------- 2. errors reach the cell

BAD = {**DUTY, "entry_date": "2026-13-15", "value": "abc"}


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_a_tabular_request_gets_its_error_as_a_table_under_its_status(client, fmt):
    for form in (url(f"/v1/duty.{fmt}", **BAD), url("/v1/duty", **BAD, format=fmt)):
        r = client.get(form)
        assert r.status_code == 400 and r.headers["Content-Type"] == spreadsheet.MEDIA_TYPES[fmt]
        rows = parse(fmt, r.get_data(as_text=True))
        assert list(rows[0]) == [c.name for c in spreadsheet.COLUMNS["error"]]
        assert {(x["field"], x["status"], x["code"]) for x in rows} == {
            ("entry_date", "400", "invalid_input"), ("value", "400", "invalid_input")}
        assert any("not a decimal number" in x["detail"] for x in rows)
    missing = parse(fmt, client.get(url(f"/v1/hts/9999.99.99.{fmt}")).get_data(as_text=True))
    assert missing[0]["code"] == "not_covered" and missing[0]["hint"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_errors_inline_answers_200_with_the_real_status_in_a_header_and_a_cell(client, fmt):
    r = client.get(url(f"/v1/duty.{fmt}", **BAD, errors="inline"))
    assert r.status_code == 200 and r.headers["X-Error-Status"] == "400"
    assert parse(fmt, r.get_data(as_text=True))[0]["status"] == "400"
    ok = client.get(url(f"/v1/duty.{fmt}", **DUTY, errors="inline"))
    assert ok.status_code == 200 and "X-Error-Status" not in ok.headers


def test_json_keeps_the_envelope_and_status_with_errors_inline(client):
    r = client.get(url("/v1/duty", **BAD, errors="inline"))
    assert r.status_code == 400 and set(r.get_json()["errors"]) == {"entry_date", "value"}
    r = client.get(url("/v1/duty.iqy", **BAD))            # a web-query download is not a table
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_input"


def test_an_unknown_errors_mode_is_a_400(client):
    r = client.get(url("/v1/duty", **DUTY, errors="loud"))
    assert r.status_code == 400 and r.get_json()["errors"] == {"errors": ["must be status or inline"]}
    r = client.get(url("/v1/duty.csv", **DUTY, errors="loud"))
    assert r.status_code == 400 and parse("csv", r.get_data(as_text=True))[0]["field"] == "errors"
    r = client.get("/v1/compare?errors=loud")                # the wrong method is the first thing to say
    assert r.status_code == 405 and "POST" in r.get_json()["message"]


def test_post_errors_follow_the_requested_format(client):
    r = client.post("/v1/landed-cost.csv?errors=inline", json={"entry_date": "2026-03-10", "lines": []})
    assert r.status_code == 200 and r.headers["X-Error-Status"] == "400"
    assert parse("csv", r.get_data(as_text=True))[0]["code"] == "invalid_input"
    r = client.post("/v1/compare?format=tsv", data="a,b", content_type="text/csv")
    assert r.status_code == 415 and parse("tsv", r.get_data(as_text=True))[0]["code"] == "unsupported_media_type"


def test_error_cells_are_neutralised():
    rows = spreadsheet.error_rows({"status": 400, "code": "invalid_input", "message": "=1+1",
                                   "errors": {"exporter": ["@SUM(A1)"]}, "tables_version": "v"})
    _, cells = spreadsheet.table("error", rows)
    assert cells == [["400", "invalid_input", "'=1+1", "exporter", "'@SUM(A1)", "", "v", "", ""]]


# --------------------------------------- 5. every endpoint, GET on POST-only

@pytest.mark.parametrize("path", POST_PATHS)
def test_post_suffix_and_format_forms_agree(client, path):
    body = example(path)
    for fmt in ("json", "csv", "tsv", "html"):
        by_suffix = client.post(f"{path}.{fmt}", json=body)
        by_param = client.post(f"{path}?format={fmt}", json=body)
        assert by_suffix.status_code == by_param.status_code == 200, (fmt, by_suffix.get_data(as_text=True))
        assert by_suffix.data == by_param.data
        if fmt != "json":
            assert by_suffix.headers["Content-Type"] == spreadsheet.MEDIA_TYPES[fmt]
    assert by_suffix.data == client.post(path + "?format=html", json=body).data
    for form in (f"{path}.iqy", f"{path}?format=iqy"):
        r = client.post(form, json=body)
        assert r.status_code == 400 and "web query" in r.get_json()["errors"]["format"][0]
    r = client.post(f"{path}.csv?format=tsv", json=body)
    assert r.status_code == 400 and parse("csv", r.get_data(as_text=True))[0]["field"] == "format"


@pytest.mark.parametrize("path", ["/v1/landed-cost", "/v1/compare", "/v1/schedule"])
def test_a_get_on_a_post_only_endpoint_says_to_post_json(client, path):
    r = client.get(path)
    body = r.get_json()
    assert r.status_code == 405 and body["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"] and "GET" not in r.headers["Allow"]
    assert f"{path} takes a POST with a JSON body (Content-Type: application/json)" in body["message"]
    assert f"/docs#post-{path}" in body["message"]
    sheet = client.get(f"{path}.csv?errors=inline")
    assert sheet.status_code == 200 and sheet.headers["X-Error-Status"] == "405"
    assert "takes a POST with a JSON body" in parse("csv", sheet.get_data(as_text=True))[0]["message"]


def test_other_wrong_methods_keep_the_plain_405(client):
    r = client.delete(url("/v1/duty", **DUTY))
    assert r.status_code == 405 and "POST with a JSON body" not in r.get_json()["message"]


# ---------------------------------------------------- contract: x-columns

def _operations():
    for path, item in SPEC["paths"].items():
        for method in ("get", "post"):
            if method in item:
                yield path, method, item[method]


RESOURCE_OF = {"/v1/duty": {"get": "duty", "post": "duty_batch"}, "/v1/timeline": "timeline",
               "/v1/measures": "measures", "/v1/measures/{id}": "measures", "/v1/hts": "hts",
               "/v1/hts/{code}": "hts", "/healthz": "health", "/v1/landed-cost": "landed_cost",
               "/v1/compare": "compare", "/v1/schedule": "schedule", "/v1/projects/templates": "templates",
               "/v1/projects/templates/{id}": "templates", "/v1/audit": "audit"}


def test_every_tabular_operation_documents_its_columns():
    seen = set()
    for path, method, op in _operations():
        if "405" in op["responses"] and "400" not in op["responses"]:
            continue  # GET on a POST-only endpoint
        resource = RESOURCE_OF.get(path.replace(".{ext}", ""))
        if resource is None:
            continue  # /openapi.yaml, /docs, /
        if isinstance(resource, dict):
            resource = resource[method]
        assert op.get("x-columns") == [c.name for c in spreadsheet.COLUMNS[resource]], (method, path)
        seen.add(resource)
    assert seen == set(spreadsheet.COLUMNS) - {"error"}
    for name in ("BadRequest", "NotFound", "TooLarge", "UnsupportedMediaType", "PostOnly", "Misdirected"):
        assert SPEC["components"]["responses"][name]["x-columns"] == \
            [c.name for c in spreadsheet.COLUMNS["error"]], name


# ------------------------------------------------------------ 4. .iqy address

def _iqy_target(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return urlsplit(response.get_data(as_text=True).split("\r\n")[2])


def test_iqy_from_a_loopback_host_points_at_the_html_form(client):
    for base in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        target = _iqy_target(client.get(url("/v1/duty.iqy", **DUTY), base_url=base))
        assert f"{target.scheme}://{target.netloc}" == base and target.path == "/v1/duty"
        assert dict(parse_qsl(target.query)) == {**DUTY, "format": "html", "errors": "inline"}


def test_iqy_refuses_an_untrusted_host_and_forwarded_headers(client):
    r = client.get(url("/v1/duty.iqy", **DUTY), base_url="http://evil.example")
    body = r.get_json()
    assert r.status_code == 421 and body["code"] == "public_url_not_configured"
    assert "TARIFF_STACK_PUBLIC_URL" in body["message"] and "evil.example" not in r.headers.get("Location", "")
    # Forwarded headers are not trusted unless configured.
    r = client.get(url("/healthz.iqy"), headers={"X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in r.get_data(as_text=True)


def test_iqy_uses_the_configured_public_url(tables, openapi):
    app = create_app(tables, {"PUBLIC_URL": "https://tariffs.example.com/api/"})
    r = app.test_client().get(url("/v1/hts/8507.60.00.20.iqy"), base_url="http://evil.example")
    target = _iqy_target(r)
    assert (target.scheme, target.netloc, target.path) == ("https", "tariffs.example.com",
                                                           "/api/v1/hts/8507.60.00.20")


def test_iqy_behind_a_trusted_proxy_uses_the_forwarded_address(tables):
    app = create_app(tables, {"TRUST_PROXY": "1"})
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sheets.example.org", "X-Forwarded-Prefix": "/t"}
    target = _iqy_target(app.test_client().get("/healthz.iqy", headers=headers, base_url="http://10.0.0.5:8000"))
    assert (target.scheme, target.netloc, target.path) == ("https", "sheets.example.org", "/t/healthz")


def test_public_url_settings_come_from_the_environment_and_are_checked(tables, monkeypatch):
    monkeypatch.setenv("TARIFF_STACK_PUBLIC_URL", "https://env.example.com")
    app = create_app(tables)
    assert app.config["PUBLIC_URL"] == "https://env.example.com/"
    for bad in ("tariffs.example.com", "ftp://x.example", "https://x.example/?a=1", "https://u:p@x.example"):
        monkeypatch.setenv("TARIFF_STACK_PUBLIC_URL", bad)
        with pytest.raises(InputError, match="TARIFF_STACK_PUBLIC_URL"):
            create_app(tables)
    monkeypatch.delenv("TARIFF_STACK_PUBLIC_URL")
    monkeypatch.setenv("TARIFF_STACK_TRUST_PROXY", "maybe")
    with pytest.raises(InputError, match="TARIFF_STACK_TRUST_PROXY"):
        create_app(tables)


# ----------------------------------------------------- 6. request examples

def test_every_post_operation_has_an_example_that_works(client):
    operations = [(p, op) for p, item in SPEC["paths"].items() for m, op in item.items()
                  if m == "post" and "pages" not in op.get("tags", [])]   # the pages' form posts: test_pages_post
    assert {p for p, _ in operations} >= {"/v1/duty", "/v1/landed-cost", "/v1/compare", "/v1/schedule"}
    for path, op in operations:
        body = op["requestBody"]["content"]["application/json"]["example"]
        target = path.replace("{ext}", "json")
        r = client.post(target, json=body)          # the client validates the response against the contract
        assert r.status_code == 200, (path, r.get_data(as_text=True))
        doc = r.get_json()
        if path.startswith("/v1/duty"):
            assert doc["failed"] == 0


def test_docs_page_shows_the_post_examples(client):
    page = client.get("/docs").get_data(as_text=True)
    for path in POST_PATHS:
        assert "8507.60.00.20" in page.split(f'id="post-{path}"', 1)[1].split("<h3", 1)[0], path


def test_readme_shows_compare_and_schedule_requests():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for path in ("/v1/compare", "/v1/schedule"):
        assert re.search(rf"curl -s http://127\.0\.0\.1:8000{path}(\.csv)? -H 'Content-Type: application/json'",
                         text), path


# ------------------------------------------ 3. LibreOffice, a German locale

# The CSV import filter options the README gives for LibreOffice: separator 44 (,), text
# delimiter 34 ("), character set 76 (UTF-8), from line 1, default column types, language
# 1033 (English, USA) for recognising numbers.
LIBREOFFICE_FILTER = "CSV:44,34,76,1,,1033"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ODF_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def test_readme_gives_the_libreoffice_filter_the_test_uses():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert f'--infilter="{LIBREOFFICE_FILTER}"' in text
    assert "1033" in text and "English (USA)" in text


def _sheet_cells(path):
    """(value-type, value, shown text) per cell of each row of a flat ODS file, header row first."""
    rows = []
    for row in ET.parse(path).getroot().iter(ODF_TABLE + "table-row"):
        cells = []
        for cell in row.findall(ODF_TABLE + "table-cell"):
            repeat = int(cell.get(ODF_TABLE + "number-columns-repeated", "1"))
            if repeat > 100:
                break
            value = cell.get(ODF_OFFICE + "value") or cell.get(ODF_OFFICE + "date-value")
            cells += [(cell.get(ODF_OFFICE + "value-type"), value, "".join(cell.itertext()).strip())] * repeat
        rows.append(cells)
    return rows


@pytest.fixture
def loopback_server(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _soffice_convert(source_url, outdir, profile, infilter):
    env = {**os.environ, "LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8", "LANGUAGE": "de_DE"}
    done = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                           f"--infilter={infilter}", "--convert-to", "fods", "--outdir", str(outdir), source_url],
                          env=env, capture_output=True, text=True, timeout=180)
    found = list(outdir.glob("*.fods"))
    assert done.returncode == 0 and found, done.stdout + done.stderr
    return _sheet_cells(found[0])


@pytest.mark.slow  # starts LibreOffice (a few seconds)
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; on Debian: "
                                            "apt-get install --no-install-recommends libreoffice-calc-nogui")
def test_libreoffice_in_a_german_locale_reads_the_served_csv_numbers_as_numbers(loopback_server, tmp_path):
    source = loopback_server + url("/v1/duty.csv", **DUTY)
    header, *rows = _soffice_convert(source, tmp_path / "us", tmp_path / "profile", LIBREOFFICE_FILTER)
    col = {text: i for i, (_, _, text) in enumerate(header)}
    first = rows[0]
    # Amounts and rates are numbers with the exact value, not text, although the locale's
    # decimal separator is a comma; codes stay text; ISO dates become dates.
    assert first[col["total_duty"]][:2] == ("float", "48400")
    assert first[col["effective_rate"]][:2] == ("float", "0.484")
    assert first[col["rate"]][:2] == ("float", "0.25") and first[col["duty"]][:2] == ("float", "25000")
    assert first[col["hts"]] == ("string", None, "8507.60.00.20")
    assert first[col["heading"]] == ("string", None, "9903.91.06")
    assert first[col["entry_date"]][:2] == ("date", "2026-01-15")
    duty_total = sum(Decimal(r[col["duty"]][1]) for r in rows if r[col["duty"]][0] == "float")
    assert duty_total == Decimal("48400")
    # Without the language token the same import goes wrong under de_DE, which is why the
    # README gives it: "0.484" is read as 484 and "48400.00" stays text.
    header, *rows = _soffice_convert(source, tmp_path / "de", tmp_path / "profile", "CSV:44,34,76,1")
    col = {text: i for i, (_, _, text) in enumerate(header)}
    assert rows[0][col["effective_rate"]][:2] == ("float", "484")
    assert rows[0][col["total_duty"]][0] == "string"


def test_errors_inline_is_a_known_parameter_not_reported_as_unknown(client):
    """The sheet switch is read by the error handler; a successful answer must not call it unknown."""
    for path in ("/v1/duty", "/v1/timeline"):
        query = ("hts=8507.60.00.20&origin=CN&entry_date=2026-01-15&value=100000&from=2025-01-01&to=2026-01-01"
                 if path == "/v1/timeline" else "hts=8507.60.00.20&origin=CN&entry_date=2026-01-15&value=100000")
        response = client.get(f"{path}?{query}&errors=inline&stee_content_value=1")
        assert response.status_code == 200
        warnings = response.get_json()["warnings"]
        assert not any("'errors'" in w for w in warnings), warnings
        assert any("'stee_content_value'" in w for w in warnings), warnings


def test_the_timeline_sheet_keeps_the_request_warnings(client):
    """An unknown parameter is reported in the CSV too, not only in JSON."""
    text = client.get("/v1/timeline.csv?hts=8507.60.00.20&origin=CN&from=2025-01-01&to=2026-01-01"
                      "&steel_content=5").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "unknown parameter 'steel_content' ignored" in rows[0]["warnings"]
    assert all(r["warnings"] == "" for r in rows[1:])
