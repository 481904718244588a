"""The production topology on loopback: N ``tariff-stack serve`` instances behind nginx.

Used by ``tests/test_proxy.py`` and ``bench/soak.py`` (not a test itself).
nginx runs with the repository's ``deploy/nginx/tariff-stack.conf``, templated
only where it must be: the ``listen`` line becomes a free loopback port and
the one ``server app:8000 ...;`` line of the upstream becomes one line per
instance, with the same parameters (max_fails, fail_timeout).  A small main
file around it sets what a packaged nginx sets in ``/etc/nginx/nginx.conf``
(pid, error log, temp paths) inside a private prefix directory.

Every process is started in its own session and stopped by process group,
also when a start fails: ``with Topology(...) as t:`` leaves nothing behind.
"""
from __future__ import annotations

import grp
import os
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
NGINX_CONF = REPO / "deploy" / "nginx" / "tariff-stack.conf"
UPSTREAM_LINE = re.compile(r"^(\s*)server\s+app:8000\s+([^;]*);", re.M)
LISTEN_LINE = re.compile(r"^(\s*)listen\s+8080;", re.M)

MAIN_CONF = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{
    worker_connections 1024;
}}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    include tariff-stack.conf;
}}
"""


def emit_report(report: dict, out: str | None) -> dict:
    """A benchmark's figures as JSON: printed, and written to ``out`` when given."""
    text = json.dumps(report, indent=2)
    if out:
        Path(out).write_text(text)
    print(text)
    return report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(path, os.X_OK):
            return path
    return None


def _nobody_group() -> str:
    """nginx's workers run as nobody when the master is root: Debian's group is nogroup."""
    try:
        grp.getgrnam("nogroup")
        return "nogroup"
    except KeyError:
        return "nobody"


def tariff_stack_executable() -> str:
    local = Path(sys.executable).with_name("tariff-stack")
    found = str(local) if local.exists() else shutil.which("tariff-stack")
    if not found:
        raise RuntimeError("tariff-stack is not installed")
    return found


def render_site_conf(text: str, listen_port: int, app_ports: list[int]) -> str:
    """The repository's site file with its listen port and upstream servers replaced."""
    match = UPSTREAM_LINE.search(text)
    if not match or len(UPSTREAM_LINE.findall(text)) != 1:
        raise ValueError("deploy/nginx/tariff-stack.conf: expected exactly one 'server app:8000 ...;' line")
    indent, params = match.group(1), match.group(2)
    servers = "\n".join(f"{indent}server 127.0.0.1:{port} {params};" for port in app_ports)
    text = text[:match.start()] + servers + text[match.end():]
    text, n = LISTEN_LINE.subn(rf"\g<1>listen 127.0.0.1:{listen_port};", text)
    if n != 1:
        raise ValueError("deploy/nginx/tariff-stack.conf: expected exactly one 'listen 8080;' line")
    return text


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s:\n{log.read_text()[-3000:]}")


def _stop_group(proc: subprocess.Popen, sig=signal.SIGTERM, wait: float = 20) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    try:  # the whole group: workers that outlived their master too
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class Instance:
    """One ``tariff-stack serve`` on a loopback port, in its own process group."""

    def __init__(self, prefix: Path, index: int, workers: int):
        self.port = free_port()
        self.log = prefix / f"serve-{index}.log"
        env = {**os.environ, "TARIFF_STACK_HOST": "127.0.0.1", "PORT": str(self.port),
               "WEB_CONCURRENCY": str(workers), "TARIFF_STACK_TRUST_PROXY": "1"}
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([tariff_stack_executable(), "serve"], env=env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children()
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: a container or pod that dies."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        _stop_group(self.proc)


class Topology:
    """``instances`` x ``tariff-stack serve --workers workers`` behind nginx on ``self.url``."""

    def __init__(self, instances: int = 2, workers: int = 1):
        self.n, self.workers_per_instance = instances, workers
        self.instances: list[Instance] = []
        self.nginx: subprocess.Popen | None = None

    def __enter__(self) -> "Topology":
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install -y nginx)")
        # A private prefix that nginx's workers (user nobody when started as root) can traverse.
        self.prefix = Path(tempfile.mkdtemp(prefix="tariff-stack-topology-"))
        os.chmod(self.prefix, 0o711)
        (self.prefix / "tmp").mkdir()
        try:
            self._start(binary)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self, binary: str) -> None:
        for i in range(self.n):
            self.instances.append(Instance(self.prefix, i, self.workers_per_instance))
        for inst in self.instances:
            _wait_healthy(inst.url + "/healthz", inst.proc, inst.log)
        self.port = free_port()
        site = render_site_conf(NGINX_CONF.read_text(encoding="utf-8"), self.port, [i.port for i in self.instances])
        (self.prefix / "tariff-stack.conf").write_text(site, encoding="utf-8")
        user = f"user nobody {_nobody_group()};" if os.geteuid() == 0 else ""
        (self.prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=self.prefix, user=user), encoding="utf-8")
        self.nginx_log = self.prefix / "nginx.out"
        with open(self.nginx_log, "w") as log:
            self.nginx = subprocess.Popen([binary, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        _wait_healthy(self.url + "/healthz", self.nginx, self.nginx_log)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __exit__(self, *exc) -> None:
        if self.nginx is not None:
            _stop_group(self.nginx, signal.SIGQUIT, wait=10)
        for inst in self.instances:
            inst.stop()
        shutil.rmtree(self.prefix, ignore_errors=True)


# ----------------------------------------------------------- slow clients

class Attacker(threading.Thread):
    """One slow connection (``kind`` body or header), reopened whenever the server drops it, until the deadline."""

    def __init__(self, port: int, deadline: float, stop: threading.Event, kind: str):
        super().__init__(daemon=True)
        self.port, self.deadline, self.stop, self.kind = port, deadline, stop, kind
        self.connects = self.drops = self.bytes_sent = 0

    def _open(self) -> socket.socket:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.connects += 1
        if self.kind == "body":
            s.sendall(b"POST /v1/duty HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n")
        else:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return s

    def run(self):
        s = None
        while time.monotonic() < self.deadline and not self.stop.is_set():
            try:
                if s is None:
                    s = self._open()
                s.sendall(b"[" if self.kind == "body" else b"X")
                self.bytes_sent += 1
            except OSError:
                self.drops += 1
                if s is not None:
                    s.close()
                s = None
                self.stop.wait(0.1)  # reconnect at once, but never spin
                continue
            self.stop.wait(1.0)
        if s is not None:
            s.close()


def probe(url: str) -> tuple[bool, float]:
    start = time.monotonic()
    try:
        r = requests.get(url + "/healthz", timeout=5)
        ok = r.status_code == 200 and r.json().get("status") == "ok"
    except requests.RequestException:
        ok = False
    return ok, (time.monotonic() - start) * 1000
