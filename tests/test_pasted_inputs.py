"""Issue 11: the inputs people paste, through the one parser (parse_line), the API and the CLI.

Each field is read in the forms people write it (HTS codes as printed, country
names, year-first dates, money with a currency sign and thousands commas); an
ambiguous or unknown form is refused with a message that says why and names
what is accepted; nothing is silently ignored.
"""
import csv
import io
import re
from decimal import Decimal

import pytest
from conftest import DUTY, url

from service import InputError, NotCovered, parse_line, quote
from service.engine.line_input import known_facts, parse_date, with_readings
from service.model import countries, hts
from service.model.money import parse_amount, parse_decimal

D = Decimal
LINE = {"hts": "8507.60.00.20", "origin": "CN", "entry_date": "2026-01-15", "value": "100000"}


def refused(data, field, tables=None):
    """The messages parse_line gives for ``field``."""
    with pytest.raises(InputError) as exc:
        parse_line({**LINE, **data}, *((tables.aliases, known_facts(tables)) if tables else ()))
    assert field in exc.value.errors, exc.value.errors
    return " ".join(exc.value.errors[field])


def no_doubled_words(text):
    words = re.findall(r"[A-Za-z_]+", text)
    return not any(a == b for a, b in zip(words, words[1:]))


# ------------------------------------------------------------------ 1. HTS codes

@pytest.mark.parametrize("written", ["8507.60.0020", "8507600020", "8507.60.00.20", "8507.60.00 20",
                                     " 8507.60.00.20 ", "8507 60 00 20", "8507. 60 .00.20", "8507\u00a060\u00a00020",
                                     "85076000 20", "8507.600020"])
def test_hts_in_every_printed_form(written):
    assert hts.normalize(written) == "8507600020"
    assert parse_line({**LINE, "hts": written}).hts == "8507600020"


@pytest.mark.parametrize("written, why", [
    ("85.07", "grouped 4.2.2.2"), ("8507.6.00", "grouped 4.2.2.2"), ("850.760", "grouped 4.2.2.2"),
    ("8507-60-00", "digits grouped"), ("85076", "2, 4, 6, 8 or 10 digits"), ("8507.60.00.20.000", "grouped"),
    ("\uff18\uff15\uff10\uff17.60", "digits grouped"), ("8507.60.00.2O", "digits grouped"),
])
def test_hts_forms_that_are_refused_say_what_is_accepted(written, why):
    message = refused({"hts": written}, "hts")
    assert why in message and "8507.60.0020" in message


def test_an_eight_digit_code_is_priced_when_its_suffixes_agree_else_lists_them(q):
    priced = q("2822.00 00", "KR", "2026-03-10")
    assert priced["hts"] == "2822.00.00"
    assert any(a["fact"] == "hts" and "no statistical suffix given" in a["assumption"] for a in priced["assumptions"])
    with pytest.raises(NotCovered) as exc:
        q("8507.60 00", "CN", "2026-01-15")
    assert "8507.60.00.10" in exc.value.hint and "8507.60.00.90" in exc.value.hint


# ------------------------------------------------------------------ 2. countries

@pytest.mark.parametrize("written, code", [
    ("CN", "CN"), ("cn", "CN"), ("CHN", "CN"), ("China", "CN"), ("PRC", "CN"), ("People's Republic of China", "CN"),
    ("South Korea", "KR"), ("Korea", "KR"), ("KOR", "KR"), ("Korea, Republic of", "KR"), ("Republic of Korea", "KR"),
    ("Viet Nam", "VN"), ("Vietnam", "VN"), ("Taiwan", "TW"), ("Hong Kong", "HK"), ("Türkiye", "TR"),
    ("Turkey", "TR"), ("turkiye", "TR"), ("UK", "GB"), ("United Kingdom", "GB"), ("North Korea", "KP"),
])
def test_country_codes_and_names(tables, written, code):
    assert parse_line({**LINE, "origin": written}, tables.aliases).origin == code


def test_a_name_read_as_a_code_is_echoed_and_korea_says_which(tables):
    line = parse_line({**LINE, "origin": "Korea"}, tables.aliases)
    doc = with_readings(quote(tables, line), line)
    korea = [a["assumption"] for a in doc["assumptions"] if a["fact"] == "origin"]
    assert korea == ["origin 'Korea' read as KR (Korea, Republic of): in US trade usage 'Korea' is the Republic of "
                     "Korea (KORUS, special program KR); give KP for North Korea"]
    viet = parse_line({**LINE, "origin": "Vietnam"}, tables.aliases)
    assert viet.readings == (("origin", "origin 'Vietnam' read as VN (Viet Nam)"),)
    assert parse_line(LINE, tables.aliases).readings == ()       # a code is not echoed twice
    assert with_readings(doc, parse_line(LINE)) is doc


def test_readings_do_not_reach_the_shared_cached_document(tables):
    line = parse_line({**LINE, "origin": "China"}, tables.aliases)
    shared = quote(tables, line)
    before = list(shared["assumptions"])
    with_readings(shared, line)
    assert quote(tables, parse_line(LINE))["assumptions"] == before == shared["assumptions"]


@pytest.mark.parametrize("written, suggestion", [("Chna", "China (CN)"), ("Vietnan", "Viet Nam (VN)"),
                                                 ("Untied States", "United States (US)")])
def test_an_unknown_country_gets_a_did_you_mean(written, suggestion):
    message = refused({"origin": written}, "origin")
    assert f"unknown country {written!r}" in message and suggestion in message


@pytest.mark.parametrize("written", ["ZZ", "XX", "CHN1", "1", "Atlantis"])
def test_an_unknown_country_is_refused(written):
    assert "unknown country" in refused({"origin": written}, "origin")


def test_tables_keep_the_strict_country_code_reader():
    with pytest.raises(ValueError, match="unknown country code 'China'"):
        countries.normalize("China")


# ------------------------------------------------------------------ 3. dates

@pytest.mark.parametrize("written", ["2026-01-15", "2026-1-15", "2026/01/15", "2026/1/15", "2026.01.15", "20260115",
                                     "2026-01-15T10:30:00", "2026-01-15T10:30:00Z", "2026-01-15T23:59:59-05:00",
                                     "2026-01-15T00:30+09:00", "2026-01-15 10:30", "2026-01-15T10:30:00.250Z"])
def test_unambiguous_dates(written):
    assert parse_line({**LINE, "entry_date": written}).entry_date.isoformat() == "2026-01-15"


def test_a_timestamp_is_its_calendar_date_as_written():
    # 23:30 in New York is already the 16th in UTC: the date written is the entry date.
    assert parse_date("2026-01-15T23:30:00-05:00", "entry_date").isoformat() == "2026-01-15"


@pytest.mark.parametrize("written, why", [
    ("01/02/2026", "ambiguous"), ("02/01/2026", "ambiguous"), ("15/01/2026", "puts the day or month first"),
    ("1-15-2026", "puts the day or month first"), ("26-01-15", "two-digit year"), ("Jan 15 2026", "must be a date"),
    ("2026-01/15", "must be a date"), ("2026-01-15T25:00", "no such time"), ("20261301", "no such date"),
])
def test_ambiguous_or_day_first_dates_are_refused_naming_the_accepted_forms(written, why):
    message = refused({"entry_date": written}, "entry_date")
    assert why in message
    if why not in ("no such time", "no such date"):
        assert "YYYY-MM-DD" in message and "YYYYMMDD" in message and "ISO timestamp" in message


def test_other_date_fields_take_the_same_forms(client):
    line = parse_line({**LINE, "entry_date": "20250420", "loaded_date": "2025/4/3", "mode": "vessel"})
    assert line.loaded_date.isoformat() == "2025-04-03"
    assert "ambiguous" in refused({"loaded_date": "04/03/2025"}, "loaded_date")
    r = client.get(url("/v1/timeline", hts="8507.60.00.20", origin="CN", **{"from": "2025/1/1", "to": "20250301"}))
    assert r.status_code == 200 and (r.get_json()["from"], r.get_json()["to"]) == ("2025-01-01", "2025-03-01")
    bad = client.get(url("/v1/timeline", hts="8507.60.00.20", origin="CN", **{"from": "01/02/2025"})).get_json()
    assert "ambiguous" in bad["errors"]["from"][0]


# ------------------------------------------------------------------ 4. money

@pytest.mark.parametrize("written, amount", [
    ("100000", "100000"), ("100,000", "100000"), ("100,000.00", "100000.00"), ("$100,000", "100000"),
    ("$ 100,000.50", "100000.50"), ("USD 100000", "100000"), ("usd100000", "100000"), ("100000 USD", "100000"),
    ("US$100,000", "100000"), ("100000$", "100000"), ("1,234,567.89", "1234567.89"), ("0.5", "0.5"),
    ("12.5", "12.5"), ("12.50", "12.50"),
])
def test_money_forms_that_are_read(written, amount):
    assert parse_line({**LINE, "value": written}).value == D(amount)


@pytest.mark.parametrize("written, why", [
    ("100.000,00", "decimal comma"), ("1.000,5", "decimal comma"), ("12,5", "decimal comma"),
    ("1.000.000", "groups thousands with '.'"), ("12.500", "ambiguous"), ("1,00", "decimal comma"),
    ("1,0000", "in threes"), ("100 000", "space"), ("100'000", "space or '"), ("1_000", "'_'"),
    ("\uff11\uff10\uff10", "non-ASCII digits"), ("\u0661\u0660\u0660", "non-ASCII digits"),
    ("\u0967\u0966\u0966", "non-ASCII digits"), ("0x10", "not a decimal number"), ("$", "not a decimal number"),
])
def test_money_forms_that_are_refused_say_why(written, why):
    message = refused({"value": written}, "value")
    assert why in message, message
    assert no_doubled_words(f"value: {message}"), message


@pytest.mark.parametrize("written", ["EUR 100000", "€100,000", "100000 CNY", "¥100000"])
def test_another_currency_on_a_duty_line_points_to_landed_cost(written):
    message = refused({"value": written}, "value")
    assert "priced in USD" in message and "POST /v1/landed-cost" in message


def test_decimal_refuses_what_python_would_read():
    assert Decimal("1_000") == 1000 and Decimal("\uff11\uff10\uff10") == 100     # what Python does
    for text in ("1_000", "\uff11\uff10\uff10", "\u0661\u0660\u0660"):
        with pytest.raises(ValueError):
            parse_decimal(text)
        with pytest.raises(ValueError):
            parse_amount(text)


def test_a_quantity_takes_commas_but_not_a_currency():
    assert parse_line({**LINE, "quantity": "1,000"}).quantity == D("1000")
    assert parse_line({**LINE, "quantity": "0.896"}).quantity == D("0.896")      # three decimals: a number
    assert "not an amount of money" in refused({"quantity": "$5"}, "quantity")


def test_landed_cost_lines_read_the_same_money_forms(client):
    body = {"entry_date": "2026-03-10", "export_date": "2026-02-05", "mode": "vessel",
            "costs": {"international_freight": "$5,000", "insurance": "500", "brokerage": "300"},
            "lines": [{"hts": "8507.60.0020", "origin": "China", "quantity": "1,000", "unit_price": "$105.50",
                       "incoterm": "CIF", "energy_kwh_per_unit": "0.896"}]}
    plain = {**body, "costs": {"international_freight": "5000", "insurance": "500", "brokerage": "300"},
             "lines": [{**body["lines"][0], "hts": "8507.60.00.20", "origin": "CN", "quantity": "1000",
                        "unit_price": "105.5"}]}
    pasted, written = client.post("/v1/landed-cost", json=body), client.post("/v1/landed-cost", json=plain)
    assert pasted.status_code == written.status_code == 200
    assert pasted.get_json()["totals"] == written.get_json()["totals"]
    eur = client.post("/v1/landed-cost", json={**plain, "lines": [{**plain["lines"][0], "unit_price": "EUR 100"}]})
    assert eur.status_code == 400 and "is in EUR" in eur.get_json()["errors"]["lines.0.unit_price"][0]


# ------------------------------------------------------------------ 5. facts and parameters

def test_known_facts_come_from_the_tables(tables):
    facts = known_facts(tables)
    assert {"vehicle_part", "uk_melted", "us_melted", "equipment_part", "commerce_authorization",
            "metal_weight_share"} <= set(facts)
    assert facts["vehicle_part"].kind == "yes_no" and facts["metal_weight_share"].kind == "fraction"
    assert known_facts(tables) is facts


def test_the_advice_of_a_quote_works_as_written_in_the_url(client):
    base = {"hts": "8507.60.00.90", "origin": "CN", "entry_date": "2026-11-16", "value": "100000"}
    plain = client.get(url("/v1/duty", **base)).get_json()
    advice = [x["reason"] for x in plain["not_applied"] if "vehicle_part" in x["reason"]]
    assert advice and "give vehicle_part=yes" in advice[0]
    bare = client.get(url("/v1/duty", **base, vehicle_part="yes")).get_json()
    packed = client.get(url("/v1/duty", **base, facts="vehicle_part=yes")).get_json()
    assert bare == packed
    assert bare["total_duty"] != plain["total_duty"]
    assert not any(a["fact"] == "vehicle_part" for a in bare["assumptions"])
    assert any(a["fact"] == "vehicle_part" for a in plain["assumptions"])


@pytest.mark.parametrize("params, field, why", [
    ({"vehicle_part": "maybe"}, "vehicle_part", "give yes or no"),
    ({"facts": "vehicle_part=maybe"}, "facts", "give yes or no"),
    ({"facts": "metal_weight_share=1.5"}, "facts", "fraction from 0 to 1"),
    ({"facts": "vehicle_prt=yes"}, "facts", "did you mean vehicle_part"),
    ({"vehicle_part": "yes", "facts": "vehicle_part=no"}, "vehicle_part", "given twice with different values"),
    ({"currency": "EUR"}, "currency", "POST /v1/landed-cost"),
])
def test_a_bad_fact_or_currency_is_a_400(client, params, field, why):
    r = client.get(url("/v1/duty", **DUTY, **params))
    assert r.status_code == 400
    body = r.get_json()
    assert why in " ".join(body["errors"][field]), body
    assert no_doubled_words(body["message"]), body["message"]


def test_fact_values_are_read_in_their_forms(tables):
    facts = known_facts(tables)
    line = parse_line({**LINE, "facts": "vehicle_part=TRUE,metal_weight_share=40%"}, tables.aliases, facts)
    assert line.facts == (("metal_weight_share", "0.4"), ("vehicle_part", "yes"))


def test_currency_usd_is_accepted(client):
    plain = client.get(url("/v1/duty", **DUTY)).get_json()
    assert client.get(url("/v1/duty", **DUTY, currency="USD")).get_json() == plain
    assert client.get(url("/v1/duty", **DUTY, currency="usd")).get_json() == plain


def test_an_unknown_parameter_is_a_warning_with_a_did_you_mean(client):
    plain = client.get(url("/v1/duty", **DUTY)).get_json()
    r = client.get(url("/v1/duty", **DUTY, steel_content="5000"))
    assert r.status_code == 200
    doc = r.get_json()
    assert doc["warnings"] == plain["warnings"] + [
        "unknown parameter 'steel_content' ignored: did you mean steel_content_value?"]
    # the warning is the request's, not the cached document's
    assert client.get(url("/v1/duty", **DUTY)).get_json() == plain


def test_cache_busters_are_silent_and_a_repeated_parameter_is_refused(client):
    plain = client.get(url("/v1/duty", **DUTY)).get_json()
    assert client.get(url("/v1/duty", **DUTY, _ts="1", _="2")).get_json() == plain
    r = client.get("/v1/duty?" + "&".join(f"{k}={v}" for k, v in DUTY.items()) + "&origin=KR")
    assert r.status_code == 400 and r.get_json()["errors"] == {"origin": ["given more than once"]}


def test_timeline_reports_what_it_does_not_use(client):
    params = {"hts": "8507.60.00.20", "origin": "Korea", "from": "2025-01-01", "to": "2025-03-01"}
    doc = client.get(url("/v1/timeline", **params, entry_date="2025-02-01", colour="red")).get_json()
    assert doc["warnings"] == ["unknown parameter 'colour' ignored",
                               "entry_date is not used by the timeline, which prices every entry date from 'from' "
                               "to 'to': ignored"]
    assert any(a["fact"] == "origin" and "read as KR" in a["assumption"] for a in doc["assumptions"])
    assert client.get(url("/v1/timeline", **params)).get_json()["warnings"] == []


def test_the_pasted_line_through_the_api(client):
    pasted = client.get(url("/v1/duty", hts="8507.60.0020 ", origin="China", entry_date="2026/1/15",
                            value="$100,000.00")).get_json()
    plain = client.get(url("/v1/duty", **DUTY)).get_json()
    assert pasted["total_duty"] == plain["total_duty"] and pasted["layers"] == plain["layers"]
    assert pasted["assumptions"] == plain["assumptions"] + [{"fact": "origin",
                                                             "assumption": "origin 'China' read as CN (China)"}]


def test_a_batch_line_reads_facts_and_names(client):
    doc = client.post("/v1/duty", json={"lines": [{**DUTY, "origin": "Korea"},
                                                   {**DUTY, "facts": {"vehicle_part": "maybe"}},
                                                   {**DUTY, "steel_content": "1"}]}).get_json()
    assert [x["status"] for x in doc["results"]] == [200, 400, 400]
    assert any("read as KR" in a["assumption"] for a in doc["results"][0]["result"]["assumptions"])
    assert "did you mean steel_content_value" in doc["results"][2]["error"]["errors"]["steel_content"][0]


# ------------------------------------------------------------------ 6. coverage of a line

def test_a_line_covered_from_a_later_date_says_so(q):
    with pytest.raises(NotCovered) as exc:
        q("7604.10.10", "CN", "2024-03-01")
    assert "7604.10.10 from 2024-09-27" in exc.value.message
    assert "tables cover entry dates from" not in exc.value.message + exc.value.hint
    assert exc.value.field == "entry_date"


def test_a_code_split_by_an_hts_revision_names_the_new_numbers(q):
    with pytest.raises(NotCovered) as exc:
        q("3801.10.50.00", "CN", "2025-06-01")
    assert "until 2025-01-01 (exclusive)" in exc.value.message
    assert "3801.10.50.10, 3801.10.50.90" in exc.value.hint
    with pytest.raises(NotCovered) as exc:
        q("3801.10.50.10", "CN", "2024-06-01")
    assert "from 2025-01-01" in exc.value.message and "3801.10.50.00" in exc.value.hint


def test_coverage_reason_through_the_api(client):
    r = client.get(url("/v1/duty", hts="7604.10.10", origin="CN", entry_date="2024-03-01", value="1"))
    assert r.status_code == 404
    assert "7604.10.10 from 2024-09-27" in r.get_json()["message"]


# ------------------------------------------------------------------ schema messages

@pytest.mark.parametrize("body, field, message", [
    ({"lines": "x"}, "lines", "must be a list of lines"),
    ({"lines": [{**DUTY}], "colour": 1}, "colour", "unknown field"),
    ({}, "lines", "missing required field"),
])
def test_schema_messages_read_like_the_service(client, body, field, message):
    r = client.post("/v1/duty", json=body)
    assert r.status_code == 400 and r.get_json()["errors"][field] == [message]


def test_query_length_and_format_messages(client):
    body = client.get(url("/v1/duty", **{**DUTY, "hts": "9" * 300, "format": "xml"})).get_json()
    assert body["errors"]["hts"] == ["must be text of at most 200 characters"]
    assert body["errors"]["format"] == ["must be one of json, csv, tsv, html, iqy"]


# ------------------------------------------------------------------ CLI

def test_cli_reads_the_pasted_forms(capsys):
    from service.cli import main
    assert main(["quote", "--hts", "8507.60.0020", "--origin", "China", "--entry-date", "2026/1/15",
                 "--value", "$100,000", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"origin": "CN"' in out and '"customs_value": "100000.00"' in out


def test_cli_refuses_an_ambiguous_date_and_a_decimal_comma(capsys):
    from service.cli import main
    assert main(["quote", "--hts", "8507.60.00.20", "--origin", "CN", "--entry-date", "01/02/2026",
                 "--value", "100.000,00"]) == 1
    err = capsys.readouterr().err
    assert "ambiguous" in err and "decimal comma" in err


def test_cli_fact_as_the_advice_words_it(capsys):
    from service.cli import main
    args = ["quote", "--hts", "8507.60.00.90", "--origin", "CN", "--entry-date", "2026-11-16", "--value", "100000",
            "--json"]
    assert main(args) == 0
    plain = capsys.readouterr().out
    assert main(args + ["--fact", "vehicle_part=yes"]) == 0
    assert capsys.readouterr().out != plain


def test_cli_refuses_a_bad_fact_value(capsys):
    from service.cli import main
    assert main(["quote", "--hts", "8507.60.00.90", "--origin", "CN", "--entry-date", "2026-11-16",
                 "--value", "100000", "--fact", "vehicle_part=maybe"]) == 1


def test_csv_pricer_reads_a_fact_column(tables, tmp_path):
    from service.render.pricing_file import price_path
    source = tmp_path / "lines.csv"
    source.write_text("hts,origin,entry_date,value,vehicle_part\n8507.60.00.90,CN,2026-11-16,100000,yes\n"
                      "8507.60.00.90,CN,2026-11-16,100000,no\n8507.60.00.90,CN,2026-11-16,100000,maybe\n",
                      encoding="utf-8")
    price_path(tables, str(source), str(tmp_path / "out.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig"))))
    assert [r["status"] for r in rows] == ["ok", "ok", "error"]
    assert rows[0]["vehicle_part"] == "yes"                  # the user's column comes back as it was
    assert rows[0]["total_duty"] != rows[1]["total_duty"]    # and the fact reached the engine
    assert "vehicle_part" in rows[2]["error"]


def test_csv_pricer_reads_pasted_forms(tables, tmp_path):
    from service.render.pricing_file import price_path
    source = tmp_path / "lines.csv"
    source.write_text('hts,origin,entry_date,value\n8507.60.0020,Vietnam,20260115,"$100,000"\n'
                      "8507.60.00.20,CN,01/02/2026,100000\n", encoding="utf-8")
    price_path(tables, str(source), str(tmp_path / "out.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig"))))
    assert "origin 'Vietnam' read as VN" in rows[0]["assumptions"]
    assert rows[0]["status"] == "ok" and rows[0]["customs_value"] == "100000.00"
    assert rows[1]["status"] == "error" and "ambiguous" in rows[1]["error"]


@pytest.mark.parametrize("url, field, hint", [
    ("/v1/hts?prefx=8507", "prefx", "did you mean prefix?"),
    ("/v1/measures?program=section_301&orign=CN", "orign", "did you mean origin?"),
    ("/v1/hts/8507.60.00.20?fromat=csv", "fromat", "did you mean format?"),
])
def test_a_lookup_refuses_a_misspelled_filter_instead_of_answering_every_entry(client, url, field, hint):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert list(body["errors"]) == [field] and hint in body["errors"][field][0]


def test_a_lookup_accepts_cache_busters_and_the_sheet_switch(client):
    plain = client.get("/v1/hts?prefix=8507").get_json()
    busted = client.get("/v1/hts?prefix=8507&_ts=17&_=3&errors=inline")
    assert busted.status_code == 200 and busted.get_json()["count"] == plain["count"] > 0


@pytest.mark.parametrize("given, code, said", [
    ("NA", "NA", "if the cell meant 'not available', the origin is missing"),
    ("Congo", "CG", "give CD for the Democratic Republic of the Congo"),
])
def test_readings_a_person_could_mean_otherwise_are_said(client, given, code, said):
    doc = client.get(f"/v1/duty?hts=8507.60.00.20&origin={given}&entry_date=2026-01-15&value=1000").get_json()
    assert doc["origin"] == code
    assert any(said in a["assumption"] for a in doc["assumptions"]), doc["assumptions"]
