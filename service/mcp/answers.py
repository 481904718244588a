"""A tool call's answer: the operation's document, or the envelope of its refusal, as a tool result.

The document is stamped as the API stamps it (``as_of``, ``age_days``, the staleness warning) and written as
the API writes it (``service.render.json_text``: field order kept, ``Decimal`` as a plain decimal string), both
as ``structuredContent`` and as the JSON text; a refusal's envelope as the JSON text of a tool error.
"""
from __future__ import annotations

import json
import logging
import os

import mcp_types as types

from service.model import freshness
from service.model.errors import InputError, NotCovered
from service.operations.errors import envelope, lines_over_limit, refusal
from service.render import json_text
from service.render.freshness import stamped
from service.mcp.tools import prepared

log = logging.getLogger(__name__)


def answer(tables, tool, given: dict) -> types.CallToolResult:
    """One tool call: the operation's document, or the envelope of its refusal, as a tool result."""
    try:
        over = lines_over_limit(given, *tool.lines_limit) if tool.lines_limit else None
        if over:
            return refused(tables, envelope(tables.version, 413, "too_large", *over))
        return tool_result(stamp(tables, tool.call(tables, prepared(tool, given))))
    except (InputError, NotCovered) as exc:
        return refused(tables, refusal(tables.version, exc))
    except Exception:   # never the internals: the SDK would answer a legacy client with str(exc)
        log.exception("unhandled error in tool %s", tool.name)
        return refused(tables, envelope(tables.version, 500, "internal_error", "internal error; the call was logged"))


def refused(tables, error: dict) -> types.CallToolResult:
    """An error envelope, stamped as the API stamps one (no staleness warning), as a tool error."""
    return tool_result(stamp(tables, error, warn=False), error=True)


def stamp(tables, doc: dict, warn: bool = True) -> dict:
    """``doc`` with the tables' as-of date and age (and the staleness warning), as the API stamps it."""
    return stamped(doc, freshness.from_settings(tables.as_of, os.environ), warn)


def tool_result(doc: dict, error: bool = False) -> types.CallToolResult:
    """A document as ``structuredContent`` and as its JSON text; a refusal as the text only, since
    ``structuredContent`` must match the tool's output schema (the answer's), and clients check it even on an
    error (the TypeScript SDK's does)."""
    encoded = json_text.encode(doc)
    content = [types.TextContent(text=encoded.decode("utf-8"))]
    if error:
        return types.CallToolResult(content=content, is_error=True)
    return types.CallToolResult(content=content, structured_content=json.loads(encoded))
