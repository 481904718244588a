"""Comparing the covered lines with the current HTS schedule (USITC ``exportList`` rows).

For every line entry of ``hts/*.yaml`` in force on the release date, the column 1
general and special text of the schedule is compared with the tables' row in force
on that date; statistical suffixes under each covered 8-digit line are compared with
the tables' ``statistical`` maps.  The traps: a blank 10-digit rate inherits the
8-digit line's (a line without suffixes prints its rate on ``...00``); footnotes
are cross-references, not rates; special-program codes that ``programs.yaml`` does
not define (E*, J*) and chapter 99 cross-references ("See 9921.01.01 (JP)") are
left out of the tables by convention, so they are left out of the comparison too.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable

from service.model import hts as htsmod
from service.model.rates import Rate, parse_rate, parse_special
from service.sync.findings import Draft, Finding, Touches
from service.sync.hts_edit import row_lines
from service.tables.tables import Tables

SOURCE = "usitc"
_CROSS_REFERENCE = re.compile(r"See [^()]*\([^()]*\)")


@dataclass(frozen=True)
class Against:
    """What the tables are compared with: one release of the schedule, read on ``today``."""
    release: str
    title: str
    published: date | None
    today: date
    url: Callable[[str], str]          # HTS digits -> URL of the export that holds them

    @property
    def day(self) -> date:
        return self.published or self.today


def clean(text) -> str:
    return " ".join(str(text or "").split())


def index_rows(rows) -> dict[str, dict]:
    """Schedule rows by HTS digits (rows without a number, the indented headers, are left out)."""
    out: dict[str, dict] = {}
    for row in rows:
        digits = clean(row.get("htsno")).replace(".", "")
        if digits.isdigit():
            out.setdefault(digits, row)
    return out


def rate_row(rows: dict, code: str) -> tuple[str, dict] | None:
    """The row whose column 1 rate applies to ``code``: its own, else its 8-digit line's (blank
    10-digit rates inherit), and for an 8-digit line without suffixes, the ``...00`` row."""
    candidates = [code, code[:8]] if len(code) == 10 else [code, code + "00"]
    for digits in candidates:
        row = rows.get(digits)
        if row is not None and clean(row.get("general")):
            return digits, row
    return None


def in_force(tables: Tables, day: date) -> dict[str, list[str]]:
    """Covered codes in force on ``day``, grouped by their line entry (file:line)."""
    entries: dict[str, list[str]] = defaultdict(list)
    for code, line in sorted(tables.lines.items()):
        if line.rate_on(day) is not None and line.in_schedule_on(day):
            entries[line.where].append(code)
    return dict(entries)


def line_findings(tables: Tables, rows: dict, against: Against) -> list[Finding]:
    findings = []
    for codes in in_force(tables, against.day).values():
        findings.extend(_entry_findings(tables, rows, codes, against))
    return findings


def _entry_findings(tables: Tables, rows: dict, codes: list[str], against: Against) -> list[Finding]:
    present = {code: found for code in codes if (found := rate_row(rows, code))}
    if not present:
        return []      # a line missing from the schedule is reported by the suffix check
    texts = {(clean(row.get("general")), clean(row.get("special"))) for _, row in present.values()}
    entry = _entry_code(codes)
    if len(texts) > 1:
        return [_finding(entry, codes, against, "column1_rate", "the statistical numbers print different rates",
                         "The tables hold one rate per line entry; the schedule prints: "
                         + "; ".join(f"{htsmod.dotted(d)}: {g} / {s}" for d, (g, s) in _printed(present)))]
    general, special = texts.pop()
    return _compare(tables, codes, entry, general, special, against)


def _printed(present: dict):
    return sorted({digits: (clean(row.get("general")), clean(row.get("special")))
                   for digits, row in present.values()}.items())


def _entry_code(codes: list[str]) -> str:
    """The line entry's code: the 8-digit line of its statistical numbers, or the one line."""
    return codes[0][:8] if len(codes) > 1 else codes[0]


def _compare(tables: Tables, codes, entry, general: str, special: str, against: Against) -> list[Finding]:
    line = tables.lines[codes[0]]
    row = line.rate_on(against.day)
    general_same = _same_rate(general, row.general)
    try:
        kept, left_out = usitc_special(special, tables.special_programs)
    except ValueError as exc:
        kept, left_out, special_error = None, [], str(exc)
    else:
        special_error = None
    special_same = kept is not None and _same_special(kept, row.special)
    if general_same and (special_same or kept is None and special == clean(row.special_text)):
        return []
    facts = _facts(row, general, special, left_out, against)
    if special_error:
        facts.append(f"The schedule's special text cannot be read ({special_error}): no draft.")
    if general_same is None:
        facts.append(f"The schedule's general text {general!r} is not a rate the tables can hold: no draft.")
    draft = None
    if general_same is not None and kept is not None:
        args = _draft_args(line.where, entry, row, general if not general_same else row.general.text,
                           row.special_text if special_same else render_special(kept), against)
        draft = Draft(args["path"], "line_rate", args, _draft_yaml(args, row))
    kind, what = (("column1_rate", f"column 1 general {row.general.text} -> {general}") if not general_same
                  else ("column1_special", "column 1 special rates differ"))
    return [_finding(entry, codes, against, kind, what, " ".join(facts), draft)]


def _same_rate(text: str, rate: Rate) -> bool | None:
    """Equal rates (as text or as parsed parts); None when the schedule's text is not a rate."""
    if text == rate.text:
        return True
    try:
        theirs = parse_rate(text)
    except ValueError:
        return None
    return (theirs.ad_valorem, theirs.specific, theirs.unit) == (rate.ad_valorem, rate.specific, rate.unit)


def usitc_special(text: str, defined) -> tuple[dict[str, Rate], list[str]]:
    """The schedule's special column as the tables would hold it, and the codes left out."""
    parsed = parse_special(_CROSS_REFERENCE.sub(" ", text))
    kept = {code: rate for code, rate in parsed.items() if code in defined}
    return kept, sorted(set(parsed) - set(kept))


def _same_special(theirs: dict[str, Rate], ours: dict[str, Rate]) -> bool:
    def parts(d):
        return {code: (r.ad_valorem, r.specific, r.unit) for code, r in d.items()}
    return parts(theirs) == parts(ours)


def render_special(special: dict[str, Rate]) -> str:
    """``Free (A,AU,B) 0.5% (JP)``: codes grouped by rate, in the schedule's order."""
    groups: dict[str, list[str]] = {}
    for code, rate in special.items():
        groups.setdefault(rate.text, []).append(code)
    return " ".join(f"{rate} ({','.join(codes)})" for rate, codes in groups.items())


def _facts(row, general: str, special: str, left_out, against: Against) -> list[str]:
    facts = [f"Tables ({row.where}, row from {row.start}): general {row.general.text!r}, "
             f"special {row.special_text or ''!r}.",
             f"Schedule ({against.release}): general {general!r}, special {special!r}."]
    if left_out:
        facts.append("Codes not defined in programs.yaml, left out as the tables do: " + ", ".join(left_out) + ".")
    return facts


def _draft_args(where: str, entry: str, row, general: str, special: str | None, against: Against) -> dict:
    start = against.day.isoformat()
    return {
        "path": where.rsplit(":", 1)[0], "hts": htsmod.dotted(entry), "from": start,
        "general": general, "special": special or "",
        "cite": f"USITC, HTSUS {against.title or against.release} ({against.release}), subheading "
                f"{htsmod.dotted(entry[:8])}: column 1 general {general}",
        "url": against.url(entry),
        "checked": f"USITC reststop exportList of {against.release}, compared by tariff-stack sync on "
                   f"{against.today.isoformat()}; 'from' is the release's publication date ({start}), not a "
                   "stated effective date: check the change record before release",
        "confidence": "unconfirmed",
    }


def _draft_yaml(args: dict, row) -> str:
    end = f'to: "{row.end.isoformat()}"' if row.end else "no 'to'"
    head = (f"# {args['path']}, line {args['hts']}: the row from {row.start} ({row.where}, {end}) "
            f"gets to: \"{args['from']}\", then:\n")
    return head + "".join(row_lines(args, 6, row.end.isoformat() if row.end else None))


def _finding(entry: str, codes, against: Against, kind: str, what: str, detail: str,
             draft: Draft | None = None) -> Finding:
    return Finding(SOURCE, kind, "change", f"{htsmod.dotted(entry)}: {what}", against.url(entry),
                   published=against.published, touches=Touches(hts=tuple(codes)), detail=detail, draft=draft)


def suffix_findings(tables: Tables, rows: dict, against: Against) -> list[Finding]:
    """New and deleted statistical numbers under each covered 8-digit line; covered lines gone."""
    covered = sorted(c for codes in in_force(tables, against.day).values() for c in codes)
    findings = []
    for line8 in sorted({c[:8] for c in covered}):
        under = [c for c in covered if c.startswith(line8)]
        findings.extend(_suffixes_of(line8, under, rows, against))
    return findings


def _suffixes_of(line8: str, under: list[str], rows: dict, against: Against) -> list[Finding]:
    ours = {c[8:] for c in under if len(c) == 10}
    theirs = {d[8:] for d in rows if len(d) == 10 and d.startswith(line8)}
    if line8 not in rows and not theirs:
        return [_finding(line8, under, against, "deleted_line", "the line is not in the current schedule",
                         f"Covered {', '.join(map(htsmod.dotted, under))}; the schedule of {against.release} has "
                         "no such number: the line was deleted, renumbered or split. Check the change record.")]
    if line8 in under:
        theirs -= {"00"}
    new, gone = sorted(theirs - ours), sorted(ours - theirs)
    out = [_new_suffix(line8, s, under, rows, gone, against) for s in new]
    out += [_deleted_suffix(line8, s, new, against) for s in gone]
    return out


def _new_suffix(line8, suffix, under, rows, gone, against: Against) -> Finding:
    code = line8 + suffix
    desc = clean(rows[code].get("description"))
    split = f" Also gone from the schedule: .{', .'.join(gone)} (a split?)." if gone else ""
    return Finding(SOURCE, "new_suffix", "change",
                   f"{htsmod.dotted(code)}: new statistical number under covered line {htsmod.dotted(line8)}",
                   against.url(line8), published=against.published, touches=Touches(hts=tuple(under)),
                   detail=f"The schedule of {against.release} prints {htsmod.dotted(code)} ({desc!r}); the tables "
                          f"do not list it. Add it under 'statistical' (with 'from' and 'cite') if the covered "
                          f"goods include it.{split}")


def _deleted_suffix(line8, suffix, new, against: Against) -> Finding:
    code = line8 + suffix
    split = f" New in the schedule: .{', .'.join(new)} (a split?)." if new else ""
    return Finding(SOURCE, "deleted_suffix", "change",
                   f"{htsmod.dotted(code)}: statistical number no longer in the schedule",
                   against.url(line8), published=against.published, touches=Touches(hts=(code,)),
                   detail=f"The tables list {htsmod.dotted(code)} in force on {against.day}; the schedule of "
                          f"{against.release} does not print it. Give the suffix a 'to' (the first day it is no "
                          f"longer in the HTSUS) and a 'cite'.{split}")
