"""Thin HTTP blueprints: parse the request, call the domain, render.

The helpers they share live beside them in ``service.web``: ``errors``
(:class:`ApiError`, the envelope), ``jsonio`` (``read_json``) and ``formats``
(``chosen_format``, ``split_suffix``, ``render``).
"""
from __future__ import annotations

from flask import g


def tables():
    """The tables this app serves (set on ``g`` before every request)."""
    return g.tables
