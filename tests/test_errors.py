"""Every error class answers in the one envelope: {code, status, message, errors}."""
import json

import pytest
from flask.testing import FlaskClient
from conftest import DUTY, url

from service.web.app import MAX_BODY_BYTES, create_app
from service.operations.schemas import MAX_BATCH_LINES

ENVELOPE = {"code", "status", "message", "errors", "tables_version"}


def envelope(r, status):
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) >= ENVELOPE and body["status"] == status and body["message"]
    return body


@pytest.mark.parametrize("field, value", [
    ("hts", "85O7.60"),            # letter O
    ("hts", "8507.6"),
    ("origin", "XX"),
    ("origin", "Chna"),             # issue 11: "China" is now read as CN (test below); a misspelling is refused
    ("entry_date", "15/01/2026"),
    ("entry_date", "2026-02-30"),
    ("entry_date", "1899-01-01"),
    ("value", "ten"),
    ("value", "-5"),
    ("value", "NaN"),
    ("value", "Infinity"),
    ("value", "1e400"),
    ("value", "1.000,00"),          # issue 11: "1,000" is now read as 1000 (test below); a decimal comma is refused
    ("value", "1,00"),
    ("mode", "teleport"),
    ("loaded_date", "2026-01-16"),  # after the entry date
    ("steel_content_value", "100001"),  # more than the value
    ("claims", "9903.88"),
    ("facts", "Bad Name=yes"),
    ("exporter", "x" * 500),
])
def test_malformed_field_is_400_naming_it(client, field, value):
    body = envelope(client.get(url("/v1/duty", **{**DUTY, field: value})), 400)
    assert body["code"] == "invalid_input"
    assert field in body["errors"], body


@pytest.mark.parametrize("field, value, read", [("origin", "China", "CN"), ("value", "100,000", "100000.00")])
def test_forms_once_refused_are_read_since_issue_11(client, field, value, read):
    r = client.get(url("/v1/duty", **{**DUTY, field: value}))
    assert r.status_code == 200
    assert r.get_json()["origin" if field == "origin" else "customs_value"] == read


@pytest.mark.parametrize("missing", ["hts", "origin", "entry_date", "value"])
def test_missing_field_is_400(client, missing):
    params = {k: v for k, v in DUTY.items() if k != missing}
    body = envelope(client.get(url("/v1/duty", **params)), 400)
    assert body["errors"][missing] == ["missing required field"]


def test_every_bad_field_is_reported_at_once(client):
    body = envelope(client.get(url("/v1/duty", hts="x", origin="ZZ", entry_date="soon", value="-1")), 400)
    assert set(body["errors"]) == {"hts", "origin", "entry_date", "value"}


@pytest.mark.parametrize("hts", ["9999.99.99", "0101.21.00.10", "8507.99"])
def test_uncovered_hts_is_404_with_hint(client, hts):
    body = envelope(client.get(url("/v1/duty", **{**DUTY, "hts": hts})), 404)
    assert body["code"] == "not_covered" and body["hint"] and "hts" in body["errors"]


def test_date_before_coverage_is_400(client):
    body = envelope(client.get(url("/v1/duty", **{**DUTY, "entry_date": "2023-06-01"})), 400)
    assert "entry_date" in body["errors"]


def test_unknown_field_in_json_body_is_400(client):
    body = envelope(client.post("/v1/duty", json={"lines": [DUTY], "dry_run": True}), 400)
    assert "dry_run" in body["errors"]


@pytest.mark.parametrize("payload, field", [
    ({}, "lines"),
    ({"lines": []}, "lines"),
    ({"lines": "8507"}, "lines"),
])
def test_bad_batch_shape_is_400(client, payload, field):
    body = envelope(client.post("/v1/duty", json=payload), 400)
    assert field in body["errors"]


@pytest.mark.parametrize("raw", [b"{", b"[1, 2]", b'{"lines": [NaN]}', b'{"lines": [Infinity]}', b"\xff\xfe",
                                 b"[" * 100_000 + b"]" * 100_000])
def test_malformed_json_is_400(client, raw):
    body = envelope(client.post("/v1/duty", data=raw, content_type="application/json"), 400)
    assert body["code"] == "malformed_json"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client, content_type):
    kwargs = {"data": json.dumps({"lines": [DUTY]})}
    if content_type:
        kwargs["content_type"] = content_type
    body = envelope(client.post("/v1/duty", **kwargs), 415)
    assert body["code"] == "unsupported_media_type"


def test_body_over_limit_is_413_stating_it(client):
    raw = b'{"lines": ["' + b"x" * MAX_BODY_BYTES + b'"]}'
    body = envelope(client.post("/v1/duty", data=raw, content_type="application/json"), 413)
    assert str(MAX_BODY_BYTES) in body["message"]
    assert body["code"] == "too_large"


def test_batch_over_limit_is_413_stating_it(client):
    body = envelope(client.post("/v1/duty", json={"lines": [{}] * (MAX_BATCH_LINES + 1)}), 413)
    assert str(MAX_BATCH_LINES) in body["message"]
    assert body["code"] == "too_large" and list(body["errors"]) == ["lines"]


def test_batch_at_the_limit_is_accepted(app):
    # A plain client: validating 10,000 results against the contract takes
    # openapi-core about 18 s; the batch shape is validated in test_api.py.
    r = FlaskClient(app).post("/v1/duty", json={"lines": [DUTY] * MAX_BATCH_LINES})
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["count"] == MAX_BATCH_LINES and doc["failed"] == 0
    assert {x["result"]["total_duty"] for x in doc["results"]} == {"48400.00"}


def test_unknown_path_and_method(client):
    assert envelope(client.get("/v2/duty"), 404)["code"] == "not_found"
    body = envelope(client.delete(url("/v1/duty", **DUTY)), 405)
    assert body["code"] == "method_not_allowed"


def test_unexpected_failure_is_a_500_envelope(tables):
    app = create_app(tables)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    r = app.test_client().get("/boom")
    body = envelope(r, 500)
    assert body["code"] == "internal_error" and "a bug" not in body["message"]


def test_service_answers_after_bad_input(client):
    for raw in (b"{", b"[" * 50_000):
        client.post("/v1/duty", data=raw, content_type="application/json")
    assert client.get(url("/v1/duty", **DUTY)).get_json()["effective_rate"] == "0.484"
