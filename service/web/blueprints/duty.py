"""Duty endpoints: one line (GET), a batch (POST), a line over time (timeline)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, request

from service.model.errors import InputError, NotCovered
from service.engine.line_input import FIELDS, parse_date, parse_line
from service.engine.quote import quote
from service.engine.timeline import timeline
from service.render import spreadsheet
from service.web.blueprints import tables
from service.web.errors import ApiError, envelope
from service.web.formats import EXT, chosen_format, post_format, respond
from service.web.jsonio import read_json
from service.web.schemas import MAX_BATCH_LINES, BatchBody, LineQuery, TimelineQuery, validated

bp = Blueprint("duty", __name__)
TIMELINE_VALUE = "1000"


def _line_fields(args: dict) -> dict:
    return {k: v for k, v in args.items() if k in FIELDS and v not in (None, "")}


@bp.get("/v1/duty")
@bp.get(f"/v1/duty.{EXT}")
def duty(ext=None):
    args = validated(LineQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    doc = quote(t, parse_line(_line_fields(args), t.aliases))
    return respond(fmt, "duty", doc, spreadsheet.duty_rows, title=f"Duty stack {doc['hts']} {doc['origin']}")


@bp.post("/v1/duty")
@bp.post(f"/v1/duty.{EXT}")
def duty_batch(ext=None):
    fmt = post_format(ext)
    body = read_json()
    lines = body.get("lines")
    if isinstance(lines, list) and len(lines) > MAX_BATCH_LINES:
        raise ApiError(413, "too_large", f"a batch may hold at most {MAX_BATCH_LINES} lines; got {len(lines)}",
                       {"lines": [f"at most {MAX_BATCH_LINES} lines"]})
    body = validated(BatchBody, body)
    t = tables()
    results = []
    failed = 0
    for index, item in enumerate(body["lines"]):
        try:
            if not isinstance(item, dict):
                raise InputError("a line must be a JSON object", {"line": ["must be a JSON object"]})
            results.append({"index": index, "status": 200, "result": quote(t, parse_line(item, t.aliases))})
        except InputError as exc:
            failed += 1
            results.append({"index": index, "status": 400,
                            "error": envelope(400, "invalid_input", exc.message, exc.errors)[0]})
        except NotCovered as exc:
            failed += 1
            results.append({"index": index, "status": 404,
                            "error": envelope(404, "not_covered", exc.message, {exc.field: [exc.message]},
                                              hint=exc.hint)[0]})
    doc = {"tables_version": t.version, "count": len(results), "failed": failed, "results": results}
    return respond(fmt, "duty_batch", doc, spreadsheet.duty_batch_rows, title="Duty batch")


@bp.get("/v1/timeline")
@bp.get(f"/v1/timeline.{EXT}")
def timeline_view(ext=None):
    args = validated(TimelineQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    start = parse_date(args["from_"], "from") if args.get("from_") else t.coverage_from
    end = parse_date(args["to"], "to") if args.get("to") else None
    if end is None:  # default: one year past the tables' as-of date
        end = max(t.as_of, start) + timedelta(days=366)
    data = _line_fields(args)
    data["entry_date"] = start.isoformat()
    notional = "value" not in data
    if notional:
        data["value"] = TIMELINE_VALUE
    doc = timeline(t, parse_line(data, t.aliases), start, end)
    doc["assumptions"] = ([{"fact": "value", "assumption": f"no value given: a notional {TIMELINE_VALUE} USD is "
                                                            "priced; effective rates hold for any value unless a "
                                                            "layer is specific or content-based"}]
                          if notional else [])
    return respond(fmt, "timeline", doc, spreadsheet.timeline_rows, title=f"Duty timeline {doc['hts']} {doc['origin']}")
