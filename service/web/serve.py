"""``tariff-stack serve``: the production WSGI server (gunicorn).

The tables are loaded and validated once, in the master process, before the
workers fork (``preload_app``), so a table defect stops the service at start
with ``file:line`` and the workers share the loaded tables copy-on-write.

Host and port come from ``--host``/``--port``, else ``TARIFF_STACK_HOST`` /
``PORT``, else 127.0.0.1:8000; the container sets ``TARIFF_STACK_HOST`` to
0.0.0.0 so the command itself is the same everywhere.  Workers:
``--workers``, else ``WEB_CONCURRENCY``, else the CPUs this process may use,
plus one; each runs 4 threads (gthread: keep-alive connections are held
without tying up a process).  The layout was chosen by comparing tail latency
under ``bench/http_load.py``.

The service's public address, for the ``.iqy`` web queries it hands out:
``TARIFF_STACK_PUBLIC_URL`` (e.g. ``https://tariffs.example.com``), or
``TARIFF_STACK_TRUST_PROXY=1`` behind one reverse proxy that sets
``X-Forwarded-Host``/``-Proto``; without either, only a loopback ``Host`` is
used (see ``service.web.app``).  Both are read and checked by ``create_app``
before any worker forks, so a malformed value stops the server at start
(``tariff-stack serve`` prints ``error: TARIFF_STACK_PUBLIC_URL: ...``).
"""
from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from service.tables.load import load_tables
from service.web.app import create_app

DEFAULT_HOST = "127.0.0.1"
WORKER_CLASS = "gthread"
THREADS = 4
DEFAULT_PORT = 8000


def default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return cpus + 1


class _Server(BaseApplication):
    def __init__(self, app, options: dict):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            if key in self.cfg.settings:  # e.g. control_socket_disable exists from gunicorn 27
                self.cfg.set(key, value)

    def load(self):
        return self._app


def serve(host: str | None = None, port: int | None = None, workers: int | None = None, tables=None,
          access_log: bool = False) -> None:
    host = host or os.environ.get("TARIFF_STACK_HOST") or DEFAULT_HOST
    port = port or int(os.environ.get("PORT") or DEFAULT_PORT)
    workers = workers or int(os.environ.get("WEB_CONCURRENCY") or default_workers())
    # Tables and settings (TARIFF_STACK_PUBLIC_URL, TARIFF_STACK_TRUST_PROXY) validated before any worker forks.
    app = create_app(tables if tables is not None else load_tables())
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
        "limit_request_line": 8190,
        "control_socket_disable": True,  # no runtime control socket in the user's home
    }
    _Server(app, options).run()
