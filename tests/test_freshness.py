"""Issue 13, freshness everywhere: what the tables were verified against (meta.yaml), the as-of
date and age on every answer, the warning of an entry date after the as-of date, and the
warning of stale tables.

"Today" never comes from the real clock here: conftest pins it to the tables' as-of date, and
the tests below give each app its own ``CLOCK`` (or patch ``today_utc`` for the CLI).
"""
import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from conftest import CONTRACT, DUTY, contract_client, shipped_tables, url
from test_sheet_outputs import parse as parse_table

from service.cli import main
from service.engine.line_input import parse_line
from service.engine.quote import quote
from service.model import freshness
from service.model.errors import InputError, TableError
from service.render.freshness import stamped
from service.tables.reader import Reader
from service.tables.readers.meta import read_meta
from service.web.app import create_app
from service.web.worker import refusal_response

AS_OF = shipped_tables().as_of
DAY = timedelta(days=1)
SPEC = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
CELL = "8507.60.00.90"   # a lithium-ion cell line of the 2026 HTSUS (in force on and after the as-of date)


def example(path):
    return SPEC["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"]


def late_text(day):
    return (f"entry date {day} is after the tables' as-of date {AS_OF}: measures announced after that date are "
            "not in these tables")


def stale_text(age, limit):
    return f"tables as of {AS_OF} are {age} days old (limit {limit}): measures announced after that date"


@pytest.fixture
def client_on(tables, openapi):
    """A contract-checked client of an app whose clock says ``today`` (and whose limit is ``limit``)."""
    def make(today, limit=None):
        config = {"CLOCK": lambda: today}
        if limit is not None:
            config["MAX_TABLE_AGE_DAYS"] = limit
        return contract_client(create_app(tables, config), openapi)
    return make


# ------------------------------------------------------------ the model: age, limit, settings

@pytest.mark.parametrize("age, stale", [(0, False), (30, False), (31, True)])
def test_stale_only_past_the_limit(age, stale):
    fresh = freshness.Freshness(AS_OF, AS_OF + age * DAY, 30)
    assert (fresh.age_days, fresh.stale) == (age, stale)
    assert (fresh.warning is not None) == stale


@pytest.mark.parametrize("value, limit", [(None, 30), ("", 30), (" 7 ", 7), ("0", 0), (45, 45)])
def test_the_limit_setting(value, limit):
    assert freshness.max_age_days(value) == limit


@pytest.mark.parametrize("value", ["-1", "thirty", "1.5", "٣", True, -3])
def test_a_bad_limit_names_the_setting(value):
    with pytest.raises(InputError) as caught:
        freshness.max_age_days(value)
    assert freshness.MAX_AGE_ENV in caught.value.errors


def test_stamp_goes_right_after_the_version_and_leaves_the_document_alone():
    doc = {"tables_version": "v", "hts": "x", "warnings": ["w"]}
    out = stamped(doc, freshness.Freshness(AS_OF, AS_OF + 40 * DAY, 30))
    assert list(out)[:4] == ["tables_version", "as_of", "age_days", "hts"]
    assert (out["as_of"], out["age_days"]) == (AS_OF.isoformat(), 40)
    assert out["warnings"][0] == "w" and out["warnings"][1].startswith(stale_text(40, 30))
    assert doc == {"tables_version": "v", "hts": "x", "warnings": ["w"]}
    assert "warnings" not in stamped({"tables_version": "v"}, freshness.Freshness(AS_OF, AS_OF, 30))


# ------------------------------------------------------------ /healthz

def test_healthz_reports_age_stale_limit_and_what_was_verified(client_on, tables):
    r = client_on(AS_OF + 5 * DAY).get("/healthz")
    doc = r.get_json()
    assert list(doc)[:5] == ["status", "version", "tables_version", "as_of", "age_days"]
    assert (doc["as_of"], doc["age_days"], doc["stale"], doc["max_table_age_days"]) == \
        (AS_OF.isoformat(), 5, False, 30)
    assert doc["verified_against"] == tables.verified_against.as_dict()
    assert doc["verified_against"]["hts_release"]["name"] == tables.verified_against.hts_release.name
    assert (r.headers["X-Tables-As-Of"], r.headers["X-Tables-Age-Days"], r.headers["X-Tables-Stale"]) == \
        (AS_OF.isoformat(), "5", "false")
    assert "X-Tables-Warning" not in r.headers and "warnings" not in doc


def test_healthz_of_stale_tables_still_answers_ok(client_on):
    r = client_on(AS_OF + 31 * DAY).get("/healthz")
    doc = r.get_json()
    assert r.status_code == 200 and doc["status"] == "ok"
    assert (doc["stale"], doc["age_days"], doc["max_table_age_days"]) == (True, 31, 30)
    assert doc["warnings"] == [r.headers["X-Tables-Warning"]] and r.headers["X-Tables-Stale"] == "true"
    assert doc["warnings"][0].startswith(stale_text(31, 30))
    row = next(csv.DictReader(io.StringIO(client_on(AS_OF + 31 * DAY).get("/healthz.csv").get_data(as_text=True))))
    assert (row["as_of"], row["age_days"], row["stale"], row["max_table_age_days"]) == \
        (AS_OF.isoformat(), "31", "true", "30")


# ------------------------------------------------------------ every JSON answer is stamped

GETS = [url("/v1/duty", **DUTY), url("/v1/timeline", hts="8507.60.00.20", origin="CN", **{"from": "2025-01-01"},
                                      to="2025-06-01"),
        "/v1/measures?program=section_232", "/v1/measures/section_301/lists/list_3", "/v1/hts?prefix=8507",
        "/v1/hts/8507.60.00.20", "/v1/projects/templates", "/v1/projects/templates/li_ion_cell_order", "/healthz"]
POSTS = [("/v1/duty", {"lines": [{**DUTY}, {**DUTY, "hts": "85x"}]}), ("/v1/landed-cost", None),
         ("/v1/compare", None), ("/v1/schedule", None)]


def _stamped_answer(r, age):
    doc = r.get_json()
    keys = list(doc)
    i = keys.index("tables_version")
    assert keys[i + 1:i + 3] == ["as_of", "age_days"], keys
    assert (doc["as_of"], doc["age_days"]) == (AS_OF.isoformat(), age)
    assert (r.headers["X-Tables-As-Of"], r.headers["X-Tables-Age-Days"]) == (AS_OF.isoformat(), str(age))
    return doc


@pytest.mark.parametrize("path", GETS)
def test_every_get_answer_carries_as_of_and_age(client_on, path):
    r = client_on(AS_OF + 3 * DAY).get(path)
    assert r.status_code == 200, r.get_data(as_text=True)
    _stamped_answer(r, 3)


@pytest.mark.parametrize("path, body", POSTS, ids=[p for p, _ in POSTS])
def test_every_post_answer_carries_as_of_and_age(client_on, path, body):
    r = client_on(AS_OF + 3 * DAY).post(path, json=body if body is not None else example(path))
    assert r.status_code == 200, r.get_data(as_text=True)
    doc = _stamped_answer(r, 3)
    if path == "/v1/duty":   # nested documents are not stamped again
        assert "as_of" not in doc["results"][0]["result"] and "as_of" not in doc["results"][1]["error"]


def test_an_error_answer_carries_as_of_and_age(client_on):
    r = client_on(AS_OF + 3 * DAY).get(url("/v1/duty", **{**DUTY, "hts": "9999.99.99.99"}))
    assert r.status_code == 404
    _stamped_answer(r, 3)
    row = next(csv.DictReader(io.StringIO(client_on(AS_OF + 3 * DAY).get(
        url("/v1/duty.csv", **{**DUTY, "hts": "9999.99.99.99"})).get_data(as_text=True))))
    assert (row["as_of"], row["age_days"]) == (AS_OF.isoformat(), "3")


def test_a_refusal_of_the_server_carries_the_stamp():
    fresh = freshness.Freshness(AS_OF, AS_OF + 2 * DAY, 30)
    head, body = refusal_response(414, "uri_too_long", "URI Too Long", "too long", "v", fresh).split(b"\r\n\r\n")
    assert b"X-Tables-Age-Days: 2\r\n" in head and b"X-Tables-Stale: false\r\n" in head
    assert list(json.loads(body))[-3:] == ["tables_version", "as_of", "age_days"]


# ------------------------------------------------------------ an entry date after the as-of date

def _quote(tables, day, value="1000", hts=CELL):
    return quote(tables, parse_line({"hts": hts, "origin": "KR", "entry_date": day.isoformat(), "value": value},
                                    tables.aliases))


def test_entry_on_the_as_of_date_does_not_warn_the_day_after_does(tables):
    assert not any("as-of date" in w for w in _quote(tables, AS_OF)["warnings"])
    after = _quote(tables, AS_OF + DAY)["warnings"]
    assert after[0] == late_text(AS_OF + DAY)
    assert not any(a["fact"] == "entry_date" for a in _quote(tables, AS_OF + DAY)["assumptions"])


def test_the_cached_stacks_keep_each_date_its_own_warning(tables):
    # The value-free stack cache prices a line once per date and rescales it: each value, each date.
    for value in ("1000", "2500", "1000"):
        assert _quote(tables, AS_OF + DAY, value)["warnings"][0] == late_text(AS_OF + DAY)
        assert not any("as-of date" in w for w in _quote(tables, AS_OF, value)["warnings"])


def test_an_eight_digit_code_after_the_as_of_date_warns(tables):
    # Priced through its statistical suffixes (all charged alike on the day).
    doc = _quote(tables, AS_OF + DAY, hts="8504.40.95")
    assert doc["hts"] == "8504.40.95" and doc["warnings"][0] == late_text(AS_OF + DAY)


def test_the_late_warning_reaches_every_family(client):
    day = AS_OF + DAY
    line = {"hts": CELL, "origin": "KR", "quantity": "10", "unit_price": "100"}
    duty = client.get(url("/v1/duty", hts=CELL, origin="KR", entry_date=day.isoformat(), value="100")).get_json()
    batch = client.post("/v1/duty", json={"lines": [{"hts": CELL, "origin": "KR", "entry_date": d.isoformat(),
                                                    "value": "100"} for d in (AS_OF, day)]}).get_json()
    landed = client.post("/v1/landed-cost", json={"entry_date": day.isoformat(), "lines": [line]}).get_json()
    compare = client.post("/v1/compare", json={"entry_date": day.isoformat(), "imported": [{"lines": [line]}],
                                               "domestic": {"delivered_price": "1200"}}).get_json()
    schedule = client.post("/v1/schedule", json={"lines": [line], "shipments": [
        {"entry_date": AS_OF.isoformat()}, {"entry_date": day.isoformat()}]}).get_json()
    assert late_text(day) in duty["warnings"]
    assert [late_text(day) in r["result"]["warnings"] for r in batch["results"]] == [False, True]
    assert late_text(day) in landed["warnings"] and late_text(day) in compare["warnings"]
    assert [late_text(day) in s["warnings"] for s in schedule["shipments"]] == [False, True]


@pytest.mark.parametrize("days_after, warns", [(1, False), (2, True)])
def test_a_timeline_warns_when_it_reaches_past_the_as_of_date(client, days_after, warns):
    # ``to`` is exclusive: to = as_of + 1 prices entry dates up to the as-of date only.
    end = AS_OF + days_after * DAY
    doc = client.get(url("/v1/timeline", hts=CELL, origin="KR", **{"from": (AS_OF - 10 * DAY).isoformat()},
                         to=end.isoformat())).get_json()
    expected = (f"entry dates {AS_OF + DAY} to {end - DAY} are after the tables' as-of date {AS_OF}: measures "
                "announced after that date are not in these tables")
    assert doc["warnings"] == ([expected] if warns else [])


# ------------------------------------------------------------ stale tables, pinned clock

@pytest.mark.parametrize("age, stale", [(30, False), (31, True)])
def test_staleness_at_the_limit_and_one_day_past(client_on, age, stale):
    c = client_on(AS_OF + age * DAY)
    duty = c.get(url("/v1/duty", **DUTY))
    measures = c.get("/v1/measures?program=section_232")
    for r in (duty, measures):
        assert r.headers["X-Tables-Stale"] == ("true" if stale else "false")
        assert ("X-Tables-Warning" in r.headers) == stale
    warnings = [w for w in duty.get_json()["warnings"] if w.startswith(stale_text(age, 30))]
    assert len(warnings) == (1 if stale else 0)
    assert ("warnings" in measures.get_json()) == stale
    if stale:
        assert duty.get_json()["warnings"][-1] == measures.get_json()["warnings"][0] == duty.headers["X-Tables-Warning"]


def test_the_limit_comes_from_the_environment(monkeypatch, tables, openapi):
    monkeypatch.setenv(freshness.MAX_AGE_ENV, "10")
    fresh = contract_client(create_app(tables, {"CLOCK": lambda: AS_OF + 10 * DAY}), openapi).get("/healthz")
    stale = contract_client(create_app(tables, {"CLOCK": lambda: AS_OF + 11 * DAY}), openapi).get("/healthz")
    assert (fresh.get_json()["stale"], fresh.get_json()["max_table_age_days"]) == (False, 10)
    assert stale.get_json()["stale"] is True and stale.get_json()["warnings"][0].startswith(stale_text(11, 10))


def test_a_bad_limit_stops_the_app_at_start(monkeypatch, tables):
    monkeypatch.setenv(freshness.MAX_AGE_ENV, "a month")
    with pytest.raises(InputError) as caught:
        create_app(tables)
    assert freshness.MAX_AGE_ENV in caught.value.errors


def test_stale_tables_never_change_a_figure_nor_the_cached_document(client_on, tables):
    fresh = client_on(AS_OF).get(url("/v1/duty", **DUTY)).get_json()
    stale = client_on(AS_OF + 90 * DAY).get(url("/v1/duty", **DUTY)).get_json()
    assert {k: v for k, v in stale.items() if k not in ("age_days", "warnings")} == \
        {k: v for k, v in fresh.items() if k not in ("age_days", "warnings")}
    assert stale["warnings"][:-1] == fresh["warnings"]
    cached = quote(tables, parse_line(DUTY, tables.aliases))
    assert "as_of" not in cached and not any("days old" in w for w in cached["warnings"])


# ------------------------------------------------------------ spreadsheet forms

@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_tabular_forms_carry_the_stamp_in_headers_and_stay_safe_to_sum(client_on, fmt):
    c = client_on(AS_OF + 40 * DAY)
    doc = c.get(url("/v1/duty", **DUTY)).get_json()
    r = c.get(url(f"/v1/duty.{fmt}", **DUTY))
    assert (r.headers["X-Tables-As-Of"], r.headers["X-Tables-Age-Days"], r.headers["X-Tables-Stale"]) == \
        (AS_OF.isoformat(), "40", "true")
    text = r.get_data(as_text=True)
    if fmt == "html":
        assert text.count("<table>") == 1 and text.index("</table>") < text.index('<p id="tables">')
    rows = parse_table(fmt, text)
    assert len(rows) == len(doc["layers"])   # no stamp row
    assert sum(Decimal(x["duty"]) for x in rows) == Decimal(doc["total_duty"])
    assert rows[0]["warnings"].endswith(doc["warnings"][-1]) and doc["warnings"][-1].startswith(stale_text(40, 30))


TABULAR_GETS = [g for g in GETS if g != "/healthz"]
TABULAR_POSTS = POSTS + [("/v1/audit", None)]


def _stamp_in_body(tables, rows, age):
    """The stamp is on the first row only: the last three columns, so SUM(age_days) counts it once."""
    assert list(rows[0])[-3:] == ["tables_version", "as_of", "age_days"]
    assert (rows[0]["tables_version"], rows[0]["as_of"], rows[0]["age_days"]) == \
        (tables.version, AS_OF.isoformat(), str(age))
    assert all((r["tables_version"], r["as_of"], r["age_days"]) == ("", "", "") for r in rows[1:])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
@pytest.mark.parametrize("path", TABULAR_GETS)
def test_every_get_table_has_the_stamp_on_its_first_row(client_on, tables, path, fmt):
    sep = "&" if "?" in path else "?"
    r = client_on(AS_OF + 5 * DAY).get(f"{path}{sep}format={fmt}")
    assert r.status_code == 200, r.get_data(as_text=True)
    rows = parse_table(fmt, r.get_data(as_text=True))
    assert rows, path
    _stamp_in_body(tables, rows, 5)


@pytest.mark.parametrize("path, body", TABULAR_POSTS, ids=[p for p, _ in TABULAR_POSTS])
def test_every_post_table_has_the_stamp_on_its_first_row(client_on, tables, path, body):
    r = client_on(AS_OF + 5 * DAY).post(f"{path}.csv", json=body if body is not None else example(path))
    assert r.status_code == 200, r.get_data(as_text=True)
    rows = parse_table("csv", r.get_data(as_text=True))
    assert rows, path
    _stamp_in_body(tables, rows, 5)


def test_the_stamp_columns_follow_the_health_and_error_forms(client_on, tables):
    health = parse_table("csv", client_on(AS_OF + 5 * DAY).get("/healthz.csv").get_data(as_text=True))
    error = parse_table("csv", client_on(AS_OF + 5 * DAY).get(
        url("/v1/duty.csv", **{**DUTY, "hts": "9999.99.99.99"})).get_data(as_text=True))
    for rows in (health, error):             # their own columns, once each, on every row
        assert list(rows[0]).count("as_of") == 1 and rows[-1]["tables_version"] == tables.version
        assert rows[-1]["age_days"] == "5"


def test_the_html_footer_names_version_as_of_and_age(client_on, tables):
    text = client_on(AS_OF + 2 * DAY).get("/v1/measures.html?program=section_232").get_data(as_text=True)
    footer = text[text.index('<p id="tables">'):]
    assert f"Tables {tables.version} as of {AS_OF} (2 days old; limit 30 days)." in footer
    stale = client_on(AS_OF + 45 * DAY).get("/v1/hts.html?prefix=8507").get_data(as_text=True)
    assert "Warning: " + stale_text(45, 30) in stale


def test_the_compare_table_has_its_warnings_column(client):
    line = {"hts": CELL, "origin": "KR", "quantity": "10", "unit_price": "100"}
    body = {"entry_date": (AS_OF + DAY).isoformat(), "imported": [{"lines": [line]}],
            "domestic": {"delivered_price": "1200"}}
    rows = list(csv.DictReader(io.StringIO(client.post("/v1/compare.csv", json=body).get_data(as_text=True))))
    assert late_text(AS_OF + DAY) in rows[0]["warnings"] and rows[1]["warnings"] == ""


# ------------------------------------------------------------ the CLI

def test_cli_quote_says_age_and_stale_warning(monkeypatch, capsys):
    monkeypatch.setattr(freshness, "today_utc", lambda: AS_OF + 31 * DAY)
    args = ["quote", "--hts", CELL, "--origin", "KR", "--entry-date", (AS_OF + DAY).isoformat(), "--value", "100"]
    assert main(args + ["--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert (doc["as_of"], doc["age_days"]) == (AS_OF.isoformat(), 31)
    assert doc["warnings"][0] == late_text(AS_OF + DAY) and doc["warnings"][-1].startswith(stale_text(31, 30))
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"as of {AS_OF} (31 days old)" in out
    assert out.count(stale_text(31, 30)) == 1 and late_text(AS_OF + DAY) in out


def test_cli_limit_from_the_environment(monkeypatch, capsys):
    monkeypatch.setattr(freshness, "today_utc", lambda: AS_OF + 31 * DAY)
    monkeypatch.setenv(freshness.MAX_AGE_ENV, "31")
    assert main(["quote", "--hts", CELL, "--origin", "KR", "--entry-date", AS_OF.isoformat(), "--value", "100",
                 "--json"]) == 0
    assert not any("days old" in w for w in json.loads(capsys.readouterr().out)["warnings"])
    monkeypatch.setenv(freshness.MAX_AGE_ENV, "soon")
    assert main(["check", "--quick"]) == 1
    assert freshness.MAX_AGE_ENV in capsys.readouterr().err


def test_cli_check_prints_the_stamp(monkeypatch, capsys, tables):
    monkeypatch.setattr(freshness, "today_utc", lambda: AS_OF + 45 * DAY)
    assert main(["check", "--quick"]) == 0     # stale tables still pass the check
    out = capsys.readouterr().out
    assert f"Tables {tables.version} as of {AS_OF} (45 days old; limit 30 days)." in out
    assert "Warning: " + stale_text(45, 30) in out


# ------------------------------------------------------------ meta.yaml: verified_against

SHIPPED_META = (shipped_tables().directory / "meta.yaml").read_text(encoding="utf-8")


def _read(tmp_path, text):
    (tmp_path / "meta.yaml").write_text(text, encoding="utf-8")
    return read_meta(Reader(tmp_path))


def _line_of(text, needle):
    return text.splitlines().index(next(x for x in text.splitlines() if needle in x)) + 1


def test_the_shipped_meta_says_what_was_verified(tables):
    v = tables.verified_against
    assert v.hts_release.date <= AS_OF and v.federal_register_through.date <= AS_OF
    assert v.csms_through.date <= AS_OF
    assert "second-hand" in v.federal_register_through.note and "secondary" in v.csms_through.note


@pytest.mark.parametrize("old, new, needle, reason", [
    ("  hts_release:", "  hts_relase:", "hts_relase:", "did you mean 'hts_release'?"),
    ('    name: "2026HTSRev21"', '    nmae: "2026HTSRev21"', "nmae:", "did you mean 'name'?"),
    ('    date: "2026-10-07"', '    date: "2026-13-07"', '"2026-13-07"', "no such day"),
    ('    date: "2026-10-07"', '    date: "07.10.2026"', '"07.10.2026"', "bad date"),
    ('    date: "2026-09-14"', '    date: "2026-12-01"', '"2026-12-01"', "after the tables' as-of date"),
    ('    name: "2026HTSRev21"', '    name: "Rev. 21"', '"Rev. 21"', "USITC release name"),
    ('    message: "69851916"', '    message: "CSMS 69851916"', '"CSMS 69851916"', "CSMS number"),
])
def test_a_bad_verified_against_is_refused_at_its_line(tmp_path, old, new, needle, reason):
    assert old in SHIPPED_META
    text = SHIPPED_META.replace(old, new, 1)
    with pytest.raises(TableError) as caught:
        _read(tmp_path, text)
    assert caught.value.where == f"meta.yaml:{_line_of(text, needle)}"
    assert reason in caught.value.reason


def test_verified_against_is_required_and_may_say_nothing_was_reviewed(tmp_path):
    block = SHIPPED_META[SHIPPED_META.index("verified_against:"):]
    with pytest.raises(TableError) as caught:
        _read(tmp_path, SHIPPED_META.replace(block, ""))
    assert caught.value.where == f"meta.yaml:{_line_of(SHIPPED_META, 'version:')}" and "missing key 'verified_against'" in caught.value.reason
    text = SHIPPED_META.replace('    message: "69851916"', "    message: null").replace(
        '    date: "2026-09-11"', "    date: null")
    csms = _read(tmp_path, text).verified_against.csms_through
    assert (csms.message, csms.date) == (None, None) and csms.note
