"""The diff of two table sets as plain text (``tariff-stack diff``), rendered from its JSON document.

One summary line, the two sets and the scope, then the changes grouped by
line; origins whose changes read the same (same dates, totals, rates and
headings) share one group.  Each change names its dates: ``from D on`` (with the default
dates, on every later day too), ``D1 to D2`` or one date.
"""
from __future__ import annotations

DEFAULT_LIMIT = 50


def render_diff(doc: dict, limit: int | None = DEFAULT_LIMIT) -> str:
    """The summary, the sets, and up to ``limit`` groups of changes (None or 0: all of them)."""
    groups = _groups(doc["changes"])
    shown = groups[:limit] if limit else groups
    parts = [summary_line(doc), _sets(doc)] + [f"warning: {w}" for w in doc.get("warnings") or ()]
    for hts, origins, changes in shown:
        parts += ["", f"{hts}  {', '.join(origins)}"]
        for lines in changes:
            parts += lines
    if len(shown) < len(groups):
        rest = groups[len(shown):]
        count = sum(len(changes) for _, _, changes in rest)
        parts += ["", f"... {_count(len(rest), 'more group')} ({_count(count, 'change')}) not shown: --limit 0 "
                      "shows all, --json lists every changed quote"]
    return "\n".join(parts)


def summary_line(doc: dict) -> str:
    by = ", ".join(f"{name.replace('_', ' ') if name.startswith(('newly', 'refusal')) else name} {count:,}"
                   for name, count in doc["by_program"].items())
    if not doc["changed"]:
        return f"{doc['compared']:,} quotes compared, 0 changed"
    period, as_of = doc["by_period"], doc["new"]["as_of"]
    return (f"{doc['compared']:,} quotes compared, {doc['changed']:,} changed ({period['on_or_before_as_of']:,} on "
            f"or before the as-of date {as_of}, {period['after_as_of']:,} after it; by program: {by})")


def _sets(doc: dict) -> str:
    old, new, dates = doc["old"], doc["new"], doc["dates"]
    which = "the default dates" if dates["default"] else "the dates given"
    return (f"old {old['version']} (as of {old['as_of']}, {old['directory']}) -> new {new['version']} "
            f"(as of {new['as_of']}, {new['directory']})\n"
            f"{_count(doc['lines'], 'line')} x {_count(len(doc['origins']), 'origin')} ({', '.join(doc['origins'])}) x "
            f"{_count(dates['count'], 'date')} ({which}, {dates['first']} to {dates['last']}) at a customs value of "
            f"{doc['value']}; {doc['quoted']:,} quote pairs priced (once per interval in which neither set changes)")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _groups(changes: list[dict]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Per line, the origins whose changes read the same (in the order first met), with those changes' lines."""
    by_line: dict[str, dict[str, list]] = {}
    for change in changes:
        by_line.setdefault(change["hts"], {}).setdefault(change["origin"], []).append(_change_lines(change))
    out = []
    for hts, origins in by_line.items():
        alike: dict[tuple, list[str]] = {}
        for origin, texts in origins.items():
            alike.setdefault(tuple(tuple(lines) for lines in texts), []).append(origin)
        out += [(hts, names, [list(lines) for lines in texts]) for texts, names in alike.items()]
    return out


def _when(change: dict) -> str:
    count = _count(len(change["dates"]), "date")
    if change["open_end"]:
        return f"from {change['from']} on ({count})"
    if len(change["dates"]) == 1:
        return change["from"]
    return f"{change['from']} to {change['to']} ({count})"


def _change_lines(change: dict) -> list[str]:
    before, after, kind = change["before"], change["after"], change["kind"]
    if kind == "changed":
        head = (f"total {before['total_duty']} -> {after['total_duty']}, "
                f"effective rate {before['effective_rate']} -> {after['effective_rate']}")
    elif kind == "newly_refused":
        head = f"newly refused (was {before['total_duty']}, {before['effective_rate']}): {after['reason']}"
    elif kind == "newly_priced":
        head = f"newly priced: {after['total_duty']}, {after['effective_rate']} (was refused: {before['reason']})"
    else:
        head = f"refused differently: {before['reason']} -> {after['reason']}"
    lines = [f"  {_when(change)}: {head}"]
    for layer in change["layers"]:
        lines.append(f"    {layer['change']:<11}  {layer['program']:<12}  " + _layer_text(layer))
    return lines


def _layer_text(layer: dict) -> str:
    def one(part: dict) -> str:
        return f"{part['heading']} {part['rate']} ({part['duty']})"

    if layer["change"] == "changed":
        return f"{one(layer['before'])} -> {one(layer['after'])}"
    return one(layer.get("after") or layer["before"])
