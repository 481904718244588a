"""Audit past entries: ``POST /v1/audit`` (JSON, or CSV/TSV/HTML rows for spreadsheets)."""
from __future__ import annotations

from flask import Blueprint

from service.engine.audit import audit
from service.render.audit_rows import audit_rows
from service.web.blueprints import tables
from service.web.errors import ApiError
from service.web.formats import EXT, post_format, respond
from service.web.jsonio import read_json
from service.web.schemas import MAX_AUDIT_LINES, AuditBody, validated

bp = Blueprint("audit", __name__)


@bp.post("/v1/audit")
@bp.post(f"/v1/audit.{EXT}")
def audit_view(ext=None):
    fmt = post_format(ext)
    body = read_json()
    lines = body.get("lines")
    if isinstance(lines, list) and len(lines) > MAX_AUDIT_LINES:
        raise ApiError(413, "too_large", f"an audit may hold at most {MAX_AUDIT_LINES} lines; got {len(lines)}",
                       {"lines": [f"at most {MAX_AUDIT_LINES} lines"]})
    doc = audit(tables(), validated(AuditBody, body))
    return respond(fmt, "audit", doc, audit_rows, title="Audit of entries")
