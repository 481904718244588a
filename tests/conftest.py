import functools
import pathlib
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import quote as urlquote
from urllib.parse import urlencode

import pytest
import requests
from flask.testing import FlaskClient

from service import load_tables, parse_line, quote


@functools.cache
def shipped_tables():
    """The shipped tables, loaded once per test run (parsing them takes about a second).

    For modules that need them at collection time; tests take the ``tables`` fixture.
    """
    return load_tables()


@pytest.fixture(scope="session")
def tables():
    return shipped_tables()


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """"Today" is the shipped tables' as-of date in every test, and the staleness limit its default.

    The age of the tables (issue 13) depends on the date the suite runs; with the real clock an answer
    would gain a staleness warning a month after the as-of date.  The app's default clock and the CLI
    both call ``service.model.freshness.today_utc``; tests of the clock pass their own
    (``tests/test_freshness.py``).
    """
    from service.model import freshness

    as_of = shipped_tables().as_of
    monkeypatch.setattr(freshness, "today_utc", lambda: as_of)
    monkeypatch.delenv(freshness.MAX_AGE_ENV, raising=False)


@pytest.fixture(scope="session")
def q(tables):
    """Quote one line from keyword arguments given as strings."""

    def _q(hts, origin, entry_date, value="100000", **facts):
        data = {"hts": hts, "origin": origin, "entry_date": entry_date, "value": value, **facts}
        return quote(tables, parse_line(data, tables.aliases))

    return _q


def layer(result, program, heading=None):
    """The one layer of a program (and heading) in a quote, or None."""
    found = [x for x in result["layers"] if x["program"] == program and (heading is None or x["heading"] == heading)]
    assert len(found) <= 1, found
    return found[0] if found else None


# --------------------------------------------------------------------- HTTP

REPO = pathlib.Path(__file__).resolve().parents[1]
CONTRACT = REPO / "openapi.yaml"
BASE_URL = "http://127.0.0.1:8000"


@pytest.fixture(scope="session")
def openapi():
    from openapi_core import Config, OpenAPI

    def text(data):
        return data.decode("utf-8") if isinstance(data, bytes) else data

    # Tabular bodies are documented as strings; check they decode as UTF-8 text.
    decoders = {m: text for m in ("text/csv", "text/tab-separated-values", "text/html", "text/x-ms-iqy")}
    return OpenAPI.from_file_path(str(CONTRACT), config=Config(extra_media_type_deserializers=decoders))


@pytest.fixture(scope="session")
def app(tables):
    from service.web.app import create_app
    # The staleness limit is the default whatever the environment says ("today": _pinned_today).
    return create_app(tables, {"MAX_TABLE_AGE_DAYS": None})


def _contract_request(request):
    """openapi-core's view of a Flask request, with measure ids re-encoded.

    Measure ids contain slashes (``section_301/lists/list_3``); the contract
    declares them as one path parameter, sent as-is or as ``%2F``, which the
    WSGI server has already decoded by the time Flask sees the path.
    """
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest

    class ContractRequest(WerkzeugOpenAPIRequest):
        @property
        def host_url(self):
            return BASE_URL + "/"

        @property
        def body(self):
            return b""  # responses are validated; the request stream was already read

        @property
        def path(self):
            path = self.request.path
            prefix = "/v1/measures/"
            if path.startswith(prefix):
                path = prefix + urlquote(path[len(prefix):], safe="")
            return path

    return ContractRequest(request)


@pytest.fixture(scope="session")
def client(app, openapi):
    """A test client that validates every response against openapi.yaml."""
    return contract_client(app, openapi)


def contract_client(app, openapi):
    """A test client of ``app`` that validates every response against openapi.yaml."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

    class ContractClient(FlaskClient):
        def open(self, *args, **kwargs):
            kwargs.setdefault("base_url", BASE_URL)
            response = super().open(*args, **kwargs)
            try:
                openapi.validate_response(_contract_request(response.request), WerkzeugOpenAPIResponse(response))
            except (PathNotFound, OperationNotFound):
                # A path or method outside the contract: it must still be the envelope.
                assert response.status_code in (404, 405), response.status_code
                assert set(response.get_json()) >= {"code", "status", "message", "errors", "tables_version"}
            return response

    app.test_client_class = ContractClient
    return app.test_client()


def url(path, **params):
    """A GET URL; parameters keep their order."""
    return path + ("?" + urlencode(params) if params else "")


DUTY = {"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": "100000"}


def free_port() -> int:
    """A free TCP port on loopback, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tariff_stack_executable() -> str:
    """The installed ``tariff-stack`` command (beside this interpreter, else on PATH)."""
    local = pathlib.Path(sys.executable).with_name("tariff-stack")
    found = str(local) if local.exists() else shutil.which("tariff-stack")
    assert found, "tariff-stack is not installed"
    return found


def serve_until_stopped(args: list, env: dict, log_path: pathlib.Path, port: int):
    """Start ``tariff-stack`` with ``args`` on loopback ``port``, wait for /healthz (30 s), yield its base URL,
    stop it.  The server's output goes to ``log_path``, quoted when it dies or never answers."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen([tariff_stack_executable(), *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
            assert proc.poll() is None, log_path.read_text()
        else:
            proc.kill()
            proc.wait()
            pytest.fail("server did not answer /healthz within 30 s:\n" + log_path.read_text())
        yield base
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def sync_loopback():
    """A loopback server of recorded source answers (``sync_server``), one per sync test module."""
    from sync_server import SourceServer

    with SourceServer() as running:
        yield running


@pytest.fixture
def srv(sync_loopback):
    """The module's loopback server, its routes and request log emptied for each test."""
    sync_loopback.routes.answers.clear()
    sync_loopback.routes.requests.clear()
    return sync_loopback
