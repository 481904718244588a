"""Spreadsheet formats: CSV, TSV, HTML and .iqy for every GET resource."""
import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from conftest import CONTRACT, DUTY, url

from service.render import spreadsheet
from service.render import columns

# Every GET resource, with the column list its operation documents.
RESOURCES = [
    ("/v1/duty", DUTY, "duty"),
    ("/v1/timeline", {"hts": "8507.60.00.20", "origin": "CN", "from": "2025-01-01", "to": "2026-06-01"}, "timeline"),
    ("/v1/measures", {"program": "section_122"}, "measures"),
    ("/v1/measures/section_301/lists/list_3", {}, "measures"),
    ("/v1/hts", {"prefix": "8507"}, "hts"),
    ("/v1/hts/8507.60.00.20", {}, "hts"),
    ("/healthz", {}, "health"),
]


def parse_csv(text, delimiter=","):
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = self.theads = 0
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables += 1
        elif tag == "thead":
            self.theads += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr":
            self.rows.append(self._row)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def contract_columns():
    spec = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    out = {}
    for path, item in spec["paths"].items():
        op = item.get("get", {})
        if "x-columns" in op:
            out[path] = op["x-columns"]
    return out


def test_contract_documents_the_column_order():
    documented = contract_columns()
    assert documented["/v1/duty"] == [c.name for c in spreadsheet.COLUMNS["duty"]]
    assert documented["/v1/timeline"] == [c.name for c in spreadsheet.COLUMNS["timeline"]]
    assert documented["/v1/measures"] == documented["/v1/measures/{id}"] == \
        [c.name for c in spreadsheet.COLUMNS["measures"]]
    assert documented["/v1/hts"] == documented["/v1/hts/{code}"] == [c.name for c in spreadsheet.COLUMNS["hts"]]
    assert documented["/healthz"] == [c.name for c in spreadsheet.COLUMNS["health"]]


@pytest.mark.parametrize("path, params, resource", RESOURCES)
def test_csv_tsv_html_and_suffixes_agree(client, path, params, resource):
    header = [c.name for c in spreadsheet.COLUMNS[resource]]
    by_param = client.get(url(path, **params, format="csv"))
    by_suffix = client.get(url(path + ".csv", **params))
    assert by_param.status_code == by_suffix.status_code == 200
    assert by_param.headers["Content-Type"] == "text/csv; charset=utf-8; header=present"
    assert by_param.data == by_suffix.data
    rows = parse_csv(by_param.get_data(as_text=True))
    assert rows[0] == header and len(rows) >= 2
    assert all(len(r) == len(header) for r in rows)
    assert by_param.get_data(as_text=True).endswith("\r\n")

    tsv = client.get(url(path, **params, format="tsv"))
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    assert client.get(url(path + ".tsv", **params)).data == tsv.data
    assert parse_csv(tsv.get_data(as_text=True), delimiter="\t") == rows

    page = client.get(url(path, **params, format="html"))
    assert page.headers["Content-Type"].startswith("text/html")
    assert client.get(url(path + ".html", **params)).data == page.data
    parser = _Tables()
    parser.feed(page.get_data(as_text=True))
    assert parser.tables == 1 and parser.theads == 1
    assert parser.rows == rows

    assert client.get(url(path + ".json", **params)).get_json() == client.get(url(path, **params)).get_json()


@pytest.mark.parametrize("path, params, resource", RESOURCES)
def test_iqy_points_at_the_html_of_the_same_request(client, path, params, resource):
    r = client.get(url(path, **params, format="iqy", _ts="123"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/x-ms-iqy")
    assert "attachment" in r.headers["Content-Disposition"]
    lines = r.get_data(as_text=True).split("\r\n")
    assert lines[:2] == ["WEB", "1"]
    target = urlsplit(lines[2])
    assert target.path == path
    # Issue 11: a legacy web query reads HTML tables, so it points at the HTML form (was: the TSV),
    # with errors=inline so a failing refresh shows the reason in the sheet.
    assert dict(parse_qsl(target.query)) == {**params, "_ts": "123", "format": "html", "errors": "inline"}
    assert "DisableDateRecognition=True" in lines
    suffixed = client.get(url(path + ".iqy", **params)).get_data(as_text=True).split("\r\n")[2]
    assert urlsplit(suffixed).path == path


def test_duty_csv_numbers_codes_and_dates(client):
    rows = parse_csv(client.get(url("/v1/duty.csv", **DUTY)).get_data(as_text=True))
    head, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    assert head[:4] == ["row_type", "hts", "origin", "entry_date"]
    layers = [r for r in body if r["row_type"] == "layer"]
    # Issue 11 (safe to sum): no total row any more; the quote's total is in total_duty and
    # effective_rate on the first row, and every row is a layer.
    assert layers == body
    total = {"rate": body[0]["effective_rate"], "duty": body[0]["total_duty"]}
    # HTS kept as text: dotted with at least two dots, never a bare number.
    assert {r["hts"] for r in body} == {"8507.60.00.20"}
    assert all(r["entry_date"] == "2026-01-15" for r in body)
    # Rates as fractions and plain numbers; the total row sums the layers.
    assert total["rate"] == "0.484" and total["duty"] == "48400.00"
    assert sum(float(r["duty"]) for r in layers) == pytest.approx(48400.00)
    assert all("," not in r["duty"] and "$" not in r["duty"] and "%" not in r["rate"] for r in layers)
    # Not-applied measures and assumptions are in their own columns of the first row (were: rows).
    assert body[0]["not_applied"] and body[0]["assumptions"]
    assert all(r["not_applied"] == r["assumptions"] == r["total_duty"] == "" for r in body[1:])


def test_format_conflict_and_unknown_format(client):
    # Issue 11: the .csv request gets its error as a CSV table naming the field (was: the JSON envelope).
    conflict = client.get(url("/v1/duty.csv", **DUTY, format="tsv"))
    assert conflict.status_code == 400 and "format" in [r[3] for r in parse_csv(conflict.get_data(as_text=True))]
    conflict = client.get(url("/v1/duty.json", **DUTY, format="tsv"))
    assert conflict.status_code == 400 and "format" in conflict.get_json()["errors"]
    unknown = client.get(url("/v1/duty", **DUTY, format="xlsx"))
    assert unknown.status_code == 400 and "format" in unknown.get_json()["errors"]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_neutralised(text):
    rows = [{"status": text, "tables_version": text, "as_of": "2026-01-01", "coverage_from": "-1"}]
    header, cells = spreadsheet.table("health", rows)
    assert cells[0][:2] == ["'" + text, "'" + text]
    assert cells[0][2:4] == ["2026-01-01", "-1"]  # date and number columns are not touched
    assert parse_csv(spreadsheet.render("csv", "health", rows))[1] == cells[0]
    tsv = parse_csv(spreadsheet.render("tsv", "health", rows), delimiter="\t")[1]
    assert tsv[0].startswith("'") and tsv[1].startswith("'")  # tabs and line breaks became spaces
    page = _Tables()
    page.feed(spreadsheet.render("html", "health", rows))
    assert page.rows[1] == cells[0]


def test_formula_text_from_a_caller_is_neutralised_in_the_api(client):
    # The exporter name is caller text; it reaches the assumption rows.
    evil = "=cmd|' /C calc'!A0"
    r = client.get(url("/v1/duty.csv", hts="3801.90.00", origin="CN", entry_date="2025-07-01", value="1000",
                       exporter=evil))
    assert r.status_code == 200
    rows = parse_csv(r.get_data(as_text=True))
    text_cols = [i for i, c in enumerate(spreadsheet.COLUMNS["duty"]) if c.kind == columns.TEXT]
    for row in rows[1:]:
        for i in text_cols:
            assert not row[i].startswith(("=", "+", "-", "@")), row[i]
    assert any(evil in cell for row in rows for cell in row)  # kept, inside the text, not dropped
