"""Server-rendered SVG charts for the pages (pygal; no flask, no JavaScript, no CDN).

``layers_chart(quote_doc)``: a stacked horizontal bar of a quote's layers, one
bar segment per layer, each ``<rect>`` tagged ``data-program``, ``data-heading``
and ``data-duty`` (the layer's money string as in the JSON).

``timeline_chart(timeline_docs_by_origin)``: one stacked bar per interval of
entry dates (a step: the rate holds from ``from`` to ``to``, exclusive), stacked
by program, small multiples for several origins; each ``<rect>`` tagged
``data-origin``, ``data-from``, ``data-to``, ``data-program`` and ``data-rate``
(the program's share of the customs value, a fraction string as in the JSON).
Each bar is labelled with its start date and the measures that changed there.

Both return ``<figure class="chart" id="chart-...">`` with the SVG inline and a
``<figcaption>``; the page adds the ``table.chart-data`` fallback.  pygal
cannot tag its nodes, so the SVG is post-processed: the n-th ``rect`` of series
k is the n-th value of series k (pygal draws a stacked bar's ``None`` as an empty rect, which is removed).
"""
from __future__ import annotations

import re
import sys
from datetime import date
from decimal import Decimal
from html import escape

import pygal
from pygal.style import Style

# pygal appends a legacy sys.meta_path finder (PluginImportFixer, for pygal.maps plugins, unused here) that
# has no find_spec: every later import that reaches it warns (ImportWarning, an error under the test
# suite's filterwarnings).  Drop it.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

STYLE = Style(background="white", plot_background="white", foreground="#1a1a1a", foreground_strong="#000",
              foreground_subtle="#555", font_family="system-ui, sans-serif", label_font_size=13,
              major_label_font_size=13, legend_font_size=13, value_font_size=12, title_font_size=15,
              colors=("#1f4e9c", "#b3261e", "#1b7a3a", "#7a4b00", "#6a1b9a", "#00626b", "#4d4d4d", "#a3007d"))
_SERIES = re.compile(r'<g class="series serie-(\d+) [^"]*">')
_RECT = re.compile(r"<rect ([^>]*class=\"rect reactive[^>]*)>")


_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_SERIE_ID = re.compile(r' id="activate-serie-\d+"')


def _render(chart) -> str:
    """The chart's SVG without the inline script pygal adds even with ``js=[]`` (the pages use no JavaScript)
    and without its legend ids (the same on every chart: two charts on a page would repeat them)."""
    return _SERIE_ID.sub("", _SCRIPT.sub("", chart.render(is_unicode=True)))


def _chart(cls, **options):
    return cls(js=[], disable_xml_declaration=True, style=STYLE, explicit_size=False, legend_at_bottom=True,
               print_values=False, **options)


def _tag(svg: str, tags: list[list[dict[str, str] | None]]) -> str:
    """``svg`` with the attributes ``tags[k][n]`` added to the n-th bar rect of series k; a ``None`` tag
    removes its rect (pygal draws a stacked bar's missing value as an empty rect: it would take a tag)."""
    starts = [(int(m.group(1)), m.end()) for m in _SERIES.finditer(svg)]
    out, pos = [], 0
    for index, (serie, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(svg)
        pending = iter(tags[serie])
        out.append(svg[pos:start])
        out.append(_RECT.sub(lambda m: _tagged(m.group(1), next(pending, {})), svg[start:end]))
        pos = end
    out.append(svg[pos:])
    return "".join(out)


def _tagged(rect: str, tags: dict[str, str] | None) -> str:
    return "" if tags is None else f"<rect {_attrs(tags)} {rect}>"


def _attrs(tags: dict[str, str]) -> str:
    return " ".join(f'{name}="{escape(str(value), quote=True)}"' for name, value in tags.items())


def _figure(name: str, svgs: list[str], caption: str) -> str:
    return (f'<figure class="chart" id="chart-{name}">{"".join(svgs)}'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def layers_chart(quote_doc: dict) -> str:
    """The quote's layers as one stacked horizontal bar of duty (USD)."""
    layers = quote_doc.get("layers", [])
    chart = _chart(pygal.HorizontalStackedBar, height=220 + 24 * len(layers), width=900,
                   title=f"Duty by layer, USD: {quote_doc['hts']} from {quote_doc['origin']}")
    chart.x_labels = [quote_doc["hts"]]
    for layer in layers:
        chart.add(f"{layer['program']} {layer.get('heading') or ''}".strip(), [float(Decimal(layer["duty"]))])
    tags = [[{"data-program": layer["program"], "data-heading": layer.get("heading") or "",
              "data-duty": layer["duty"]}] for layer in layers]
    svg = _tag(_render(chart), tags) if layers else ""
    caption = (f"Total duty {quote_doc['total_duty']} USD on a customs value of {quote_doc['customs_value']} USD, "
               f"entry {quote_doc['entry_date']}: {len(layers)} layer(s).")
    return _figure("layers", [svg], caption)


def program_rates(interval: dict, value: Decimal) -> dict[str, Decimal]:
    """Each program's effective rate in ``interval``: the sum of its layers' rates when every layer is on the
    full value (exact, whatever the value), else its duty over ``value`` to six places, as the API rounds an
    effective rate (a layer on a part of the value, e.g. AD/CVD on undeclared anode content, adds its duty)."""
    layers: dict[str, list[dict]] = {}
    for layer in interval["layers"]:
        layers.setdefault(layer["program"], []).append(layer)
    out = {}
    for program, items in layers.items():
        if all(x.get("value_base") == "full_value" for x in items):
            out[program] = sum((Decimal(x["rate"]) for x in items), Decimal(0))
        elif value:
            duty = sum((Decimal(x["duty"]) for x in items), Decimal(0))
            out[program] = (duty / value).quantize(Decimal("0.000001"))
    return out


def fraction(d: Decimal) -> str:
    """A fraction as the JSON writes it: ``0.1``, ``0.075``, ``1.149``, ``0``."""
    return format(d.normalize(), "f") if d else "0"


def change_labels(intervals: list[dict]) -> list[str]:
    """Each interval's start date and the measures that came in, changed or went out there."""
    labels, before = [], {}
    for interval in intervals:
        now = {layer["measure_id"]: (layer.get("heading"), layer.get("rate")) for layer in interval["layers"]}
        changed = sorted(m for m in set(now) | set(before) if now.get(m) != before.get(m))
        if labels and changed:
            labels.append(f"{interval['from']}: {', '.join(changed)}")
        else:
            labels.append(interval["from"])
        before = now
    return labels


def _timeline_svg(doc: dict) -> str:
    intervals, value = doc["intervals"], Decimal(doc["customs_value"])
    rates = [program_rates(i, value) for i in intervals]
    programs = sorted({p for r in rates for p in r})
    chart = _chart(pygal.StackedBar, width=1000, height=460, x_label_rotation=50, truncate_label=-1,
                   title=f"Effective rate by program: {doc['hts']} from {doc['origin']}",
                   value_formatter=lambda v: f"{v * 100:.1f}%", y_labels_major_every=None)
    # The axis names each step's first day; the measures that changed there are each bar's label (its
    # tooltip and <desc>), and the table below the chart lists them in full.
    changes = change_labels(intervals)
    chart.x_labels = [i["from"] for i in intervals]
    tags = []
    for program in programs:
        chart.add(program, [{"value": float(r[program]), "label": change} if program in r else None
                            for r, change in zip(rates, changes)])
        tags.append([{"data-origin": doc["origin"], "data-from": i["from"], "data-to": i["to"],
                      "data-program": program, "data-rate": fraction(r[program])} if program in r else None
                     for i, r in zip(intervals, rates)])
    return _tag(_render(chart), tags)


def timeline_chart(timeline_docs_by_origin: dict[str, dict]) -> str:
    """The timelines: with several origins, first their total effective rates on one stepped chart (for a
    sourcing decision), then one chart per origin of stepped, stacked bars of the effective rate by program."""
    docs = [doc for doc in timeline_docs_by_origin.values() if doc.get("intervals")]
    svgs = ([_origins_svg(docs)] if len(docs) > 1 else []) + [_timeline_svg(doc) for doc in docs]
    origins = ", ".join(timeline_docs_by_origin)
    caption = ("Effective rate by program over entry dates (each bar holds from its date to the next, exclusive; "
               f"labels name the measures that changed): origin(s) {origins}."
               + (" The first chart sets the origins' total effective rates side by side, a step at each change."
                  if len(docs) > 1 else ""))
    return _figure("timeline", svgs, caption)


def _origins_svg(docs: list[dict]) -> str:
    """The total effective rate of each origin over entry dates on one chart, drawn as steps (each rate holds
    from its interval's first day to the next interval's first day); the per-program charts and the table
    below carry the figures."""
    chart = _chart(pygal.DateLine, width=1000, height=420, x_label_rotation=35, show_dots=False, fill=False,
                   title=f"Total effective rate by origin: {docs[0]['hts']}",
                   value_formatter=lambda v: f"{v * 100:.1f}%", y_labels_major_every=None)
    for doc in docs:
        value = Decimal(doc["customs_value"])
        points = []
        for interval in doc["intervals"]:
            total = sum(program_rates(interval, value).values(), Decimal(0))
            start, end = date.fromisoformat(interval["from"]), date.fromisoformat(interval["to"])
            points += [(start, float(total)), (end, float(total))]       # flat from the first day to the next
        chart.add(doc["origin"], points)
    return f'<div class="origins" data-origins="{escape(" ".join(d["origin"] for d in docs))}">' \
        + _render(chart) + "</div>"


def cost_parts(totals: dict, price: str) -> list[tuple[str, str]]:
    """A landed cost as (part, money string) in stacking order: ``price`` (the dutiable value), ``duty:<program>``
    per program, ``fees``, ``costs`` (freight, insurance, brokerage...: their sum); zero parts left out.
    The parts add up to the landed cost: 450000.00 + 168750.00 + 15300.00 + 670.86 = 634720.86."""
    costs = sum((Decimal(v) for v in (totals.get("costs") or {}).values()), Decimal("0.00"))
    parts = [("price", price), *((f"duty:{p}", d) for p, d in (totals.get("duty_by_program") or {}).items()),
             ("fees", totals.get("fees") or "0.00"), ("costs", str(costs))]
    return [(part, value) for part, value in parts if Decimal(value)]


def _stacked(title: str, labels: list[str], columns: list[list[tuple[str, str]]], tags: list[dict],
             key: str) -> str:
    """One stacked bar per column of (part, money) pairs, each rect tagged ``tags[i]`` + ``key``/``data-value``."""
    parts = list(dict.fromkeys(part for column in columns for part, _ in column))
    chart = _chart(pygal.StackedBar, width=1000, height=520, title=title, truncate_label=-1,
                   value_formatter=lambda v: f"{v:,.2f}")
    chart.x_labels = labels
    out_tags = []
    for part in parts:
        values = [dict(column).get(part) for column in columns]
        shown = [float(Decimal(v)) * (-1 if part == "credit" else 1) if v is not None else None for v in values]
        chart.add(part.replace("duty:", "duty "), shown)
        out_tags.append([{**tags[i], key: part, "data-value": v} if v is not None else None
                         for i, v in enumerate(values)])
    return _tag(_render(chart), out_tags) if parts else ""


def compare_chart(compare_doc: dict) -> str:
    """Domestic first, then each imported quote: a stacked bar of its landed cost by part (``price``,
    ``duty:<program>``, ``fees``, ``costs``) and, with a project, its credit as a negative ``credit`` segment;
    each rect tagged ``data-quote`` (``domestic`` or the quote's index), ``data-part``, ``data-value``."""
    domestic = compare_doc["domestic"]
    columns = [[("price", domestic["delivered_cost"])]]
    labels, tags = [f"{domestic['name']} (domestic)"], [{"data-quote": "domestic"}]
    credits = [domestic.get("credit")]
    for quote in compare_doc["imported"]:
        columns.append(cost_parts(quote["detail"]["totals"], quote["dutiable_value"]))
        labels.append(quote["name"])
        tags.append({"data-quote": str(quote["index"])})
        credits.append(quote.get("credit"))
    for column, credit in zip(columns, credits):
        if credit and Decimal(credit["amount"]):
            column.append(("credit", credit["amount"]))
    labels = [label + (f" · net {Decimal(c['net_cost']):,}" if c else "") for label, c in zip(labels, credits)]
    svg = _stacked(f"Landed cost by part, USD (entry {compare_doc['entry_date']})", labels, columns, tags,
                   "data-part")
    caption = ("Each bar: the price (dutiable value; the domestic delivered price), the duties by program, fees "
               "and freight and other costs, adding up to the landed cost"
               + ("; the tax credit drawn below zero, the net cost in the label." if credits[0] else "."))
    return _figure("compare", [svg], caption)


def schedule_chart(schedule_doc: dict) -> str:
    """One stacked bar per shipment (in entry-date order) of its landed cost by part (``price``,
    ``duty:<program>``, ``fees``, ``costs``); each rect tagged ``data-shipment`` (its index as given),
    ``data-program`` (the part) and ``data-value``."""
    shipments = schedule_doc["shipments"]
    columns = [cost_parts(s["totals"], s["totals"]["dutiable_value"]) for s in shipments]
    labels = [s["entry_date"] + (f" {s['name']}" if s.get("name") else "") for s in shipments]
    tags = [{"data-shipment": str(s["index"])} for s in shipments]
    svg = _stacked("Landed cost by shipment date, USD", labels, columns, tags, "data-program")
    return _figure("schedule", [svg], "Each bar: one shipment of the bill, priced under the tables in force on "
                                      "its entry date: price (dutiable value), duties by program, fees, costs.")
