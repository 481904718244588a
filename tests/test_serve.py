"""The production server: the README's run command, the Dockerfile's command
and the command these tests start are one and the same, and it serves.

The server listens on loopback only, on a free port, and is stopped at the
end of the module.
"""
import json
import os
import re
import shutil
import subprocess

import pytest
import requests
from conftest import DUTY, REPO, free_port, serve_until_stopped, tariff_stack_executable

from service.tables.load import default_dir

SERVE = ["tariff-stack", "serve"]


def readme_run_command() -> list[str]:
    """The last step of the README's 'set up and run' command."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Set up and run the service.*?```sh\n(.*?)\n```", text, re.S)
    assert block, "README has no 'Set up and run the service' command block"
    return block.group(1).strip().split(" && ")[-1].split()


def dockerfile_command() -> list[str]:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    cmd = [line for line in lines if line.startswith("CMD ")]
    assert len(cmd) == 1
    return json.loads(cmd[0][4:])


def test_readme_dockerfile_and_tests_run_the_same_command():
    assert readme_run_command() == SERVE
    assert dockerfile_command() == SERVE


def test_dockerfile_is_slim_non_root_with_a_curl_free_healthcheck():
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:\$\{PYTHON_VERSION\}-slim$", text, re.M)
    assert re.search(r"^USER appuser$", text, re.M)
    assert "COPY tariff_tables" in text
    health = re.search(r"^HEALTHCHECK .*\n\s+CMD (\[.*\])$", text, re.M)
    assert health and "curl" not in health.group(1) and "/healthz" in health.group(1)
    assert "TARIFF_STACK_HOST=0.0.0.0" in text


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "TARIFF_STACK_HOST": "127.0.0.1", "WEB_CONCURRENCY": "2"}
    log_path = tmp_path_factory.mktemp("serve") / "server.log"
    yield from serve_until_stopped(SERVE[1:], env, log_path, port)


@pytest.mark.slow  # gunicorn in a subprocess
def test_served_duty_is_the_48_4_percent_stack(server):
    r = requests.get(server + "/v1/duty", params=DUTY, timeout=10)
    assert r.status_code == 200 and r.headers["Server"].startswith("gunicorn")
    doc = r.json()
    assert doc["effective_rate"] == "0.484" and doc["total_duty"] == "48400.00"
    assert r.headers["X-Tables-Version"] == doc["tables_version"]


@pytest.mark.slow  # gunicorn in a subprocess
def test_served_csv_keeps_hts_as_text(server):
    r = requests.get(server + "/v1/duty", params={**DUTY, "format": "csv"}, timeout=10)
    assert r.headers["Content-Type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].startswith("row_type,hts,origin,entry_date")
    assert lines[1].split(",")[1] == "8507.60.00.20"


@pytest.mark.slow  # gunicorn in a subprocess
def test_served_errors_use_the_envelope(server):
    r = requests.post(server + "/v1/duty", data=b"[" * 200_000, headers={"Content-Type": "application/json"},
                      timeout=10)
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert requests.get(server + "/healthz", timeout=10).json()["status"] == "ok"


@pytest.mark.slow  # gunicorn in a subprocess
def test_serve_refuses_bad_tables_before_listening(tmp_path):
    tables = tmp_path / "tables"
    shutil.copytree(default_dir(), tables, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    lists = tables / "measures/section_301/lists.yaml"
    lists.write_text(lists.read_text().replace('rate: "0.25"', "rate: 0.25", 1))
    env = {**os.environ, "TARIFF_TABLES_DIR": str(tables), "PORT": str(free_port())}
    done = subprocess.run([tariff_stack_executable(), *SERVE[1:]], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert re.search(r"measures/section_301/lists\.yaml:\d+: .*would load as a float", done.stderr)
