"""The badges read back from the PDF: pages per layout, who gets one (everyone confirmed, a
category, one person), the arguments refused with a reason, nobody to print, the audit
entry, and the QR code drawn: the ticket's own."""

import pytest
from sqlalchemy import select

from community.checkin import ticket_qr
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.paper import badges
from community.registrations.models import Registration
from tests.conftest import login
from tests.paper.conftest import add_category, drawn, pdf_of, seat, text_of

EN = {"Accept-Language": "en"}
NINE = [(f"Attendee {number}", f"Organization {number}") for number in range(1, 10)]


@pytest.mark.parametrize("layout, pages", [("2x4", 2), ("2x5", 1), ("single", 9), ("", 2)])
def test_nine_badges_fill_the_pages_of_each_layout(client, event, organizer, layout, pages):
    seat(event, NINE)
    login(client, organizer)
    reader = pdf_of(client.get(f"/events/{event.slug}/badges.pdf?layout={layout}", headers=EN))
    assert len(reader.pages) == pages  # no layout: 2x4
    text = text_of(reader)
    for name, organization in NINE:
        assert text.count(name) == 1 and organization in text
    assert text.count("General admission") == 9
    assert text.count("Sommet OpenLLM 2026") == 9


def test_a_category_or_one_person(client, event, organizer):
    press = add_category(event, "Presse", "Press", colour="#d55e00")
    seat(event, [("Ada Lovelace", "Analytical"), ("Grace Hopper", "Navy")])
    (journalist,) = seat(event, [("Nellie Bly", "New York World")], category=press, guests=True)
    login(client, organizer)
    text = text_of(pdf_of(client.get(f"/events/{event.slug}/badges.pdf?category={press.id}", headers=EN)))
    assert "Nellie Bly" in text and "Press" in text
    assert "Ada Lovelace" not in text and "Grace Hopper" not in text
    reader = pdf_of(client.get(f"/events/{event.slug}/badges.pdf?registration={journalist}&layout=single"))
    assert len(reader.pages) == 1
    assert "Nellie Bly" in text_of(reader) and "Ada" not in text_of(reader)


def test_bad_arguments_are_refused_with_the_reason_and_nothing_recorded(client, event, organizer, make_event):
    other = make_event(created_by=organizer.id)
    (elsewhere,) = seat(other, [("Someone Else", "")])
    (held,) = seat(event, [("Hélène Held", "")], guests=True, status="held")
    login(client, organizer)
    cases = [
        ("layout=3x3", "Choose a layout"),
        ("category=abc", "Choose a layout"),
        ("category=-1", "Choose a layout"),
        ("registration=99999999999999999999", "Choose a layout"),
        ("registration=%C2%B2", "Choose a layout"),
        (f"category={other.categories[0].id}", "This ticket category does not exist for this event."),
        (f"registration={elsewhere}", "no confirmed seat at this event"),
        (f"registration={held}", "no confirmed seat at this event"),
    ]
    for query, reason in cases:
        response = client.get(f"/events/{event.slug}/badges.pdf?{query}", headers=EN)
        assert response.status_code == 400, query
        assert response.mimetype == "text/html" and reason in response.get_data(as_text=True), query
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_nobody_to_print_gives_a_page_saying_so(client, event, organizer):
    empty = add_category(event, "Presse", "Press")
    seat(event, [("Ada Lovelace", "")])
    login(client, organizer)
    reader = pdf_of(client.get(f"/events/{event.slug}/badges.pdf?category={empty.id}", headers=EN))
    assert len(reader.pages) == 1
    assert "No badge to print: nobody with a confirmed seat matches." in text_of(reader)


def test_each_download_is_recorded_with_what_was_asked(client, event, organizer):
    press = add_category(event, "Presse", "Press")
    login(client, organizer)
    pdf_of(client.get(f"/events/{event.slug}/badges.pdf?layout=2x5&category={press.id}"))
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.event_id, entry.object_id) == (
        "export.badges",
        organizer.id,
        event.id,
        event.id,
    )
    assert entry.changes == {"layout": "2x5", "category": press.id, "registration": None}


def test_the_qr_code_printed_is_the_tickets(client, event, organizer):
    """Each module of the code, read from the page pdftoppm draws, is the one of the ticket page's code."""
    (registration,) = seat(event, [("Ada Lovelace", "Analytical Engines")])
    login(client, organizer)
    dpi = 300
    page = drawn(client, f"/events/{event.slug}/badges.pdf?layout=single", "badge-qr-300dpi", dpi=dpi)
    layout = badges.LAYOUTS["single"]
    qr_x, qr_y, side = badges.boxes(layout).qr
    code = db.session.get(Registration, registration).ticket_code
    expected = ticket_qr.make(code).matrix
    module = side / (len(expected) + 2 * badges.QUIET)
    pixels = dpi / 25.4

    def dark(row, column):
        x = layout.left + qr_x + (badges.QUIET + column + 0.5) * module
        y = layout.top + qr_y + (badges.QUIET + row + 0.5) * module
        return page.getpixel((round(x * pixels), round(y * pixels))) < 128

    seen = [[dark(row, column) for column in range(len(expected))] for row in range(len(expected))]
    assert seen == [[bool(value) for value in row] for row in expected]
    assert ticket_qr.scan_url(code) == f"http://community.test/events/checkin/{code}"
