"""The compare page ``/compare``: domestic against up to three imported quotes, on POST /v1/compare's engine call.

GET shows the empty form; POST (form-encoded) builds the API's JSON body from
the form (:func:`compare_body`), calls ``service.engine.compare.compare`` as the
API does, and shows the answer.  ``POST /compare.csv`` takes the same form and
answers the engine's CSV (``spreadsheet.compare_rows`` through the API's
``respond``); the page's ``#download-csv`` is a ``data:`` link holding those
same bytes, so the download needs neither JavaScript nor a second request.
A ``show`` button re-draws the form for another template (no JavaScript).
"""
from __future__ import annotations

from flask import request

from service.operations.bills import compare
from service.model.errors import InputError, NotCovered
from service.render import spreadsheet
from service.render.charts import compare_chart
from service.web.blueprints import tables
from service.web.formats import respond
from service.web.pages import bp
from service.web.pages.bills import FormError, bill, bill_page, chosen_template, form_field, merge, renumber
from service.web.pages.forms import refusal

QUOTES = 3
SHARED_FIELDS = ("entry_date", "template")     # the form gives them once; the engine names them per quote
PROJECT = ("construction_start", "prevailing_wage", "energy_community", "other_basis_costs")


def _given(form, name: str) -> str:
    return form.get(name, "").strip()


def _quote_used(form, i: int) -> bool:
    prefix = f"imported.{i}."
    return any(_given(form, k) for k in form if k.startswith(prefix))


def compare_body(t, form) -> tuple[dict, list[int]]:
    """The API's body for the form, and the form index of each imported quote in it (empty ones left out)."""
    template = chosen_template(t, form)
    body: dict = {"entry_date": _given(form, "entry_date") or None}
    if template is not None:
        body["template"] = template.id
    domestic = {k: _given(form, f"domestic.{k}") for k in ("delivered_price", "energy_kwh")}
    body["domestic"] = {k: v for k, v in domestic.items() if v}
    indexes = [i for i in range(QUOTES) if _quote_used(form, i)]
    body["imported"] = [_quote(template, form, i) for i in indexes]
    project = {k: _given(form, f"project.{k}") for k in PROJECT}
    if any(project.values()):
        body["project"] = {k: v for k, v in project.items() if v}
    return {k: v for k, v in body.items() if v is not None}, indexes


def _quote(template, form, i: int) -> dict:
    prefix = f"imported.{i}."
    quote = {"name": _given(form, f"{prefix}name") or None}
    try:
        quote.update(bill(template, form, prefix, _given(form, f"{prefix}origin")))
    except InputError as exc:
        raise FormError(exc.message, exc.errors) from None
    return {k: v for k, v in quote.items() if v is not None}


def page_errors(exc: Exception, template, indexes: list[int]) -> tuple[dict, str, int, str | None]:
    """The refusal's errors keyed by form field (``imported.<form index>...``)."""
    errors, message, status, hint = refusal(exc)
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        path = path if isinstance(exc, FormError) else renumber(path, "imported", indexes)
        quote = path.split(".")[1] if path.startswith("imported.") and path.count(".") >= 2 else None
        field, lead = form_field(path, f"imported.{quote}.", template, f"imported.{quote}.origin") \
            if quote is not None else (path, "")
        if quote is not None and field.split(".", 2)[-1] in SHARED_FIELDS:      # entry_date, given once
            field = field.split(".", 2)[-1]
        merge(out, field, lead, messages)
    return out, message, status, hint


def _answer(t, form):
    """(doc, body, errors, message, status, hint) for a submitted form."""
    template = chosen_template(t, form)
    indexes: list[int] = []
    try:
        body, indexes = compare_body(t, form)
        if not body["imported"]:
            raise InputError.field("imported.0.origin", "give at least one imported quote (its origin and prices)")
        return compare(t, body, "html"), body, {}, None, 200, None
    except (InputError, NotCovered) as exc:
        errors, message, status, hint = page_errors(exc, template, indexes)
        return None, None, errors, message, status, hint


def _render(t, form, *answer):
    return bill_page("compare.html", "Domestic vs imported", "compare", spreadsheet.compare_rows, compare_chart, t,
                     form, *answer, quotes=range(QUOTES))


@bp.get("/compare")
def compare_form():
    return _render(tables(), request.args if "template" in request.args else {})


@bp.post("/compare")
def compare_page():
    t, form = tables(), request.form
    if "show" in form:
        return _render(t, form)
    return _render(t, form, *_answer(t, form))


@bp.post("/compare.csv")
def compare_csv():
    t = tables()
    body, _ = compare_body(t, request.form)      # a refusal is the API's error envelope (JSON)
    doc = compare(t, body, "csv")
    return respond("csv", "compare", doc, spreadsheet.compare_rows, title="Domestic vs imported")
