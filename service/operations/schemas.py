"""Marshmallow schemas at the boundary of the operations (the HTTP API and the MCP tools).

They check the *shape* of a request: which parameters exist, their types and
lengths, the format names, the batch size.  The domain (``line_input``)
checks what the values mean, so the CLI, the API and the CSV pricer reject the
same inputs with the same messages.

On the line endpoints (``GET /v1/duty``, ``/v1/timeline``) the handler sorts
the query's other parameters itself: a fact the tables use (``vehicle_part``)
is read, a cache-buster (a name starting with ``_``, such as ``_ts=`` or ``_=``,
which spreadsheet connectors and browsers add) is accepted silently, anything
else is reported as a warning.  JSON bodies reject unknown fields.

Messages read like the rest of the service's ("must be text of at most 200
characters", "unknown field"), not marshmallow's defaults.
"""
from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from service.model.errors import InputError
from service.engine.line_input import FIELDS
from service.render.spreadsheet import FORMATS

MAX_TEXT = 200
MAX_BATCH_LINES = 10_000
MAX_AUDIT_LINES = 10_000
MAX_BODY_BYTES = 8 * 1024 * 1024   # a request body (the API) or a tool call's message (the MCP server over HTTP)


TEXT_ERRORS = {"invalid": "must be text", "required": "missing required field", "null": "must not be null"}


def _text(**kw):
    return fields.String(validate=validate.Length(min=0, max=MAX_TEXT, error="must be text of at most {max} characters"),
                         error_messages=TEXT_ERRORS, **kw)


class _Schema(Schema):
    """Marshmallow's own messages in the service's words."""

    error_messages = {"unknown": "unknown field", "type": "must be a JSON object"}


class FormatQuery(_Schema):
    class Meta:
        unknown = EXCLUDE

    format = fields.String(validate=validate.OneOf(FORMATS, error="must be one of {choices}"), load_default=None,
                           error_messages=TEXT_ERRORS)


# Every line field is a string in a query; the domain parses it.
# ``currency`` is USD or refused (the duty line is priced in USD; the handler says so).
LineQuery = FormatQuery.from_dict({name: _text() for name in (*FIELDS, "currency")}, name="LineQuery")
CACHE_BUSTER_PREFIX = "_"          # _ts=, _=: accepted and not used


class TimelineQuery(LineQuery):
    class Meta:
        unknown = EXCLUDE

    entry_date = _text()  # not used by the timeline: the handler warns
    from_ = _text(data_key="from")
    to = _text()


class MeasuresQuery(FormatQuery):
    class Meta:
        unknown = EXCLUDE

    program = _text()
    hts = _text()
    origin = _text()
    on = _text()


class HtsListQuery(FormatQuery):
    class Meta:
        unknown = EXCLUDE

    prefix = _text()
    words = _text()


class BatchBody(_Schema):
    class Meta:
        unknown = RAISE

    # Each line is checked on its own, so a bad line fails alone.  The upper
    # limit (MAX_BATCH_LINES) is a 413, checked by the transport first (web/jsonio.py, mcp/answers.py).
    lines = fields.List(fields.Raw(), required=True,
                        validate=validate.Length(min=1, error="must hold at least one line"),
                        error_messages={"invalid": "must be a list of lines", "required": "missing required field",
                                        "null": "must be a list of lines"})
    scenario = fields.Raw(allow_none=True)   # a shipped scenario's name or a scenario object (service.operations.scenarios)


_INSTANCES: dict[type, Schema] = {}


def validated(schema_cls, data) -> dict:
    """``data`` checked by a schema (a query string or a body); raise :class:`InputError` naming the fields.

    Schema instances hold no per-request state, so one per class is reused
    (building one costs more than the rest of a cached quote).
    """
    schema = _INSTANCES.get(schema_cls)
    if schema is None:
        schema = _INSTANCES[schema_cls] = schema_cls()
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = _flatten(exc.messages)
        first = next(iter(errors))
        raise InputError(f"invalid request: {first}: {errors[first][0]}", errors) from None


def _flatten(messages, prefix="") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            else:
                out[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    else:
        out[prefix or "_schema"] = [str(m) for m in messages]
    return out


class AuditBody(_Schema):
    """``POST /v1/audit``: the lines as filed and the audit's dates; each line is checked by the domain
    (``service.engine.audit.inputs``), so a bad field is named by its path (``lines.3.paid.0.amount``)."""

    class Meta:
        unknown = RAISE

    # The upper limit (MAX_AUDIT_LINES) is a 413, checked by the transport first, as a batch's.
    lines = fields.List(fields.Raw(), required=True,
                        validate=validate.Length(min=1, error="must hold at least one line as filed"),
                        error_messages={"invalid": "must be a list of lines as filed",
                                        "required": "missing required field", "null": "must be a list of lines"})
    audit_date = _text(allow_none=True)
    interest_to = _text(allow_none=True)
    importer_type = _text(allow_none=True)

