"""The schedule page ``/schedule``: one bill over up to six shipment dates, on POST /v1/schedule's engine call.

The form (POST, form-encoded) gives the bill (a template filled with one
origin and a price per line, or pasted CSV lines) and the shipments
(``shipments.<i>.entry_date``, ``shipments.<i>.name``); :func:`schedule_body`
builds the API's JSON body, ``service.engine.schedule.schedule`` prices it.
``POST /schedule.csv`` takes the same form and answers the engine's CSV; the
page's ``#download-csv`` is a ``data:`` link holding those bytes.
"""
from __future__ import annotations

from flask import request

from service.operations.bills import schedule
from service.model.errors import InputError, NotCovered
from service.render import spreadsheet
from service.render.charts import schedule_chart
from service.web.blueprints import tables
from service.web.formats import respond
from service.web.pages import bp
from service.web.pages.bills import FormError, bill, bill_page, chosen_template, form_field, merge, renumber
from service.web.pages.forms import refusal

SHIPMENTS = 6


def _given(form, name: str) -> str:
    return form.get(name, "").strip()


def schedule_body(t, form) -> tuple[dict, list[int]]:
    """The API's body for the form, and the form index of each shipment in it (empty rows left out)."""
    template = chosen_template(t, form)
    try:
        body = bill(template, form, "", _given(form, "origin"))
    except InputError as exc:
        raise FormError(exc.message, exc.errors) from None
    if template is not None:
        body["template"] = template.id
    indexes = [i for i in range(SHIPMENTS) if _given(form, f"shipments.{i}.entry_date")
               or _given(form, f"shipments.{i}.name")]
    body["shipments"] = [{k: v for k, v in (("entry_date", _given(form, f"shipments.{i}.entry_date")),
                                            ("name", _given(form, f"shipments.{i}.name"))) if v}
                         for i in indexes]
    if not indexes:
        raise FormError("give at least one shipment", {"shipments.0.entry_date": ["give at least one shipment date"]})
    return body, indexes


def page_errors(exc: Exception, template, indexes: list[int]) -> tuple[dict, str, int, str | None]:
    """The refusal's errors keyed by form field (``shipments.<form index>...``; the bill's fields)."""
    errors, message, status, hint = refusal(exc)
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        if not isinstance(exc, FormError):
            path = renumber(path, "shipments", indexes)
            if path.startswith("shipments.") and ".lines." in path:       # the bill's line, in one shipment
                path = path.split(".", 2)[2]
        field, lead = form_field(path, "", template, "origin")
        merge(out, field, lead, messages)
    return out, message, status, hint


def _answer(t, form):
    """(doc, body, errors, message, status, hint) for a submitted form."""
    indexes: list[int] = []
    try:
        body, indexes = schedule_body(t, form)
        return schedule(t, body, "html"), body, {}, None, 200, None
    except (InputError, NotCovered) as exc:
        return (None, None, *page_errors(exc, chosen_template(t, form), indexes))


def _render(t, form, *answer):
    return bill_page("schedule.html", "Delivery schedule", "schedule", spreadsheet.schedule_rows, schedule_chart, t,
                     form, *answer, shipments=range(SHIPMENTS))


@bp.get("/schedule")
def schedule_form():
    return _render(tables(), request.args if "template" in request.args else {})


@bp.post("/schedule")
def schedule_page():
    t, form = tables(), request.form
    if "show" in form:
        return _render(t, form)
    return _render(t, form, *_answer(t, form))


@bp.post("/schedule.csv")
def schedule_csv():
    t = tables()
    body, _ = schedule_body(t, request.form)    # a refusal is the API's error envelope (JSON)
    return respond("csv", "schedule", schedule(t, body, "csv"), spreadsheet.schedule_rows, title="Schedule")
