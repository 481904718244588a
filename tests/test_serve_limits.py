"""Issue 12 hardening against the real ``tariff-stack serve`` (gunicorn) on loopback.

What only the server shows: a chunked body on the wire, the request-head
limits gunicorn enforces before the application runs (answered in the JSON
envelope by ``service.web.worker.EnvelopeWorker``), the log it writes, and the
command's own refusal of bad settings.  Every request has a timeout; the
server is stopped at the end of the module.
"""
import http.client
import json
import os
import socket
import subprocess
import time

import pytest
import requests
from conftest import DUTY, free_port, tariff_stack_executable

from service.web.app import MAX_BODY_BYTES
from service.web.worker import LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE
from test_serve import SERVE

TIMEOUT = 20


class Server:
    """``tariff-stack serve`` on a free loopback port, its log in a file."""

    def __init__(self, log_path, workers: int = 2):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {**os.environ, "PORT": str(self.port), "TARIFF_STACK_HOST": "127.0.0.1",
               "WEB_CONCURRENCY": str(workers)}
        env.pop("TARIFF_STACK_PUBLIC_URL", None)
        env.pop("TARIFF_STACK_TRUST_PROXY", None)
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen([tariff_stack_executable(), *SERVE[1:]], env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                break
        self.stop()
        pytest.fail("server did not answer /healthz within 30 s:\n" + self.log())

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def raw(self, data: bytes) -> tuple[int, dict, bytes]:
        """Send raw bytes; read the whole answer (the server closes the connection after a refusal)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=TIMEOUT) as s:
            s.sendall(data)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and _complete(b"".join(chunks)):
                    break
        return _parse(b"".join(chunks))


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _parse(data: bytes) -> tuple[int, dict, bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve_limits") / "server.log")
    yield running
    running.stop()


def is_envelope(status: int, headers: dict, body: bytes, expected_status: int, code: str) -> dict:
    assert status == expected_status, (status, body[:300])
    assert headers["content-type"].startswith("application/json")
    assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    doc = json.loads(body)
    assert doc["code"] == code and doc["status"] == expected_status
    assert {"code", "status", "message", "errors", "tables_version"} <= set(doc)
    assert headers["x-tables-version"] == doc["tables_version"]
    return doc


def post_chunked(server, data: bytes, chunk: int = 256 * 1024) -> tuple[int, dict, bytes]:
    """POST ``data`` to /v1/duty with Transfer-Encoding: chunked (no Content-Length), via http.client."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    try:
        conn.request("POST", "/v1/duty", body=(data[i:i + chunk] for i in range(0, len(data), chunk)),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


# ------------------------------------------------ 3. chunked body over the limit

@pytest.mark.slow  # gunicorn in a subprocess
def test_a_chunked_body_over_the_limit_is_a_413(server):
    doc = json.dumps({"lines": [DUTY]}).encode()
    # valid JSON padded with spaces: were it cut at the limit, it would parse and be answered 200
    status, headers, body = post_chunked(server, doc + b" " * (MAX_BODY_BYTES + 1 - len(doc)))
    assert str(MAX_BODY_BYTES) in is_envelope(status, headers, body, 413, "too_large")["message"]


@pytest.mark.slow  # gunicorn in a subprocess
def test_a_chunked_body_within_the_limit_is_priced(server):
    doc = json.dumps({"lines": [DUTY]}).encode()
    status, _headers, body = post_chunked(server, doc + b" " * (MAX_BODY_BYTES - len(doc)))
    assert status == 200 and json.loads(body)["results"][0]["result"]["total_duty"] == "48400.00"
    status, _headers, body = post_chunked(server, doc, chunk=7)
    assert status == 200 and json.loads(body)["count"] == 1


# ------------------------------------------------ 4. gunicorn's own limits, in the envelope

@pytest.mark.slow  # gunicorn in a subprocess
def test_a_request_line_over_the_limit_is_a_414_envelope(server):
    path = "/v1/hts?prefix=" + "8" * LIMIT_REQUEST_LINE
    doc = is_envelope(*server.raw(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()), 414, "uri_too_long")
    assert str(LIMIT_REQUEST_LINE) in doc["message"]
    # just under the limit, the application answers (an unknown HTS prefix: 404 in the envelope)
    path = "/v1/hts/" + "9" * (LIMIT_REQUEST_LINE - 30)
    status, headers, body = server.raw(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                                       .encode())
    assert 400 <= status < 500 and json.loads(body)["status"] == status and headers["server"].startswith("gunicorn")


@pytest.mark.slow  # gunicorn in a subprocess
def test_too_many_or_too_large_headers_are_a_431_envelope(server):
    many = "".join(f"X-Field-{i}: {i}\r\n" for i in range(LIMIT_REQUEST_FIELDS + 5))
    is_envelope(*server.raw(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{many}\r\n".encode()),
                431, "headers_too_large")
    big = "X-Big: " + "a" * 9000 + "\r\n"
    is_envelope(*server.raw(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n{big}\r\n".encode()),
                431, "headers_too_large")
    cookie = "Cookie: " + "c" * 9000 + "\r\n"
    is_envelope(*server.raw(f"GET /v1/duty HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n".encode()),
                431, "headers_too_large")


@pytest.mark.slow  # gunicorn in a subprocess
def test_a_malformed_request_head_is_a_400_envelope(server):
    is_envelope(*server.raw(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n"), 400, "bad_request")
    is_envelope(*server.raw(b"GET /healthz HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"), 400, "bad_request")


@pytest.mark.slow  # gunicorn in a subprocess
def test_a_malformed_chunk_size_is_a_400_envelope_not_a_500(server):
    """The server's parser fails while the app reads the body: a 400 in the envelope, no traceback logged."""
    head = (b"POST /v1/duty HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    doc = is_envelope(*server.raw(head + b"zz\r\n{}\r\n0\r\n\r\n"), 400, "malformed_body")
    assert "malformed" in doc["message"]


@pytest.mark.slow  # gunicorn in a subprocess
def test_findings_1_2_7_8_on_the_wire(server):
    huge = requests.post(server.base + "/v1/landed-cost", data=b'{"x": 1e9999999999999999999}',
                         headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert huge.status_code == 400 and huge.json()["code"] == "malformed_json"
    deep = b'{"x": ' + b"[" * 330 + b'"\\u00e9"' + b"]" * 330 + b"}"
    before = len(server.log())
    r = requests.post(server.base + "/v1/duty", data=deep, headers={"Content-Type": "application/json"},
                      timeout=TIMEOUT)
    assert r.status_code == 400 and "nested too deeply" in r.json()["message"]
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Cache-Control"] == "no-store"
    time.sleep(0.5)  # the log line is written before the answer; let the file catch up
    written = server.log()[before:]
    assert "Traceback" not in written and len(written) < 1000, written[:2000]
    assert [line for line in written.splitlines() if "rejected POST /v1/duty" in line]
    ok = requests.get(server.base + "/v1/duty", params=DUTY, timeout=TIMEOUT)
    assert ok.headers["Cache-Control"] == "max-age=300" and ok.headers["X-Content-Type-Options"] == "nosniff"
    for path, target in [("/", "/quote"), ("//v1//hts", "/v1/hts")]:
        status, headers, body = server.raw(f"GET {path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
                                           .encode())
        assert status in (302, 308) and headers["location"] == target and b"evil" not in body


@pytest.mark.slow  # gunicorn in a subprocess
def test_the_server_log_has_no_traceback(server):
    assert requests.get(server.base + "/healthz", timeout=TIMEOUT).json()["status"] == "ok"
    assert "Traceback" not in server.log()


# ------------------------------------------------ 10. the command refuses bad settings on one line

@pytest.mark.slow  # starts the command (it stops before listening)
@pytest.mark.parametrize("args, env, message", [
    (["--port", "70000"], {}, "argument --port: must be a whole number, 1-65535; got '70000'"),
    (["--workers", "0"], {}, "argument --workers: must be a whole number, at least 1; got '0'"),
    ([], {"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be a whole number, at least 1; got 'abc'"),
    ([], {"PORT": "70000"}, "PORT must be a whole number, 1-65535; got '70000'"),
])
def test_serve_refuses_bad_settings_in_one_line(args, env, message):
    environ = {**os.environ, **env}
    if "PORT" not in env:
        environ["PORT"] = str(free_port())
    done = subprocess.run([tariff_stack_executable(), *SERVE[1:], *args], env=environ, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert [line for line in done.stderr.splitlines() if "error" in line] == [f"tariff-stack serve: error: {message}"]
