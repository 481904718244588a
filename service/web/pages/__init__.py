"""Pages for people: server-rendered HTML forms and answers on the same engine calls as the API.

One module per page (``quote``, ``timeline``, ``compare``, ``schedule``, ``audit``;
``bills`` reads a bill of goods on the POST pages), ``forms`` for what the pages share (reading the form into the API's
query, the errors of a refused request, the footer's tables stamp).  Templates
in ``service/web/templates/pages/``, the stylesheet in ``service/web/static/``.
``/`` redirects here (``meta.index``: 302 to ``/quote``); ``/docs`` stays the API reference.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)  # templates and static: the app's own (service/web/templates, static)


from service.web.pages import audit, compare, quote, schedule, timeline  # noqa: E402  (their routes register on bp)

PAGES = (quote, timeline, compare, schedule, audit)
