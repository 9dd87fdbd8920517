"""Name badges: the person's name, organization, category (in its colour) and their ticket's
QR code, on A4 label sheets (2 × 4 and 2 × 5, the common 99.1 mm wide labels) or one per page.

A badge is drawn as its row comes from the cursor. The QR code is the ticket's own
(checkin/ticket_qr.py), drawn as vector squares from segno's matrix: sharp at any size,
and about 1.5 kB a badge in the compressed file. A name too long for the badge shrinks down to a minimum,
then takes two lines (fit.py): it never runs past the badge."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import IO

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from community.checkin import ticket_qr
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.paper import fonts
from community.paper.colours import rgb, text_on
from community.paper.fit import Fitted, fit
from community.paper.people import CategoryLook, Person
from community.registrations.models import CONFIRMED, Registration

# The 2 × 4 label's height: the sizes below are written for it and scaled to the others.
BASE_HEIGHT = 67.7
QUIET = 2  # modules of white around the QR code, inside its box (the badge's margin adds more)
OUTLINE = (200, 204, 210)
MUTED = (90, 99, 114)
UNKNOWN = CategoryLook("", "#6e7781")


@dataclass(frozen=True)
class Layout:
    """Badges on an A4 page, in millimetres: their size, the first one's corner, and the
    distance from one badge's corner to the next (labels may have gaps between them)."""

    key: str
    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float
    pitch_x: float
    pitch_y: float
    label: object = field(compare=False)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def corner(self, slot: int) -> tuple[float, float]:
        column, row = slot % self.columns, slot // self.columns
        return self.left + column * self.pitch_x, self.top + row * self.pitch_y


LAYOUTS = {
    layout.key: layout
    for layout in (
        # Sheets of 8 labels of 99.1 × 67.7 mm (as Avery L7165) and of 10 of 99.1 × 57 mm (as L7173).
        Layout("2x4", 2, 4, 99.1, 67.7, 4.65, 13.1, 101.6, 67.7, _l("2 × 4 per A4 sheet (labels of 99.1 × 67.7 mm)")),
        Layout("2x5", 2, 5, 99.1, 57.0, 4.65, 6.0, 101.6, 57.0, _l("2 × 5 per A4 sheet (labels of 99.1 × 57 mm)")),
        # One per page, A6 landscape in the middle of the top half: cut it out along its outline.
        Layout("single", 1, 1, 148.0, 105.0, 31.0, 20.0, 0.0, 0.0, _l("One per A4 page (148 × 105 mm, to cut out)")),
    )
}
DEFAULT_LAYOUT = "2x4"


@dataclass(frozen=True)
class Boxes:
    """Where each part of a badge goes, from the badge's top-left corner (mm), and its font sizes (pt)."""

    pad: float
    band: float  # the category's coloured band, across the top
    name: tuple[float, float, float, float]  # x, y, width, height
    name_sizes: tuple[float, float]  # biggest, smallest
    organization: tuple[float, float, float, float]
    organization_sizes: tuple[float, float]
    event: tuple[float, float, float, float]  # the event's title, small, at the bottom
    event_size: float
    category_sizes: tuple[float, float]
    qr: tuple[float, float, float]  # x, y, side


@cache
def boxes(layout: Layout) -> Boxes:
    scale = layout.height / BASE_HEIGHT
    width, height = layout.width, layout.height
    pad, band, qr, gap = 4 * scale, 11 * scale, 24 * scale, 2 * scale
    bottom = height - pad - qr  # the top of the bottom row: organization and event on the left, QR on the right
    left_width = width - 3 * pad - qr
    event_height = 4 * scale
    return Boxes(
        pad=pad,
        band=band,
        name=(pad, band + pad, width - 2 * pad, bottom - gap - band - pad),
        name_sizes=(24 * scale, 14 * scale),
        organization=(pad, bottom, left_width, qr - event_height - gap),
        organization_sizes=(12 * scale, 8 * scale),
        event=(pad, height - pad - event_height, left_width, event_height),
        event_size=7 * scale,
        category_sizes=(12 * scale, 7 * scale),
        qr=(width - pad - qr, bottom, qr),
    )


def check_selection(event: Event, category_id: int | None, registration_id: int | None) -> None:
    """Refuse a category of another event, or a registration that has no confirmed seat at this one."""
    if category_id is not None and category_id not in {category.id for category in event.categories}:
        raise DomainError(_l("This ticket category does not exist for this event."))
    if registration_id is not None:
        registration = db.session.get(Registration, registration_id)
        if registration is None or registration.event_id != event.id or registration.status != CONFIRMED:
            raise DomainError(_l("This person has no confirmed seat at this event: there is no badge to print."))


class Sheets(FPDF):
    def __init__(self, event: Event, layout: Layout):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.event, self.layout = event, layout
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.c_margin = 0  # widths are measured without fpdf2's cell margin
        fonts.add_to(self)
        self.set_title(_("Badges") + " · " + event.title)
        self.set_lang(str(get_locale() or "fr"))
        self.set_creator(current_app.config["COMMUNITY_NAME"])


def write(
    event: Event, layout: Layout, people: Iterable[Person], categories: dict[int, CategoryLook], out: IO[bytes]
) -> int:
    """Draw a badge per person into `out`, page after page; returns how many."""
    pdf = Sheets(event, layout)
    try:
        count = _badges(pdf, layout, people, categories)
        pdf.output(out)
    finally:
        fonts.close(pdf)
    return count


def _badges(pdf: FPDF, layout: Layout, people: Iterable[Person], categories: dict[int, CategoryLook]) -> int:
    count = 0
    for count, person in enumerate(people, start=1):
        slot = (count - 1) % layout.per_page
        if slot == 0:
            pdf.add_page()
        x, y = layout.corner(slot)
        badge(pdf, layout, x, y, person, categories.get(person.category_id, UNKNOWN))
    if not count:
        pdf.add_page()
        pdf.set_font(fonts.FAMILY, "", 12)
        pdf.set_xy(20, 30)
        pdf.multi_cell(170, 7, _("No badge to print: nobody with a confirmed seat matches."))
    return count


def badge(pdf: FPDF, layout: Layout, x: float, y: float, person: Person, look: CategoryLook) -> None:
    box = boxes(layout)
    pdf.set_draw_color(*OUTLINE)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, layout.width, layout.height, round_corners=True, corner_radius=box.pad / 2)
    _band(pdf, x, y, layout.width, box, look)
    pdf.set_text_color(0)
    pdf.set_font(fonts.FAMILY, "B")
    _text(pdf, x, y, box.name, person.name, *box.name_sizes, middle=True)
    pdf.set_font(fonts.FAMILY, "")
    pdf.set_text_color(40)
    _text(pdf, x, y, box.organization, person.organization, *box.organization_sizes)
    pdf.set_text_color(*MUTED)
    _text(pdf, x, y, box.event, pdf.event.title, box.event_size, box.event_size, lines=1)
    qr_x, qr_y, side = box.qr
    draw_qr(pdf, person.ticket_code, x + qr_x, y + qr_y, side)


def _band(pdf: FPDF, x: float, y: float, width: float, box: Boxes, look: CategoryLook) -> None:
    """The category's colour across the top, its name on it in black or white, whichever reads better."""
    pdf.set_fill_color(*rgb(look.colour))
    # Square at the bottom, rounded at the top with the outline: two rectangles.
    pdf.rect(x, y, width, box.band, style="F", round_corners=True, corner_radius=box.pad / 2)
    pdf.rect(x, y + box.band / 2, width, box.band / 2, style="F")
    pdf.set_text_color(*text_on(look.colour))
    pdf.set_font(fonts.FAMILY, "B")
    area = (box.pad, 0, width - 2 * box.pad, box.band)
    _text(pdf, x, y, area, look.name, *box.category_sizes, lines=1, middle=True)


def _text(pdf, x, y, area, text, biggest, smallest, lines=2, middle=False) -> Fitted:
    """The text fitted into `area` (relative to the badge at x, y), from its top or centred in its height."""
    left, top, width, height = area
    fitted = fit(pdf, text, width, height, biggest, smallest, lines=lines)
    first = y + top + ((height - fitted.height) / 2 if middle else 0)
    for number, line in enumerate(fitted.lines):
        pdf.set_xy(x + left, first + number * fitted.line_height)
        pdf.cell(width, fitted.line_height, line)
    return fitted


def draw_qr(pdf: FPDF, ticket_code: str, x: float, y: float, side: float) -> None:
    """The ticket's QR code in a square of `side` mm: each row's runs of dark modules as one rectangle."""
    matrix = ticket_qr.make(ticket_code).matrix
    module = side / (len(matrix) + 2 * QUIET)
    origin_x, origin_y = x + QUIET * module, y + QUIET * module
    pdf.set_fill_color(0)
    for row, modules in enumerate(matrix):
        for start, end in _runs(modules):
            # A hair taller than a module: no pale seam between rows on screen or paper.
            pdf.rect(origin_x + start * module, origin_y + row * module, (end - start) * module, module * 1.02, "F")


def _runs(modules) -> list[tuple[int, int]]:
    """(start, end) of each run of dark modules in a row."""
    runs, start = [], None
    for column, dark in enumerate(modules):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column))
            start = None
    if start is not None:
        runs.append((start, len(modules)))
    return runs
