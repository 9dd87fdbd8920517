"""Names that fit: a long name, an accented one and names in Greek and Cyrillic stay inside
their badge. Where pypdf finds each piece of text is checked against the badge's boxes, its
width measured from the font file's own glyph widths (fontTools, not the code under test);
then pdftoppm draws the page and no ink may fall between or around the badges."""

from pathlib import Path
from typing import NamedTuple

import pytest
from fontTools.ttLib import TTFont

from community.paper import badges
from tests.conftest import login
from tests.paper.conftest import drawn, pdf_of, seat, text_of

POINTS_PER_MM = 72 / 25.4
LONG = "Marie-Françoise Delacroix-Beaumont de Saint-Exupéry"
ACCENTED = "Élodie Ørsted-Nguyễn"
GREEK = "Αλέξανδρος Παπαδοπούλου-Καραγιάννη"
CYRILLIC = "Анастасия Владимировна Кузнецова"
CHINESE = "欧阳娜娜"  # drawn from the fallback font: DejaVu has no Han characters
ABSURD = "Wolfeschlegelsteinhausenbergerdorff" * 3  # one word of 105 letters, far past any badge
PEOPLE = [
    (LONG, "Centre national de la recherche scientifique, Délégation Île-de-France Meudon"),
    (ACCENTED, "Université Paris-Saclay"),
    (GREEK, "Εθνικό Μετσόβιο Πολυτεχνείο"),
    (CYRILLIC, "Московский государственный университет имени М. В. Ломоносова"),
    (ABSURD, ABSURD),
    (CHINESE, "清华大学"),
]


class Run(NamedTuple):
    text: str
    x: float  # points from the page's left edge
    y: float  # baseline, points from the page's top edge
    size: float
    bold: bool


def _advances(path: Path) -> dict[int, float]:
    with TTFont(path) as font:
        metrics, scale = font["hmtx"].metrics, 1000 / font["head"].unitsPerEm
        return {code: metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()}


@pytest.fixture(scope="module")
def glyph_widths():
    """Advance widths per character of each DejaVu face, in 1/1000 of the font size; the
    characters DejaVu lacks from the fallback font (its one face serves both)."""
    folder = Path("/usr/share/fonts/truetype/dejavu")
    fallback = _advances(Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"))
    return {
        bold: fallback | _advances(folder / name)
        for bold, name in ((False, "DejaVuSans.ttf"), (True, "DejaVuSans-Bold.ttf"))
    }


def runs_of(page) -> list[Run]:
    found = []

    def visit(text, _cm, tm, font, size):
        if text.strip():
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            found.append(Run(text, tm[4], float(page.mediabox.height) - tm[5], size, bold))

    page.extract_text(visitor_text=visit)
    return found


def width(run: Run, glyph_widths) -> float:
    return sum(glyph_widths[run.bold][ord(char)] for char in run.text) * run.size / 1000


def test_every_name_stays_inside_its_badge(client, event, organizer, glyph_widths):
    seat(event, PEOPLE)
    login(client, organizer)
    response = client.get(f"/events/{event.slug}/badges.pdf?layout=2x4")
    reader = pdf_of(response)
    layout, box = badges.LAYOUTS["2x4"], badges.boxes(badges.LAYOUTS["2x4"])
    slots = [layout.corner(slot) for slot in range(len(PEOPLE))]
    text = "".join(text_of(reader).split())
    for name, _organization in [*PEOPLE[:4], PEOPLE[5]]:
        assert "".join(name.split()) in text  # whole, over one or two lines: nothing cut
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("DroidSansFallback" in str(font.get_object()["/BaseFont"]) for font in fonts.values())  # not blanks
    checked = 0
    for run in runs_of(reader.pages[0]):
        left, top = next(
            (x, y)
            for x, y in slots
            if x <= run.x / POINTS_PER_MM <= x + layout.width and y <= run.y / POINTS_PER_MM <= y + layout.height
        )
        inner_left, inner_right = left + box.pad, left + layout.width - box.pad
        start, end = run.x / POINTS_PER_MM, (run.x + width(run, glyph_widths)) / POINTS_PER_MM
        in_band = run.y / POINTS_PER_MM < top + box.band
        beside_qr = run.y / POINTS_PER_MM > top + box.qr[1]
        right = left + box.qr[0] - box.pad if beside_qr and not in_band else inner_right
        assert inner_left - 0.2 <= start and end <= right + 0.2, (run, end, right)
        checked += 1
    assert checked >= len(PEOPLE) * 4  # a band, a name, an organization and the event on each badge, at least

    names = _name_lines(runs_of(reader.pages[0]), layout, box)
    smallest, biggest = box.name_sizes[1], box.name_sizes[0]
    by_name = {_whose(lines): lines for lines in names.values()}
    assert [run.text for run in by_name[ACCENTED]] == [ACCENTED] and smallest < by_name[ACCENTED][0].size < biggest
    for wrapped in (LONG, GREEK, CYRILLIC):  # shrunk down to the smallest size, then on two lines larger than it
        assert len(by_name[wrapped]) == 2 and all(smallest <= run.size < biggest for run in by_name[wrapped])
    absurd = by_name[ABSURD]
    assert len(absurd) == 2 and absurd[-1].text.endswith("…") and all(run.size == smallest for run in absurd)


def _whose(lines: list[Run]) -> str:
    """The person whose name these lines print (the absurd one cut short)."""
    printed = "".join("".join(run.text for run in lines).split()).rstrip("…")
    return next(name for name, _organization in PEOPLE if "".join(name.split()).startswith(printed))


def _name_lines(runs: list[Run], layout, box) -> dict[int, list[Run]]:
    """The bold lines under the band of each badge, by its slot on the page."""
    lines: dict[int, list[Run]] = {}
    for run in runs:
        for slot in range(layout.per_page):
            left, top = layout.corner(slot)
            x, y = run.x / POINTS_PER_MM, run.y / POINTS_PER_MM
            if run.bold and left <= x <= left + layout.width and top + box.band < y <= top + layout.height:
                lines.setdefault(slot, []).append(run)
    return lines


def test_no_ink_between_or_around_the_badges(client, event, organizer):
    seat(event, PEOPLE)
    login(client, organizer)
    dpi = 100
    page = drawn(client, f"/events/{event.slug}/badges.pdf?layout=2x4", "badges-2x4-names-that-fit", dpi=dpi)
    layout = badges.LAYOUTS["2x4"]
    pixels = dpi / 25.4
    grid_right = layout.left + layout.pitch_x + layout.width
    grid_bottom = layout.top + layout.rows * layout.pitch_y
    blank = {  # (left, top, right, bottom) in mm, half a millimetre clear of the badges
        "left margin": (0, 0, layout.left - 0.5, 297),
        "gutter": (layout.left + layout.width + 0.5, 0, layout.left + layout.pitch_x - 0.5, 297),
        "right margin": (grid_right + 0.5, 0, 210, 297),
        "top margin": (0, 0, 210, layout.top - 0.5),
        "bottom margin": (0, grid_bottom + 0.5, 210, 297),
    }
    for where, area in blank.items():
        darkest, _lightest = page.crop(tuple(round(mm * pixels) for mm in area)).getextrema()
        assert darkest > 245, where
