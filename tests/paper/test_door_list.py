"""The door list read back from the PDF: who is on it and in which order, the header and the
page numbers, an event with nobody yet, the audit entry, and a constant number of queries."""

import pytest
from sqlalchemy import select

from community.checkin.models import CheckIn
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.events.models import StaffRole
from community.paper import door_list
from tests.conftest import login
from tests.paper.conftest import add_category, name_staff, pdf_of, render, seat, text_of
from tests.querycount import count_queries

EN = {"Accept-Language": "en"}


def test_the_confirmed_people_members_and_guests_in_dictionary_order(client, event, organizer, make_member):
    press = add_category(event, "Presse", "Press")
    seat(event, [("Zoé Zimmer", "Zeta"), ("élodie Ørsted-Nguyễn", "Université Paris-Saclay"), ("Bruno Martin", "")])
    seat(event, [("Émile Abadie", "Le Monde")], category=press)
    seat(event, [("Ana Guest", "Guestcorp")], guests=True)
    seat(event, [("Hélène Held", "")], guests=True, status="held")
    seat(event, [("Walter Waiting", "")], status="waiting")
    seat(event, [("Carl Cancelled", "")], status="cancelled")
    login(client, organizer)
    reader = pdf_of(client.get(f"/events/{event.slug}/door-list.pdf", headers=EN))
    text = text_of(reader)
    # Accents and case ignored: élodie and Émile among the e's, not after Zoé.
    order = ["Ana Guest", "Bruno Martin", "élodie Ørsted-Nguyễn", "Émile Abadie", "Zoé Zimmer"]
    assert [text.index(name) for name in order] == sorted(text.index(name) for name in order)
    for absent in ("Hélène Held", "Walter Waiting", "Carl Cancelled"):
        assert absent not in text
    for shown in ("Université Paris-Saclay", "Le Monde", "Guestcorp", "Press", "General admission"):
        assert shown in text
    assert "Sommet OpenLLM 2026" in text and "La Cantine" in text and "Made on" in text
    assert "5 people with a confirmed seat." in text
    assert len(reader.pages) == 1


def test_someone_already_in_has_the_box_ticked(client, event, organizer):
    first, _second = seat(event, [("Ada Lovelace", ""), ("Grace Hopper", "")])
    login(client, organizer)
    before = text_of(pdf_of(client.get(f"/events/{event.slug}/door-list.pdf", headers=EN)))
    db.session.add(CheckIn(registration_id=first, event_id=event.id, checked_in_by=organizer.id))
    db.session.commit()
    after = text_of(pdf_of(client.get(f"/events/{event.slug}/door-list.pdf", headers=EN)))
    assert after.count("✓") == before.count("✓") + 1
    assert "✓ Ada Lovelace" in after.replace("\n", " ")


def test_a_long_list_runs_over_pages_numbered_page_n_of_total(client, event, organizer):
    names = [f"Person {number:03d}" for number in range(80)]
    seat(event, [(name, f"Organization {number}") for number, name in enumerate(names)])
    login(client, organizer)
    response = client.get(f"/events/{event.slug}/door-list.pdf", headers=EN)
    reader = pdf_of(response)
    pages = len(reader.pages)
    assert pages == 3
    for number in (2, 3):
        assert f"page {number} / {pages}" in reader.pages[number - 1].extract_text()
    text = text_of(reader)
    assert all(text.count(name) == 1 for name in names)
    assert text.index("Person 000") < text.index("Person 079")
    # Each page repeats the headings.
    assert all("Organization" in page.extract_text() for page in reader.pages)
    render(response.data, "door-list-page-1")


def test_an_event_with_nobody_yet_gets_a_list_saying_so(client, event, organizer):
    seat(event, [("Walter Waiting", "")], status="waiting")
    login(client, organizer)
    reader = pdf_of(client.get(f"/events/{event.slug}/door-list.pdf", headers=EN))
    assert len(reader.pages) == 1
    assert "Nobody has a confirmed seat at this event yet." in text_of(reader)


def test_in_french_for_a_french_reader(client, event, organizer, make_member):
    seat(event, [("Zoé Zimmer", "")])
    french = make_member(language="fr")
    name_staff(event, french, StaffRole.STEWARD)
    login(client, french)
    text = text_of(pdf_of(client.get(f"/events/{event.slug}/door-list.pdf")))
    assert "Liste d'entrée" in text and "Entrée générale" in text and "Organisation" in text


def test_the_download_is_recorded_before_the_list_is_drawn(client, event, make_member, monkeypatch):
    steward = make_member()
    name_staff(event, steward, StaffRole.STEWARD)
    login(client, steward)

    def broken(*_args):
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(door_list, "write", broken)
    with pytest.raises(RuntimeError):
        client.get(f"/events/{event.slug}/door-list.pdf")
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.event_id) == ("export.door_list", steward.id, event.id)


def test_a_drawing_that_fails_leaves_no_font_file_open(client, event, organizer, monkeypatch):
    """fpdf2 closes its font files once it has written the PDF; a drawing that fails before
    must close them too (else they stay open as long as fpdf2's caches hold them)."""
    seat(event, [("Ada Lovelace", "")])
    login(client, organizer)
    files = []

    class Recorded(door_list.DoorList):
        def __init__(self, *args):
            super().__init__(*args)
            files.extend(font.ttfont.reader.file for font in self.fonts.values())

    monkeypatch.setattr(door_list, "DoorList", Recorded)
    monkeypatch.setattr(door_list, "_row", lambda *_args, **_kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        client.get(f"/events/{event.slug}/door-list.pdf")
    assert len(files) == 3 and all(file.closed for file in files)  # DejaVu regular and bold, the fallback


@pytest.mark.parametrize("path", ["door-list.pdf", "badges.pdf?layout=2x5"])
def test_the_same_number_of_queries_for_3_and_30_people(client, make_event, organizer, path):
    login(client, organizer)
    counts = []
    for size in (3, 30):
        event = make_event(created_by=organizer.id)
        seat(event, [(f"Person {number}", "Org") for number in range(size // 2)])
        seat(event, [(f"Guest {number}", "Org") for number in range(size - size // 2)], guests=True)
        db.session.expire_all()
        with count_queries(db.engine) as statements:
            reader = pdf_of(client.get(f"/events/{event.slug}/{path}"))
        assert text_of(reader).count("Person") == size // 2
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
