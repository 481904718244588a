"""``tariff-stack serve``: the HTTP API under gunicorn."""
from __future__ import annotations

import sys

from service.cli.common import whole_number


def serve_args(sub):
    serve = sub.add_parser("serve", help="run the HTTP API under gunicorn (tables validated before workers fork)")
    serve.add_argument("--host", help="address to bind (default $TARIFF_STACK_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=whole_number(1, 65535), help="port, 1-65535 (default $PORT or 8000)")
    serve.add_argument("--workers", type=whole_number(1),
                       help="worker processes, at least 1 (default $WEB_CONCURRENCY, else the CPUs this process may "
                            "use, container CPU quota included, plus one; 4 threads each)")
    serve.add_argument("--access-log", action="store_true", help="log every request to stderr")


def serve_command(tables, args) -> int:
    # Local: the web server pulls in gunicorn and Flask, which quote, check and price never use.
    from service.web.serve import ServeSettingError, serve

    try:
        serve(args.host, args.port, args.workers, tables=tables, access_log=args.access_log)
    except ServeSettingError as exc:  # PORT or WEB_CONCURRENCY from the environment
        print(f"tariff-stack serve: error: {exc}", file=sys.stderr)
        return 2
    return 0


__all__ = ["serve_args", "serve_command"]
