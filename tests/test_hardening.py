"""Issue 12 hardening, in process: each finding of the review, with the behaviour it must now have.

The same refusals against the real server (gunicorn-level limits, a chunked
body on the wire) are in ``test_serve_limits.py``.
"""
import csv
import decimal
import io
import json
import logging
import threading
from decimal import Decimal

import pytest
from conftest import DUTY, url

from service import parse_line, quote
from service.cli import main
from service.engine.landed_cost import content_values
from service.render.spreadsheet import neutralise
from service.web import jsonio
from service.web.app import GET_MAX_AGE, MAX_BODY_BYTES, create_app, relative_location
from service.web.serve import ServeSettingError, cgroup_cpu_limit, default_workers, effective_cpus, settings

POSTS = {
    "/v1/duty": {"lines": [DUTY]},
    "/v1/landed-cost": {"entry_date": "2026-03-10",
                        "lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "10", "unit_price": "100"}]},
    "/v1/compare": {"entry_date": "2026-03-10", "domestic": {"delivered_price": "1000"},
                    "imported": [{"lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "10",
                                             "unit_price": "100"}]}]},
    "/v1/schedule": {"lines": [{"hts": "8507.60.00.20", "origin": "CN", "quantity": "10", "unit_price": "100"}],
                     "shipments": [{"entry_date": "2026-03-10"}]},
}
JSON = "application/json"


def envelope(r, status, code):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    body = r.get_json()
    assert body["code"] == code and body["status"] == status
    assert {"code", "status", "message", "errors", "tables_version"} <= set(body)
    return body


# ------------------------------------------------ 1. a number beyond the decimal range

HUGE = ["1e9999999999999999999", "-1e9999999999999999999", "1e-9999999999999999999", "1.5E+1000000000000000000"]


@pytest.mark.parametrize("path", list(POSTS))
@pytest.mark.parametrize("number", HUGE)
def test_a_number_beyond_the_decimal_range_is_a_400_on_every_post(client, path, number):
    body = envelope(client.post(path, data=b'{"x": %s}' % number.encode(), content_type=JSON), 400, "malformed_json")
    assert number in body["message"] and "outside the range" in body["message"]


def test_a_huge_exponent_inside_a_line_is_a_400_too(client):
    data = json.dumps({"lines": [{**DUTY, "value": "@"}]}).replace('"@"', "1e9999999999999999999").encode()
    envelope(client.post("/v1/duty", data=data, content_type=JSON), 400, "malformed_json")


def test_a_large_exponent_within_the_decimal_range_is_read_then_refused_by_the_field(client):
    line = {**DUTY, "value": "@"}
    data = json.dumps({"lines": [line]}).replace('"@"', "1.5E+99999999999999999").encode()  # exponent 10**17
    doc = client.post("/v1/duty", data=data, content_type=JSON).get_json()
    assert doc["results"][0]["status"] == 400 and "must not exceed" in json.dumps(doc["results"][0]["error"])


def test_a_long_number_is_cut_in_the_message(client):
    number = "1" * 100 + "e9999999999999999999"
    body = envelope(client.post("/v1/duty", data=b'{"x": %s}' % number.encode(), content_type=JSON),
                    400, "malformed_json")
    assert number not in body["message"] and "..." in body["message"]


# ------------------------------------------------ 2. deep nesting, with and without a \u escape

def nested(depth: int, leaf: str = '"\\u00e9"') -> bytes:
    """A body whose innermost value sits ``depth`` arrays and objects deep (the top object counts)."""
    return ('{"x": ' + "[" * (depth - 1) + leaf + "]" * (depth - 1) + "}").encode()


@pytest.mark.parametrize("depth", [101, 330, 900])
def test_nesting_over_the_limit_is_a_400_with_one_log_line(client, caplog, depth):
    caplog.set_level(logging.INFO, logger="service")
    body = envelope(client.post("/v1/duty", data=nested(depth), content_type=JSON), 400, "malformed_json")
    assert f"at most {jsonio.MAX_DEPTH} levels" in body["message"]
    records = [r for r in caplog.records if r.name.startswith("service")]
    assert len(records) == 1 and records[0].exc_info is None, [r.getMessage()[:200] for r in records]
    assert "rejected POST /v1/duty: 400 malformed_json" in records[0].getMessage()
    assert "\n" not in records[0].getMessage() and len(records[0].getMessage()) < 600


def test_nesting_at_the_limit_is_read(client):
    # 100 levels parse; the body is then refused for what it says (an unknown field), not for its depth
    body = envelope(client.post("/v1/duty", data=nested(jsonio.MAX_DEPTH), content_type=JSON), 400,
                    "invalid_input")
    assert "nested" not in body["message"]


def test_a_lone_surrogate_deep_inside_is_still_found(client):
    body = envelope(client.post("/v1/duty", data=nested(90, '"\\ud800"'), content_type=JSON), 400, "malformed_json")
    assert "surrogate" in body["message"]
    key = b'{"lines": [{"\\udc00": 1}]}'
    assert "surrogate" in envelope(client.post("/v1/duty", data=key, content_type=JSON), 400,
                                   "malformed_json")["message"]


def test_the_tree_check_is_iterative():
    # far deeper than the Python stack: no RecursionError, the depth limit answers
    node = []
    for _ in range(50_000):
        node = [node]
    with pytest.raises(jsonio.ApiError, match="nested too deeply"):
        jsonio._check_tree({"x": node}, surrogates=True)
    jsonio._check_tree({"x": [[["é", {"k": "v"}]]]}, surrogates=True)  # fine


# ------------------------------------------------ 3. a chunked body over the limit (in process)

def chunked(client, data: bytes):
    """POST ``data`` with no Content-Length, as a server hands a chunked body to the application."""
    return client.post("/v1/duty", input_stream=io.BytesIO(data), content_type=JSON,
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_limit_is_a_413_not_cut(client):
    # valid JSON padded with spaces: cut at the limit it would still parse, and be answered 200
    doc = json.dumps(POSTS["/v1/duty"]).encode()
    over = doc + b" " * (MAX_BODY_BYTES + 1 - len(doc))
    body = envelope(chunked(client, over), 413, "too_large")
    assert str(MAX_BODY_BYTES) in body["message"]


def test_a_chunked_body_at_the_limit_is_read_whole(client):
    doc = json.dumps(POSTS["/v1/duty"]).encode()
    r = chunked(client, doc + b" " * (MAX_BODY_BYTES - len(doc)))
    assert r.status_code == 200 and r.get_json()["count"] == 1
    assert chunked(client, doc).get_json()["results"][0]["status"] == 200


# ------------------------------------------------ 5. content shares allocated, never above the value

def test_half_steel_half_aluminum_on_an_odd_cent_price_is_priced(client):
    line = {"hts": "8507.60.00.20", "origin": "CN", "quantity": "1", "unit_price": "100.01",
            "steel_content_share": "0.5", "aluminum_content_share": "0.5"}
    r = client.post("/v1/landed-cost", json={"entry_date": "2026-03-10", "lines": [line]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["lines"][0]["dutiable_value"] == "100.01"


@pytest.mark.parametrize("value, shares", [
    ("100.01", ["0.5", "0.5"]),
    ("0.03", ["0.5", "0.5"]),
    ("100.01", ["0.333333", "0.333333", "0.333334"]),
    ("999.99", ["0.25", "0.25"]),
    ("0.01", ["0.4", "0.4", "0.2"]),
])
def test_metal_content_values_never_sum_above_the_value(value, shares):
    names = ["steel_content_share", "aluminum_content_share", "copper_content_share"]
    got = content_values(Decimal(value), list(zip(names, map(Decimal, shares))))
    total = sum(v for _, v in got)
    assert total <= Decimal(value)
    if sum(map(Decimal, shares)) == 1:
        assert total == Decimal(value)  # all of the value is metal: the parts add up to it exactly
    for (_, v), share in zip(got, shares):
        assert abs(v - Decimal(value) * Decimal(share)) < Decimal("0.01")  # each within a cent of its share


def test_content_values_split_half_and_half_of_an_odd_cent():
    got = content_values(Decimal("100.01"), [("steel_content_share", Decimal("0.5")),
                                             ("aluminum_content_share", Decimal("0.5")),
                                             ("us_content_share", Decimal("1"))])
    assert got == [("steel_content_share", Decimal("50.01")), ("aluminum_content_share", Decimal("50.00")),
                   ("us_content_share", Decimal("100.01"))]


# ------------------------------------------------ 6. the decimal context in every thread

LONG_VALUE = "4000.01999999999999999999999996"  # 30 digits; a quarter of it is 1000.00499..., 1000.00 to the cent


def test_a_new_thread_computes_with_the_same_precision_as_the_main_thread(tables):
    def priced():
        return quote(tables, parse_line({**DUTY, "value": LONG_VALUE}, tables.aliases))

    main_thread = priced()
    found = {}
    worker = threading.Thread(target=lambda: found.update(doc=priced(), context=decimal.getcontext().copy()))
    worker.start()
    worker.join(timeout=60)
    assert found["context"].prec == 34 and found["context"].rounding == decimal.ROUND_HALF_UP
    assert found["context"].traps[decimal.FloatOperation] and found["context"].traps[decimal.InvalidOperation]
    assert found["doc"]["total_duty"] == main_thread["total_duty"]
    section_301 = [x for x in found["doc"]["layers"] if x["program"] == "section_301"][0]
    assert section_301["duty"] == "1000.00"  # with 28 digits the product rounds to 1000.005, then 1000.01


def test_the_api_answers_the_cli_figure_for_a_30_digit_value(client, tables):
    expected = quote(tables, parse_line({**DUTY, "value": LONG_VALUE}, tables.aliases))["total_duty"]
    found = {}
    worker = threading.Thread(target=lambda: found.update(
        r=client.get(url("/v1/duty", **{**DUTY, "value": LONG_VALUE})).get_json()))
    worker.start()
    worker.join(timeout=60)
    assert found["r"]["total_duty"] == expected


# ------------------------------------------------ 7. hardening headers

def test_every_response_says_nosniff_and_how_to_cache(client):
    ok = client.get(url("/v1/duty", **DUTY))
    assert ok.headers["X-Content-Type-Options"] == "nosniff"
    assert ok.headers["Cache-Control"] == f"max-age={GET_MAX_AGE}"
    assert client.get("/v1/hts.csv").headers["Cache-Control"] == f"max-age={GET_MAX_AGE}"
    no_store = [
        client.get(url("/v1/duty", **{**DUTY, "value": "-1"})),                      # 400
        client.get("/v1/hts/9999.99.99"),                                           # 404
        client.get("/v1/landed-cost"),                                              # 405
        client.get(url("/v1/duty.csv", **{**DUTY, "value": "-1"}, errors="inline")),  # 200 carrying an error
        client.post("/v1/duty", json=POSTS["/v1/duty"]),                            # a POST answer
        client.post("/v1/duty", data=b"[", content_type=JSON),                      # a POST error
        client.get("/healthz"), client.get("/healthz.csv"),                         # health is never cached
        client.get("/"),                                                            # a redirect
    ]
    for r in no_store:
        assert r.headers["X-Content-Type-Options"] == "nosniff", r.request.path
        assert r.headers["Cache-Control"] == "no-store", (r.request.path, r.status_code)


# ------------------------------------------------ 8. redirects never name the Host header's host

@pytest.fixture(scope="module")
def plain_client(tables):
    """A client without the contract check: werkzeug's own 308 redirects are outside the contract."""
    return create_app(tables).test_client()


def test_redirects_are_paths_whatever_the_host(plain_client):
    for path, status, target in [("/", 302, "/quote"), ("/v1//hts?prefix=85", 308, "/v1/hts?prefix=85"),
                                 ("/v1/measures//", 308, "/v1/measures/")]:
        r = plain_client.get(path, headers={"Host": "evil.example"})
        if r.status_code == 404:  # a path werkzeug does not redirect
            continue
        assert r.status_code == status and r.headers["Location"] == target, (path, r.status_code,
                                                                              r.headers.get("Location"))
        assert "evil" not in r.get_data(as_text=True) and "evil" not in r.headers["Location"]


def test_the_home_redirect_keeps_a_forwarded_prefix(tables):
    app = create_app(tables, {"TRUST_PROXY": True})
    r = app.test_client().get("/", headers={"Host": "evil.example", "X-Forwarded-Prefix": "/tariffs"})
    assert r.headers["Location"] == "/tariffs/quote"


@pytest.mark.parametrize("location, path", [
    ("http://evil.example/v1/hts?x=1", "/v1/hts?x=1"), ("https://evil.example", "/"),
    ("//evil.example/docs", "/docs"), ("http://h///evil.example/x", "/evil.example/x"), ("/docs", "/docs"),
])
def test_relative_location(location, path):
    assert relative_location(location) == path


# ------------------------------------------------ 9. formulas behind leading line breaks and spaces

@pytest.mark.parametrize("text", ["\n=1+1", "\r\n=1+1", " =1+1", "\t=1", "\n\n@SUM(A1)", "\x00=1", "\u00a0-1",
                                  "=1", "+1", "-1", "@x"])
def test_formula_behind_blanks_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["abc", " a = b", "\nplain", "1-2", ""])
def test_plain_text_is_left_alone(text):
    assert neutralise(text) == text


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_a_line_break_then_equals_is_neutralised_in_every_format(client, fmt):
    evil = '\n=HYPERLINK("http://evil","x")'
    body = {"entry_date": "2026-03-10", "lines": [{**POSTS["/v1/landed-cost"]["lines"][0], "description": evil}]}
    r = client.post(f"/v1/landed-cost.{fmt}", json=body)
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["description"] == "'" + evil
    elif fmt == "tsv":
        lines = text.split("\r\n")
        header = lines[0].split("\t")
        cell = lines[1].split("\t")[header.index("description")]
        assert cell == "' " + evil[1:]  # the line break became a space, behind the apostrophe
    else:
        assert "<td>&#x27;\n=HYPERLINK(&quot;http://evil&quot;,&quot;x&quot;)</td>" in text


# ------------------------------------------------ 10. serve settings and the CPU count

def test_serve_settings_are_checked():
    assert settings(None, None, None, environ={}) [1:2] == (8000,)
    assert settings("0.0.0.0", 9000, 3, environ={}) == ("0.0.0.0", 9000, 3)
    assert settings(environ={"PORT": "8080", "WEB_CONCURRENCY": "4", "TARIFF_STACK_HOST": "::1"}) == ("::1", 8080, 4)
    for kwargs, environ, message in [
        ({"port": 70000}, {}, "--port must be a whole number, 1-65535; got 70000"),
        ({"port": 0}, {}, "--port must be a whole number, 1-65535; got 0"),
        ({"workers": 0}, {}, "--workers must be a whole number, at least 1; got 0"),
        ({}, {"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be a whole number, at least 1; got 'abc'"),
        ({}, {"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be a whole number, at least 1; got '0'"),
        ({}, {"WEB_CONCURRENCY": "2.5"}, "WEB_CONCURRENCY must be"),
        ({}, {"PORT": "http"}, "PORT must be a whole number, 1-65535; got 'http'"),
        ({}, {"PORT": "65536"}, "PORT must be"),
    ]:
        with pytest.raises(ServeSettingError, match=message.replace("(", r"\(").replace(")", r"\)")):
            settings(environ=environ, **kwargs)


@pytest.mark.parametrize("argv, message", [
    (["serve", "--port", "70000"], "argument --port: must be a whole number, 1-65535; got '70000'"),
    (["serve", "--port", "abc"], "argument --port: must be a whole number, 1-65535; got 'abc'"),
    (["serve", "--workers", "0"], "argument --workers: must be a whole number, at least 1; got '0'"),
])
def test_serve_arguments_are_a_one_line_usage_error(capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert [line for line in err.splitlines() if "error" in line] == [f"tariff-stack serve: error: {message}"]


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "abc"), ("WEB_CONCURRENCY", "0"), ("PORT", "99999")])
def test_serve_environment_errors_exit_2_on_one_line(capsys, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"tariff-stack serve: error: {name} must be a whole number")


def test_workers_help_says_what_the_default_is(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "at least 1" in out and "CPU quota" in out


def write(root, files: dict):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.mark.parametrize("files, cpus", [
    ({"cpu.max": "100000 100000\n"}, 1.0),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu.max": "50000 100000\n"}, 0.5),
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({"cpu,cpuacct/cpu.cfs_quota_us": "50000\n", "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 0.5),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu.max": "garbage\n"}, None),
    ({}, None),
])
def test_cgroup_cpu_quota_is_read(tmp_path, files, cpus):
    assert cgroup_cpu_limit(write(tmp_path, files)) == cpus


def test_default_workers_follow_the_container_quota(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert effective_cpus(write(tmp_path / "one", {"cpu.max": "100000 100000"})) == 1
    assert default_workers(tmp_path / "one") == 2           # a 1-CPU container on a 64-core host: 2, not 65
    assert default_workers(write(tmp_path / "half", {"cpu.max": "50000 100000"})) == 2
    assert default_workers(write(tmp_path / "1.5", {"cpu.max": "150000 100000"})) == 3
    assert default_workers(write(tmp_path / "none", {"cpu.max": "max 100000"})) == 65
    assert default_workers(tmp_path / "missing") == 65
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert default_workers(write(tmp_path / "eight", {"cpu.max": "800000 100000"})) == 3  # affinity is smaller
    assert settings(environ={}, cgroup_root=tmp_path / "one")[2] == 2
