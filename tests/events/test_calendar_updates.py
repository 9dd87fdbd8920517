"""A moved or cancelled event reaches the calendars people imported it into: each person
registered or waiting gets a mail whose calendar file has the same UID, a higher SEQUENCE
and METHOD:REQUEST (METHOD:CANCEL and STATUS:CANCELLED on cancellation). The SEQUENCE is
stored on the event and only grows."""

from dataclasses import asdict
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events import services as events
from community.events.models import Event
from community.registrations import mails as mails_about
from community.registrations import services
from community.registrations.models import Registration
from tests.factories import organizer_data


def calendar_of(mail):
    """The attached calendar, and its Content-Type parameters as mail programs read them."""
    part = next(p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar")
    content = part.get_content()
    calendar = Calendar.from_ical(content if isinstance(content, str) else content.decode())
    return calendar, dict(part["Content-Type"].params)


@pytest.fixture
def summit(make_event, make_member, deliver, mailbox):
    """A 1-seat event: a French member seated, an English member waiting, a member who left
    (told of nothing any more). Their first mails are delivered: the seated member's
    confirmation is returned, then the mailbox is emptied."""
    organizer = make_member("orga@example.org", role="organizer", language="fr")
    event = make_event(capacity=1, title="Sommet", venue="Salle A", created_by=organizer.id)
    services.register_member(event, make_member("camille@example.org", language="fr"))
    services.register_member(event, make_member("jo@example.net", language="en"))
    gone, _waiting = services.register_member(event, make_member("lea@example.org", language="fr"))
    services.cancel_registration(gone)
    db.session.commit()
    first = deliver(expect=4)
    (confirmation,) = [mail for mail in first if mail["To"].addresses[0].addr_spec == "camille@example.org"]
    mailbox.clear()
    return event, organizer, confirmation


def edit(event, organizer, **changes):
    data = organizer_data(
        **{
            name: getattr(event, name)
            for name in ("title", "starts_at", "ends_at", "description", "venue", "address", "online_url", "capacity")
        }
    )
    data = type(data)(**{**asdict(data), **changes})
    events.update_event(organizer, event, data)
    db.session.commit()


def test_moving_an_event_mails_each_registrant_an_update_of_their_calendar_entry(summit, deliver):
    event, organizer, confirmation = summit
    # The seated member imported the event from her confirmation (the waiting list's mail has no file).
    (before,) = calendar_of(confirmation)[0].walk("VEVENT")

    later = (event.starts_at + timedelta(days=1)).replace(microsecond=0)
    edit(event, organizer, starts_at=later, ends_at=later + timedelta(hours=8), venue="Grand amphithéâtre")
    mails = deliver(expect=2)

    assert sorted(mail["To"].addresses[0].addr_spec for mail in mails) == ["camille@example.org", "jo@example.net"]
    by_person = {mail["To"].addresses[0].addr_spec: mail for mail in mails}
    assert by_person["camille@example.org"]["Subject"] == "Modifié : Sommet"
    assert by_person["jo@example.net"]["Subject"] == "Changed: Sommet"
    text = by_person["jo@example.net"].get_body(preferencelist=("plain",)).get_content()
    assert "The date or time of this event has changed." in text and "The place of this event has changed." in text
    assert "Grand amphithéâtre" in text

    calendar, params = calendar_of(by_person["camille@example.org"])
    (after,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST" and params == {"charset": "utf-8", "method": "REQUEST"}
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == later.replace(tzinfo=after.decoded("DTSTART").tzinfo)
    assert str(after["LOCATION"]).startswith("Grand amphithéâtre, ")
    assert str(after["ATTENDEE"]) == "mailto:camille@example.org" and str(after["ORGANIZER"]).startswith("mailto:")


def test_a_new_title_raises_the_sequence_but_mails_nobody(summit, deliver):
    event, organizer, _confirmation = summit
    sequence = event.calendar_sequence
    edit(event, organizer, title="Sommet 2027", description="Le programme")
    assert db.session.get(Event, event.id).calendar_sequence == sequence + 1
    assert deliver(expect=1) == []
    edit(event, organizer, capacity=5)  # nothing a calendar shows
    assert db.session.get(Event, event.id).calendar_sequence == sequence + 1


def test_cancelling_sends_method_cancel_with_status_cancelled_and_a_higher_sequence(summit, deliver):
    event, organizer, _confirmation = summit
    sequence = event.calendar_sequence
    assert events.cancel_event(organizer, event) == 2
    db.session.commit()
    mails = deliver(expect=2)
    assert sorted(mail["To"].addresses[0].addr_spec for mail in mails) == ["camille@example.org", "jo@example.net"]
    for mail in mails:
        calendar, params = calendar_of(mail)
        (vevent,) = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == "CANCEL" and params["method"] == "CANCEL"
        assert str(vevent["STATUS"]) == "CANCELLED" and int(vevent["SEQUENCE"]) == sequence + 1


def test_the_sequence_only_grows_whatever_the_clock_says(summit, client):
    """It used to be the update time modulo 2e9 seconds: back to small numbers in 2033."""
    event, organizer, _confirmation = summit
    sequences = [event.calendar_sequence]
    for days in (1, 2, 3):
        moved = utcnow() + timedelta(days=days * 400)
        edit(event, organizer, starts_at=moved, ends_at=moved + timedelta(hours=2))
        sequences.append(db.session.scalar(select(Event.calendar_sequence).where(Event.id == event.id)))
    assert sequences == [sequences[0] + n for n in range(4)]
    (vevent,) = Calendar.from_ical(client.get(f"/events/{event.slug}/calendar.ics").data).walk("VEVENT")
    assert int(vevent["SEQUENCE"]) == sequences[-1]


def test_every_move_is_told_and_each_move_once(summit, deliver, mailbox):
    """The mail's dedupe key follows the calendar's sequence: a second move is a second mail,
    and the same move's mail composed again (a retried request) is not sent twice."""
    event, organizer, _confirmation = summit
    later = (event.starts_at + timedelta(days=1)).replace(microsecond=0)
    edit(event, organizer, starts_at=later, ends_at=later + timedelta(hours=8))
    edit(event, organizer, venue="Salle B")
    mails = deliver(expect=4)
    assert sorted(mail["To"].addresses[0].addr_spec for mail in mails) == [
        "camille@example.org",
        "camille@example.org",
        "jo@example.net",
        "jo@example.net",
    ]
    seated = db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.status == "confirmed")
    )
    mailbox.clear()
    mails_about.event_changed(seated, ["place"])
    db.session.commit()
    assert deliver(expect=1) == []
