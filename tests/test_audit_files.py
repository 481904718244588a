"""Issue 14: the audit for spreadsheets (POST /v1/audit.csv/.tsv/.html, safe to sum) and
``tariff-stack audit FILE`` (our one-row-per-line-and-heading form and ACE's ES-003 export)."""
import csv
from decimal import Decimal

import pytest
from test_audit import BATTERY_2025, FINAL_IEEPA, JANUARY_2026, PAST, SECTION_122
from test_sheet_outputs import parse

import service.cli
from service.cli import main
from service.render import spreadsheet

AMOUNTS = ("paid", "assessed", "owed", "refundable", "closed", "contested", "contingent", "underpaid", "unmatched",
           "interest")
BODY = {"audit_date": "2026-06-01", "interest_to": "2026-07-01", "lines": [BATTERY_2025, JANUARY_2026, SECTION_122]}
# A line past its protest window (closed) and one finally liquidated (contested), audited on 2026-11-28.
LATE = {"audit_date": "2026-11-28", "interest_to": "2026-07-01", "lines": [BATTERY_2025, PAST, FINAL_IEEPA]}


def total(rows, column):
    return sum((Decimal(r[column]) for r in rows if r[column]), Decimal("0"))


def sums_to_the_totals(client, fmt, body):
    """The rows of the audit in ``fmt``: one per line and heading, every amount column summing to the totals."""
    doc = client.post("/v1/audit", json=body).get_json()
    r = client.post(f"/v1/audit.{fmt}", json=body)
    assert r.status_code == 200 and r.data == client.post(f"/v1/audit?format={fmt}", json=body).data
    rows = parse(fmt, r.get_data(as_text=True))
    assert list(rows[0]) == [c.name for c in spreadsheet.COLUMNS["audit"]]
    # one row per line and heading, nothing else
    assert len(rows) == sum(len(x["headings"]) for x in doc["lines"])
    assert {r["row_type"] for r in rows} == {"heading"}
    for name in AMOUNTS:
        assert total(rows, name) == Decimal(doc["totals"][name]), name
        if name != "assessed":
            assert total(rows, f"total_{name}") == Decimal(doc["totals"][name])   # filled once
    # a line's own cells on its first row only: SUM(customs_value) is the value audited
    assert total(rows, "customs_value") == Decimal("300000")
    assert all(r["total_paid"] == "" and r["warnings"] == "" for r in rows[1:])
    return rows


@pytest.mark.parametrize("fmt", ["csv", "tsv", "html"])
def test_audit_rows_are_safe_to_sum(client, fmt):
    rows = sums_to_the_totals(client, fmt, BODY)
    first = rows[0]
    assert (first["audit_date"], first["interest_to"]) == ("2026-06-01", "2026-07-01")
    cape = [r for r in rows if r["refund_route"] == "cape"]
    assert {r["heading"] for r in cape} == {"9903.01.24", "9903.01.25"}
    assert {r["refund_status"] for r in cape} == {"open"}


def test_closed_and_contested_have_their_own_columns(client):
    # PAST: 17,500 of Section 301 overpaid, protest closed 2026-07-29 -> closed; its 20,000 of IEEPA
    # fentanyl contested; FINAL_IEEPA (liquidated 2026-02-27, final from 2026-08-27): 30,000 contested.
    # BATTERY_2025 (liquidated 2026-04-24: CAPE closed 2026-07-13, protest to 2026-10-21, final from
    # 2026-10-22): its 30,000 of IEEPA contested too.  Refundable now: nothing, so no interest.
    rows = sums_to_the_totals(client, "csv", LATE)
    assert (rows[0]["total_refundable"], rows[0]["total_closed"], rows[0]["total_contested"]) == (
        "0.00", "17500.00", "80000.00")
    assert total(rows, "closed") == Decimal("17500.00") and total(rows, "contested") == Decimal("80000.00")
    assert total(rows, "interest") == 0
    s301 = next(r for r in rows if r["entry_number"] == "OLD00000001" and r["heading"] == "9903.88.15")
    assert (s301["refundable"], s301["closed"], s301["refund_status"]) == ("0.00", "17500.00", "closed")


def test_an_audit_error_reaches_the_cell(client):
    r = client.post("/v1/audit.csv?errors=inline", json={"lines": [{**BATTERY_2025, "value": "-1"}]})
    assert r.status_code == 200 and r.headers["X-Error-Status"] == "400"
    assert parse("csv", r.get_data(as_text=True))[0]["field"] == "lines.0.value"


# ------------------------------------------------------------------ tariff-stack audit

@pytest.fixture(autouse=True)
def shared_tables(monkeypatch, tables):
    monkeypatch.setattr(service.cli, "load_tables", lambda: tables)


def run(capsys, *argv):
    code = main(["audit", *map(str, argv), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.err


OWN_FORM = """\
entry_number,line_number,hts,origin,entry_date,value,liquidation_date,deposit_date,heading,paid
ABC12345678,1,8507.60.00.20,CN,2025-06-10,100000,2026-04-24,2025-06-20,9903.88.15,7500.00
ABC12345678,1,,,,,,,9903.01.24,20000
ABC12345678,1,,,,,,,9903.01.25,10000
ABC12345678,1,,,,,,,8507.60.00.20,3400
XYZ00000001,1,9999.99.99,CN,2025-06-10,100,,,9903.01.24,5
ABC12345679,2,8507.60.00.90,KR,2026-03-10,100000,2027-01-22,,9903.03.01,10000
"""


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_audit_of_our_csv_form_is_written_beside_the_input_which_is_never_altered(tmp_path, capsys):
    source = tmp_path / "entries.csv"
    source.write_text(OWN_FORM, encoding="utf-8")
    before = source.read_bytes()
    code, err = run(capsys, source, "--audit-date", "2026-06-01", "--interest-to", "2026-07-01")
    assert code == 1                                      # one line is not covered
    assert source.read_bytes() == before
    rows = read_rows(tmp_path / "entries.audit.csv")
    assert "audited 2 lines; 1 could not be audited" in err and "entries.audit.csv" in err
    # the first line, as in test_audit (hand-worked there): 30,000 of IEEPA refundable, interest 1,833.14
    first = [r for r in rows if r["entry_number"] == "ABC12345678"]
    assert {r["source_rows"] for r in first} == {"2 3 4 5"}
    assert total(first, "refundable") == Decimal("30000.00") and total(first, "interest") == Decimal("1833.14")
    error = next(r for r in rows if r["row_type"] == "error")
    assert (error["entry_number"], error["status"], error["source_rows"]) == ("XYZ00000001", "not_covered", "6")
    s122 = next(r for r in rows if r["heading"] == "9903.03.01")
    assert (s122["contingent"], s122["contingent_route"], s122["contingent_closes"]) == (
        "10000.00", "protest", "2027-07-21")
    # the totals line of the summary and the first row agree, and the amounts sum to them
    assert rows[0]["total_refundable"] == "30000.00" and total(rows, "refundable") == Decimal("30000.00")
    # The Korean line claims no KORUS preference here: column 1 3.4% = 3,400 is owed and was not paid.
    # paid 40,900 + 10,000 = 50,900; owed 10,900 + 10,000 + 3,400 = 24,300; underpaid 3,400.
    assert ("totals USD: paid 50900.00, owed 24300.00, refundable now 30000.00 (interest 1833.14), closed 0.00, "
            "contested 0.00, contingent 10000.00, underpaid 3400.00, unmatched 0.00") in err


def test_a_semicolon_csv_saved_by_excel_is_audited_in_its_own_dialect(tmp_path, capsys):
    # Excel in a decimal-comma locale saves ';'-separated text with a BOM and CRLF lines: the audit beside it
    # is written the same way, so the same Excel opens it in columns; the input stays byte for byte.
    source = tmp_path / "entries.csv"
    source.write_bytes(("\ufeff" + OWN_FORM.replace(",", ";").replace("\n", "\r\n")).encode("utf-8"))
    before = source.read_bytes()
    code, err = run(capsys, source, "--audit-date", "2026-06-01", "--interest-to", "2026-07-01")
    assert source.read_bytes() == before and "semicolon-separated" in err
    written = (tmp_path / "entries.audit.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbfrow_type;line;entry_number;") and b"\r\n" in written
    with open(tmp_path / "entries.audit.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert rows[0]["total_refundable"] == "30000.00"          # the same figures as the comma form above
    # the tables' stamp on the first row only (safe to sum): the version and as-of date that priced the audit
    assert rows[0]["tables_version"] and rows[0]["as_of"] == "2026-11-28" and rows[0]["age_days"].isdigit()
    assert all(r["tables_version"] == r["as_of"] == r["age_days"] == "" for r in rows[1:])


ES003 = """\
Entry Summary Number,Entry Summary Line Number,Tariff Ordinal Number,HTS Number - Full,Line Tariff Goods Value Amount,Line Tariff Duty Amount,Entry Date,Entry Summary Date,Country of Origin Code,Liquidation Date
BII00000011,1,01,99030124,$0.00,"$2,000.00",06/10/2025,06/20/2025,CN,04/24/2026
BII00000011,1,02,99030125,$0.00,"$1,000.00",06/10/2025,06/20/2025,CN,04/24/2026
BII00000011,1,03,99038815,$0.00,$750.00,06/10/2025,06/20/2025,CN,04/24/2026
BII00000011,1,04,8507600020,"$10,000.00",$340.00,06/10/2025,06/20/2025,CN,04/24/2026
"""


def test_an_ace_es003_export_is_read_as_ace_prints_it(tmp_path, capsys):
    # The battery line of test_audit at a tenth of the value: 10,000 -> IEEPA 2,000 + 1,000 refundable; interest
    # 10% of 1,222.0904 and 611.0452: 122.209 -> 122.21 and 61.105 -> 61.10 (half-up at the cent: 61.1045...)
    source = tmp_path / "ES-003.csv"
    source.write_text(ES003, encoding="utf-8")
    out = tmp_path / "audit.xlsx"
    code, err = run(capsys, source, "-o", out, "--audit-date", "2026-06-01", "--interest-to", "2026-07-01")
    assert code == 0, err
    assert "ES-003" in err and "'HTS Number - Full' as heading" in err and "'Entry Summary Date' as deposit_date" in err
    import openpyxl
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.values)
    rows = [dict(zip(values[0], (Decimal(str(c)) if isinstance(c, float | int) else c for c in v)))
            for v in values[1:]]                      # amounts are numbers in the workbook
    assert {r["hts"] for r in rows} == {"8507.60.00.20"}          # the commodity row gives the line's number
    assert {r["entry_date"] for r in rows} == {"2025-06-10"} and {r["deposit_date"] for r in rows} == {"2025-06-20"}
    by_heading = {r["heading"]: r for r in rows}
    assert by_heading["9903.01.24"]["refundable"] == Decimal("2000") and by_heading["9903.01.24"]["interest"] == \
        Decimal("122.21")
    assert by_heading["9903.01.25"]["interest"] == Decimal("61.10")
    assert by_heading["8507.60.00.20"]["owed"] == Decimal("340") and rows[0]["customs_value"] == Decimal("10000")


def test_rows_of_a_line_that_disagree_are_an_error_row(tmp_path, capsys):
    source = tmp_path / "bad.csv"
    source.write_text("entry_number,line_number,hts,origin,entry_date,value,heading,paid\n"
                      "A1,1,8507.60.00.20,CN,2025-06-10,100,9903.01.24,20\n"
                      "A1,1,8507.60.00.20,VN,2025-06-10,100,9903.01.25,10\n"
                      "A2,1,8507.60.00.20,CN,2025-06-10,100,9903.01.24,-20\n", encoding="utf-8")
    code, err = run(capsys, source)
    rows = read_rows(tmp_path / "bad.audit.csv")
    assert code == 1 and [r["row_type"] for r in rows] == ["error", "error"]
    assert "row 3 gives origin 'VN', an earlier row of the line 'CN'" in rows[0]["error"]
    assert "paid.0.amount: must not be negative" in rows[1]["error"]


def test_the_audit_never_writes_over_its_input(tmp_path, capsys):
    source = tmp_path / "entries.csv"
    source.write_text(OWN_FORM, encoding="utf-8")
    code = main(["audit", str(source), "-o", str(source), "--no-progress"])
    assert code == 2 and "never alters its input" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == OWN_FORM


def test_a_file_without_the_audit_columns_is_refused_with_what_is_needed(tmp_path, capsys):
    source = tmp_path / "lines.csv"
    source.write_text("hts,origin,entry_date,value\n8507.60.00.20,CN,2025-06-10,100\n", encoding="utf-8")
    code = main(["audit", str(source), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "lacks entry_number, line_number, heading, paid" in err and "ES-003" in err
    assert not (tmp_path / "lines.audit.csv").exists()


def test_the_example_file_of_the_readme_audits(tmp_path, capsys):
    from conftest import REPO
    source = tmp_path / "audit_entries.csv"
    source.write_bytes((REPO / "examples" / "audit_entries.csv").read_bytes())
    code, err = run(capsys, source, "--audit-date", "2026-06-01")
    rows = read_rows(tmp_path / "audit_entries.audit.csv")
    assert code == 0, err
    assert {r["entry_number"] for r in rows} == {"ABC12345678", "ABC12345679", "ABC12345680"}
    # IEEPA: 30,000 + 20,000 + the reciprocal paid on the Annex II lithium line, 10,000
    assert total(rows, "refundable") == Decimal("60000.00") and total(rows, "underpaid") == Decimal("17500.00")


ES003_STATUS = """\
Entry Summary Number,Entry Summary Line Number,Tariff Ordinal Number,HTS Number - Full,Line Tariff Goods Value Amount,Line Tariff Duty Amount,Entry Date,Country of Origin Code,Liquidation Date,Liquidation Status
ABC12345678,1,01,99030124,$0.00,"$20,000.00",06/10/2025,CN,07/17/2026,Extended
ABC12345678,1,02,99030125,$0.00,"$10,000.00",06/10/2025,CN,07/17/2026,Extended
ABC12345678,1,03,8507600020,"$100,000.00","$3,400.00",06/10/2025,CN,07/17/2026,Extended
ABC12345678,1,04,99038815,$0.00,"$7,500.00",06/10/2025,CN,07/17/2026,Extended
ABC12345679,1,01,99030124,$0.00,"$20,000.00",06/10/2025,CN,04/24/2026,Liquidated
ABC12345679,1,02,8507600020,"$100,000.00","$3,400.00",06/10/2025,CN,04/24/2026,Liquidated
ABC12345680,1,01,99030124,$0.00,"$20,000.00",06/10/2025,CN,04/24/2026,Final
ABC12345680,1,02,8507600020,"$100,000.00","$3,400.00",06/10/2025,CN,04/24/2026,Final
"""


def test_es003_liquidation_status_is_read_and_an_unknown_one_is_an_error_row(tmp_path, capsys):
    # Audited 2026-11-28.  Line 1: "Extended" past its scheduled 07/17/2026: unliquidated, so its 30,000 of IEEPA
    # duties go to CAPE (open while unliquidated, no close date) -- not to a protest "open" before liquidation.
    # Line 2: "Liquidated" 04/24/2026: CAPE closed 2026-07-13, protest closed 2026-10-21 (+180), final from
    # 2026-10-22: its 20,000 contested.  Line 3: "Final" is not a status ACE's reports were found to print:
    # refused on its own row, never read as a default.
    source = tmp_path / "ES-003.csv"
    source.write_text(ES003_STATUS, encoding="utf-8")
    code, err = run(capsys, source, "--audit-date", "2026-11-28", "--interest-to", "2026-12-31")
    rows = read_rows(tmp_path / "ES-003.audit.csv")
    assert code == 1 and "'Liquidation Status'" not in err.split("columns not read")[-1]
    extended = {r["heading"]: r for r in rows if r["entry_number"] == "ABC12345678"}
    assert {extended[h]["refund_route"] for h in ("9903.01.24", "9903.01.25")} == {"cape"}
    assert {extended[h]["refund_status"] for h in ("9903.01.24", "9903.01.25")} == {"open"}
    assert extended["9903.01.24"]["refund_closes"] == "" and extended["9903.01.24"]["liquidation_status"] == \
        "unliquidated"
    liquidated = {r["heading"]: r for r in rows if r["entry_number"] == "ABC12345679"}
    assert (liquidated["9903.01.24"]["contested"], liquidated["9903.01.24"]["refundable"]) == ("20000.00", "0.00")
    error = next(r for r in rows if r["entry_number"] == "ABC12345680")
    assert error["row_type"] == "error" and "liquidation_status: 'Final' is not a liquidation status" in \
        error["error"]
    assert "audited 2 lines; 1 could not be audited" in err


def test_impossible_dates_in_a_file_are_an_error_row_for_that_line(tmp_path, capsys):
    # Line A1 liquidated (2025-06-09) the day before its entry (2025-06-10): refused on its own row; A2 audited.
    source = tmp_path / "dates.csv"
    source.write_text("entry_number,line_number,hts,origin,entry_date,value,liquidation_date,heading,paid\n"
                      "A1,1,8507.60.00.20,CN,2025-06-10,100,2025-06-09,9903.01.24,20\n"
                      "A2,1,8507.60.00.20,CN,2025-06-10,100,2025-06-10,9903.01.24,20\n", encoding="utf-8")
    code, err = run(capsys, source, "--audit-date", "2026-06-01")
    rows = read_rows(tmp_path / "dates.audit.csv")
    assert code == 1 and "audited 1 lines; 1 could not be audited" in err
    error = next(r for r in rows if r["entry_number"] == "A1")
    assert error["row_type"] == "error" and "liquidation_date: 2025-06-09 is before the entry date" in error["error"]
    assert any(r["entry_number"] == "A2" and r["row_type"] == "heading" for r in rows)
