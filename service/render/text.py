"""A duty stack as plain text for a terminal (``tariff-stack quote``)."""
from __future__ import annotations

from tabulate import tabulate

from service.render.freshness import days

HEADERS = ("program", "heading", "rate", "value base", "base", "duty USD", "confidence")
ALIGN = ("left", "left", "right", "left", "right", "right", "left")


def render_text(result: dict) -> str:
    """The quote document of :func:`~service.engine.quote.quote` as a table with its notes."""
    head = (f"{result['hts']}  {result['description']}\n"
            f"origin {result['origin']} ({result['origin_name']})  entry {result['entry_date']}  "
            f"customs value {result['customs_value']} {result['currency']}  tables {result['tables_version']}"
            + (f" as of {result['as_of']} ({days(result['age_days'])} old)" if "as_of" in result else ""))
    rows = [(layer["program"], layer["heading"], layer["rate"], layer["value_base"], layer["base_amount"],
             layer["duty"], layer["confidence"]) for layer in result["layers"]]
    rows.append(("total", "", result["effective_rate"], "", result["customs_value"], result["total_duty"], ""))
    table = tabulate(rows, headers=HEADERS, disable_numparse=True, colalign=ALIGN)
    parts = [head, "", table]
    filing = []
    for fl in result["filing_lines"]:
        numbers = " ".join(n["number"] for n in fl["numbers"])
        filing.append(f"  line {fl['line']} ({fl['portion']}, {fl['value']}): {numbers}")
    parts += ["", "Filing lines (CBP reporting order):", *filing]
    if result["not_applied"]:
        parts += ["", "Considered, not applied:"]
        parts += [f"  - {n['measure_id'] or n['heading']}: {n['reason']}" for n in result["not_applied"]]
    if result["assumptions"]:
        parts += ["", "Assumptions:"] + [f"  - {a['assumption']}" for a in result["assumptions"]]
    if result.get("duty_range"):
        parts += ["", *_range_text(result["duty_range"])]
    if result["warnings"]:
        parts += ["", "Warnings:"] + [f"  - {w}" for w in result["warnings"]]
    parts += ["", "Citations:"] + [f"  - {layer['heading']}: {layer['citation']}" for layer in result["layers"]]
    return "\n".join(parts)


def _range_text(r: dict) -> list[str]:
    """The duty range of a quote whose facts were assumed: the low and high, and each fact's values."""
    out = [f"Duty range if the assumed facts are otherwise: {r['low']} to {r['high']} USD "
           f"(total above: {r['assumed']}, on today's assumptions):"]
    for f in r["facts"]:
        tried = ", ".join(f"{v['value']}: {v['total_duty']}" for v in f["values"])
        out.append(f"  - {f['fact']} (assumed {f['assumption']}; {'moves' if f['moves'] else 'does not move'} "
                   f"the duty): {tried}")
    return out
