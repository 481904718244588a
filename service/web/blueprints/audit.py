"""Audit past entries: ``POST /v1/audit`` (JSON, or CSV/TSV/HTML rows for spreadsheets)."""
from __future__ import annotations

from flask import Blueprint

from service.operations.audit import audit
from service.operations.schemas import MAX_AUDIT_LINES
from service.render.audit_rows import audit_rows
from service.web.blueprints import tables
from service.web.formats import EXT, post_format, respond
from service.web.jsonio import read_lines_body

bp = Blueprint("audit", __name__)


@bp.post("/v1/audit")
@bp.post(f"/v1/audit.{EXT}")
def audit_view(ext=None):
    fmt = post_format(ext)
    doc = audit(tables(), read_lines_body(MAX_AUDIT_LINES, "an audit"))
    return respond(fmt, "audit", doc, audit_rows, title="Audit of entries")
