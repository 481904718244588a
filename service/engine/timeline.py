"""The duty stack of one line as a step function over entry dates.

Between two consecutive boundary dates of the tables (a measure, a dated
value, an in-transit cut-off or a column 1 rate starting or ending) nothing
changes, so one quote per boundary prices the whole range.  Consecutive
intervals with the same layers are merged.
"""
from __future__ import annotations

import bisect
import dataclasses
from collections import OrderedDict
from datetime import date

from service.model import freshness
from service.model.errors import InputError
from service.engine.line_input import LineInput
from service.engine.quote import quote

MAX_SPAN_DAYS = 366 * 30


def _signature(doc: dict) -> tuple:
    return tuple((layer["program"], layer["heading"], layer["rate"], layer["value_base"], layer["duty"])
                 for layer in doc["layers"])


def _layer(layer: dict) -> dict:
    return OrderedDict((k, layer[k]) for k in ("program", "heading", "rate", "value_base", "base_amount", "duty",
                                               "measure_id", "citation"))


def timeline(tables, line: LineInput, start: date, end: date) -> dict:
    """Intervals ``[from, to)`` covering ``[start, end)`` with their stacks.

    ``line.entry_date`` is ignored; each interval is priced on its first day.
    ``warnings`` says when the range reaches entry dates after the tables'
    as-of date.
    """
    if end <= start:
        raise InputError.field("to", "must be after from")
    if (end - start).days > MAX_SPAN_DAYS:
        raise InputError.field("to", f"the range may span at most {MAX_SPAN_DAYS} days")
    if start < tables.coverage_from:
        raise InputError.field("from", f"the tables cover entry dates from {tables.coverage_from}")
    days = tables.boundaries()
    cuts = [start] + days[bisect.bisect_right(days, start):bisect.bisect_left(days, end)]
    steps = []
    first = None
    for i, day in enumerate(cuts):
        doc = quote(tables, dataclasses.replace(line, entry_date=day))
        if first is None:
            first = doc
        to = cuts[i + 1] if i + 1 < len(cuts) else end
        sig = _signature(doc)
        if steps and steps[-1][0] == sig:
            steps[-1][1]["to"] = to.isoformat()
            continue
        steps.append((sig, OrderedDict(**{"from": day.isoformat(), "to": to.isoformat()},
                                       total_duty=doc["total_duty"], effective_rate=doc["effective_rate"],
                                       layers=[_layer(x) for x in doc["layers"]])))
    return OrderedDict(
        tables_version=tables.version, hts=first["hts"], hts_requested=first["hts_requested"],
        description=first["description"], origin=first["origin"], origin_name=first["origin_name"],
        currency=first["currency"], customs_value=first["customs_value"],
        **{"from": start.isoformat(), "to": end.isoformat()},
        intervals=[step for _sig, step in steps],
        warnings=_warnings(tables, start, end),
    )


def _warnings(tables, start: date, end: date) -> list[str]:
    """The range's entry dates after the tables' as-of date, if it reaches them."""
    late = freshness.range_after_as_of(start, end, tables.as_of)
    return [late] if late else []
