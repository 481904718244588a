"""Command line: ``tariff-stack quote``, ``check``, ``price``, ``audit``, ``hts``, ``serve`` and ``mcp``.

``TARIFF_TABLES_DIR`` points every command at another tables directory.
``TARIFF_STACK_MAX_TABLE_AGE_DAYS`` (default 30): tables older than this many
days make every answer (a quote, ``check``, ``price``) carry a warning.
Exit codes: 0 done; 1 a line could not be priced (bad input, not covered);
2 a usage error, a file that cannot be read or written, or invalid tables;
130 interrupted.  ``sync`` has exit codes of its own (``tariff-stack sync --help``).
"""
from __future__ import annotations

import argparse
import sys
import time

from service.version import __version__
from service.model.errors import InputError, NotCovered, TableError
from service.tables.load import load_tables
from service.render.tabular_files import FileProblem
from service.cli.audit import audit_args, audit_command
from service.cli.common import input_error, table_error
from service.cli.pricing import (check_args, check_command, hts_args, hts_command, price_args, price_command,
                                 quote_args, quote_command)
from service.cli.releases import diff_args, diff_command, sync_args, sync_command
from service.cli.mcp import mcp_args, mcp_command
from service.cli.serve import serve_args, serve_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tariff-stack", description=__doc__.splitlines()[0],
                                     epilog="Environment: TARIFF_TABLES_DIR (another tables directory); "
                                            "TARIFF_STACK_MAX_TABLE_AGE_DAYS (default 30): tables older than "
                                            "this many days make every answer carry a warning.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    quote_args(sub)
    check_args(sub)
    price_args(sub)
    audit_args(sub)
    hts_args(sub)
    serve_args(sub)
    mcp_args(sub)
    sync_args(sub)
    diff_args(sub)
    return parser


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "sync":
            return sync_command(args)
        if args.command == "diff":
            return diff_command(args)     # loads its two table sets itself
        started = time.perf_counter()
        tables = load_tables()
        loaded = time.perf_counter() - started
        if args.command == "price":
            return price_command(tables, args)
        if args.command == "audit":
            return audit_command(tables, args)
        if args.command == "hts":
            return hts_command(tables, args)
        if args.command == "serve":
            return serve_command(tables, args)
        if args.command == "mcp":
            return mcp_command(tables, args)
        if args.command == "check":
            return check_command(tables, args, loaded)
        return quote_command(tables, args)
    except TableError as exc:
        return table_error(exc)
    except InputError as exc:
        return input_error(exc)
    except NotCovered as exc:
        print(f"not covered: {exc.message}" + (f"\n  hint: {exc.hint}" if exc.hint else ""), file=sys.stderr)
        return 1
    except FileProblem as exc:
        print(f"tariff-stack {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"tariff-stack {args.command}: interrupted; no output file was written", file=sys.stderr)
        return 130


__all__ = ["main"]
