"""The request examples of openapi.yaml against the real server: ``tariff-stack
serve`` on loopback, a free port, with a configured public URL.  Every POST
operation's example answers 200 with a body the contract accepts, in JSON and
CSV; the .iqy it hands out names the configured address, whatever ``Host``
the request sent; a malformed public URL stops the server at start.
"""
import os
import subprocess

import pytest
import requests
import yaml
from conftest import BASE_URL, CONTRACT, DUTY, free_port, serve_until_stopped, tariff_stack_executable

SPEC = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
PUBLIC = "https://tariffs.example.com/api"
POST_PATHS = [p for p, item in SPEC["paths"].items()   # the API's (the pages' form posts are HTML, tag pages)
              if "post" in item and "pages" not in item["post"].get("tags", [])]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1", "WEB_CONCURRENCY": "1",
           "TARIFF_STACK_PUBLIC_URL": PUBLIC}
    env.pop("TARIFF_STACK_TRUST_PROXY", None)
    log_path = tmp_path_factory.mktemp("serve") / "server.log"
    yield from serve_until_stopped(["serve"], env, log_path, port)


def _validate(openapi, response):
    """The contract's check of a live response (the server's port is not the contract's)."""
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    class Request(RequestsOpenAPIRequest):
        @property
        def host_url(self):
            return BASE_URL

    class Response(RequestsOpenAPIResponse):
        @property
        def content_type(self):  # the media type alone, as the Flask test client's wrapper gives it
            return super().content_type.split(";")[0].strip()

    openapi.validate_response(Request(response.request), Response(response))


@pytest.mark.slow  # gunicorn in a subprocess
@pytest.mark.parametrize("path", POST_PATHS)
def test_every_post_example_works_on_the_running_service(server, openapi, path):
    body = SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"]
    for fmt in ("json", "csv"):
        target = path.replace("{ext}", fmt) if "{ext}" in path else f"{path}?format={fmt}"
        r = requests.post(server + target, json=body, timeout=60)
        assert r.status_code == 200, (target, r.text[:500])
        _validate(openapi, r)
        if fmt == "csv":
            assert r.headers["Content-Type"].startswith("text/csv") and r.text.count("\r\n") >= 2
        elif path.startswith("/v1/duty"):
            assert r.json()["failed"] == 0


@pytest.mark.slow  # gunicorn in a subprocess
def test_the_served_iqy_names_the_configured_address_not_the_host_header(server):
    r = requests.get(server + "/v1/duty.iqy", params=DUTY, headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 200, r.text
    target = r.text.split("\r\n")[2]
    assert target.startswith(PUBLIC + "/v1/duty?") and target.endswith("&format=html&errors=inline")
    assert "evil.example" not in r.text


@pytest.mark.slow  # gunicorn in a subprocess
def test_the_served_errors_reach_the_cell(server):
    r = requests.get(server + "/v1/duty.csv", params={**DUTY, "value": "abc", "errors": "inline"}, timeout=10)
    assert r.status_code == 200 and r.headers["X-Error-Status"] == "400"
    assert r.text.splitlines()[1].startswith("400,invalid_input,")
    r = requests.get(server + "/v1/compare", timeout=10)
    assert r.status_code == 405 and "takes a POST with a JSON body" in r.json()["message"]


@pytest.mark.slow  # starts the CLI
def test_serve_refuses_a_malformed_public_url():
    env = {**os.environ, "PORT": str(free_port()), "TARIFF_STACK_PUBLIC_URL": "tariffs.example.com"}
    done = subprocess.run([tariff_stack_executable(), "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "TARIFF_STACK_PUBLIC_URL" in done.stderr and "http(s) base URL" in done.stderr
