"""Bad-input catalogue: every class of malformed request, to every endpoint.

Each case must get a 4xx in the error envelope (validated against the
contract by the ``client`` fixture), and the service must still answer
correctly afterwards.
"""
import io
import json
import time

import pytest
from conftest import DUTY, url

from service.web.app import MAX_BODY_BYTES
from service.operations.schemas import MAX_BATCH_LINES

LONG = "x" * 10_000
FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"
DEEP = "[" * 100_000 + "]" * 100_000

# Per line-taking GET endpoint: (field, bad value) pairs.
BAD_VALUES = [
    ("hts", ""), ("hts", "85.07"), ("hts", "8507-60"), ("hts", LONG), ("hts", FORMULA), ("hts", "12345"),
    ("origin", "ZZ"), ("origin", "CHN1"), ("origin", LONG), ("origin", FORMULA), ("origin", "1"),
    ("value", "-1"), ("value", "NaN"), ("value", "Infinity"), ("value", "-Infinity"), ("value", "1e999"),
    ("value", "1" * 60), ("value", "0x10"), ("value", FORMULA), ("value", LONG),
    ("mode", "boat"), ("loaded_date", "2026-01-99"), ("preference", "toolong"), ("exporter", LONG),
    ("facts", "=x"), ("claims", "9903"), ("steel_content_value", "-5"), ("quantity", "NaN"),
]
DATE_VALUES = ["", "0000-01-01", "1899-12-31", "2100-01-01", "9999-12-31", "2026-02-29", "2026-13-01", "26-01-15",
               LONG, FORMULA]

GET_CASES = []
for field, value in BAD_VALUES:
    GET_CASES.append(("/v1/duty", {**DUTY, field: value}))
    if field != "value" or value not in ("",):
        GET_CASES.append(("/v1/timeline", {"hts": DUTY["hts"], "origin": "CN", field: value}))
for value in DATE_VALUES:
    GET_CASES.append(("/v1/duty", {**DUTY, "entry_date": value}))
    if value:
        GET_CASES.append(("/v1/timeline", {"hts": DUTY["hts"], "origin": "CN", "from": value}))
        GET_CASES.append(("/v1/measures", {"on": value}))
for params in ({"hts": "85x"}, {"hts": LONG}, {"origin": "ZZ"}, {"program": "section_999"}, {"program": LONG}):
    GET_CASES.append(("/v1/measures", params))
for params in ({"prefix": "8"}, {"prefix": LONG}, {"prefix": FORMULA}):
    GET_CASES.append(("/v1/hts", params))
GET_CASES += [
    ("/v1/hts/85x", {}), ("/v1/hts/" + "9" * 300, {}), ("/v1/hts/9999.99.99", {}),
    ("/v1/measures/" + LONG[:300], {}), ("/v1/measures/%3D1%2B1", {}),
    ("/v1/projects/templates/" + FORMULA.replace('"', ""), {}), ("/v1/projects/templates/nope", {}),
    ("/v1/duty.xlsx", DUTY), ("/v2/duty", DUTY),
    # issue 15: scenarios (GET takes a shipped name only)
    ("/v1/duty", {**DUTY, "scenario": "nope"}), ("/v1/duty", {**DUTY, "scenario": LONG}),
    ("/v1/duty", {**DUTY, "scenario": FORMULA}),
    ("/v1/timeline", {"hts": DUTY["hts"], "origin": "CN", "scenario": "nope"}),
]
FORMAT_PATHS = ["/v1/duty", "/v1/timeline", "/v1/measures", "/v1/measures/section_301/lists/list_3", "/v1/hts",
                "/v1/hts/8507.60.00.20", "/healthz", "/v1/projects/templates", "/v1/projects/templates/bess_project"]
for path in FORMAT_PATHS:
    for fmt in ("xml", "", "CSV ", LONG[:50]):
        if fmt:
            GET_CASES.append((path, {**(DUTY if path in ("/v1/duty", "/v1/timeline") else {}), "format": fmt}))


def answers(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert client.get(url("/v1/duty", **DUTY)).get_json()["effective_rate"] == "0.484"


def is_envelope(r):
    assert 400 <= r.status_code < 500, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json()
    assert {"code", "status", "message", "errors", "tables_version"} <= set(body)
    assert body["status"] == r.status_code
    return body


@pytest.mark.parametrize("path, params", GET_CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(GET_CASES)])
def test_bad_get(client, path, params):
    is_envelope(client.get(url(path, **params)))


# ---------------------------------------------------------------- POST bodies

CELL = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "10", "unit_price": "100"}
VALID = {
    "/v1/duty": {"lines": [DUTY]},
    "/v1/landed-cost": {"entry_date": "2026-03-10", "lines": [CELL]},
    "/v1/compare": {"entry_date": "2026-03-10", "domestic": {"delivered_price": "1000"},
                    "imported": [{"lines": [CELL]}]},
    "/v1/schedule": {"lines": [CELL], "shipments": [{"entry_date": "2026-03-10"}]},
}

# The credit position's project (issue 15): each a 400 naming the field.
BAD_PROJECTS = [
    ("project not an object", "2026-03-01"), ("project without construction_start", {"prevailing_wage": "yes"}),
    ("project bad construction_start", {"construction_start": "2026-02-30"}),
    ("project construction_start before the tables", {"construction_start": "2020-01-01"}),
    ("project unknown field", {"construction_start": "2026-03-01", "wages": "yes"}),
    ("project formula fact", {"construction_start": "2026-03-01", "energy_community": FORMULA}),
    ("project negative cost", {"construction_start": "2026-03-01", "other_basis_costs": "-1"}),
    ("project NaN cost", {"construction_start": "2026-03-01", "other_manufactured_costs": "NaN"}),
    ("project parts above the whole", {"construction_start": "2026-03-01", "other_manufactured_costs": "10",
                                       "other_manufactured_pfe_costs": "20"}),
    ("project in service before 48E", {"construction_start": "2024-01-01", "placed_in_service": "2024-06-01"}),
    ("project long note", {"construction_start": "2026-03-01", "note": LONG}),
]


def mutations(path):
    """(name, body-or-raw-bytes, content type) for one POST endpoint."""
    base = VALID[path]
    line_key = "lines"
    out = [
        ("empty object", {}, "application/json"),
        ("array body", [base], "application/json"),
        ("string body", "lines", "application/json"),
        ("null body", None, "application/json"),
        ("unknown top-level field", {**base, "colour": "red"}, "application/json"),
        ("formula top-level field", {**base, FORMULA: 1}, "application/json"),
        ("wrong content type", json.dumps(base), "text/plain"),
        ("form body", "lines=1", "application/x-www-form-urlencoded"),
        ("no content type", json.dumps(base), None),
        ("malformed json", b'{"lines": [', "application/json"),
        ("NaN literal", b'{"lines": [NaN]}', "application/json"),
        ("Infinity literal", b'{"lines": [{"value": Infinity}]}', "application/json"),
        ("not utf-8", b"\xff\xfe\x00", "application/json"),
        ("deep json", DEEP.encode(), "application/json"),
        ("oversize body", b'{"lines": ["' + b"x" * (MAX_BODY_BYTES + 10) + b'"]}', "application/json"),
        # issue 12
        ("huge exponent", b'{"x": 1e9999999999999999999}', "application/json"),
        ("huge negative exponent", b'{"lines": [{"value": -1e-9999999999999999999}]}', "application/json"),
        ("330 levels and an escape", b'{"x": ' + b"[" * 330 + b'"\\u00e9"' + b"]" * 330 + b"}", "application/json"),
        ("101 levels", b'{"x": ' + b"[" * 100 + b"1" + b"]" * 100 + b"}", "application/json"),
        ("deep lone surrogate", b'{"x": ' + b"[" * 60 + b'"\\udfff"' + b"]" * 60 + b"}", "application/json"),
    ]
    value = {"from": "2027-01-01", "heading": "9903.99.99", "rate": "25%", "cite": "c", "confidence": "unconfirmed"}
    measure = {"program": "section_232", "id": "x", "title": "t", "scope": {"hts": ["8507.60"]}, "values": [value]}
    for name, scenario in [   # issue 15: a request's scenario
        ("scenario unknown name", "nope"), ("scenario formula name", FORMULA), ("scenario as number", 3),
        ("scenario as list", ["s232_batteries_2027"]), ("scenario empty object", {}),
        ("scenario unknown key", {"end": [], "colour": "red"}),
        ("scenario bad rate", {"measures": [{**measure, "values": [{**value, "rate": "2.5"}]}]}),
        ("scenario rate as number", {"measures": [{**measure, "values": [{**value, "rate": 0.25}]}]}),
        ("scenario rate as bool", {"measures": [{**measure, "values": [{**value, "rate": True}]}]}),
        ("scenario value without cite", {"measures": [{**measure, "values": [{k: v for k, v in value.items()
                                                                              if k != "cite"}]}]}),
        ("scenario measure without program", {"measures": [{k: v for k, v in measure.items() if k != "program"}]}),
        ("scenario measures not a list", {"measures": measure}),
        ("scenario formula measure id", {"measures": [{**measure, "id": FORMULA}]}),
        ("scenario 51 measures", {"measures": [measure] * 51}),
        ("scenario unknown end measure", {"end": [{"measure": "section_301/nope", "on": "2027-01-01"}]}),
        ("scenario bad end date", {"end": [{"measure": "section_301/forced_labor_2026/CN", "on": "2027-13-01"}]}),
        ("scenario end not an object", {"end": ["section_301/forced_labor_2026/CN"]}),
        ("scenario unknown use", {"use": "nope"}),
    ]:
        out.append((name, {**base, "scenario": scenario}, "application/json"))
    if path == "/v1/duty":
        out += [
            ("oversize batch", {"lines": [DUTY] * (MAX_BATCH_LINES + 1)}, "application/json"),
            ("lines not a list", {"lines": {"0": DUTY}}, "application/json"),
            ("empty lines", {"lines": []}, "application/json"),
        ]
        return out
    if path == "/v1/compare":
        lines = base["imported"][0]["lines"]

        def with_line(line):
            return {**base, "imported": [{"lines": [line]}]}
        out += [("imported not a list", {**base, "imported": "CN"}, "application/json"),
                ("missing domestic", {k: v for k, v in base.items() if k != "domestic"}, "application/json"),
                ("negative domestic", {**base, "domestic": {"delivered_price": "-1"}}, "application/json"),
                ("NaN domestic", {**base, "domestic": {"delivered_price": "NaN"}}, "application/json"),
                ("eleven quotes", {**base, "imported": [{"lines": lines}] * 11}, "application/json")]
        out += [(name, {**base, "project": project}, "application/json") for name, project in BAD_PROJECTS]
        out += [("domestic credit without project",
                 {**base, "domestic": {"delivered_price": "1000", "credit": {"pfe_share": "0.1"}}}, "application/json"),
                ("domestic credit share above one", {**base, "project": {"construction_start": "2026-03-01"},
                  "domestic": {"delivered_price": "1000", "credit": {"pfe_share": "1.5"}}}, "application/json"),
                ("domestic credit unknown component", {**base, "project": {"construction_start": "2026-03-01"},
                  "domestic": {"delivered_price": "1000", "credit": {"maker_components": ["cell"]}}},
                 "application/json"),
                ("project inside an imported quote", {**base, "imported": [{"lines": lines, "project": {
                    "construction_start": "2026-03-01"}}]}, "application/json")]
    else:
        def with_line(line):
            return {**base, line_key: [line]}
    if path == "/v1/landed-cost":
        out += [(name, {**base, "project": project}, "application/json") for name, project in BAD_PROJECTS]
    if path == "/v1/schedule":
        out += [("project in a schedule", {**base, "project": {"construction_start": "2026-03-01"}},
                 "application/json"),
                ("no shipments", {**base, "shipments": []}, "application/json"),
                ("25 shipments", {**base, "shipments": [{"entry_date": "2026-03-10"}] * 25}, "application/json"),
                ("bad shipment date", {**base, "shipments": [{"entry_date": "2026-02-30"}]}, "application/json"),
                ("shipment unknown field", {**base, "shipments": [{"entry_date": "2026-03-10", "x": 1}]},
                 "application/json")]
    else:
        out += [("missing entry_date", {k: v for k, v in base.items() if k != "entry_date"}, "application/json"),
                ("entry_date out of range", {**base, "entry_date": "1899-01-01"}, "application/json"),
                ("entry_date as number", {**base, "entry_date": 20260310}, "application/json")]
    for name, line in [
        ("line missing hts", {k: v for k, v in CELL.items() if k != "hts"}),
        ("line unknown field", {**CELL, "colour": "red"}),
        ("line hts as number", {**CELL, "hts": 85076000}),
        ("line malformed hts", {**CELL, "hts": "85O7.60"}),
        ("line bad origin", {**CELL, "origin": "XX"}),
        ("line negative price", {**CELL, "unit_price": "-1"}),
        ("line NaN quantity", {**CELL, "quantity": "NaN"}),
        ("line huge price", {**CELL, "unit_price": "1e30"}),
        ("line zero quantity", {**CELL, "quantity": "0"}),
        ("line price as list", {**CELL, "unit_price": [1]}),
        ("line price as bool", {**CELL, "unit_price": True}),
        ("line long description", {**CELL, "description": LONG}),
        ("line bad currency", {**CELL, "currency": "ZZZ"}),
        ("line formula currency", {**CELL, "currency": FORMULA}),
        ("line bad incoterm", {**CELL, "incoterm": "FAS"}),
        ("line share above one", {**CELL, "steel_content_share": "2"}),
        ("line bad supplier_pfe", {**CELL, "supplier_pfe": "maybe"}),
        ("line bad credit_class", {**CELL, "credit_class": FORMULA}),
        ("line not an object", "cells"),
    ]:
        out.append((name, with_line(line), "application/json"))
    return out


POST_CASES = [(path, name, body, ctype) for path in VALID for name, body, ctype in mutations(path)]


@pytest.mark.parametrize("path, name, body, ctype", POST_CASES, ids=[f"{p}-{n}" for p, n, _b, _c in POST_CASES])
def test_bad_post(client, path, name, body, ctype):
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str) and ctype != "application/json":
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    kwargs = {"data": data}
    if ctype:
        kwargs["content_type"] = ctype
    r = client.post(path, **kwargs)
    if path == "/v1/duty" and r.status_code == 200:
        # a batch isolates bad lines: every line must then carry its own error
        doc = r.get_json()
        assert doc["failed"] == doc["count"] > 0, name
        assert all(400 <= x["status"] < 500 and x["error"]["errors"] for x in doc["results"])
    else:
        is_envelope(r)


def test_bad_lines_inside_a_batch_each_get_their_own_error(client):
    bad = [{**DUTY, "value": v} for v in ("NaN", "-1", "1e999", [1], True, None)] + [{**DUTY, "hts": LONG}]
    doc = client.post("/v1/duty", json={"lines": bad + [DUTY]}).get_json()
    assert [x["status"] for x in doc["results"]] == [400] * len(bad) + [200]


def test_service_still_answers_after_the_catalogue(client):
    for path, params in GET_CASES[:50]:
        client.get(url(path, **params))
    for path, _name, body, ctype in POST_CASES[:40]:
        client.post(path, data=body if isinstance(body, bytes) else json.dumps(body), content_type=ctype or "")
    answers(client)


# ---------------------------------------------------------------- issue 12: chunked bodies, headers

def test_chunked_oversize_body_is_a_413_on_every_post(client):
    for path, base in VALID.items():
        doc = json.dumps(base).encode()
        padded = doc + b" " * (MAX_BODY_BYTES + 1 - len(doc))  # cut at the limit it would be valid JSON
        r = client.post(path, input_stream=io.BytesIO(padded), content_type="application/json",
                        environ_overrides={"wsgi.input_terminated": True})
        assert is_envelope(r)["code"] == "too_large" and r.status_code == 413, path
    answers(client)


def test_every_rejection_says_nosniff_and_no_store(client):
    for path, params in GET_CASES[::7]:
        r = client.get(url(path, **params))
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store", path


# ---------------------------------------------------------------- the catalogue against the real server

@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from test_serve_limits import Server

    running = Server(tmp_path_factory.mktemp("catalogue") / "server.log")
    yield running
    running.stop()


def live_envelope(r):
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json"), r.headers["Content-Type"]
    body = r.json()
    assert {"code", "status", "message", "errors", "tables_version"} <= set(body)
    assert body["status"] == r.status_code and r.headers["X-Content-Type-Options"] == "nosniff"
    return body


@pytest.mark.slow  # gunicorn in a subprocess; every case of the catalogue over HTTP
def test_the_catalogue_against_the_real_server(live):
    import requests

    deadline = time.monotonic() + 240
    with requests.Session() as http:
        for path, params in GET_CASES:
            live_envelope(http.get(live.base + url(path, **params), timeout=20))
            assert time.monotonic() < deadline, "the catalogue took over 4 minutes"
        for path, name, body, ctype in POST_CASES:
            if isinstance(body, bytes):
                data = body
            elif isinstance(body, str) and ctype != "application/json":
                data = body.encode()
            else:
                data = json.dumps(body).encode()
            # A fresh connection per case: after refusing a body it did not read (a 413, a 415) the server
            # closes the connection, and a client reusing it at that moment gets no answer at all.
            headers = {"Connection": "close", **({"Content-Type": ctype} if ctype else {})}
            r = http.post(live.base + path, data=data, headers=headers, timeout=20)
            if path == "/v1/duty" and r.status_code == 200:
                doc = r.json()
                assert doc["failed"] == doc["count"] > 0, name
            else:
                live_envelope(r)
            assert time.monotonic() < deadline, "the catalogue took over 4 minutes"
        # what gunicorn itself refuses, before the application runs
        gunicorn_level = [
            (b"GET /v1/hts?prefix=" + b"8" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150))
             + b"\r\n", 431),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400),
        ]
        for raw, status in gunicorn_level:
            got, headers, payload = live.raw(raw)
            doc = json.loads(payload)
            assert got == status == doc["status"] and headers["content-type"] == "application/json", payload[:200]
        answered = http.get(live.base + url("/v1/duty", **DUTY), timeout=20).json()
        assert answered["effective_rate"] == "0.484"
    log = live.log()
    assert "Traceback" not in log, log[log.find("Traceback"):][:2000]
    assert len(log) < 400 * (len(GET_CASES) + len(POST_CASES) + 20)  # about one short line per rejection


# ---------------------------------------------------------------- issue 16: the pages' form posts

_COMPARE_FORM = {"template": "li_ion_cell_order", "entry_date": "2026-10-01", "domestic.delivered_price": "1000",
                 "imported.0.origin": "CN", "imported.0.fill.cells.unit_price": "45"}
_SCHEDULE_FORM = {"template": "li_ion_cell_order", "origin": "CN", "fill.cells.unit_price": "45",
                  "shipments.0.entry_date": "2026-10-01"}
FORM_CASES = [
    ("/compare", "no quote", {k: v for k, v in _COMPARE_FORM.items() if not k.startswith("imported")}),
    ("/compare", "unknown template", {**_COMPARE_FORM, "template": "nope"}),
    ("/compare", "NaN price", {**_COMPARE_FORM, "imported.0.fill.cells.unit_price": "NaN"}),
    ("/compare", "huge price", {**_COMPARE_FORM, "imported.0.fill.cells.unit_price": "1e999"}),
    ("/compare", "formula origin", {**_COMPARE_FORM, "imported.0.origin": FORMULA}),
    ("/compare", "long name", {**_COMPARE_FORM, "imported.0.name": LONG}),
    ("/compare", "pasted garbage", {**_COMPARE_FORM, "template": "", "imported.0.lines": '"unclosed,\x00,,'}),
    ("/compare", "pasted uncovered", {**_COMPARE_FORM, "template": "", "imported.0.lines": "9999.99.99,CN,1,1"}),
    ("/compare", "project bad wage", {**_COMPARE_FORM, "project.construction_start": "2026-01-01",
                                      "project.prevailing_wage": "maybe"}),
    ("/compare", "project without start", {**_COMPARE_FORM, "project.energy_community": "yes"}),
    ("/compare", "empty form", {}),
    ("/compare.csv", "bad date", {**_COMPARE_FORM, "entry_date": "2026-02-30"}),
    ("/schedule", "no shipments", {k: v for k, v in _SCHEDULE_FORM.items() if not k.startswith("shipments")}),
    ("/schedule", "bad date", {**_SCHEDULE_FORM, "shipments.3.entry_date": "1899-01-01"}),
    ("/schedule", "bad origin", {**_SCHEDULE_FORM, "origin": "XX"}),
    ("/schedule", "negative price", {**_SCHEDULE_FORM, "fill.cells.unit_price": "-1"}),
    ("/schedule", "pasted six columns", {**_SCHEDULE_FORM, "template": "", "lines": "a,b,c,d,e,f"}),
    ("/schedule", "empty form", {}),
    ("/schedule.csv", "no origin", {**_SCHEDULE_FORM, "origin": ""}),
    # a pasted field over the csv module's field limit (131,072 characters) was a 500
    ("/compare", "pasted huge field", {**_COMPARE_FORM, "template": "", "imported.0.lines": "x" * 140_000}),
    ("/compare.csv", "pasted huge field", {**_COMPARE_FORM, "template": "", "imported.0.lines": "x" * 140_000}),
    ("/schedule", "pasted huge field", {**_SCHEDULE_FORM, "template": "", "lines": "x" * 140_000}),
    ("/schedule.csv", "pasted huge field", {**_SCHEDULE_FORM, "template": "", "lines": "x" * 140_000}),
]
UPLOAD_CASES = [
    ("not a table", b"\x00\x01binary"),
    ("wrong columns", b"a,b\n1,2\n"),
    ("xls magic", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"),
    ("broken xlsx", b"PK\x03\x04not really a zip"),
    ("bad amount", b"entry_number,line_number,heading,paid,origin,entry_date,value\nA,1,9903.01.24,abc,CN,2025-06-10,1\n"),
    ("empty", b""),
    ("not utf-8 nor cp1252", b"entry_number\x81\x8d\x8f\x90\x9d,b\n"),
]


@pytest.mark.parametrize("path, name, form", FORM_CASES, ids=[f"{p}-{n}" for p, n, _f in FORM_CASES])
def test_bad_form_post(client, path, name, form):
    r = client.post(path, data=form)
    assert 400 <= r.status_code < 500, (name, r.status_code, r.get_data(as_text=True)[:300])


@pytest.mark.parametrize("name, data", UPLOAD_CASES, ids=[n for n, _d in UPLOAD_CASES])
def test_bad_audit_upload(client, name, data):
    for path in ("/audit", "/audit.csv"):
        r = client.post(path, data={"file": (io.BytesIO(data), "bad.csv"), "audit_date": "2026-06-01"},
                        content_type="multipart/form-data")
        assert 400 <= r.status_code < 500 or (name == "bad amount" and r.status_code == 200), (name, path, r.status_code)


def test_an_oversize_upload_is_a_413(client):
    # the service's body limit holds for the pages' uploads (werkzeug refuses by Content-Length, unread)
    for path in ("/audit", "/compare", "/schedule"):
        r = client.post(path, data=b"x" * (MAX_BODY_BYTES + 1), content_type="multipart/form-data; boundary=b")
        assert r.status_code == 413, path


# ---------------------------------------------------------------- issue 16: the GET pages (quote, timeline)

PAGE_GET_CASES = ([("/quote", {**DUTY, field: value}) for field, value in BAD_VALUES if value != ""]
                  + [("/quote", {**DUTY, "entry_date": value}) for value in DATE_VALUES if value]
                  + [("/timeline", {"hts": DUTY["hts"], "origin": "CN", field: value})
                     for field, value in BAD_VALUES if field in ("hts", "origin", "value") and value != ""]
                  + [("/timeline", {"hts": DUTY["hts"], "origin": "CN", "from": value}) for value in DATE_VALUES if value]
                  + [("/timeline", {"hts": DUTY["hts"], "origin": ",".join(["CN", "KR", "DE", "VN", "JP", "MX", "CA",
                                                                           "FR", "IT"])})])


@pytest.mark.parametrize("path, params", PAGE_GET_CASES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(PAGE_GET_CASES)])
def test_bad_page_get(client, path, params):
    """A page answers bad input with a 4xx HTML page (the error next to its field), never a 500."""
    r = client.get(url(path, **params))
    assert 400 <= r.status_code < 500, (params, r.status_code, r.get_data(as_text=True)[:300])
    page = r.get_data(as_text=True)
    assert r.content_type.startswith("text/html") and 'role="alert"' in page, page[:300]


@pytest.mark.parametrize("path, params", [("/quote", {**DUTY, "scenario": "s232_batteries_2027"}),
                                          ("/timeline", {"hts": DUTY["hts"], "origin": "CN", "colour": "red"})])
def test_a_page_warns_of_a_parameter_it_does_not_read(client, path, params):
    """Like the API, a page never drops a parameter silently: it answers, with a warning naming it."""
    r = client.get(url(path, **params))
    name = [k for k in params if k in ("scenario", "colour")][0]
    assert r.status_code == 200 and f"unknown parameter &#39;{name}&#39; ignored" in r.get_data(as_text=True)
