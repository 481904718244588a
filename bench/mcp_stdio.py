"""Benchmark (not a test): the MCP server as an assistant meets it, over stdio.

    python bench/mcp_stdio.py [--calls 200] [--batch 1000]

Starts ``tariff-stack mcp`` with the official SDK's stdio client (the legacy handshake, as desktop assistants
connect) and reports: the seconds from spawn to a ready session (interpreter, imports, tables loaded and
validated); the median and p95 milliseconds of ``--calls`` ``quote_duty`` calls (one line, after 10 warm-up
calls); and the seconds of one ``quote_duty_batch`` of ``--batch`` lines over the pipe.  Benchmarks report;
they never fail on a figure.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import anyio
from mcp import Client, StdioServerParameters

QUOTE = {"hts": "8507.60.00.90", "origin": "CN", "entry_date": "2026-10-01", "value": "100000"}
ORIGINS = ("CN", "KR", "VN", "MX", "DE", "JP", "IN", "TH")


def command() -> str:
    local = Path(sys.executable).with_name("tariff-stack")
    return str(local) if local.exists() else shutil.which("tariff-stack")


def batch(n: int) -> dict:
    return {"lines": [{**QUOTE, "origin": ORIGINS[i % len(ORIGINS)], "value": str(1000 + i)} for i in range(n)]}


async def measure(calls: int, lines: int) -> dict:
    started = time.perf_counter()
    async with Client(StdioServerParameters(command=command(), args=["mcp"]), mode="legacy") as client:
        ready = time.perf_counter() - started
        for _ in range(10):
            await client.call_tool("quote_duty", QUOTE)
        spent = []
        for _ in range(calls):
            start = time.perf_counter()
            result = await client.call_tool("quote_duty", QUOTE)
            spent.append((time.perf_counter() - start) * 1000)
            assert not result.is_error
        start = time.perf_counter()
        result = await client.call_tool("quote_duty_batch", batch(lines))
        batch_seconds = time.perf_counter() - start
        assert not result.is_error and result.structured_content["failed"] == 0
    return {"stdio_ready_seconds": round(ready, 3), "quote_calls": calls,
            "quote_median_ms": round(statistics.median(spent), 2),
            "quote_p95_ms": round(statistics.quantiles(spent, n=20, method="inclusive")[-1], 2),
            "batch_lines": lines, "batch_seconds": round(batch_seconds, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(anyio.run(measure, args.calls, args.batch), indent=2))


if __name__ == "__main__":
    main()
