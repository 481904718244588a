"""Audit past entries: what was paid against what was owed, and the refunds due.

``POST /v1/audit`` and the MCP server call :func:`audit` with the decoded JSON body.
"""
from __future__ import annotations

from service.engine.audit.run import audit as engine_audit
from service.operations.schemas import AuditBody, validated


def audit(t, body: dict) -> dict:
    """The audit document of a checked body (its lines each checked by the engine, named by path)."""
    return engine_audit(t, validated(AuditBody, body))


