"""A bill of goods on the POST pages: a project template filled with prices, or pasted CSV lines.

The form's field names are the API body's paths (``imported.0.origin``,
``shipments.2.entry_date``, ``project.construction_start``), so most of the
engine's error paths name a form field as they are.  The ones that do not
(an expanded template line, a pasted line) are rewritten by :func:`form_field`:
``<prefix>lines.<n>.unit_price`` is the price input of template line ``n``,
``<prefix>lines.<n>.origin`` the quote's origin, and any field of a pasted line
the textarea it came from (the message then names the line).  What maps to no
field keeps its path and is listed in the ``#errors`` summary only.
"""
from __future__ import annotations

import base64
import csv
import io
import json
import re

from service.engine.entry import MAX_LINES
from service.model.errors import InputError
from service.web.formats import respond
from service.web.pages.forms import page

PASTED = ("hts", "origin", "quantity", "unit_price", "energy_kwh_per_unit")
PASTED_HELP = "one line per row: hts,origin,quantity,unit_price[,energy_kwh_per_unit] (a header row is skipped)"
DEFAULT_TEMPLATE = "li_ion_cell_order"
_LINE_PATH = re.compile(r"^lines\.(\d+)(?:\.(.*))?$")


class FormError(InputError):
    """A refusal whose field paths are already the form's names (a pasted line the page read)."""


def chosen_template(t, form):
    """The template the form uses (``template`` field; the pasted-lines form when it is ``""``), or None."""
    if "template" not in form:
        return t.templates.get(DEFAULT_TEMPLATE) or (t.templates[min(t.templates)] if t.templates else None)
    return t.templates.get(form.get("template", ""))


def pasted_lines(text: str, field: str, origin: str) -> list[dict]:
    """The textarea's CSV rows as entry lines; an InputError on ``field`` naming the bad row."""
    try:
        rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    except csv.Error as exc:       # a field over the csv module's limit, a NUL byte...
        raise InputError.field(field, f"not readable as CSV lines ({exc}); {PASTED_HELP}") from None
    if rows and rows[0][0].strip().lower() == "hts":
        rows = rows[1:]
    if len(rows) > MAX_LINES:
        raise InputError.field(field, f"at most {MAX_LINES} lines; got {len(rows)}")
    lines = []
    for n, row in enumerate(rows, 1):
        if not 4 <= len(row) <= 5:
            raise InputError.field(field, f"line {n}: {len(row)} values; expected 4 or 5 ({PASTED_HELP})")
        line = {k: v.strip() for k, v in zip(PASTED, row) if v.strip()}
        if "origin" not in line and origin:
            line["origin"] = origin
        lines.append(line)
    if not lines:
        raise InputError.field(field, f"missing required field ({PASTED_HELP})")
    return lines


def bill(template, form, prefix: str, origin: str) -> dict:
    """The entry fields of one bill: ``template``'s ``fill`` with this form's prices and ``defaults.origin``,
    or the ``lines`` pasted in ``<prefix>lines``."""
    if template is None:
        return {"lines": pasted_lines(form.get(f"{prefix}lines", ""), f"{prefix}lines", origin)}
    fill = {x.id: {"unit_price": form[f"{prefix}fill.{x.id}.unit_price"].strip()} for x in template.lines
            if form.get(f"{prefix}fill.{x.id}.unit_price", "").strip()}
    out = {"fill": fill} if fill else {}
    if origin:
        out["defaults"] = {"origin": origin}
    return out


def form_field(path: str, prefix: str, template, origin_field: str) -> tuple[str, str]:
    """The form field an engine error path under ``prefix`` belongs to, and a prefix for its message."""
    found = _LINE_PATH.match(path[len(prefix):]) if path.startswith(prefix) else None
    if found is None:
        return path, ""
    n, rest = int(found.group(1)), found.group(2) or ""
    if template is None:
        return f"{prefix}lines", f"line {n + 1}{': ' + rest if rest else ''}: "
    if rest == "unit_price" and n < len(template.lines):
        return f"{prefix}fill.{template.lines[n].id}.unit_price", ""
    if rest == "origin":
        return origin_field, ""
    return path, ""


def merge(errors: dict, field: str, lead: str, messages: list[str]) -> None:
    """Add ``messages`` (each led by ``lead``) to ``errors[field]``, each once."""
    bucket = errors.setdefault(field, [])
    for m in messages:
        if lead + m not in bucket:
            bucket.append(lead + m)


def renumber(path: str, key: str, indexes: list[int]) -> str:
    """``imported.1.x`` with JSON index 1 written as the form's index (empty quotes are left out)."""
    head = f"{key}."
    if not path.startswith(head):
        return path
    number, _, rest = path[len(head):].partition(".")
    if number.isdigit() and int(number) < len(indexes):
        return f"{head}{indexes[int(number)]}" + (f".{rest}" if rest else "")
    return path


def pretty(body: dict) -> str:
    return json.dumps(body, indent=2)


def data_url(data: bytes, media: str = "text/csv") -> str:
    """A ``data:`` URL of ``data`` (the CSV link works without JavaScript and without a second request)."""
    return f"data:{media};charset=utf-8;base64,{base64.b64encode(data).decode('ascii')}"


def bill_page(html: str, title: str, resource: str, rows, chart, t, form, doc=None, body=None, errors=None,
              message=None, status: int = 200, hint=None, **context):
    """A bill page (compare, schedule): the form refilled, and with an answer its chart, the JSON body the
    engine was given and the engine's CSV (as the API's ``respond`` writes it) as a download."""
    csv_bytes = respond("csv", resource, doc, rows).get_data() if doc else b""
    return page(html, status, title=title, form=form, templates=t.templates, bill_template=chosen_template(t, form),
                doc=doc, errors=errors or {}, message=message, hint=hint, chart=chart(doc) if doc else "",
                api_body=pretty(body) if body else "", csv_url=data_url(csv_bytes) if doc else "", **context)
