"""``tariff-stack sync`` core: partial reports, the circuit breaker, the state, the report, the draft applier."""
import dataclasses
import difflib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO
from urllib3.util.retry import Retry
from sync_usitc_data import fast_retries, find, run_options, schedule_rows, serve_usitc

from service.cli import main
from service.sync import run as runmod
from service.sync.apply import apply_findings
from service.sync.findings import Finding, SourceError, SourceResult, Touches
from service.sync.http import NOT_MODIFIED, Fetcher
from service.sync.state import load_state
from service.sync.hts_edit import EditError, apply_line_rate
from service.sync.run import EXIT_BREAKER, EXIT_FINDINGS, EXIT_PARTIAL, last_seen, run_sync, verified_seeds


def fake_register(ctx):
    """A second source for the orchestration tests: one Federal-Register-like document list."""
    url = ctx.base("federal_register") + "/documents.json"
    docs = ctx.fetcher.get_json("federal_register", url, conditional=True)
    result = SourceResult("federal_register", checked_through={"through": "2026-11-27"})
    for doc in docs or []:
        result.findings.append(Finding("federal_register", "notice", "review", doc["title"], doc["html_url"],
                                       touches=Touches(hts=("85076000",))))
    return result


@pytest.fixture
def two_sources(monkeypatch):
    monkeypatch.setitem(runmod.SOURCE_RUNNERS, "federal_register", fake_register)
    return ("usitc", "federal_register")


def state_of(tmp_path):
    return json.loads((tmp_path / "state.json").read_text())


def test_a_failing_source_gives_a_partial_report_and_keeps_its_state(srv, tmp_path, tables, two_sources):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    serve_usitc(srv.routes, tables, rows)
    srv.routes.route("/fr/documents.json", json.dumps([{"title": "Notice", "html_url": "https://fr.example/1"}]),
                     headers={"ETag": '"fr1"'})
    first, _, _ = run_sync(run_options(srv, tmp_path, tables, only=two_sources))
    assert first.exit_code == EXIT_FINDINGS
    before = state_of(tmp_path)

    srv.routes.route("/fr/documents.json", "upstream down", status=500, content_type="text/plain")
    srv.routes.requests.clear()
    lines = []
    report, md, js = run_sync(run_options(srv, tmp_path, tables, only=two_sources), progress=lines.append)
    assert report.exit_code == EXIT_PARTIAL
    doc = json.loads(js.read_text())
    fr = next(s for s in doc["sources"] if s["source"] == "federal_register")
    assert not fr["ok"] and fr["error"]["reason"] == "HTTP 500"
    assert sum(p == "/fr/documents.json" for p, _ in srv.routes.requests) == 2      # retried once
    assert [f["kind"] for f in doc["findings"] if f["source"] == "usitc"] == ["column1_rate"]   # others reported
    text = md.read_text()
    assert "source federal_register failed: HTTP 500" in text and "its findings are missing from this report" in text
    assert text.index("## Failures") < text.index("## Findings")
    after = state_of(tmp_path)
    assert after["sources"]["federal_register"] == before["sources"]["federal_register"]
    fr_url = srv.url("/fr/documents.json")
    kept = {fr_url: {"etag": '"fr1"', "last_modified": None}}
    assert after["validators"]["federal_register"] == before["validators"]["federal_register"] == kept
    assert any("federal_register: failed: HTTP 500" in line for line in lines)


def test_the_circuit_breaker_stops_drafts(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    for row in rows:
        if row["general"]:
            row["general"] = "99%"
    serve_usitc(srv.routes, tables, rows)
    report, md, js = run_sync(run_options(srv, tmp_path, tables))
    assert report.exit_code == EXIT_BREAKER
    doc = json.loads(js.read_text())
    breaker = doc["circuit_breaker"]
    assert breaker["tripped"] and breaker["changed_lines"] > 0.9 * breaker["covered_lines"]
    assert all(f["draft"] is None for f in doc["findings"])
    text = md.read_text()
    expected = (f"circuit breaker: {breaker['changed_lines']} of {breaker['covered_lines']} covered lines would "
                "change (limit 20%): no drafts written; check the source before trusting this run")
    assert f"> **{expected}**" in text and text.index(expected) < text.index("## Sources")
    assert "usitc" not in state_of(tmp_path)["sources"]        # the next run reads it again
    ids = [f["id"] for f in doc["findings"] if f["kind"] == "column1_rate"][:1]
    err = []
    assert apply_findings(js, ids, tmp_path, err=err.append) == 2 and "circuit breaker" in err[0]


def test_a_higher_limit_lets_the_same_run_through(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    for row in rows:
        if row["general"] and row["htsno"] < "7600":
            row["general"] = "99%"
    serve_usitc(srv.routes, tables, rows)
    report, _, js = run_sync(run_options(srv, tmp_path, tables, max_change_share=runmod.Decimal("0.9")))
    assert report.exit_code == EXIT_FINDINGS and not report.breaker["tripped"]
    assert any(f.draft for f in report.findings)


def test_report_json_shape(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    _, md, js = run_sync(run_options(srv, tmp_path, tables))
    doc = json.loads(js.read_text())
    assert set(doc) == {"report_version", "generated", "today", "exit_code", "tables", "sources", "findings",
                        "circuit_breaker"}
    assert doc["report_version"] == 1 and doc["today"] == "2026-11-30"
    assert set(doc["tables"]) == {"directory", "version", "as_of", "age_days", "verified_against", "covered_lines",
                                  "covered_headings"}
    assert set(doc["sources"][0]) == {"source", "title", "ok", "error", "since", "checked_through", "requests",
                                      "not_modified", "findings"}
    assert doc["sources"][0]["since"] == {"release": "2026HTSRev21", "date": "2026-10-07"}   # first run: meta.yaml's release
    assert set(doc["findings"][0]) == {"id", "source", "kind", "severity", "title", "url", "published", "effective",
                                       "touches", "detail", "draft"}
    assert set(doc["circuit_breaker"]) == {"tripped", "changed_lines", "covered_lines", "limit", "message"}
    assert md.read_text().startswith("# Tariff tables sync report")


def test_first_run_starts_from_what_the_tables_were_verified_against(tables):
    # meta.yaml: HTS 2026HTSRev21 (2026-10-07), Federal Register through 2026-09-14, CSMS #69851916 (2026-09-11)
    seen = last_seen(tables, {"sources": {}, "validators": {}}, None)
    assert seen["usitc"] == {"release": "2026HTSRev21", "date": "2026-10-07"}
    assert seen["federal_register"] == seen["adcvd"] == {"through": "2026-09-14"}
    assert seen["csms"] == {"message": "69851916", "date": "2026-09-11"}


def test_state_wins_over_the_seeds_and_since_replaces_them(tables):
    state = {"sources": {"csms": {"checked_through": {"message": "70000001", "date": "2026-11-01"}}}, "validators": {}}
    assert last_seen(tables, state, None)["csms"] == {"message": "70000001", "date": "2026-11-01"}
    # --since: first runs start from ctx.start (the date given), not from the seeds; a source with state keeps it
    assert last_seen(tables, state, date(2026, 1, 5)) == {"csms": {"message": "70000001", "date": "2026-11-01"}}


def test_tables_without_verified_against_have_no_seeds(tables):
    fake = dataclasses.replace(tables, verified_against=None)
    assert verified_seeds(fake) == {}


def test_unknown_source_is_refused():
    with pytest.raises(ValueError, match="unknown source nope; known: usitc"):
        runmod.select_sources(("nope",))


# -- the state file -------------------------------------------------------------------------------

BAD_STATES = [
    ('[]', "sync state must be a JSON object"),
    ('{"sources": []}', "sources must be an object"),
    ('{"sources": {"usitc": []}}', "sources.usitc must be an object"),
    ('{"sources": {"usitc": {"checked_through": "abc"}}}', "sources.usitc.checked_through must be an object of strings"),
    ('{"sources": {"csms": {"checked_through": {"message": 5}}}}',
     "sources.csms.checked_through must be an object of strings"),
    ('{"validators": "xyz"}', "validators must be an object"),
    ('{"validators": {"usitc": {"http://x/currentRelease": "abc"}}}',
     "validators.usitc.http://x/currentRelease must be an object {etag, last_modified}"),
    ('{"sources": {"federal_register": {"checked_through": {"through": "2026-13-45"}}}}',
     "sources.federal_register.checked_through.through '2026-13-45' is not a date YYYY-MM-DD"),
    ('{"sources": {"csms": {"checked_through": {"message": "abc", "date": "2026-11-01"}}}}',
     "sources.csms.checked_through.message 'abc' is not a message number or empty"),
    ('{"sources": {"csms": {"checked_through": {"message": "", "date": "11/01/2026"}}}}',
     "sources.csms.checked_through.date '11/01/2026' is not a date YYYY-MM-DD or empty"),
    ('{"sources": {"adcvd": {"checked_through": {"document": "2026-1"}}}}',
     "sources.adcvd.checked_through.through is missing (the source reads a date YYYY-MM-DD from it)"),
]


@pytest.mark.parametrize("content, reason", BAD_STATES)
def test_a_bad_state_file_is_refused_naming_the_file_and_the_key(tmp_path, content, reason):
    path = tmp_path / "state.json"
    path.write_text(content)
    with pytest.raises(ValueError) as err:
        load_state(path, runmod.STATE_FORMATS)
    assert str(err.value).startswith(f"{path}: {reason}")
    assert "start afresh" in str(err.value)


def test_the_cli_refuses_a_bad_state_file_with_exit_2_and_no_traceback(tmp_path, capsys):
    path = tmp_path / "state.json"
    path.write_text('{"sources": {"federal_register": {"checked_through": {"through": "2026-13-45"}}}}')
    code = main(["sync", "--state", str(path), "--only", "federal_register", "--out", str(tmp_path / "out"),
                 "--today", "2026-11-30"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{path}: sources.federal_register.checked_through.through '2026-13-45' is not a date" in err
    assert not (tmp_path / "out").exists()             # refused before any request


def test_state_values_the_sources_wrote_load_back(tmp_path):
    path = tmp_path / "state.json"
    good = {"sources": {"usitc": {"checked_through": {"release": "2026HTSRev21", "date": "2026-10-07",
                                                      "ch99_mentions": ""}},
                        "csms": {"checked_through": {"message": "", "date": "2026-11-28", "new": "0"}},
                        "fx": {"checked_through": {}}, "elsewhere": {"checked_through": {"x": "y"}}},
            "validators": {"usitc": {"http://x/currentRelease": {"etag": '"a"', "last_modified": None}}}}
    path.write_text(json.dumps(good))
    assert load_state(path, runmod.STATE_FORMATS) == good


def test_validators_of_the_earlier_layout_are_dropped(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"sources": {}, "validators": {
        "https://hts.usitc.gov/reststop/currentRelease": {"etag": '"a"', "last_modified": None}}}))
    assert load_state(path, runmod.STATE_FORMATS)["validators"] == {}


def test_validators_are_kept_per_source(srv):
    """Two sources asking for one URL: the second must not get a 304 on the validator the first just earned."""
    srv.routes.route("/fr/documents.json", "[]", headers={"ETag": '"v1"'})
    url = srv.url("/fr/documents.json")
    fetcher = Fetcher(retries=fast_retries())
    assert fetcher.get_json("federal_register", url, conditional=True) == []
    assert fetcher.get_json("adcvd", url, conditional=True) == []                     # not NOT_MODIFIED
    assert fetcher.get_json("federal_register", url, conditional=True) is NOT_MODIFIED
    sent = [h.get("If-None-Match") for p, h in srv.routes.requests]
    assert sent == [None, None, '"v1"'] and fetcher.not_modified == 1
    assert set(fetcher.kept) == {"federal_register", "adcvd"}


def test_a_304_to_a_request_without_validators_is_an_error(srv):
    srv.routes.route("/fr/documents.json", "", status=304)
    with pytest.raises(SourceError, match="HTTP 304"):
        Fetcher(retries=fast_retries()).get_json("federal_register", srv.url("/fr/documents.json"), conditional=True)


def test_no_answer_and_a_refused_connection_are_said_in_one_short_line():
    with socket.socket() as silent:                     # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/documents.json"
        fetcher = Fetcher(retries=Retry(total=1, connect=1, read=1, backoff_factor=0), timeout=(2, 0.2))
        with pytest.raises(SourceError) as err:
            fetcher.get_json("federal_register", url)
    assert err.value.reason == "timed out after 0.2 s waiting for the answer (2 attempts)" and err.value.url == url
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]                  # bound, never listening: refused
        with pytest.raises(SourceError) as err:
            Fetcher(retries=Retry(total=0), timeout=(2, 2)).get_json("usitc", f"http://127.0.0.1:{port}/x")
    assert err.value.reason.startswith("could not connect: ") and "refused" in err.value.reason
    assert "HTTPConnectionPool" not in err.value.reason and len(err.value.reason) < 80


# -- the draft applier ----------------------------------------------------------------------------

def tree_digest(root: Path) -> dict:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def changed_rate_report(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    serve_usitc(srv.routes, tables, rows)
    _, _, js = run_sync(run_options(srv, tmp_path, tables))
    copy = tmp_path / "tables"
    shutil.copytree(tables.directory, copy, ignore=shutil.ignore_patterns("__pycache__"))
    doc = json.loads(js.read_text())
    return js, doc, next(f for f in doc["findings"] if f["kind"] == "column1_rate"), copy


def test_apply_refuses_a_draft_that_would_not_load(changed_rate_report):
    js, doc, finding, copy = changed_rate_report
    finding["draft"]["args"]["special"] = "Free (ZZ)"
    js.write_text(json.dumps(doc))
    before = tree_digest(copy)
    err = []
    assert apply_findings(js, [finding["id"]], copy, out=err.append, err=err.append) == 2
    assert "nothing was changed" in err[0]
    assert any(line.strip().startswith("hts/batteries.yaml:") and "unknown program code 'ZZ'" in line for line in err)
    assert tree_digest(copy) == before


def test_apply_changes_only_the_inserted_lines(changed_rate_report):
    js, _, finding, copy = changed_rate_report
    old = (copy / "hts" / "batteries.yaml").read_text().splitlines()
    out = []
    assert apply_findings(js, [finding["id"]], copy, out=out.append) == 0
    new = (copy / "hts" / "batteries.yaml").read_text().splitlines()
    diff = [d for d in difflib.ndiff(old, new) if d[:1] in "+-"]
    assert all(d.startswith("+ ") for d in diff), diff            # nothing removed or rewritten
    assert [d.split(":")[0].strip("+ -") for d in diff] == ["to", "from", "general", "special", "cite", "url",
                                                             "checked", "confidence"]
    assert '+         to: "2026-10-07"' in diff and '+       - from: "2026-10-07"' in diff
    assert out[0] == f"changed {copy / 'hts' / 'batteries.yaml'}"


def test_apply_refuses_unknown_findings_and_findings_without_drafts(changed_rate_report):
    js, doc, _, copy = changed_rate_report
    err = []
    assert apply_findings(js, ["usitc-0000000000"], copy, err=err.append) == 2
    assert "no finding 'usitc-0000000000'" in err[0]
    no_draft = next(f["id"] for f in doc["findings"] if not f["draft"])
    assert apply_findings(js, [no_draft], copy, err=err.append) == 2 and "has no draft" in err[1]


EXAMPLE = """\
# a comment that must survive
lines:
  - hts: "8507.50.00"   # trailing comment
    description: "Nickel-metal hydride storage batteries"
    unit: "No., kg"
    rates:
      - from: "2024-01-01"
        to: "2027-01-01"   # ends with the phase-down
        general: "3.4%"
        cite: "example"
        confidence: "likely"

      - from: "2027-01-01"
        general: "2%"
        cite: "example"
        confidence: "likely"
"""


def test_line_rate_inside_a_closed_row_carries_its_end(tmp_path):
    (tmp_path / "hts").mkdir()
    path = tmp_path / "hts" / "x.yaml"
    path.write_bytes(EXAMPLE.replace("\n", "\r\n").encode())
    args = {"path": "hts/x.yaml", "hts": "8507.50.00", "from": "2026-06-01", "general": "3%", "special": "",
            "cite": "USITC (example)", "confidence": "unconfirmed"}
    assert apply_line_rate(tmp_path, args) == ["hts/x.yaml"]
    text = path.read_bytes().decode()
    assert text.count("\r\n") == text.count("\n")                  # the file's line endings kept
    assert '        to: "2026-06-01"   # ends with the phase-down\r\n' in text
    expected_row = ('      - from: "2026-06-01"\r\n        to: "2027-01-01"\r\n        general: "3%"\r\n'
                    '        cite: "USITC (example)"\r\n        confidence: "unconfirmed"\r\n')
    assert '        confidence: "likely"\r\n' + expected_row + '\r\n      - from: "2027-01-01"' in text
    assert text.startswith("# a comment that must survive") and '"8507.50.00"   # trailing comment' in text


@pytest.mark.parametrize("day, message", [
    ("2027-01-01", "a row already starts on 2027-01-01"),
    ("2023-06-01", "no rate row of 8507.50.00 is in force on 2023-06-01"),
])
def test_line_rate_refuses_what_it_cannot_do(tmp_path, day, message):
    (tmp_path / "hts").mkdir()
    (tmp_path / "hts" / "x.yaml").write_text(EXAMPLE)
    args = {"path": "hts/x.yaml", "hts": "8507.50.00.10", "from": day, "general": "3%", "cite": "c",
            "confidence": "unconfirmed"}
    with pytest.raises(EditError, match=message):
        apply_line_rate(tmp_path, args)
    with pytest.raises(EditError, match="is not a file hts/<name>.yaml"):
        apply_line_rate(tmp_path, {**args, "path": "../x.yaml"})


# -- the command line -----------------------------------------------------------------------------

@pytest.mark.slow  # subprocesses
def test_cli_sync_then_apply(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    serve_usitc(srv.routes, tables, rows)
    copy = tmp_path / "tables"
    shutil.copytree(tables.directory, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TARIFF_STACK_SOURCE_USITC": srv.url("/usitc")}
    base = [sys.executable, "-m", "service.cli", "sync", "--tables", str(copy)]
    done = subprocess.run(base + ["--out", str(tmp_path / "out"), "--state", str(tmp_path / "s.json"),
                                  "--today", "2026-11-30", "--only", "usitc"], capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stderr
    # no release finding: the served release is the one meta.yaml says the tables were verified against
    assert "sync: usitc: 2 findings (15 requests, 0 not modified)" in done.stderr
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    finding = next(f["id"] for f in doc["findings"] if f["kind"] == "column1_rate")
    applied = subprocess.run(base + ["--apply", str(tmp_path / "out" / "report.json"), "--finding", finding],
                             capture_output=True, text=True, env=env)
    assert applied.returncode == 0, applied.stderr
    assert "bump meta.yaml" in applied.stdout and '"5%"' in (copy / "hts" / "batteries.yaml").read_text()
    bad = subprocess.run(base + ["--since", "2026-13-01", "--state", str(tmp_path / "s.json")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "--since '2026-13-01' is not a date" in bad.stderr


def test_a_defect_in_one_source_does_not_cost_the_others_their_report(srv, tmp_path, tables, monkeypatch):
    def broken(ctx):
        return {}["missing"]

    monkeypatch.setitem(runmod.SOURCE_RUNNERS, "federal_register", broken)
    serve_usitc(srv.routes, tables)
    report, _, js = run_sync(run_options(srv, tmp_path, tables, only=("usitc", "federal_register")))
    doc = json.loads(js.read_text())
    assert report.exit_code == EXIT_PARTIAL and [s["ok"] for s in doc["sources"]] == [True, False]
    assert doc["sources"][1]["error"]["reason"] == "internal error, please report it: KeyError: 'missing'"
