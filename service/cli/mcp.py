"""``tariff-stack mcp``: the Model Context Protocol server, over stdio (default) or streamable HTTP."""
from __future__ import annotations

import os
import sys

from service.model.freshness import MAX_AGE_ENV, max_age_days
from service.cli.common import whole_number

DEFAULT_PORT = 8765


def mcp_args(sub):
    mcp = sub.add_parser("mcp", help="serve the tools to AI assistants over the Model Context Protocol (stdio, "
                                     "or streamable HTTP with --http)",
                         description="Serve the API's operations as MCP tools and the tables as resources. "
                                     "Without --http, over stdin/stdout: the assistant starts this command. "
                                     "With --http, at http://HOST:PORT/mcp (streamable HTTP, stateless), a "
                                     "process of its own beside `tariff-stack serve`.")
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    mcp.add_argument("--host", default="127.0.0.1", help="address to bind with --http (default 127.0.0.1)")
    mcp.add_argument("--port", type=whole_number(1, 65535), default=DEFAULT_PORT,
                     help=f"port with --http, 1-65535 (default {DEFAULT_PORT})")
    mcp.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                     help="with --http, a host name to answer besides loopback ones, as clients will send it "
                          "(tariffs.example.com: with any port or none; tariffs.example.com:8443: that port "
                          "only); repeatable. Any other Host is refused with 421 (DNS-rebinding protection)")


def mcp_command(tables, args) -> int:
    max_age_days(os.environ.get(MAX_AGE_ENV))   # a bad limit stops here, not on every call
    if not args.http and (args.allowed_host or args.host != "127.0.0.1" or args.port != DEFAULT_PORT):
        print("tariff-stack mcp: error: --host, --port and --allowed-host need --http", file=sys.stderr)
        return 2
    # Local: the MCP SDK (about 0.6 s to import) is loaded by this command only.
    from service.mcp.server import allowed, run_stdio, serve_http

    try:
        allowed(args.allowed_host)
    except ValueError as exc:
        print(f"tariff-stack mcp: error: --allowed-host: {exc}", file=sys.stderr)
        return 2
    if args.http:
        print(f"tariff-stack mcp: streamable HTTP at http://{_shown_host(args.host)}:{args.port}/mcp "
              f"(tables {tables.version})", file=sys.stderr)
        serve_http(tables, args.host, args.port, args.allowed_host)
    else:
        run_stdio(tables)
    return 0


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


__all__ = ["mcp_args", "mcp_command"]
