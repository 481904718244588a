"""What a scenario changed, marked on the answer of each endpoint.

Each endpoint's engine function runs twice, on the tables and on the tables
with the scenario (``service.engine.scenario.apply``); the answer is the one
with the scenario, every layer it changed marked ``scenario``:

* ``added``: a layer of a measure the scenario adds;
* ``changed``: a layer of a table measure whose figures differ without the scenario;
* ``now_applies``: a layer of a table measure that applies only with the scenario
  (a measure that replaced or exempted it is ended);

and a top-level ``scenario`` block: what the scenario adds and ends (with
citations), ``without_scenario`` (the endpoint's figures without it, and the
layers it took away: ``ended`` for a measure it ends, ``displaced`` for one an
added measure replaces or exempts, ``changed`` for the old figures of a changed
layer), and ``changed``, the paths of the figures that differ.
"""
from __future__ import annotations

import copy
from collections import OrderedDict

from service.model.scenarios import Scenario

FIGURES = ("rate", "duty", "heading", "value_base", "base_amount")
QUOTE_FIGURES = ("total_duty", "effective_rate")
TOTAL_FIGURES = ("duty", "effective_duty_rate", "landed_cost", "per_kwh")
LINE_FIGURES = ("dutiable_value", "landed_cost", "per_kwh")
COMPARE_FIGURES = ("landed_cost", "duty", "per_kwh", "difference_vs_domestic", "cheaper", "break_even_additional_rate")
SCHEDULE_LINE_FIGURES = ("duty", "effective_rate", "landed_cost")
# With a project, each quote's credit position (service.engine.credit.compare): its figures after credits.
NET_FIGURES = ("net_cost", "net_per_kwh", "net_difference_vs_domestic", "net_cheaper", "break_even_additional_rate_net")
CREDIT_FIGURES = ("amount", "net_cost")        # of a credit block: the credit and the net cost


# ------------------------------------------------------------------ layers

def _by_measure(layers: list) -> dict:
    out: dict = {}
    for layer in layers:
        out.setdefault(layer["measure_id"], []).append(layer)
    return out


def _figures(layers: list) -> list:
    return [tuple(x.get(k) for k in FIGURES) for x in layers]


def mark_layers(layers: list, base_layers: list, scenario: Scenario) -> tuple[list, list]:
    """``layers`` (a copy) with marks, and the base layers the scenario took away or changed, marked."""
    mine, theirs = _by_measure(layers), _by_measure(base_layers)
    added = scenario.added_ids
    marked = []
    for layer in layers:
        mid = layer["measure_id"]
        mark = ("added" if mid in added else "now_applies" if mid not in theirs
                else "changed" if _figures(mine[mid]) != _figures(theirs[mid]) else None)
        marked.append({**layer, "scenario": mark} if mark else layer)
    gone = []
    for layer in base_layers:
        mid = layer["measure_id"]
        mark = ("ended" if mid in scenario.ended_ids and mid not in mine else "displaced" if mid not in mine
                else "changed" if _figures(mine[mid]) != _figures(theirs[mid]) else None)
        if mark:
            gone.append({**layer, "scenario": mark})
    return marked, gone


def _changed(doc: dict, base: dict, names, prefix: str = "") -> list[str]:
    return [f"{prefix}{k}" for k in names if doc.get(k) != base.get(k)]


def _block(summary: dict, without: dict, changed: list[str]) -> OrderedDict:
    return OrderedDict(**summary, without_scenario=without, changed=changed)


# ------------------------------------------------------------------ one line

def quote_doc(doc: dict, base: dict, scenario: Scenario, summary: dict) -> OrderedDict:
    """A duty quote with the scenario (``doc``, shared by the caches: copied) against the quote without it."""
    out = OrderedDict(copy.deepcopy(doc))
    out["layers"], gone = mark_layers(out["layers"], base["layers"], scenario)
    without = OrderedDict((k, base[k]) for k in QUOTE_FIGURES)
    without["layers"] = gone
    changed = _changed(doc, base, QUOTE_FIGURES) + (["layers"] if gone or _any_mark(out["layers"]) else [])
    out["scenario"] = _block(summary, without, changed)
    return out


def _any_mark(layers: list) -> bool:
    return any("scenario" in x for x in layers)


def timeline_doc(doc: dict, base: dict, scenario: Scenario, summary: dict) -> OrderedDict:
    """A timeline with the scenario; each interval's layers marked against the interval without it on its first day."""
    out = OrderedDict(copy.deepcopy(doc))
    for interval in out["intervals"]:
        other = _interval_on(base["intervals"], interval["from"])
        interval["layers"], _gone = mark_layers(interval["layers"], other["layers"] if other else [], scenario)
    same = _steps(doc["intervals"]) == _steps(base["intervals"])
    out["scenario"] = _block(summary, OrderedDict(intervals=base["intervals"]), [] if same else ["intervals"])
    return out


def _interval_on(intervals: list, day: str) -> dict | None:
    return next((x for x in intervals if x["from"] <= day < x["to"]), None)


def _steps(intervals: list) -> list:
    return [(x["from"], x["to"], x["total_duty"], x["effective_rate"], _figures(x["layers"])) for x in intervals]


# ------------------------------------------------------------------ entries

def mark_entry(doc: dict, base: dict, scenario: Scenario, prefix: str = "") -> tuple[list, list[str]]:
    """Mark the layers of every line of an entry document in place (a copy); its changed lines and figures."""
    lines, changed = [], []
    for i, (line, other) in enumerate(zip(doc["lines"], base["lines"])):
        duty = line["duty"] = dict(line["duty"])
        duty["layers"], gone = mark_layers(duty["layers"], other["duty"]["layers"], scenario)
        figures = _changed(line, other, LINE_FIGURES, f"{prefix}lines.{i}.")
        figures += _changed(duty, other["duty"], ("total", "effective_rate"), f"{prefix}lines.{i}.duty.")
        if figures or gone or _any_mark(duty["layers"]):
            lines.append(OrderedDict(index=line["index"], id=line["id"], duty=other["duty"]["total"],
                                     effective_rate=other["duty"]["effective_rate"],
                                     landed_cost=other["landed_cost"], layers=gone))
            changed += figures
    return lines, changed


def landed_doc(doc: dict, base: dict, scenario: Scenario, summary: dict) -> OrderedDict:
    """A landed cost with the scenario against the same entry without it."""
    out = copy.deepcopy(doc)
    lines, changed = mark_entry(out, base, scenario)
    changed = _changed(doc["totals"], base["totals"], TOTAL_FIGURES, "totals.") + changed
    without = OrderedDict(totals=OrderedDict((k, base["totals"][k]) for k in TOTAL_FIGURES), lines=lines)
    out["scenario"] = _block(summary, without, changed)
    return out


def credit_without(doc: dict, base_credit: dict | None, prefix: str = "") -> tuple[dict, list[str]]:
    """A credit block's figures without the scenario, and the paths of those that differ (none without a credit)."""
    if base_credit is None or "credit" not in doc:
        return {}, []
    figures = OrderedDict((k, base_credit[k]) for k in CREDIT_FIGURES)
    return {"credit": figures}, _changed(doc["credit"], base_credit, CREDIT_FIGURES, prefix + "credit.")


def compare_doc(doc: dict, base: dict, scenario: Scenario, summary: dict) -> OrderedDict:
    """A comparison with the scenario: each imported quote's figures without it, its layers marked."""
    out = copy.deepcopy(doc)
    quotes, changed = [], []
    for i, (q, other) in enumerate(zip(out["imported"], base["imported"])):
        names = (*COMPARE_FIGURES, *(k for k in NET_FIGURES if k in other))
        _lines, line_changes = mark_entry(q["detail"], other["detail"], scenario, f"imported.{i}.detail.")
        credit, credit_changes = credit_without(q, other.get("credit"), f"imported.{i}.")
        quotes.append(OrderedDict(index=other["index"], name=other["name"], **{k: other.get(k) for k in names},
                                  **credit))
        changed += _changed(doc["imported"][i], other, names, f"imported.{i}.") + credit_changes + line_changes
    verdicts = tuple(k for k in ("best", "best_net") if k in base)
    without = OrderedDict(imported=quotes, **{k: base[k] for k in verdicts})
    out["scenario"] = _block(summary, without, changed + _changed(doc, base, verdicts))
    return out


def schedule_doc(doc: dict, base: dict, entries: list[tuple[dict, dict]], scenario: Scenario,
                 summary: dict) -> OrderedDict:
    """A schedule with the scenario.  ``entries``: each shipment's landed-cost documents (with, without), in the
    schedule's order; every shipment line the scenario changed lists its marked layers (``scenario_layers``)."""
    out = copy.deepcopy(doc)
    shipments, changed = [], []
    for k, (shipment, other, (mine, theirs)) in enumerate(zip(out["shipments"], base["shipments"], entries)):
        mine = copy.deepcopy(mine)
        mark_entry(mine, theirs, scenario)
        for j, (line, priced, before) in enumerate(zip(shipment["lines"], mine["lines"], other["lines"])):
            marked = [x for x in priced["duty"]["layers"] if "scenario" in x]
            if marked:
                line["scenario_layers"] = marked
            changed += _changed(line, before, SCHEDULE_LINE_FIGURES, f"shipments.{k}.lines.{j}.")
        shipments.append(OrderedDict(index=other["index"], entry_date=other["entry_date"], totals=OrderedDict(
            (key, other["totals"][key]) for key in TOTAL_FIGURES)))
        changed += _changed(shipment["totals"], other["totals"], TOTAL_FIGURES, f"shipments.{k}.totals.")
    _mark_changes(out["changes"], base["changes"], scenario)
    out["scenario"] = _block(summary, OrderedDict(shipments=shipments), changed)
    return out


def _mark_changes(changes: list, base_changes: list, scenario: Scenario) -> None:
    """A change between shipments that a scenario measure makes, or that happens only with the scenario."""
    def keys(items):
        return {(c["measure_id"], c["change"], c.get("rate_after"), c.get("day")) for c in items}
    before = keys(x for c in base_changes for x in (*c["layers"], *c["measures"]))
    for change in changes:
        for item in (*change["layers"], *change["measures"]):
            mid = item["measure_id"]
            if mid in scenario.added_ids:
                item["scenario"] = "added"
            elif mid in scenario.ended_ids:
                item["scenario"] = "ended"
            elif next(iter(keys([item]))) not in before:
                item["scenario"] = {"ends": "displaced", "starts": "now_applies"}.get(item["change"], "changed")


__all__ = ["compare_doc", "landed_doc", "mark_entry", "mark_layers", "quote_doc", "schedule_doc", "timeline_doc"]
