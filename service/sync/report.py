"""The review report of a sync run: Markdown for people, JSON for tools (``report_version`` 1).

JSON shape (stable; fields are only ever added, under a new ``report_version`` if one changes)::

    {"report_version": 1, "generated": ISO datetime, "today": ISO date, "exit_code": int,
     "tables": {"directory", "version", "as_of", "verified_against", "covered_lines", "covered_headings"},
     "sources": [{"source", "title", "ok", "error": null | {"url", "reason"}, "since", "checked_through",
                  "requests", "not_modified", "findings"}],
     "findings": [{"id", "source", "kind", "severity", "title", "url", "published", "effective",
                   "touches": {"hts", "measures", "headings", "cases", "currencies"}, "detail",
                   "draft": null | {"path", "edit", "args", "yaml"}}],
     "circuit_breaker": {"tripped", "changed_lines", "covered_lines", "limit", "message"}}

The README's "Keeping the tables current" describes each field.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from service.model import hts as htsmod
from service.sync.findings import SEVERITIES, Finding
from service.sync.util import write_text_atomic

REPORT_VERSION = 1
TITLES = {
    "usitc": "USITC HTS (reststop)",
    "federal_register": "Federal Register",
    "adcvd": "AD/CVD cash deposits (Federal Register)",
    "csms": "CBP CSMS messages",
    "fx": "Exchange rates (Federal Reserve H.10)",
}


@dataclass
class Report:
    generated: datetime
    today: date
    tables: dict
    sources: list[dict]
    findings: list[Finding]
    breaker: dict
    exit_code: int

    def doc(self) -> dict:
        return {
            "report_version": REPORT_VERSION, "generated": self.generated.isoformat(timespec="seconds"),
            "today": self.today.isoformat(), "exit_code": self.exit_code, "tables": self.tables,
            "sources": self.sources, "findings": [f.doc() for f in self.findings],
            "circuit_breaker": self.breaker,
        }


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """``report.md`` and ``report.json`` in ``out_dir`` (each replaced whole, never half-written)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js = out_dir / "report.md", out_dir / "report.json"
    write_text_atomic(md, markdown(report, js))
    write_text_atomic(js, json.dumps(report.doc(), indent=2, ensure_ascii=False) + "\n")
    return md, js


def markdown(report: Report, json_path: Path | str = "report.json") -> str:
    parts = [_header(report)]
    if report.breaker.get("tripped"):
        parts.append(f"> **{report.breaker['message']}**\n")
    parts += [_sources(report), _failures(report), _findings(report, json_path)]
    return "\n".join(p for p in parts if p)


def _header(report: Report) -> str:
    t = report.tables
    counts = {s: sum(f.severity == s for f in report.findings) for s in SEVERITIES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"
    verified = t.get("verified_against") or {}
    lines = [
        "# Tariff tables sync report", "",
        f"- Run: {report.today} (generated {report.doc()['generated']})",
        f"- Tables: version {t['version']}, as of {t['as_of']} ({t['age_days']} days before the run), "
        f"{t['directory']}; {t['covered_lines']} covered lines, {t['covered_headings']} chapter 99 headings",
        "- Tables verified against: " + (_verified_line(verified) or "not stated"),
        f"- Findings: {len(report.findings)} ({summary}); exit code {report.exit_code}", "",
    ]
    return "\n".join(lines)


def _sources(report: Report) -> str:
    rows = ["## Sources", "", "| Source | Status | From | Checked through | Requests (not modified) | Findings |",
            "|---|---|---|---|---|---|"]
    for s in report.sources:
        status = "ok" if s["ok"] else "**failed**"
        rows.append(f"| {s['source']}: {s['title']} | {status} | {_pairs(s['since'])} | "
                    f"{_pairs(s['checked_through'])} | {s['requests']} ({s['not_modified']}) | {s['findings']} |")
    return "\n".join(rows) + "\n"


def _pairs(d: dict) -> str:
    def short(v):
        v = str(v)
        return v if len(v) <= 40 else v[:37] + "..."
    return ", ".join(f"{k} {short(v)}" for k, v in d.items() if v not in ("", None)) or "-"


def _failures(report: Report) -> str:
    failed = [s for s in report.sources if not s["ok"]]
    if not failed:
        return ""
    rows = ["## Failures", ""]
    for s in failed:
        err = s["error"]
        rows.append(f"- source {s['source']} failed: {err['reason']} ({err['url']}); its findings are missing "
                    "from this report" + (" (those found before the failure are listed)" if s["findings"] else "")
                    + "; its state is kept, so the next run reads it again.")
    return "\n".join(rows) + "\n"


def _findings(report: Report, json_path) -> str:
    if not report.findings:
        return "## Findings\n\nNone: the sources that answered agree with the tables.\n"
    out = ["## Findings", ""]
    for s in report.sources:
        mine = [f for f in report.findings if f.source == s["source"]]
        if not mine:
            continue
        out += [f"### {s['source']}: {s['title']}", ""]
        for severity in SEVERITIES:
            group = [f for f in mine if f.severity == severity]
            if group:
                out += [f"#### {severity} ({len(group)})", ""]
                out += [_finding(f, json_path) for f in group]
    return "\n".join(out)


def _finding(f: Finding, json_path) -> str:
    t = f.touches
    touched = [("HTS", ", ".join(htsmod.dotted(c) for c in t.hts)), ("measures", ", ".join(t.measures)),
               ("headings", ", ".join(t.headings)), ("cases", ", ".join(t.cases)),
               ("currencies", ", ".join(t.currencies))]
    lines = [f"##### {f.title}", "",
             f"- id: `{f.id}`",
             f"- URL: <{f.url}>",
             f"- published: {f.published or 'not stated'}; effective: {f.effective or 'not stated'}",
             "- touches: " + ("; ".join(f"{k} {v}" for k, v in touched if v) or "nothing in the tables"),
             f"- {f.detail}" if f.detail else "", ""]
    if f.draft:
        lines += [f"Draft ({f.draft.edit} on `{f.draft.path}`):", "", "```yaml", f.draft.yaml.rstrip("\n"), "```", "",
                  f"Apply: `tariff-stack sync --apply {json_path} --finding {f.id}`", ""]
    return "\n".join(line for line in lines if line is not None)


def _verified_line(verified: dict) -> str:
    """meta.yaml's ``verified_against`` in one line (its notes are in meta.yaml and the JSON report)."""
    parts = []
    hts, fr, csms = (verified.get(k) or {} for k in ("hts_release", "federal_register_through", "csms_through"))
    if hts.get("name"):
        parts.append(f"HTS {hts['name']} ({hts.get('date')})")
    parts.append(f"Federal Register through {fr['date']}" if fr.get("date") else "Federal Register: not reviewed")
    parts.append(f"CSMS #{csms['message']} ({csms.get('date')})" if csms.get("message") else "CSMS: not reviewed")
    return "; ".join(parts) + " (how each was read: meta.yaml notes)" if verified else ""
