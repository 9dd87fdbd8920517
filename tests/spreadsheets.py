"""The exports read back: CSV (BOM, semicolons), XLSX (openpyxl), and XLSX as LibreOffice
opens it (converted to its flat XML); the columns every attendee list starts with."""

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

BOM = b"\xef\xbb\xbf"
# The columns of every attendee list, in English, before the answers' columns.
ATTENDEE_COLUMNS = [
    "Name",
    "Email",
    "Organization",
    "Status",
    "Category",
    "Registered at",
    "Checked in at",
    "Working groups",
]

SOFFICE = shutil.which("soffice")
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
needs_libreoffice = pytest.mark.skipif(
    not SOFFICE and not os.environ.get("CI"), reason="LibreOffice missing (make test installs it)"
)


def read_csv(data: bytes, delimiter=";") -> list[list[str]]:
    assert data.startswith(BOM), data[:8]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline=""), delimiter=delimiter))


def read_xlsx(data: bytes) -> list[list]:
    """The cells' values: text, dates and numbers we wrote, never a formula."""
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    kinds = {cell.data_type for row in sheet.iter_rows() for cell in row}
    assert kinds <= {"s", "d", "n"}, kinds  # "n": a number, or an empty cell
    return [["" if cell is None else cell for cell in row] for row in sheet.iter_rows(values_only=True)]


def libreoffice_cells(xlsx: bytes, workdir: Path) -> list[ElementTree.Element]:
    """What a spreadsheet program makes of the file: LibreOffice converts it to its flat XML,
    whose table cells are returned."""
    (workdir / "export.xlsx").write_bytes(xlsx)
    profile = (workdir / "profile").as_uri()  # its own profile: runs in parallel do not share one
    subprocess.run(
        [SOFFICE or "soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "fods",
         "--outdir", str(workdir), str(workdir / "export.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return list(ElementTree.parse(workdir / "export.fods").iter(f"{TABLE}table-cell"))


def formulas(cells) -> list[dict]:
    """The cells LibreOffice would compute."""
    return [cell.attrib for cell in cells if f"{TABLE}formula" in cell.attrib]


def value_type(cell) -> str | None:
    return cell.get(f"{OFFICE}value-type")


def texts(cells) -> set[str]:
    return {"".join(cell.itertext()).strip() for cell in cells if value_type(cell) == "string"}
