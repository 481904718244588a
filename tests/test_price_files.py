"""``tariff-stack price`` on real files: encodings, delimiters, workbooks, in place, collisions.

Every test writes or reads actual bytes on disk and runs the command in process
(``service.cli.main``); the one subprocess test is marked slow.
"""
import csv
import io
import os
import pathlib
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

import service.cli
from service.cli import main
from service.render import pricing_file, tabular_files

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
ANSI = FIXTURES / "excel_ansi.csv"
HEADER = ["PO", "HTS Code", "Country of Origin", "Entry Date", "Customs Value", "description", "status", "error",
          "currency", "adjustment"]
ROWS = [["PO-1", "8507.60.00.20", "CN", "2026-01-15", "100000", "Café cells – grade A", "open", "", "EUR", "-500.00"],
        ["PO-2", "7326.90.86.88", "CN", "2025-07-01", "10000", "=bolts & brackets", "", "n/a", "", "+12"],
        ["PO-3", "9999.99.99", "CN", "2026-01-15", "1000", "@unknown", "", "", "", "-0.5"]]
# the same rows with the first line's currency column in USD (lower case: kept as written, read as USD)
ROWS_USD = [ROWS[0][:8] + ["usd"] + ROWS[0][9:]] + ROWS[1:]
ADDED = ["assumptions", "warnings", "hts_priced", "priced_description", "priced_customs_value", "total_duty",
         "effective_rate", "priced_currency", "headings", "priced_status", "priced_error", "tables_version",
         "tables_as_of"]


@pytest.fixture(autouse=True)
def shared_tables(monkeypatch, tables):
    """The session's tables for every ``main`` call (loading them again costs a second each)."""
    monkeypatch.setattr(service.cli, "load_tables", lambda: tables)


def run(capsys, *argv):
    code = main(["price", *map(str, argv), "--no-progress"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows_of(path, encoding):
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def write_text(path, rows, delimiter=",", encoding="utf-8", ending="\r\n"):
    path.write_bytes((ending.join(delimiter.join(r) for r in rows) + ending).encode(encoding))
    return path


# ------------------------------------------------------------ encodings


def test_excel_ansi_csv_is_read_as_windows_1252_and_written_back_so(tmp_path, capsys):
    out = tmp_path / "priced.csv"
    code, _, err = run(capsys, ANSI, "-o", out)
    assert code == 1   # PO-3 is not covered
    assert f"read {ANSI} as comma-separated text, Windows-1252" in err
    assert "wrote " + str(out) + " (Windows-1252, as read)" in err
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    # the user's bytes, as they were: é and the en dash in Windows-1252, CRLF line ends
    assert b"PO-1,8507.60.00.20,CN,2026-01-15,100000,Caf\xe9 cells \x96 grade A,open,,EUR,-500.00," in data
    assert data.count(b"\r\n") == 4 and b"\n" not in data.replace(b"\r\n", b"")
    rows = rows_of(out, "cp1252")
    assert rows[0] == HEADER + ADDED
    assert [r[:10] for r in rows[1:]] == ROWS


def test_utf8_with_bom_stays_utf8_with_bom_and_plain_utf8_stays_plain(tmp_path, capsys):
    for encoding, bom in (("utf-8-sig", b"\xef\xbb\xbf"), ("utf-8", b"")):
        source = write_text(tmp_path / f"{encoding}.csv", [HEADER] + ROWS, encoding=encoding)
        out = tmp_path / f"{encoding}-out.csv"
        code, _, err = run(capsys, source, "-o", out)
        assert code == 1, err
        data = out.read_bytes()
        assert data.startswith(bom + b"PO,HTS Code,")
        assert not data[len(bom):].startswith(b"\xef\xbb\xbf")
        assert "Café cells – grade A".encode("utf-8") in data
        assert [r[:10] for r in rows_of(out, "utf-8-sig")[1:]] == ROWS


def test_utf16_unicode_text_is_read(tmp_path, capsys):
    """Excel's "Unicode Text (*.txt)": UTF-16 with a byte-order mark, tab-separated."""
    source = write_text(tmp_path / "unicode.txt", [HEADER] + ROWS_USD, delimiter="\t", encoding="utf-16")
    out = tmp_path / "out.txt"
    code, _, err = run(capsys, source, "-o", out)
    assert "tab-separated text, UTF-16 with BOM" in err
    assert out.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-16"), newline=""), delimiter="\t"))
    assert [r[:10] for r in rows[1:]] == ROWS_USD and rows[1][-4] == "ok"          # status, error, then the stamp


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_in_one_line(tmp_path, capsys):
    source = tmp_path / "odd.csv"
    source.write_bytes(b"hts,origin,entry_date,value\r\n8507.60.00.20,CN,2026-01-15,1\x81\r\n")
    code, out, err = run(capsys, source)
    assert code == 2 and out == ""
    assert err == f"tariff-stack price: error: {source}: neither UTF-8 nor Windows-1252 text (byte 0x81 at " \
                  "offset 58); save it as CSV UTF-8\n"


@pytest.mark.parametrize("content, says", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "an Excel 97-2003 (.xls) workbook, which is not read"),
    (b"h\0t\0s\0,\0", "contains NUL bytes: not a text file"),
    (b"PK\x03\x04not really a zip", "a zip file that is not a readable .xlsx workbook"),
    (b"", "the file is empty; it needs a header row"),
    (b"\r\n,,,\r\n", "the file is empty; it needs a header row"),
])
def test_files_that_are_not_tables_are_refused_in_one_line(tmp_path, capsys, content, says):
    source = tmp_path / "lines.csv"
    source.write_bytes(content)
    code, out, err = run(capsys, source, "-o", tmp_path / "out.csv")
    assert code == 2 and out == ""
    assert says in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


# ------------------------------------------------------------ delimiters and headers


def test_semicolon_csv_comes_back_semicolon_separated(tmp_path, capsys):
    source = write_text(tmp_path / "semi.csv", [HEADER] + ROWS_USD, delimiter=";", encoding="utf-8-sig")
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert "semicolon-separated text, UTF-8 with BOM" in err
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == HEADER + ADDED and [r[:10] for r in rows[1:]] == ROWS_USD
    assert rows[1][ADDED.index("priced_status") + 10] == "ok"


def test_excel_sep_line_is_honoured_and_kept(tmp_path, capsys):
    source = tmp_path / "sep.csv"
    source.write_bytes(b"sep=;\r\nhts;origin;entry_date;value;note\r\n8507.60.00.20;CN;2026-01-15;100000;a,b\r\n")
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 0, err
    lines = out.read_bytes().split(b"\r\n")
    assert lines[0] == b"sep=;" and lines[1].startswith(b"hts;origin;entry_date;value;note;assumptions;")
    assert lines[2].startswith(b"8507.60.00.20;CN;2026-01-15;100000;a,b;")


def test_tab_file_to_stdout_and_comma_file_to_tsv(tmp_path, capsys):
    source = write_text(tmp_path / "lines.txt", [HEADER] + ROWS, delimiter="\t", ending="\n")
    code, out, err = run(capsys, source)
    assert "tab-separated text, UTF-8" in err
    rows = list(csv.reader(io.StringIO(out, newline=""), delimiter="\t"))
    assert rows[0] == HEADER + ADDED and [r[:10] for r in rows[1:]] == ROWS

    tsv = tmp_path / "out.tsv"
    run(capsys, ANSI, "-o", tsv)
    assert tsv.read_bytes().startswith(b"PO\tHTS Code\tCountry of Origin\t")


def test_headers_match_ignoring_case_and_punctuation_and_say_which_alias_was_read(tmp_path, capsys):
    source = write_text(tmp_path / "h.csv", [["HTS", " ORIGIN ", "entry-date", "Entered Value", "Steel Content Value"],
                                             ["7326.90.86.88", "CN", "2025-07-01", "10000", "4000"]])
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 0, err
    assert ("columns read as fields: 'HTS' as hts, ' ORIGIN ' as origin, 'entry-date' as entry_date, "
            "'Entered Value' as value, 'Steel Content Value' as steel_content_value") in err
    row = rows_of(out, "utf-8")[1]
    assert row[:5] == ["7326.90.86.88", "CN", "2025-07-01", "10000", "4000"]
    assert "steel_content_value not given" not in row[5]   # the steel content was read


def test_a_header_that_does_not_fit_lists_what_was_found_and_what_is_needed(tmp_path, capsys):
    source = write_text(tmp_path / "bad.csv", [["hts", "country", "date", "amount"], ["8507.60.00.20", "CN", "x", "1"]])
    out = tmp_path / "out.csv"
    code, stdout, err = run(capsys, source, "-o", out)
    assert code == 2 and stdout == "" and not out.exists()
    assert err.count("\n") == 1
    assert "the header lacks origin (or Country of Origin, Origin Country); entry_date (or Date of Entry, " \
           "Entered Date); value (or Customs Value, Entered Value)" in err
    assert "found 'hts', 'country', 'date', 'amount'; needed hts, origin, entry_date, value" in err


def test_two_columns_for_one_field_are_refused(tmp_path, capsys):
    source = write_text(tmp_path / "dup.csv", [["hts", "HTS Code", "origin", "entry_date", "value"],
                                               ["8507.60.00.20", "8507.60.00.90", "CN", "2026-01-15", "1"]])
    code, _, err = run(capsys, source)
    assert code == 2
    assert "columns 'hts' and 'HTS Code' both give hts; keep one, or rename the other" in err


# ------------------------------------------------------------ pass-through and collisions


def test_user_columns_named_like_the_added_ones_come_back_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "out.csv"
    _, _, err = run(capsys, ANSI, "-o", out)
    assert ("the input already has description, customs_value, currency, status, error: the priced columns are "
            "priced_description, priced_customs_value, priced_currency, priced_status, priced_error") in err
    rows = rows_of(out, "cp1252")
    by_name = [dict(zip(rows[0], r)) for r in rows[1:]]
    # the user's own cells, not a ' in front of -500.00, =..., +12, @..., -0.5
    assert [(r["description"], r["status"], r["error"], r["currency"], r["adjustment"]) for r in by_name] == [
        ("Café cells – grade A", "open", "", "EUR", "-500.00"), ("=bolts & brackets", "", "n/a", "", "+12"),
        ("@unknown", "", "", "", "-0.5")]
    # the user's currency column is read too (and kept as it was): EUR is not priced as if it were USD
    assert [r["priced_status"] for r in by_name] == ["error", "ok", "not_covered"]
    assert by_name[0]["priced_error"].startswith("currency: 'EUR': a duty line is priced in USD")
    assert by_name[1]["priced_currency"] == "USD" and by_name[1]["priced_customs_value"] == "10000.00"
    assert by_name[1]["priced_description"] != "" and by_name[1]["description"] == "=bolts & brackets"
    assert by_name[2]["priced_error"].startswith("HTS 9999.99.99 is not covered")


def test_a_second_run_on_a_priced_file_adds_columns_rather_than_overwriting(tmp_path, capsys):
    once, twice = tmp_path / "once.csv", tmp_path / "twice.csv"
    run(capsys, ANSI, "-o", once)
    run(capsys, once, "-o", twice)
    first, second = rows_of(once, "cp1252"), rows_of(twice, "cp1252")
    assert [r[:len(first[0])] for r in second] == first
    assert second[0][len(first[0]):][:3] == ["priced_assumptions", "priced_warnings", "priced_hts_priced"]
    assert "priced_description_2" in second[0] and "priced_status_2" in second[0]


def test_only_the_text_the_service_writes_is_neutralised():
    assert pricing_file._csv_cell("error", "=1+2") == "'=1+2"
    assert pricing_file._csv_cell("description", "-x") == "'-x"
    assert pricing_file._csv_cell("warnings", "@x") == "'@x"
    assert pricing_file._csv_cell("total_duty", "-500.00") == "-500.00"
    assert pricing_file._csv_cell("headings", "9903.88.03") == "9903.88.03"


def test_duplicate_unnamed_and_extra_cells_are_all_kept(tmp_path, capsys):
    source = tmp_path / "odd.csv"
    source.write_bytes(b"hts,origin,entry_date,value,note,note,\r\n"
                       b"8507.60.00.20,CN,2026-01-15,100000,a,b,c,EXTRA\r\n"
                       b"8507.60.00.20,CN,2026-01-15,100000\r\n")
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 1, err        # the long row is not priced: its cells beyond the header may be a split number
    assert "1 row(s) have cells beyond the header: not priced (status error)" in err
    rows = rows_of(out, "utf-8")
    assert rows[0][:9] == ["hts", "origin", "entry_date", "value", "note", "note", "", "", "assumptions"]
    assert rows[1][:8] == ["8507.60.00.20", "CN", "2026-01-15", "100000", "a", "b", "c", "EXTRA"]
    assert rows[2][:8] == ["8507.60.00.20", "CN", "2026-01-15", "100000", "", "", "", ""]
    assert (rows[1][-4], rows[2][-4]) == ("error", "ok")              # status, error, then the stamp
    assert "more cells than the header" in rows[1][-3]


# ------------------------------------------------------------ rows


def test_trailing_empty_rows_are_ignored_and_empty_rows_between_lines_kept(tmp_path, capsys):
    source = tmp_path / "gaps.csv"
    source.write_bytes(b"hts,origin,entry_date,value\r\n8507.60.00.20,CN,2026-01-15,1\r\n,,,\r\n"
                       b"8507.60.00.90,KR,2026-01-15,1\r\n,,,\r\n  ,,,\r\n\r\n")
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 0, err
    assert "ignored 3 empty rows at the end" in err and "kept 1 empty row between lines" in err
    assert "priced 2 lines; 0 with errors, 0 not covered" in err
    rows = rows_of(out, "utf-8")
    assert len(rows) == 4 and rows[2] == [""] * len(rows[0])


def test_assumptions_and_warnings_of_each_row_in_their_own_columns(tmp_path, capsys, tables):
    late = (tables.as_of.replace(year=tables.as_of.year + 1)).isoformat()
    source = write_text(tmp_path / "a.csv", [["hts", "origin", "entry_date", "value"],
                                             ["7326.90.86.88", "CN", "2025-07-01", "10000"],
                                             ["8507.60.00.90", "KR", late, "100"],
                                             ["85x", "CN", "2025-07-01", "1"]])
    out = tmp_path / "out.csv"
    code, _, _ = run(capsys, source, "-o", out)
    assert code == 1   # the 85x row
    rows = [dict(zip(r[0], x)) for r in [rows_of(out, "utf-8")] for x in r[1:]]
    assert "steel_content_value not given: the duty is charged on the full customs value" in rows[0]["assumptions"]
    assert " | " in rows[0]["assumptions"]   # more than one, each whole
    assert "rests on facts rated 'likely'" in rows[0]["warnings"]
    assert f"entry date {late} is after the tables' as-of date {tables.as_of}" in rows[1]["warnings"]
    assert rows[2]["status"] == "error" and rows[2]["assumptions"] == rows[2]["warnings"] == ""
    assert rows[2]["error"].startswith("hts: malformed HTS code")


# ------------------------------------------------------------ in place, atomic output, bad paths


def test_output_naming_the_input_keeps_the_data(tmp_path, capsys):
    source = tmp_path / "lines.csv"
    source.write_bytes(ANSI.read_bytes())
    os.chmod(source, 0o640)
    code, _, err = run(capsys, source, "-o", source)
    assert code == 1
    assert f"wrote {source} in place (Windows-1252, as read)" in err
    rows = rows_of(source, "cp1252")
    assert rows[0] == HEADER + ADDED and [r[:10] for r in rows[1:]] == ROWS
    assert os.stat(source).st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["lines.csv"]   # no temporary file left


def test_an_interrupted_run_leaves_the_input_and_no_half_file(tmp_path, capsys, monkeypatch):
    source = tmp_path / "lines.csv"
    source.write_bytes(ANSI.read_bytes())
    calls = []

    def interrupted(tables, data, unread=()):
        if calls:
            raise KeyboardInterrupt
        calls.append(data)
        return {"status": "ok"}

    monkeypatch.setattr(pricing_file, "_result", interrupted)
    code, _, err = run(capsys, source, "-o", source)
    assert code == 130 and "interrupted; no output file was written" in err
    assert source.read_bytes() == ANSI.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["lines.csv"]


def test_a_new_output_file_gets_the_usual_mode(tmp_path, capsys):
    out = tmp_path / "out.csv"
    umask = os.umask(0o022)
    try:
        run(capsys, ANSI, "-o", out)
    finally:
        os.umask(umask)
    assert os.stat(out).st_mode & 0o777 == 0o644


@pytest.mark.parametrize("argv, says", [
    (["{tmp}/missing.csv"], "{tmp}/missing.csv: no such file"),
    (["{ansi}", "-o", "{tmp}/no/such/dir/out.csv"], "the output directory {tmp}/no/such/dir does not exist"),
    (["{ansi}", "-o", "{tmp}"], "{tmp}: is a directory; name an output file"),
    (["{tmp}"], "{tmp}: is a directory, not a file"),
    (["{ansi}", "-o", "{tmp}/out.xls"], "writes .xlsx workbooks or CSV/TSV text"),
    (["{ansi}", "--sheet", "x"], "--sheet applies to an .xlsx workbook"),
])
def test_bad_paths_are_one_line_errors_with_exit_code_2(tmp_path, capsys, argv, says):
    fill = {"tmp": tmp_path, "ansi": ANSI}
    code, out, err = run(capsys, *[a.format(**fill) for a in argv])
    assert code == 2 and out == ""
    assert err.startswith("tariff-stack price: error: ") and err.count("\n") == 1, err
    assert says.format(**fill) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []   # nothing written, not even a temporary file


# ------------------------------------------------------------ workbooks


def make_workbook(path, rows, title="Lines", extra_sheet=False):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("=") and not cell.value.startswith("=100"):
                cell.data_type = "s"   # text that starts with "=", as Excel stores '=text
    if extra_sheet:
        book.create_sheet("Notes").append(["not lines"])
    book.save(path)
    return path


XLSX_ROWS = [["PO", "HTS Code", "Country of Origin", "Entry Date", "Customs Value", "adjustment", "note"],
             ["PO-1", "8507.60.00.20", "CN", date(2026, 1, 15), 100000, -500, "=not a formula"],
             ["PO-2", "8507.60.00.90", "KR", "2026-03-10", 2500.5, Decimal("-0.25"), None]]


def test_xlsx_in_xlsx_out_keeps_cell_values_and_types(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    source = make_workbook(tmp_path / "lines.xlsx", XLSX_ROWS + [[None] * 7] * 3, extra_sheet=True)
    assert openpyxl.load_workbook(source)["Lines"]["G2"].data_type == "s"   # text, in and (below) out
    out = tmp_path / "priced.xlsx"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 0, err
    assert "xlsx workbook, sheet 'Lines' (of 2 sheets)" in err and "ignored 3 empty rows at the end" in err
    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert ws.title == "Lines" and len(values) == 3
    assert values[0][:7] == XLSX_ROWS[0] and values[0][7:9] == ["assumptions", "warnings"]
    assert values[1][:6] == ["PO-1", "8507.60.00.20", "CN", values[1][3], 100000, -500]
    assert values[1][3].date() == date(2026, 1, 15)
    assert ws["G2"].value == "=not a formula" and ws["G2"].data_type == "s"
    head = values[0]
    assert values[1][head.index("total_duty")] == 48400 and values[1][head.index("effective_rate")] == 0.484
    assert ws.cell(2, head.index("total_duty") + 1).data_type == "n"
    assert values[1][head.index("hts_priced")] == "8507.60.00.20" and values[1][head.index("status")] == "ok"
    assert values[2][4] == 2500.5 and values[2][5] == -0.25


def test_xlsx_to_csv_writes_cell_values_as_plain_text(tmp_path, capsys):
    source = make_workbook(tmp_path / "lines.xlsx", XLSX_ROWS)
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 0, err
    assert "(UTF-8 with BOM)" in err and out.read_bytes().startswith(b"\xef\xbb\xbfPO,")
    rows = rows_of(out, "utf-8-sig")
    assert rows[1][:7] == ["PO-1", "8507.60.00.20", "CN", "2026-01-15", "100000", "-500", "=not a formula"]
    assert rows[2][:7] == ["PO-2", "8507.60.00.90", "KR", "2026-03-10", "2500.5", "-0.25", ""]


def test_csv_to_xlsx_keeps_the_users_text_as_text(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "out.xlsx"
    run(capsys, ANSI, "-o", out)
    ws = openpyxl.load_workbook(out).active
    assert [ws.cell(r, 10).value for r in (2, 3, 4)] == ["-500.00", "+12", "-0.5"]
    assert ws["F3"].value == "=bolts & brackets" and ws["F3"].data_type == "s"


def test_a_workbook_is_read_whatever_its_name_and_a_named_sheet(tmp_path, capsys):
    source = make_workbook(tmp_path / "export.csv", [["x"]], title="Cover", extra_sheet=False)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(source.read_bytes()))
    ws = book.create_sheet("Lines")
    for row in XLSX_ROWS[:2]:
        ws.append(row)
    ws["G2"].data_type = "s"
    book.save(source)
    code, out, err = run(capsys, source, "--sheet", "Lines")
    assert code == 0, err
    assert out.startswith("PO,HTS Code,")
    code, _, err = run(capsys, source, "--sheet", "Nope")
    assert code == 2 and "no sheet named 'Nope'; the sheets are 'Cover', 'Lines'" in err


def test_a_formula_without_a_saved_result_is_refused(tmp_path, capsys):
    rows = [list(XLSX_ROWS[0]), list(XLSX_ROWS[1])]
    rows[1][4] = "=100*1000"   # openpyxl saves the formula, not a result
    source = make_workbook(tmp_path / "formula.xlsx", rows)
    code, _, err = run(capsys, source, "-o", tmp_path / "out.csv")
    assert code == 2
    assert "sheet 'Lines' cell E2 holds a formula with no saved result; open and save the workbook in Excel" in err


@pytest.mark.parametrize("name", ["lines.xlsx", "export.csv"])   # a workbook named .csv is a workbook
def test_the_input_workbook_is_never_replaced(tmp_path, capsys, name):
    source = make_workbook(tmp_path / name, XLSX_ROWS)
    before = source.read_bytes()
    code, _, err = run(capsys, source, "-o", source)
    assert code == 2 and "will not replace the input workbook" in err
    assert source.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_reader_reports_what_it_read(tmp_path):
    table = tabular_files.read_table(str(ANSI), score=pricing_file.header_score)
    assert (table.kind, table.encoding, table.delimiter, table.trailing_empty) == ("csv", "cp1252", ",", 2)
    assert table.header == HEADER and table.rows == ROWS


@pytest.mark.slow  # a subprocess: the installed command on the Excel file, as a user runs it
def test_price_command_on_an_excel_csv_in_a_fresh_process(tmp_path):
    source = tmp_path / "lines.csv"
    source.write_bytes(ANSI.read_bytes())
    done = subprocess.run([sys.executable, "-m", "service.cli", "price", str(source), "-o", str(source)],
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "Windows-1252" in done.stderr
    assert [r[:10] for r in rows_of(source, "cp1252")[1:]] == ROWS


def test_an_unquoted_thousands_comma_is_not_priced_as_a_smaller_value(tmp_path, capsys):
    """In a comma file 100,000 unquoted is two cells, 100 and 000: the row is an error, not a 100.00 quote."""
    source = tmp_path / "split.csv"
    source.write_bytes(b"hts,origin,entry_date,value\r\n8507.60.00.20,CN,2026-01-15,100,000\r\n"
                       b'8507.60.00.20,CN,2026-01-15,"100,000"\r\n')
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, source, "-o", out)
    assert code == 1
    rows = [dict(zip(rows_of(out, "utf-8")[0], r)) for r in rows_of(out, "utf-8")[1:]]
    assert [(r["status"], r["customs_value"]) for r in rows] == [("error", ""), ("ok", "100000.00")]


def test_a_near_miss_column_name_is_reported_not_silently_dropped(tmp_path, capsys):
    source = tmp_path / "near.csv"
    source.write_bytes(b"hts,origin,entry_date,value,steel_content,claims\r\n"
                       b"7326.90.86.88,CN,2026-01-15,10000,4000,9903.99.99\r\n")
    out = tmp_path / "out.csv"
    _, _, err = run(capsys, source, "-o", out)
    assert "columns not read: 'steel_content' (did you mean steel_content_value?)" in err
    row = dict(zip(*rows_of(out, "utf-8")[:2]))
    assert "column 'steel_content' not read: did you mean steel_content_value?" in row["warnings"]
    assert "claim 9903.99.99 not applied" in row["warnings"]
    assert "7326.90.86.88" in row["headings"].split()        # every number filed, the HTS number too


def test_every_priced_row_names_the_tables_that_priced_it(tmp_path, capsys, tables):
    source = write_text(tmp_path / "lines.csv", [HEADER, *ROWS, [""] * len(HEADER), ROWS[0]])
    out = tmp_path / "priced.csv"
    run(capsys, source, "-o", out)
    rows = rows_of(out, "utf-8-sig")
    assert rows[0][-2:] == ["tables_version", "tables_as_of"]
    assert [r[:len(HEADER)] for r in rows[1:]] == [*ROWS, [""] * len(HEADER), ROWS[0]]    # the user's cells kept
    stamped = [r for r in rows[1:] if any(r[:len(HEADER)])]
    assert stamped and all(r[-2:] == [tables.version, tables.as_of.isoformat()] for r in stamped)
    assert rows[4][-2:] == ["", ""]                                # an empty row between lines stays unpriced
