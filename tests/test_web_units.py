"""Unit tests of the web helpers: the strict JSON body reader, the JSON
provider, the format choice and rendering, the error envelope.

They run in a Flask test request context, without routing, so each rule is
checked where it is implemented; test_errors.py checks the same rules end to
end through the endpoints.
"""
import csv
import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest

from service.model.errors import InputError
from service.web.errors import ApiError, envelope
from service.web.formats import chosen_format, respond, split_suffix
from service.web.tabular import SUFFIXES
from service.render.json_text import encode as _encode
from service.web.jsonio import _reject_constant, read_json


def read(app, raw, content_type="application/json"):
    """``read_json()`` on a POST whose body is ``raw``."""
    with app.test_request_context("/v1/duty", method="POST", data=raw, content_type=content_type):
        return read_json()


def rejected(app, raw, content_type="application/json") -> ApiError:
    with pytest.raises(ApiError) as info:
        read(app, raw, content_type)
    return info.value


# ------------------------------------------------------------------ read_json

def test_object_body_keeps_order_and_reads_numbers_as_decimal(app):
    data = read(app, b'{"z": 1.10, "a": [2.5e-1, 3], "m": "x"}')
    assert list(data) == ["z", "a", "m"]
    assert data["z"] == Decimal("1.10") and isinstance(data["z"], Decimal)
    assert str(data["z"]) == "1.10"  # the digits as sent, never through a float
    assert data["a"] == [Decimal("0.25"), 3] and isinstance(data["a"][1], int)


@pytest.mark.parametrize("raw", [b"[]", b'[{"lines": []}]', b'"lines"', b"3", b"null", b"true"])
def test_non_object_body_is_rejected(app, raw):
    exc = rejected(app, raw)
    assert (exc.status, exc.code) == (400, "malformed_json")
    assert exc.message == "the body must be a JSON object"


@pytest.mark.parametrize("raw", [rb'{"a": "\ud800"}', rb'{"a": "x\udfffy"}', rb'{"\udc00": 1}',
                                 rb'{"a": [{"b": "\uDBFF"}]}', rb'{"a": "\ude00\ud83d"}'])
def test_lone_surrogate_is_rejected(app, raw):
    exc = rejected(app, raw)
    assert (exc.status, exc.code) == (400, "malformed_json")
    assert "lone UTF-16 surrogate" in exc.message


def test_escaped_surrogate_pair_is_text(app):
    assert read(app, rb'{"a": "\ud83d\ude00"}') == {"a": "\U0001F600"}


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(app, constant):
    exc = rejected(app, f'{{"value": {constant}}}'.encode())
    assert (exc.status, exc.code) == (400, "malformed_json")
    assert exc.message.startswith("the body is not valid JSON:")
    assert f"{constant} is not a number JSON allows" in exc.message


def test_reject_constant_names_the_constant():
    with pytest.raises(ValueError, match="^NaN is not a number JSON allows$"):
        _reject_constant("NaN")


def test_nesting_too_deep_is_rejected(app):
    depth = 100_000
    exc = rejected(app, b'{"a": ' + b"[" * depth + b"]" * depth + b"}")
    assert (exc.status, exc.code) == (400, "malformed_json")
    assert exc.message == "the JSON body is nested too deeply (at most 100 levels of arrays and objects)"


def test_moderate_nesting_is_read(app):
    depth = 50
    data = read(app, b'{"a": ' + b"[" * depth + b"1" + b"]" * depth + b"}")
    node = data["a"]
    for _ in range(depth - 1):
        node = node[0]
    assert node == [1]


@pytest.mark.parametrize("raw, message", [
    (b"\xff\xfe{}", "the body is not UTF-8 text"),
    (b"", "the body is not valid JSON: "),
    (b'{"a": 1,}', "the body is not valid JSON: "),
])
def test_undecodable_body_is_rejected(app, raw, message):
    exc = rejected(app, raw)
    assert (exc.status, exc.code) == (400, "malformed_json")
    assert exc.message.startswith(message)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_body_must_be_sent_as_json(app, content_type):
    exc = rejected(app, b"{}", content_type)
    assert (exc.status, exc.code) == (415, "unsupported_media_type")
    assert exc.message.startswith("send the body as application/json")


def test_structured_json_media_type_is_accepted(app):
    assert read(app, b'{"a": "1"}', "application/merge-patch+json") == {"a": "1"}


# ------------------------------------------------------------ JSON responses

def test_encode_writes_decimal_as_plain_string_in_order():
    doc = {"z": Decimal("1E+2"), "a": Decimal("0.10"), "n": 1}
    assert _encode(doc) == b'{"z":"100","a":"0.10","n":1}'


def test_encode_escapes_a_lone_surrogate_instead_of_failing():
    out = _encode({"echo": "x\ud800"})
    assert out == b'{"echo": "x\\ud800"}'
    assert json.loads(out) == {"echo": "x\ud800"}


def test_encode_refuses_unknown_types():
    with pytest.raises(TypeError, match="not JSON serializable: object"):
        _encode({"x": object()})


def test_app_json_provider_uses_the_encoder(app):
    with app.app_context():
        assert app.json.dumps({"b": Decimal("2.50"), "a": "é"}) == '{"b":"2.50","a":"é"}'


# --------------------------------------------------------------- formats

@pytest.mark.parametrize("text, expected", [
    ("8507.60.00.20.csv", ("8507.60.00.20", "csv")),
    ("8507.60.00.20.tsv", ("8507.60.00.20", "tsv")),
    ("8507.60.00.20.html", ("8507.60.00.20", "html")),
    ("8507.60.00.20.iqy", ("8507.60.00.20", "iqy")),
    ("8507.60.00.20.json", ("8507.60.00.20", "json")),
    ("section_301/lists/list_3.csv", ("section_301/lists/list_3", "csv")),
    ("8507.60.00.20", ("8507.60.00.20", None)),
    ("8507.60.00.20.CSV", ("8507.60.00.20.CSV", None)),
    ("8507.60.00.20.xlsx", ("8507.60.00.20.xlsx", None)),
    ("csv", ("csv", None)),
    ("", ("", None)),
])
def test_split_suffix(text, expected):
    assert split_suffix(text) == expected


def test_split_suffix_removes_only_the_last_suffix():
    assert split_suffix("a.csv.tsv") == ("a.csv", "tsv")


def test_suffixes_are_the_spreadsheet_formats():
    assert SUFFIXES == (".json", ".csv", ".tsv", ".html", ".iqy")


@pytest.mark.parametrize("query, suffix, expected", [
    (None, None, "json"), ("", None, "json"), ("csv", None, "csv"), (None, "tsv", "tsv"),
    ("html", "html", "html"), ("", "iqy", "iqy"),
])
def test_chosen_format(query, suffix, expected):
    assert chosen_format(query, suffix) == expected


def test_chosen_format_contradiction_is_an_input_error():
    with pytest.raises(InputError) as info:
        chosen_format("csv", "tsv")
    exc = info.value
    assert exc.errors == {"format": ["format=csv contradicts the .tsv suffix of the path"]}
    assert exc.message == "format: format=csv contradicts the .tsv suffix of the path"


def test_contradiction_answers_400_naming_the_field(client):
    # Issue 11: a .csv request gets its error as a CSV table (the suffix decides), still a 400;
    # the JSON form of the same contradiction keeps the envelope.
    r = client.get("/healthz.csv?format=tsv")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert r.status_code == 400 and rows[0]["code"] == "invalid_input"
    assert [row["field"] for row in rows] == ["format"]
    body = client.get("/healthz.json?format=tsv").get_json()
    assert body["code"] == "invalid_input" and list(body["errors"]) == ["format"]


HEALTH = {"status": "ok", "tables_version": "v", "as_of": "2026-01-01", "coverage_from": "2025-01-01",
          "hts_lines": 1, "measures": 2}


def test_render_json(app):
    with app.test_request_context("/healthz"):
        response = respond("json", "health", {**HEALTH, "rate": Decimal("0.250")}, lambda d: [d])
    assert response.mimetype == "application/json"
    assert json.loads(response.get_data())["rate"] == "0.250"


@pytest.mark.parametrize("fmt, disposition", [("csv", 'inline; filename="health.csv"'),
                                              ("tsv", 'inline; filename="health.tsv"'), ("html", None)])
def test_render_table(app, fmt, disposition):
    with app.test_request_context(f"/healthz.{fmt}"):
        response = respond(fmt, "health", HEALTH, lambda d: [d], title="Health")
    assert response.headers["Content-Type"].startswith({"csv": "text/csv", "tsv": "text/tab-separated-values",
                                                        "html": "text/html"}[fmt])
    assert response.headers.get("Content-Disposition") == disposition
    assert app.config["TABLES"].as_of.isoformat() in response.get_data(as_text=True)  # the served tables' stamp


def test_render_iqy_points_at_the_html_of_the_same_request(app):
    # Issue 11: the web query points at the HTML form with errors=inline (was: the TSV), and its
    # address is the loopback host here (an untrusted host such as example.test is a 421 now).
    with app.test_request_context("/healthz.iqy?format=iqy&_ts=1", base_url="http://127.0.0.1:8000"):
        response = respond("iqy", "health", HEALTH, lambda d: [d])
    assert response.headers["Content-Type"] == "text/x-ms-iqy; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="health.iqy"'
    lines = response.get_data(as_text=True).split("\r\n")
    assert lines[:3] == ["WEB", "1", "http://127.0.0.1:8000/healthz?_ts=1&format=html&errors=inline"]


# ----------------------------------------------------------------- errors

def test_envelope_carries_the_tables_version(app, tables):
    with app.app_context():
        doc, status = envelope(404, "not_covered", "no such line", {"hts": ["no such line"]}, hint="try 8507")
    assert status == 404
    assert doc == {"code": "not_covered", "status": 404, "message": "no such line",
                   "errors": {"hts": ["no such line"]}, "hint": "try 8507", "tables_version": tables.version}


def test_api_error_fields():
    exc = ApiError(413, "too_large", "too big")
    assert (exc.status, exc.code, exc.message, exc.errors, str(exc)) == (413, "too_large", "too big", {}, "too big")


def test_import_service_does_not_import_flask():
    code = ("import sys, service; assert 'flask' not in sys.modules, 'flask imported'; "
            "from service import landed_cost, parse_entry, compare, schedule, timeline; "
            "assert 'flask' not in sys.modules; from service import create_app; "
            "assert create_app.__module__ == 'service.web.app'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
