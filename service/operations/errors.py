"""The error envelope ``{code, status, message, errors}``: one document for every refusal, whatever carries it.

The HTTP API answers it under its status (``service.web.errors``); a batch nests it in the failed line's result;
the MCP server returns it as a tool error (``service.mcp``).  The domain's
:class:`~service.model.errors.InputError` is a 400 ``invalid_input`` naming its fields,
:class:`~service.model.errors.NotCovered` a 404 ``not_covered`` with a hint.
"""
from __future__ import annotations

from service.model.errors import InputError, NotCovered


def envelope(version: str, status: int, code: str, message: str, errors: dict | None = None,
             **extra) -> dict:
    """The error document; ``extra`` fields (e.g. ``hint``) go after ``errors``, the tables version last."""
    doc = {"code": code, "status": status, "message": message, "errors": errors or {}}
    doc.update(extra)
    doc["tables_version"] = version
    return doc


def refusal(version: str, exc: InputError | NotCovered) -> dict:
    """The envelope of a domain refusal: a bad input (400) or a line the tables do not cover (404)."""
    if isinstance(exc, NotCovered):
        return envelope(version, 404, "not_covered", exc.message, {exc.field: [exc.message]}, hint=exc.hint)
    return envelope(version, 400, "invalid_input", exc.message, exc.errors)


def lines_over_limit(body, limit: int, what: str) -> tuple[str, dict] | None:
    """The message and field errors of a body holding more than ``limit`` ``lines`` (a 413), or None."""
    lines = body.get("lines") if isinstance(body, dict) else None
    if isinstance(lines, list) and len(lines) > limit:
        return f"{what} may hold at most {limit} lines; got {len(lines)}", {"lines": [f"at most {limit} lines"]}
    return None
