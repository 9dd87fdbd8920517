"""The fonts the PDFs are written in: DejaVu Sans, from Debian's fonts-dejavu-core
(`make paper-deps` installs it), read from the server's disk and embedded (subset)
in each PDF: nothing is fetched. It covers Latin with every accent (Vietnamese too),
Greek and Cyrillic. Where it has no glyph (Chinese, Japanese, Korean), Droid Sans
Fallback (Debian's fonts-droid-fallback, PAPER_FALLBACK_FONT) draws the character,
when the server has it; without it those characters print blank. Arabic or Hebrew
letters print unjoined, left to right (no text shaping)."""

import logging
from pathlib import Path

from flask import current_app
from fpdf import FPDF

FAMILY = "DejaVuSans"
# fpdf2's style letters: "" regular, "B" bold.
FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
PACKAGE = "fonts-dejavu-core"
FALLBACK = "DroidSansFallback"
# fontTools logs each subset it makes at INFO: a dozen lines a PDF in the server's log, none useful.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class FontsMissing(Exception):
    """The font files are not on this server: the PDFs cannot be written (a setup problem, not a bug)."""

    def __init__(self, missing: list[Path]):
        super().__init__(", ".join(str(path) for path in missing))
        self.missing = missing


def _paths() -> dict[str, Path]:
    folder = Path(current_app.config["PAPER_FONT_DIR"])
    return {style: folder / name for style, name in FILES.items()}


def check() -> None:
    """Raise FontsMissing before anything is recorded or drawn."""
    missing = [path for path in _paths().values() if not path.is_file()]
    if missing:
        raise FontsMissing(missing)


def add_to(pdf: FPDF) -> None:
    for style, path in _paths().items():
        pdf.add_font(FAMILY, style, str(path))
    fallback = Path(current_app.config["PAPER_FALLBACK_FONT"])
    if fallback.is_file():
        pdf.add_font(FALLBACK, "", str(fallback))
        # It has one face: bold names borrow its regular glyphs (exact_match=False).
        pdf.set_fallback_fonts([FALLBACK], exact_match=False)


def close(pdf: FPDF) -> None:
    """Close the font files: fpdf2 closes them once it has written the file, not when drawing
    failed before (the files would stay open until the garbage collector found them)."""
    for font in pdf.fonts.values():
        if getattr(font, "ttfont", None) is not None:
            font.ttfont.close()
