"""The MCP server: the tools (``service.mcp.tools``) and the tables as resources, over stdio or streamable HTTP.

Built on the official SDK's low-level ``Server`` (``mcp`` 2.x): the tools' schemas are the contract's
(``service.mcp.contract``), so they are handed over as they are, not derived from Python signatures.

A tool's answer is the API's JSON document for the same request, stamped as the API stamps it (``as_of``,
``age_days``, a warning when the tables are older than ``TARIFF_STACK_MAX_TABLE_AGE_DAYS``): as
``structuredContent`` and as the JSON text, money as decimal strings.  A refusal is a tool error
(``isError``) whose text is the API's error envelope: the 400's field messages, the 404's hint, the 413 of a batch
over its limit.  An unexpected failure is logged (to stderr) and answered with the 500 envelope, never with
its internals.  The operations run in worker threads, so the event loop keeps serving.
"""
from __future__ import annotations

import io
import re
import sys

import anyio
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecuritySettings

from service.operations.errors import envelope
from service.operations.schemas import MAX_BODY_BYTES
from service.version import __version__
from service.mcp import resources, wire
from service.mcp.answers import answer, refused
from service.mcp.tools import BY_NAME, TOOLS
from service.mcp.wire import ExactLines

NAME = "tariff-stack"
HTTP_PATH = "/mcp"
INSTRUCTIONS = (
    "US import duties for the battery supply chain (cells, graphite anode material, steel, BESS projects), from "
    "cited, dated tables. Every tool answers the document of the tariff-stack API: an itemized duty stack with "
    "each layer's heading, rate, base, duty and citation, what was considered and not applied, the assumptions "
    "made for facts not given and the range they span, and warnings. Report the assumptions and warnings with "
    "the figures. Give money as decimal strings (\"100000.00\"): exact. Find a code with find_hts_lines; "
    "refusals come back as tool errors naming the field (errors) with the API's message.")


def build(tables) -> Server:
    """The server over loaded (validated) tables."""
    tool_list = [types.Tool(name=tool.name, title=tool.title, description=tool.description(),
                            input_schema=tool.input_schema(), output_schema=tool.output_schema(),
                            annotations=types.ToolAnnotations(read_only_hint=True, open_world_hint=False))
                 for tool in TOOLS]
    schemas = {tool.name: tool.input_schema for tool in tool_list}

    async def list_tools(ctx, params) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tool_list)

    async def call_tool(ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = BY_NAME.get(params.name)
        if tool is None:
            return refused(tables, envelope(tables.version, 404, "unknown_tool",
                                            f"no tool {params.name!r}; the tools: {', '.join(BY_NAME)}"))
        return await anyio.to_thread.run_sync(answer, tables, tool, params.arguments or {}, limiter=_LIMITER)

    return Server(NAME, version=__version__, instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool,
                  on_list_resources=resources.lister(tables),
                  on_list_resource_templates=resources.template_lister(),
                  on_read_resource=resources.reader(tables),
                  get_tool_input_schema=schemas.get)


# Operations run in worker threads so the event loop keeps serving; four at a time, as a gunicorn worker of the
# API runs four threads over the same engine and caches.
_LIMITER = anyio.CapacityLimiter(4)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
HOST_NAME = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)(?::(\d{1,5}|\*))?")


async def serve_stdio(tables) -> None:
    """Serve one assistant over stdin/stdout until it closes them; each line read through
    :class:`~service.mcp.wire.ExactLines` (numbers kept exact)."""
    server = build(tables)
    stdin = ExactLines(anyio.wrap_file(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")))
    async with stdio_server(stdin=stdin) as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def allowed(hosts: list[str]) -> tuple[list[str], list[str]]:
    """The ``Host`` values and origins answered: loopback names and ``hosts`` (``name``, ``name:port``,
    ``name:*``), a name alone or with ``:*`` on any port or none (a TLS proxy sends no port).  A value that is
    not a host name (``https://x``, ``x/mcp``) is a ``ValueError`` naming it."""
    out = []
    for given in [*LOOPBACK_HOSTS, *hosts]:
        match = HOST_NAME.fullmatch(given)
        if not match:
            raise ValueError(f"{given!r} is not a host name (tariffs.example.com, tariffs.example.com:8443 or "
                             "tariffs.example.com:* for any port; no scheme, no path)")
        name, port = match.groups()
        out += [name, f"{name}:*"] if port in (None, "*") else [given]
    hosts_allowed = list(dict.fromkeys(out))
    return hosts_allowed, [f"{scheme}://{h}" for h in hosts_allowed for scheme in ("http", "https")]


def http_app(tables, host: str, allowed_hosts: list[str]):
    """The streamable-HTTP ASGI app at :data:`HTTP_PATH`: stateless, JSON answers (the tools need no session),
    each POST body read through :func:`service.mcp.wire.http_app` (numbers kept exact; GET and DELETE 405).

    DNS-rebinding protection is on: only a ``Host`` naming this machine (loopback) or one of ``allowed_hosts``
    is answered (421 otherwise), and only their ``http(s)://`` origins (403 otherwise).
    """
    hosts, origins = allowed(allowed_hosts)
    security = TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                         allowed_origins=origins)
    app = build(tables).streamable_http_app(streamable_http_path=HTTP_PATH, host=host, stateless_http=True,
                                            json_response=True, transport_security=security,
                                            max_request_body_size=MAX_BODY_BYTES)
    return wire.http_app(app, HTTP_PATH, MAX_BODY_BYTES)


def serve_http(tables, host: str, port: int, allowed_hosts: list[str]) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp`` under uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(http_app(tables, host, allowed_hosts), host=host, port=port, log_level="warning")


def run_stdio(tables) -> None:
    anyio.run(serve_stdio, tables)
