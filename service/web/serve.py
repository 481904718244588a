"""``tariff-stack serve``: the production WSGI server (gunicorn).

The tables are loaded and validated once, in the master process, before the
workers fork (``preload_app``), so a table defect stops the service at start
with ``file:line`` and the workers share the loaded tables copy-on-write.

Host and port come from ``--host``/``--port``, else ``TARIFF_STACK_HOST`` /
``PORT``, else 127.0.0.1:8000; the container sets ``TARIFF_STACK_HOST`` to
0.0.0.0 so the command itself is the same everywhere.  Workers:
``--workers``, else ``WEB_CONCURRENCY``, else the CPUs this process may use,
plus one; each runs 4 threads (gthread: keep-alive connections are held
without tying up a process).  "The CPUs this process may use" is the
smallest of the CPU affinity mask and a container's CPU quota (cgroup v2
``cpu.max``, v1 ``cpu.cfs_quota_us``/``cpu.cfs_period_us``, rounded up), so a
1-CPU container on a 64-core host starts 2 workers, not 65.  A port outside
1-65535, a worker count below 1 or a value that is not a whole number is a
:class:`ServeSettingError` (``tariff-stack serve`` prints it on one line and
exits 2).  The layout was chosen by comparing tail latency under
``bench/http_load.py``.

Requests gunicorn itself refuses before the application sees them (a request
line over 8190 bytes, more than 100 header fields or one over 8190 bytes, a
malformed request line or header) are answered by
:class:`service.web.worker.EnvelopeWorker`
with the same JSON error envelope as the application's (414, 431, 400), not
gunicorn's HTML page, and one log line each.

The service's public address, for the ``.iqy`` web queries it hands out:
``TARIFF_STACK_PUBLIC_URL`` (e.g. ``https://tariffs.example.com``), or
``TARIFF_STACK_TRUST_PROXY=1`` behind one reverse proxy that sets
``X-Forwarded-Host``/``-Proto``; without either, only a loopback ``Host`` is
used (see ``service.web.app``).  Both are read and checked by ``create_app``
before any worker forks, so a malformed value stops the server at start
(``tariff-stack serve`` prints ``error: TARIFF_STACK_PUBLIC_URL: ...``).
"""
from __future__ import annotations

import logging
import math
import os
import sys
from pathlib import Path

from service.tables.load import load_tables
from service.web.app import create_app
from service.web.worker import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE

DEFAULT_HOST = "127.0.0.1"
WORKER_CLASS = "service.web.worker.EnvelopeWorker"  # gunicorn's gthread, answering its own refusals as JSON
THREADS = 4
DEFAULT_PORT = 8000
CGROUP_ROOT = "/sys/fs/cgroup"


class ServeSettingError(ValueError):
    """A server setting (port, workers, from the command line or the environment) that cannot be used."""


def cgroup_cpu_limit(root: str | os.PathLike = CGROUP_ROOT) -> float | None:
    """The CPU quota of this process's cgroup in CPUs (e.g. 1.5), or None when there is none.

    cgroup v2: ``<root>/cpu.max`` holds ``"<quota> <period>"`` or ``"max <period>"``.
    cgroup v1: ``<root>/cpu/cpu.cfs_quota_us`` (``-1``: no quota) and
    ``cpu.cfs_period_us`` (also under ``cpu,cpuacct``).  A file that is missing
    or unreadable means no quota.
    """
    root = Path(root)
    try:
        quota, _, period = (root / "cpu.max").read_text().strip().partition(" ")
        if quota != "max":
            return _ratio(quota, period or "100000")
        return None
    except (OSError, ValueError):
        pass
    for sub in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        try:
            quota = (root / sub / "cpu.cfs_quota_us").read_text().strip()
            period = (root / sub / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            continue
        try:
            return None if int(quota) < 0 else _ratio(quota, period)
        except ValueError:
            return None
    return None


def _ratio(quota: str, period: str) -> float | None:
    q, p = int(quota), int(period)
    return q / p if q > 0 and p > 0 else None


def effective_cpus(root: str | os.PathLike = CGROUP_ROOT) -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup CPU quota (rounded up)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = cgroup_cpu_limit(root)
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def default_workers(root: str | os.PathLike = CGROUP_ROOT) -> int:
    return effective_cpus(root) + 1


def _whole(value, name: str, low: int, high: int | None = None) -> int:
    """``value`` (an int, or text from the environment) as an int in ``low..high``, else a ServeSettingError."""
    text = str(value).strip()
    shown = repr(value) if isinstance(value, str) else str(value)
    if not (text.isascii() and text.isdigit()) or int(text) < low or (high is not None and int(text) > high):
        bound = f"{low}-{high}" if high is not None else f"at least {low}"
        raise ServeSettingError(f"{name} must be a whole number, {bound}; got {shown}")
    return int(text)


def settings(host: str | None = None, port: int | None = None, workers: int | None = None,
             environ=None, cgroup_root: str | os.PathLike = CGROUP_ROOT) -> tuple[str, int, int]:
    """Host, port and worker count from the arguments, else the environment, else the defaults; checked."""
    environ = os.environ if environ is None else environ
    host = host or environ.get("TARIFF_STACK_HOST") or DEFAULT_HOST
    port = (_whole(port, "--port", 1, 65535) if port is not None
            else _whole(environ["PORT"], "PORT", 1, 65535) if environ.get("PORT", "").strip()
            else DEFAULT_PORT)
    workers = (_whole(workers, "--workers", 1) if workers is not None
               else _whole(environ["WEB_CONCURRENCY"], "WEB_CONCURRENCY", 1)
               if environ.get("WEB_CONCURRENCY", "").strip()
               else default_workers(cgroup_root))
    return host, port, workers


def _server(app, options: dict):
    """The gunicorn application; gunicorn is imported only here, once the settings are checked
    (its configuration module reads ``WEB_CONCURRENCY`` with ``int()`` when imported)."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # e.g. control_socket_disable exists from gunicorn 27
                    self.cfg.set(key, value)

        def load(self):
            return app

    return _Server()


def _service_log() -> None:
    """The service's own log lines (a rejected request, an internal error) to stderr, as gunicorn's are."""
    logger = logging.getLogger("service")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s",
                                               "%Y-%m-%d %H:%M:%S %z"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def serve(host: str | None = None, port: int | None = None, workers: int | None = None, tables=None,
          access_log: bool = False) -> None:
    host, port, workers = settings(host, port, workers)
    # Tables and settings (TARIFF_STACK_PUBLIC_URL, TARIFF_STACK_TRUST_PROXY) validated before any worker forks.
    app = create_app(tables if tables is not None else load_tables())
    _service_log()
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": THREADS,
        "preload_app": True,
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,
        "max_requests": 0,
        "accesslog": "-" if access_log else None,
        # Apache combined format plus the time taken in microseconds.
        "access_log_format": '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus',
        "errorlog": "-",
        "loglevel": "info",
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        "control_socket_disable": True,  # no runtime control socket in the user's home
    }
    _server(app, options).run()
