"""``tariff-stack sync``, source ``usitc``: recorded USITC answers served on loopback (no network, no sleeps)."""
import json
import shutil
from datetime import date

from conftest import layer
from sync_usitc_data import (RELEASE_DAY, find, new_release, recorded, run_options, schedule_rows,
                             serve_usitc)

from service.engine.line_input import parse_line
from service.engine.quote import quote
from service.sync.apply import apply_findings
from service.sync.run import EXIT_FINDINGS, EXIT_NOTHING, EXIT_PARTIAL, run_sync
from service.tables.load import load_tables

LI_ION = ("8507600010", "8507600030", "8507600090")


def sync(srv, tmp_path, tables, **kw):
    report, _, js = run_sync(run_options(srv, tmp_path, tables, **kw))
    return report, json.loads(js.read_text(encoding="utf-8"))


def of_kind(report, kind):
    return [f for f in report.findings if f.kind == kind]


def test_the_recorded_schedule_agrees_with_the_tables(srv, tmp_path, tables):
    """Baseline: heading 8507 as recorded (and the mirror of the other lines) raise no change."""
    serve_usitc(srv.routes, tables)
    report, doc = sync(srv, tmp_path, tables)
    assert [f for f in report.findings if f.severity == "change"] == []
    exports = [p for p, _ in srv.routes.requests if "/exportList?" in p]
    assert len(exports) == 13                                   # 12 covered chapters + chapter 99, not 327 lines
    assert all(p.endswith("&format=JSON&styles=false") for p in exports)
    assert doc["sources"][0]["checked_through"]["release"] == "2026HTSRev21"
    assert doc["sources"][0]["checked_through"]["date"] == RELEASE_DAY.isoformat()


def test_changed_general_rate_is_a_change_with_a_draft_that_applies(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    serve_usitc(srv.routes, tables, rows)
    report, doc = sync(srv, tmp_path, tables)
    [change] = of_kind(report, "column1_rate")
    assert change.severity == "change" and change.touches.hts == LI_ION
    assert change.draft.edit == "line_rate" and change.draft.path == "hts/batteries.yaml"
    assert change.draft.args["general"] == "5%" and change.draft.args["from"] == RELEASE_DAY.isoformat()
    assert change.draft.args["confidence"] == "unconfirmed"
    assert report.exit_code == EXIT_FINDINGS

    copy = tmp_path / "tables"
    shutil.copytree(tables.directory, copy, ignore=shutil.ignore_patterns("__pycache__"))
    lines = []
    assert apply_findings(tmp_path / "report" / "report.json", [change.id], copy, out=lines.append) == 0
    assert any("bump meta.yaml" in line for line in lines)
    edited = load_tables(copy)
    before, on = (_column1(edited, "8507600010", d) for d in (date(2026, 10, 6), RELEASE_DAY))
    assert (before, on) == ("0.034", "0.05")
    assert _column1(tables, "8507600010", RELEASE_DAY) == "0.034"     # the shipped tables are untouched


def _column1(tables, code, day):
    result = quote(tables, parse_line({"hts": code, "origin": "DE", "entry_date": day.isoformat(), "value": "1000"}))
    return layer(result, "mfn")["rate"]


def test_special_difference_is_a_change_and_undefined_codes_are_left_out(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.10.00")["special"] = "Free (A,AU,B,BH,C,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG) 1% (JP)"
    # R is not defined in programs.yaml and a chapter 99 cross-reference is not a rate: no difference.
    find(rows, "8507.90.80.00")["special"] += " See 9921.01.01,9921.01.02 (JP)"
    find(rows, "8507.90.40.00")["special"] = find(rows, "8507.90.40.00")["special"].replace(",S,SG)", ",R,S,SG)")
    serve_usitc(srv.routes, tables, rows)
    report, _ = sync(srv, tmp_path, tables)
    changes = [f for f in report.findings if f.severity == "change"]
    assert [f.kind for f in changes] == ["column1_special"]
    assert changes[0].touches.hts == ("8507100030", "8507100060", "8507100090")
    assert changes[0].draft.args["special"].endswith(" 1% (JP)")
    assert changes[0].draft.args["general"] == "3.5%"


def test_unreadable_general_text_is_reported_without_a_draft(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.80.82.00")["general"] = "The duty provided in the applicable subheading + 5%"
    serve_usitc(srv.routes, tables, rows)
    report, _ = sync(srv, tmp_path, tables)
    [change] = of_kind(report, "column1_rate")
    assert change.touches.hts == ("85078082",) and change.draft is None
    assert "not a rate the tables can hold" in change.detail


def test_a_statistical_number_printing_its_own_rate_is_not_inherited(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00.30")["general"] = "2%"      # blank 10-digit rates inherit; this one does not
    serve_usitc(srv.routes, tables, rows)
    report, _ = sync(srv, tmp_path, tables)
    [change] = of_kind(report, "column1_rate")
    assert "print different rates" in change.title and change.draft is None
    assert "8507.60.00.30: 2%" in change.detail


def test_new_statistical_suffix(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    new = dict(find(rows, "8507.60.00.90"), htsno="8507.60.00.40", description="Of a kind used in drones")
    rows.append(new)
    serve_usitc(srv.routes, tables, rows)
    report, _ = sync(srv, tmp_path, tables)
    [finding] = of_kind(report, "new_suffix")
    assert finding.severity == "change" and finding.touches.hts == LI_ION
    assert "8507.60.00.40" in finding.title and "Of a kind used in drones" in finding.detail
    assert of_kind(report, "column1_rate") == []        # the new row's blank rate inherits the line's


def test_deleted_statistical_suffix_and_deleted_line(srv, tmp_path, tables):
    rows = [r for r in schedule_rows(tables) if r["htsno"] not in ("8507.60.00.30", "8507.90.40.00")]
    serve_usitc(srv.routes, tables, rows)
    report, _ = sync(srv, tmp_path, tables)
    [gone] = of_kind(report, "deleted_suffix")
    assert gone.touches.hts == ("8507600030",) and "8507.60.00.30" in gone.title
    [line] = of_kind(report, "deleted_line")
    assert line.touches.hts == ("85079040",)


def test_new_release_with_nothing_covered_changed(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    first, _ = sync(srv, tmp_path, tables)
    assert of_kind(first, "new_release") == []   # the release meta.yaml says the tables were verified against
    serve_usitc(srv.routes, tables, release=new_release("2026HTSRev22", "11/20/2026"))
    report, doc = sync(srv, tmp_path, tables)
    assert [(f.kind, f.severity) for f in report.findings] == [("new_release", "review")]
    [f] = report.findings
    assert f.published == date(2026, 11, 20) and "since 2026HTSRev21" in f.detail
    assert "Change+Record" in f.url and report.exit_code == EXIT_FINDINGS
    assert doc["sources"][0]["checked_through"]["release"] == "2026HTSRev22"


def test_first_run_release_newer_than_the_tables_is_to_review(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    report, _ = sync(srv, tmp_path, tables, since=date(2026, 9, 30))
    [f] = of_kind(report, "new_release")
    assert f.severity == "review" and "after 2026-09-30" in f.detail


def test_release_the_tables_were_verified_against_is_not_new(srv, tmp_path, tables):
    # meta.yaml: verified against 2026HTSRev21, the release the recorded service answers with
    serve_usitc(srv.routes, tables)
    report, doc = sync(srv, tmp_path, tables)
    assert of_kind(report, "new_release") == []
    assert doc["tables"]["verified_against"]["hts_release"]["name"] == "2026HTSRev21"


def test_chapter99_heading_naming_a_covered_line_is_reported_once(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    report, _ = sync(srv, tmp_path, tables)
    [mention] = of_kind(report, "ch99_mention")
    assert mention.severity == "review" and mention.touches.headings == ("9903.85.39",)
    assert "76071130" in mention.touches.hts and "7607.11.3000" in mention.detail
    # 9903.88.03 and 9903.91.01 are filed by the tables; 9903.08.14 names 8507.20.80, which is not covered.
    again, doc = sync(srv, tmp_path, tables)
    assert of_kind(again, "ch99_mention") == []
    assert doc["sources"][0]["checked_through"]["ch99_mentions"] == "9903.85.39"


def test_footnote_citing_an_unfiled_heading_is_a_review_with_a_caution(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.80.41.00")["footnotes"] = [{"columns": ["general"], "value": "See 9903.88.69 and 9903.45.25. ",
                                                 "type": "endnote"}]
    serve_usitc(srv.routes, tables, rows, ch99=[])
    report, _ = sync(srv, tmp_path, tables)
    [mention] = of_kind(report, "ch99_mention")        # 9903.88.69 is filed by the tables: no finding
    assert mention.touches.headings == ("9903.45.25",) and mention.touches.hts == ("85078041",)
    assert "cross-reference" in mention.detail and mention.severity == "review"


def test_html_instead_of_json_fails_the_source_with_a_reason(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    srv.routes.route("/usitc/currentRelease", "<!DOCTYPE html><html><body>HTS</body></html>", content_type="text/html")
    report, doc = sync(srv, tmp_path, tables)
    assert report.exit_code == EXIT_PARTIAL and report.findings == []
    [source] = doc["sources"]
    assert not source["ok"] and "HTML page" in source["error"]["reason"]
    assert "/usitc/currentRelease" in source["error"]["url"]


def test_an_export_without_the_covered_lines_fails_the_source(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables)
    from service.sync.usitc import export_url
    srv.routes.route(export_url("/usitc", "8415", "8424"), "[]")
    report, doc = sync(srv, tmp_path, tables)
    assert report.exit_code == EXIT_PARTIAL
    assert "partial or empty answer" in doc["sources"][0]["error"]["reason"]


def test_chapter99_failure_keeps_the_findings_already_made(srv, tmp_path, tables):
    rows = schedule_rows(tables)
    find(rows, "8507.60.00")["general"] = "5%"
    serve_usitc(srv.routes, tables, rows)
    from service.sync.usitc import CH99_RANGE, export_url
    srv.routes.route(export_url("/usitc", *CH99_RANGE), "not routed", status=503, content_type="text/plain")
    report, doc = sync(srv, tmp_path, tables)
    assert report.exit_code == EXIT_PARTIAL and len(of_kind(report, "column1_rate")) == 1
    assert "chapter 99 export" in doc["sources"][0]["error"]["reason"]
    assert not (tmp_path / "state.json").exists() or "usitc" not in json.loads(
        (tmp_path / "state.json").read_text())["sources"]


def test_second_run_sends_validators_and_counts_not_modified(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables, headers={"ETag": '"rev21"'})
    first, _ = sync(srv, tmp_path, tables)
    report, doc = sync(srv, tmp_path, tables)
    [source] = doc["sources"]
    assert source["not_modified"] == 2 and source["ok"]         # currentRelease and releaseList answered 304
    sent = [h for p, h in srv.routes.requests if p.endswith("/currentRelease")]
    assert "If-None-Match" not in sent[0] and sent[1]["If-None-Match"] == '"rev21"'
    assert source["checked_through"]["release"] == "2026HTSRev21" and report.exit_code == EXIT_NOTHING


def test_recorded_fixtures_keep_the_real_field_names():
    row = recorded("exportList_8507.json")[0]
    assert {"htsno", "indent", "description", "superior", "units", "general", "special", "other",
            "footnotes", "quotaQuantity", "additionalDuties"} <= set(row)
    item = recorded("releaseList.json")[0]
    assert {"name", "description", "date", "title", "status", "releaseStartDate"} <= set(item)


def test_a_null_release_list_is_an_unknown_shape_not_the_last_runs_answer(srv, tmp_path, tables):
    """A 200 answer ``null`` must not read as a 304: the new release would get the old release's date."""
    serve_usitc(srv.routes, tables)
    sync(srv, tmp_path, tables)                                   # the state records 2026HTSRev21 of 2026-10-07
    serve_usitc(srv.routes, tables, release=new_release("2026HTSRev22", "11/20/2026"))
    srv.routes.route("/usitc/releaseList", "null")
    report, doc = sync(srv, tmp_path, tables)
    [source] = doc["sources"]
    assert report.exit_code == EXIT_PARTIAL and not source["ok"] and report.findings == []
    assert "unknown shape" in source["error"]["reason"] and source["error"]["url"].endswith("/releaseList")
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["sources"]["usitc"]["checked_through"]["release"] == "2026HTSRev21"     # not advanced


def test_a_null_current_release_is_an_unknown_shape_on_a_first_run_and_later(srv, tmp_path, tables):
    serve_usitc(srv.routes, tables, headers={"ETag": '"rev21"'})
    srv.routes.route("/usitc/currentRelease", "null")
    report, doc = sync(srv, tmp_path, tables)                     # first run: no state, no validators
    assert report.exit_code == EXIT_PARTIAL
    assert "unknown shape" in doc["sources"][0]["error"]["reason"]
    assert "internal error" not in doc["sources"][0]["error"]["reason"]
    serve_usitc(srv.routes, tables, headers={"ETag": '"rev21"'})
    sync(srv, tmp_path, tables)                                   # a good run earns the validators
    srv.routes.route("/usitc/currentRelease", "null", headers={"ETag": '"null"'})
    report, doc = sync(srv, tmp_path, tables)                     # a conditional request answered 200 null
    assert report.exit_code == EXIT_PARTIAL and "unknown shape" in doc["sources"][0]["error"]["reason"]
