"""The door list: every confirmed person in dictionary order with their organization, their
category (in its colour) and a box to tick, for the day the venue's Wi-Fi fails.

A4 portrait; each page repeats the event, when the list was made and the column headings,
and ends with "page 2 / 9". Rows are drawn as they come from the cursor."""

from collections.abc import Iterable
from datetime import datetime
from typing import IO

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from fpdf import FPDF

from community.core.templating import localdatetime
from community.events.dates import event_when
from community.events.models import Event
from community.paper import fonts
from community.paper.colours import rgb
from community.paper.fit import Fitted, ellipsized, fit
from community.paper.people import CategoryLook, Person

MARGIN = 12  # mm
FOOTER = 12  # mm kept free at the bottom for the page number
# Column widths (mm) across the 186 mm between the margins: the box, name, organization, category.
BOX, NAME, ORGANIZATION, CATEGORY = 14, 66, 56, 50
PAD = 1.5  # mm around a cell's text
SWATCH = 3.2  # mm, the category's colour before its name
TICK = 4.6  # mm, the box to tick
PAGE_LABEL = 24  # mm at the bottom right: "page 12 / 34"
MUTED = (90, 99, 114)
SHADE = (241, 243, 247)  # every other row, to follow a line across the page
UNKNOWN = CategoryLook("", "#6e7781")


class DoorList(FPDF):
    def __init__(self, event: Event, made_at: datetime):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.event, self.made_at = event, made_at
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)  # rows break pages themselves, whole
        self.c_margin = 0  # widths are measured without fpdf2's cell margin
        fonts.add_to(self)
        title = _("Door list") + " · " + event.title
        self.set_title(title)
        self.set_lang(str(get_locale() or "fr"))
        self.set_creator(current_app.config["COMMUNITY_NAME"])

    def header(self):
        width = self.w - 2 * MARGIN
        self.set_text_color(0)
        self.set_font(fonts.FAMILY, "B", 15)
        title = fit(self, self.event.title, width, 14, 15, 10)
        _write(self, title, MARGIN, MARGIN, width)
        y = MARGIN + title.height + 1
        self.set_font(fonts.FAMILY, "", 9.5)
        where = " · ".join(part for part in (_("Door list"), event_when(self.event), self.event.venue) if part)
        _write(self, fit(self, where, width, 10, 9.5, 7, lines=1), MARGIN, y, width)
        y += 5
        self.set_text_color(*MUTED)
        self.set_font_size(8)
        made = _("Made on %(when)s; ✓: already checked in then.", when=localdatetime(self.made_at, "short"))
        _write(self, fit(self, made, width, 5, 8, 6, lines=1), MARGIN, y, width)
        self._headings(y + 6)

    def _headings(self, y: float):
        self.set_text_color(*MUTED)
        self.set_font(fonts.FAMILY, "B", 8.5)
        x = MARGIN
        for title, width in (
            ("✓", BOX),
            (_("Name"), NAME),
            (_("Organization"), ORGANIZATION),
            (_("Category"), CATEGORY),
        ):
            self.set_xy(x + PAD, y)
            self.cell(width - 2 * PAD, 5, title, align="C" if width == BOX else "L")
            x += width
        self.set_draw_color(*MUTED)
        self.set_line_width(0.3)
        self.line(MARGIN, y + 5.5, self.w - MARGIN, y + 5.5)
        self.set_text_color(0)
        self.set_y(y + 6)

    def footer(self):
        self.set_font(fonts.FAMILY, "", 8)
        self.set_text_color(*MUTED)
        self.set_xy(MARGIN, self.h - MARGIN + 2)
        signed = current_app.config["COMMUNITY_NAME"] + " · " + self.event.title
        self.cell(self.w - 2 * MARGIN - PAGE_LABEL, 4, ellipsized(self, signed, self.w - 2 * MARGIN - PAGE_LABEL - 5))
        # Left-aligned in a box of its own: {nb} is measured before fpdf2 writes the page count there,
        # so a right-aligned label would end short of the margin.
        self.set_xy(self.w - MARGIN - PAGE_LABEL, self.h - MARGIN + 2)
        self.cell(PAGE_LABEL, 4, _("page %(page)s / %(pages)s", page=self.page_no(), pages="{nb}"))


def _write(pdf: FPDF, fitted: Fitted, x: float, y: float, width: float) -> None:
    """Fitted lines from (x, y) down, in the font and size fit() left set."""
    for number, line in enumerate(fitted.lines):
        pdf.set_xy(x, y + number * fitted.line_height)
        pdf.cell(width, fitted.line_height, line)


def _row(pdf: DoorList, person: Person, look: CategoryLook, shaded: bool) -> None:
    pdf.set_font(fonts.FAMILY, "B", 10)
    name = fit(pdf, person.name, NAME - 2 * PAD, 10, 10, 7.5)
    pdf.set_font(fonts.FAMILY, "", 9)
    organization = fit(pdf, person.organization, ORGANIZATION - 2 * PAD, 10, 9, 7)
    category = fit(pdf, look.name, CATEGORY - 3 * PAD - SWATCH, 10, 9, 7)
    height = max(7.0, max(cell.height for cell in (name, organization, category)) + 2 * PAD)
    if pdf.get_y() + height > pdf.h - FOOTER:
        pdf.add_page()
    top = pdf.get_y()
    if shaded:
        pdf.set_fill_color(*SHADE)
        pdf.rect(MARGIN, top, pdf.w - 2 * MARGIN, height, style="F")
    _tick_box(pdf, MARGIN + (BOX - TICK) / 2, top + (height - TICK) / 2, person.checked_in_at is not None)
    x = MARGIN + BOX
    pdf.set_font(fonts.FAMILY, "B", name.size)
    _write(pdf, name, x + PAD, top + (height - name.height) / 2, NAME - 2 * PAD)
    x += NAME
    pdf.set_font(fonts.FAMILY, "", organization.size)
    _write(pdf, organization, x + PAD, top + (height - organization.height) / 2, ORGANIZATION - 2 * PAD)
    x += ORGANIZATION
    pdf.set_fill_color(*rgb(look.colour))
    pdf.rect(x + PAD, top + (height - SWATCH) / 2, SWATCH, SWATCH, style="F")
    pdf.set_font_size(category.size)
    _write(pdf, category, x + 2 * PAD + SWATCH, top + (height - category.height) / 2, CATEGORY - 3 * PAD - SWATCH)
    pdf.set_y(top + height)


def _tick_box(pdf: FPDF, x: float, y: float, ticked: bool) -> None:
    pdf.set_draw_color(0)
    pdf.set_fill_color(255)  # white inside, on a shaded row too: a pen's tick shows
    pdf.set_line_width(0.3)
    pdf.rect(x, y, TICK, TICK, style="DF")
    if ticked:
        pdf.set_font(fonts.FAMILY, "B", 11)
        pdf.set_xy(x, y)
        pdf.cell(TICK, TICK, "✓", align="C")


def _closing(pdf: DoorList, text: str) -> None:
    pdf.set_font(fonts.FAMILY, "", 10)
    pdf.set_text_color(*MUTED)
    if pdf.get_y() + 10 > pdf.h - FOOTER:
        pdf.add_page()
    pdf.set_xy(MARGIN, pdf.get_y() + 3)
    pdf.cell(pdf.w - 2 * MARGIN, 6, text)


def write(
    event: Event, people: Iterable[Person], categories: dict[int, CategoryLook], made_at: datetime, out: IO[bytes]
) -> int:
    """Draw the list into `out`; returns how many people it holds."""
    pdf = DoorList(event, made_at)
    try:
        pdf.add_page()
        count = 0
        for count, person in enumerate(people, start=1):
            _row(pdf, person, categories.get(person.category_id, UNKNOWN), shaded=count % 2 == 0)
        if count:
            _closing(
                pdf, ngettext("%(num)d person with a confirmed seat.", "%(num)d people with a confirmed seat.", count)
            )
        else:
            _closing(pdf, _("Nobody has a confirmed seat at this event yet."))
        pdf.output(out)
    finally:
        fonts.close(pdf)
    return count
