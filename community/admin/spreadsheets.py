"""The writers that turn export rows into the files people open in a spreadsheet: a CSV
streamed as rows are read (`;` and a BOM by default, as French spreadsheets expect), or
an XLSX built in a temporary file. Every cell is inert: a CSV text cell that a spreadsheet
would run as a formula gets a leading quote; an XLSX stores text as text, which is never a
formula, and moments as date cells."""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Rows written to the CSV buffer before it is handed to the client.
CSV_FLUSH = 200
# Spreadsheets run a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"semicolon": ";", "comma": ","}
# A moment as a spreadsheet shows it: the community's local time, to the minute.
MOMENT_FORMAT = "%Y-%m-%d %H:%M"
XLSX_MOMENT_FORMAT = "yyyy-mm-dd hh:mm"


def spreadsheet_safe(value) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading quote makes a formula inert."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value) -> str:
    if isinstance(value, datetime):
        return value.strftime(MOMENT_FORMAT)
    return spreadsheet_safe(value)


def csv_chunks(
    header: Iterable, rows: Iterable[tuple], separator: str = ";", heading: Sequence[tuple] = ()
) -> Iterator[bytes]:
    """UTF-8 with a BOM (so Excel reads the accents right), written in chunks as rows arrive;
    the heading rows (a title line ...) come first, then the header (none when empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator)
    buffer.write("\ufeff")
    for line in heading:
        writer.writerow([_csv_cell(cell) for cell in line])
    header = [spreadsheet_safe(str(title)) for title in header]
    if header:
        writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % CSV_FLUSH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# Characters of the title printed on top of each page of an XLSX (doubled "&" included, under 255).
PAGE_HEADER = 120
# Column widths of the XLSX, in characters: name, email and organization wide, then the rest.
XLSX_WIDTHS = (28, 34, 28, 18, 18, 18, 18, 40)


def _xlsx_cell(sheet, value) -> WriteOnlyCell:
    """A date cell for a moment, a number cell for a count we made; otherwise a text cell
    holding the text as it is. In an XLSX a text cell is never a formula (openpyxl would
    write a value starting with "=" as one), so it needs no leading quote; XML cannot hold
    most control characters, so they go."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_MOMENT_FORMAT
        return cell
    if isinstance(value, int) and not isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=text or None)  # an empty cell, not an empty text
    if text:
        cell.data_type = "s"
    return cell


def write_xlsx(
    header: Sequence,
    rows: Iterable[tuple],
    title: str,
    heading: Sequence[tuple] = (),
    purpose: str = "",
    widths: Sequence[int] = XLSX_WIDTHS,
) -> IO[bytes]:
    """A workbook written row by row (openpyxl write-only mode) to an anonymous temporary
    file, rewound for sending; the file disappears when closed. The heading rows come
    first (the first in bold, and on top of every printed page); the header row stays in
    view, filters each column and is printed on every page."""
    workbook = Workbook(write_only=True)
    workbook.properties.title, workbook.properties.subject = title, purpose
    sheet = workbook.create_sheet(title=title[:31])
    for column in range(1, max(len(header), 1) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths[min(column, len(widths)) - 1]
    header_row = len(heading) + 1
    if header:
        sheet.freeze_panes = f"A{header_row + 1}"
        sheet.print_title_rows = f"{header_row}:{header_row}"
    if heading:
        # "&" starts a code in a page header, "&&" prints one; a header holds 255 characters at most.
        sheet.oddHeader.center.text = " ".join(str(cell) for cell in heading[0])[:PAGE_HEADER].replace("&", "&&")
        sheet.oddFooter.center.text = "&P / &N"
    for number, line in enumerate(heading):
        cells = [_xlsx_cell(sheet, cell) for cell in line]
        if number == 0 and cells:
            cells[0].font = Font(bold=True)
        sheet.append(cells)
    last_row = len(heading)
    if header:
        sheet.append([_xlsx_cell(sheet, str(title)) for title in header])
        last_row += 1
    for row in rows:
        sheet.append([_xlsx_cell(sheet, cell) for cell in row])
        last_row += 1
    if header:
        sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(header))}{last_row}"
    output = tempfile.TemporaryFile()
    workbook.save(output)
    output.seek(0)
    return output
