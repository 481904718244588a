"""Service endpoints: health, the OpenAPI contract, a readable API page."""
from __future__ import annotations

import functools
import html
import json
from importlib import resources

import yaml
from flask import Blueprint, Response, redirect, request, url_for

from service.version import __version__
from service.render import spreadsheet
from service.web import freshness
from service.web.blueprints import tables
from service.web.formats import EXT, chosen_format, respond
from service.operations.schemas import FormatQuery, validated

bp = Blueprint("meta", __name__)


@functools.lru_cache(maxsize=1)
def contract_text() -> str:
    """``openapi.yaml`` as shipped in the package (a link to the repository root file)."""
    return resources.files("service").joinpath("openapi.yaml").read_text(encoding="utf-8")


@bp.get("/healthz")
@bp.get(f"/healthz.{EXT}")
def healthz(ext=None):
    args = validated(FormatQuery, request.args)
    fmt = chosen_format(args.get("format"), ext)
    t = tables()
    fresh = freshness.current()
    # Stale tables still answer "ok" (a probe must not restart a service over old data): "stale" says it.
    doc = {"status": "ok", "version": __version__, "tables_version": t.version,
           "coverage_from": t.coverage_from.isoformat(), "stale": fresh.stale, "max_table_age_days": fresh.limit,
           "hts_lines": len(t.lines), "measures": len(t.measures)}
    if t.verified_against is not None:
        doc["verified_against"] = t.verified_against.as_dict()
    return respond(fmt, "health", doc, lambda d: [d], title="Health")


@bp.get("/openapi.yaml")
def openapi_yaml():
    return Response(contract_text(), content_type="application/yaml; charset=utf-8")


@bp.get("/")
def index():
    return redirect(url_for("pages.quote_page"), code=302)  # the quote page; a path (with any proxy prefix), never a host


@bp.get("/docs")
def docs():
    return Response(docs_page(), content_type="text/html; charset=utf-8")


@functools.lru_cache(maxsize=1)
def docs_page() -> str:
    """A self-contained HTML page rendered from the contract (no scripts, no CDN)."""
    spec = yaml.safe_load(contract_text())
    esc = html.escape
    info = spec["info"]
    parts = [f"<h1>{esc(info['title'])} <small>{esc(str(info['version']))}</small></h1>",
             f"<div class=\"desc\">{_paragraphs(info.get('description', ''))}</div>",
             '<p>The contract: <a href="/openapi.yaml">/openapi.yaml</a>.</p>', "<h2>Endpoints</h2><ul>"]
    for path, item in spec["paths"].items():
        for method in ("get", "post"):
            if method in item:
                parts.append(f'<li><a href="#{method}-{esc(path)}"><code>{method.upper()} {esc(path)}</code></a> '
                             f"{esc(item[method].get('summary', ''))}</li>")
    parts.append("</ul>")
    params = spec.get("components", {}).get("parameters", {})
    for path, item in spec["paths"].items():
        for method in ("get", "post"):
            op = item.get(method)
            if not op:
                continue
            parts.append(f'<h3 id="{method}-{esc(path)}"><code>{method.upper()} {esc(path)}</code></h3>')
            parts.append(f"<p><b>{esc(op.get('summary', ''))}</b></p>{_paragraphs(op.get('description', ''))}")
            rows = []
            for p in item.get("parameters", []) + op.get("parameters", []):
                if "$ref" in p:
                    p = params[p["$ref"].rsplit("/", 1)[1]]
                rows.append(f"<tr><td><code>{esc(p['name'])}</code></td><td>{esc(p['in'])}</td>"
                            f"<td>{'yes' if p.get('required') else ''}</td>"
                            f"<td>{esc(p.get('description', ''))}</td></tr>")
            if rows:
                parts.append("<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th>"
                             "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
            for example in op.get("x-examples", []):
                parts.append(f'<p>Example: <a href="{esc(example)}"><code>{esc(example)}</code></a></p>')
            parts.extend(_body_example(op))
    columns = "".join(f"<li><code>{esc(name)}</code>: {esc(', '.join(c.name for c in cols))}</li>"
                      for name, cols in spreadsheet.COLUMNS.items())
    parts.append(f"<h2>Spreadsheet columns</h2><ul>{columns}</ul>")
    body = "\n".join(parts)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(info['title'])}</title><style>body{{font-family:sans-serif;max-width:60em;margin:auto;"
            "padding:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
            "text-align:left;vertical-align:top}code{background:#f4f4f4}</style></head><body>\n"
            f"{body}\n</body></html>\n")


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _body_example(op: dict) -> list[str]:
    """The operation's example request body (``openapi.yaml``), as the page shows it."""
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" not in body:
        return []
    return ["<p>Example body:</p><pre><code>" + html.escape(json.dumps(body["example"], indent=2)) + "</code></pre>"]
