"""What the commands of ``tariff-stack`` share: an argparse type, the tables' freshness, the error reports."""
from __future__ import annotations

import argparse
import os
import sys

from service.model.errors import InputError, TableError
from service.model.freshness import from_settings


def whole_number(low: int, high: int | None = None):
    """An argparse type: a whole number in ``low..high`` (a one-line usage error otherwise)."""
    def parse(text: str) -> int:
        text = text.strip()
        if not (text.isascii() and text.isdigit()) or int(text) < low or (high is not None and int(text) > high):
            bound = f"{low}-{high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be a whole number, {bound}; got {text!r}")
        return int(text)
    parse.__name__ = "whole number"
    return parse


def freshness(tables):
    """The tables' age against TARIFF_STACK_MAX_TABLE_AGE_DAYS, today (UTC)."""
    return from_settings(tables.as_of, os.environ)


def table_error(exc: TableError) -> int:
    errors = getattr(exc, "errors", [exc])
    if len(errors) == 1:
        print(f"tariff tables invalid: {exc.where}: {exc.reason}", file=sys.stderr)
    else:
        print(f"tariff tables invalid: {len(errors)} errors", file=sys.stderr)
        for error in errors:
            print(f"  {error.where}: {error.reason}", file=sys.stderr)
    return 2


def input_error(exc: InputError) -> int:
    print(f"error: {exc.message}", file=sys.stderr)
    for name, messages in exc.errors.items():
        for m in messages:
            print(f"  {name}: {m}", file=sys.stderr)
    return 1


__all__ = ["whole_number", "freshness", "table_error", "input_error"]
