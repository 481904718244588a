"""Read and write the user's table files: CSV/TSV text and ``.xlsx`` workbooks.

Reading (:func:`read_table`) takes the file as it is and says how it was read:

* text: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark
  (Excel's "Unicode Text"), else Windows-1252 (Excel's "CSV (Comma
  delimited)" on Western Windows); bytes that are none of these are refused;
* delimiter: comma, semicolon or tab, chosen from the header row (the one that
  names the most known fields); Excel's ``sep=;`` first line is honoured;
* ``.xlsx`` workbooks (recognised by their content, whatever the file name),
  through openpyxl: the active sheet or a named one, formulas as their saved
  results; a formula with no saved result is refused (its value is unknown);
* rows that are entirely empty at the end of the file (Excel leaves them)
  are dropped and counted; other empty rows are kept as rows.

Cells come back exactly as read: text cells as their text, workbook cells as
their values (numbers, dates, text), so a pass-through column can be written
back unchanged.

Writing goes through :class:`AtomicOutput`: a temporary file in the target's
directory, moved over the target with :func:`os.replace` only once complete,
so the input is never truncated before it is read (``-o`` naming the input
works) and an interrupted run leaves no half-written file.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls (and other OLE files)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
         (b"\xff\xfe", "utf-16", "UTF-16 with BOM"), (b"\xfe\xff", "utf-16", "UTF-16 with BOM"))
MAX_BYTES = 200 * 1024 * 1024


class FileProblem(Exception):
    """A file that cannot be read or written as asked; ``str()`` is one line for the user."""


@dataclass
class Table:
    """One sheet of cells: the header row, the data rows, and how the file was read."""
    header: list
    rows: list
    kind: str                      # "csv" or "xlsx"
    encoding: str = ""             # the text encoding used to read a CSV ("" for xlsx)
    encoding_label: str = ""       # what to tell the user ("UTF-8", "Windows-1252", ...)
    delimiter: str = ","
    sep_line: bool = False         # the file began with Excel's "sep=X" line
    sheet: str = ""
    sheets: list = field(default_factory=list)
    trailing_empty: int = 0        # empty rows dropped from the end

    def describe(self) -> str:
        if self.kind == "xlsx":
            other = f" (of {len(self.sheets)} sheets)" if len(self.sheets) > 1 else ""
            return f"xlsx workbook, sheet {self.sheet!r}{other}"
        return f"{DELIMITERS[self.delimiter]}-separated text, {self.encoding_label}"


def is_empty(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _header_and_body(rows: list, what: str) -> tuple[list, list, int]:
    """The header row (leading empty rows are no header either), the rows under it without
    the empty ones at the end, and how many of those were dropped."""
    while rows and is_empty(rows[0]):
        rows.pop(0)
    if not rows:
        raise FileProblem(f"{what} is empty; it needs a header row")
    header, body = rows[0], rows[1:]
    return header, body, _drop_trailing_empty(body)


def _drop_trailing_empty(rows: list) -> int:
    dropped = 0
    while rows and is_empty(rows[-1]):
        rows.pop()
        dropped += 1
    return dropped


def read_table(path: str, score=None, sheet: str | None = None) -> Table:
    """Read ``path``; ``score(header_cells)`` ranks delimiter candidates (higher is better)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise FileProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileProblem(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise FileProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    return read_table_data(data, path, score, sheet)


def read_table_data(data: bytes, path: str, score=None, sheet: str | None = None) -> Table:
    """Read a file's bytes (an upload) as :func:`read_table` reads the file; ``path`` names it in messages."""
    if len(data) > MAX_BYTES:
        raise FileProblem(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it into smaller files")
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(path, data, sheet)
    if sheet is not None:
        raise FileProblem(f"{path}: --sheet applies to an .xlsx workbook; this is a text file")
    if data.startswith(_OLE_MAGIC):
        raise FileProblem(f"{path}: an Excel 97-2003 (.xls) workbook, which is not read; "
                          "save it from Excel as .xlsx or as CSV")
    text, encoding, label = _decode(path, data)
    if not text.strip():
        raise FileProblem(f"{path}: the file is empty; it needs a header row")
    return _read_text(path, text, encoding, label, score)


def _decode(path: str, data: bytes) -> tuple[str, str, str]:
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, label
            except UnicodeDecodeError as exc:
                raise FileProblem(f"{path}: starts with a {label.split(' with')[0]} byte-order mark but is not "
                                  f"{label.split(' with')[0]} (byte {exc.start})") from None
    if b"\x00" in data:
        raise FileProblem(f"{path}: contains NUL bytes: not a text file (UTF-16 without a byte-order mark or a "
                          "binary file); save it as CSV UTF-8 or .xlsx")
    try:
        return data.decode("utf-8"), "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", "Windows-1252"
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{path}: neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start}); save it as CSV UTF-8") from None


def _read_text(path: str, text: str, encoding: str, label: str, score) -> Table:
    sep_line = False
    first, _, rest = text.partition("\n")
    if first.rstrip("\r").lower().startswith("sep=") and len(first.rstrip("\r")) == 5:
        delimiter = first.rstrip("\r")[4]
        if delimiter not in DELIMITERS:
            raise FileProblem(f"{path}: the first line {first.rstrip()!r} names a delimiter other than "
                              "comma, semicolon or tab")
        text, sep_line = rest, True
    else:
        delimiter = _choose_delimiter(text, score)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    except csv.Error as exc:
        raise FileProblem(f"{path}: not readable as {DELIMITERS[delimiter]}-separated text: {exc}") from None
    header, body, dropped = _header_and_body(rows, f"{path}: the file")
    return Table(header=header, rows=body, kind="csv", encoding=encoding, encoding_label=label,
                 delimiter=delimiter, sep_line=sep_line, trailing_empty=dropped)


def _choose_delimiter(text: str, score) -> str:
    best, best_key = ",", None
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            continue
        key = (score(header) if score else 0, len(header))
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _read_xlsx(path: str, data: bytes, sheet: str | None) -> Table:
    try:
        import openpyxl  # noqa: PLC0415  (only a workbook needs it)
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign zip
        raise FileProblem(f"{path}: a zip file that is not a readable .xlsx workbook ({type(exc).__name__}: "
                          f"{str(exc)[:120]})") from None
    names = values.sheetnames
    if sheet is None:
        name = values.active.title if values.active is not None else names[0]
    elif sheet in names:
        name = sheet
    else:
        raise FileProblem(f"{path}: no sheet named {sheet!r}; the sheets are {', '.join(map(repr, names))}")
    rows = [list(r) for r in values[name].iter_rows(values_only=True)]
    unsaved = []
    for r, row in enumerate(formulas[name].iter_rows()):
        for c, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "f" and (
                    r >= len(rows) or c >= len(rows[r]) or rows[r][c] is None):
                unsaved.append(f"{openpyxl.utils.get_column_letter(c + 1)}{r + 1}")
    values.close()
    formulas.close()
    if unsaved:
        more = f" and {len(unsaved) - 1} more" if len(unsaved) > 1 else ""
        raise FileProblem(f"{path}: sheet {name!r} cell {unsaved[0]}{more} holds a formula with no saved result; "
                          "open and save the workbook in Excel (or paste values), then price it again")
    header, body, dropped = _header_and_body(rows, f"{path}: sheet {name!r}")
    # Excel's used range may run past the last column with anything in it.
    width = max([_last_used(header)] + [_last_used(row) for row in body])
    header = [_header_text(c) for c in header[:width]] + [""] * (width - len(header[:width]))
    body = [row[:width] for row in body]
    return Table(header=header, rows=body, kind="xlsx", sheet=name, sheets=names, trailing_empty=dropped)


def _last_used(cells) -> int:
    for i in range(len(cells), 0, -1):
        if not is_empty([cells[i - 1]]):
            return i
    return 0


def _header_text(value) -> str:
    return "" if value is None else text_of(value)


def text_of(value) -> str:
    """A cell as text: text as it is, a workbook number or date in plain form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


class AtomicOutput:
    """A file written next to ``path`` and moved over it only on success.

    Opened (so a missing directory or a read-only one fails) before any work
    is done; on an exception the temporary file is removed and ``path`` is
    left as it was.  The finished file takes the mode of the file it
    replaces, or the usual mode of a new file.
    """

    def __init__(self, path: str):
        self.path = os.path.realpath(path)  # replace a symlink's target, not the link
        directory = os.path.dirname(self.path)
        if os.path.isdir(self.path):
            raise FileProblem(f"{path}: is a directory; name an output file")
        if not os.path.isdir(directory):
            raise FileProblem(f"{path}: the output directory {os.path.dirname(path) or '.'} does not exist")
        try:
            fd, self.temp = tempfile.mkstemp(dir=directory, prefix=".tariff-stack-", suffix=".part")
        except OSError as exc:
            raise FileProblem(f"{path}: cannot write in {directory}: {exc.strerror or exc}") from None
        os.close(fd)

    def commit(self) -> None:
        try:
            if os.path.exists(self.path):
                mode = os.stat(self.path).st_mode & 0o7777
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(self.temp, mode)
            with open(self.temp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self.temp, self.path)
        except OSError as exc:
            self.discard()
            raise FileProblem(f"{self.path}: cannot write: {exc.strerror or exc}") from None

    def discard(self) -> None:
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.commit()
        else:
            self.discard()
        return False


ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16 with BOM",
                   "cp1252": "Windows-1252"}


def write_csv(target, rows, delimiter: str = ",", encoding: str = "utf-8-sig", sep_line: bool = False) -> str:
    """Rows of text cells to a binary file, CRLF lines; return the encoding used.

    A text that ``encoding`` cannot hold (only Windows-1252 lacks characters)
    makes the whole file UTF-8 with BOM instead, never a replaced character.
    """
    text = io.StringIO(newline="")
    if sep_line:
        text.write(f"sep={delimiter}\r\n")
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    try:
        data = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        encoding = "utf-8-sig"
        data = text.getvalue().encode(encoding)
    target.write(data)
    target.flush()
    return encoding


def write_xlsx(path: str, rows, sheet: str = "priced") -> None:
    """Rows of cell values to an .xlsx workbook.

    ``str`` cells are stored as text (never as formulas, whatever they start
    with); numbers, Decimals and dates as such; None as an empty cell.
    """
    import openpyxl  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31] or "priced")
    for number, row in enumerate(rows, 1):
        out = []
        for value in row:
            try:
                cell = WriteOnlyCell(ws, value=value)
            except IllegalCharacterError:
                raise FileProblem(f"output row {number}: the text {value[:40]!r} holds a control "
                                  "character that an .xlsx cell cannot hold; write CSV instead") from None
            if isinstance(value, str) and cell.data_type != "s":
                cell.data_type = "s"   # text that looks like a formula stays text
            out.append(cell)
        ws.append(out)
    book.save(path)


__all__ = ["FileProblem", "Table", "read_table", "text_of", "is_empty", "AtomicOutput", "write_csv", "write_xlsx",
           "DELIMITERS", "ENCODING_LABELS"]
