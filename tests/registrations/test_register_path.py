"""The registration path guesses the outcome from the event as read, before it takes
the seat lock; when the guess was wrong, the right outcome and the right mail win."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxAttachment, OutboxEmail
from community.registrations import services
from community.registrations.errors import RegistrationRefused
from community.registrations.models import Registration
from tests.factories import assert_invariants


def mails_of():
    rows = db.session.execute(
        select(OutboxEmail.template, OutboxEmail.to_address, OutboxEmail.body_text).order_by(OutboxEmail.id)
    ).all()
    return [(template, to) for template, to, _body in rows], rows


def test_the_last_seat_taken_meanwhile_puts_the_newcomer_on_the_waiting_list(make_event, make_member):
    event = make_event(capacity=1, waitlist_enabled=True)
    first, second = make_member("first@example.org"), make_member("second@example.org")
    stale = db.session.get(Event, event.id)
    services.register_member(stale, first)
    # The second request read the event before the first one took the last seat.
    set_committed_value(stale, "confirmed_count", 0)

    registration, created = services.register_member(stale, second)
    db.session.commit()

    assert created and registration.status == "waiting"
    sent, rows = mails_of()
    assert sent == [("event_confirmed", "first@example.org"), ("event_waiting", "second@example.org")]
    assert "en position 1 sur la liste d'attente" in rows[1].body_text  # filled in under the lock
    # The confirmation written for the guess is gone with its .ics attachment.
    assert db.session.scalar(select(db.func.count()).select_from(OutboxAttachment)) == 1
    assert_invariants(event.id)


def test_a_seat_freed_meanwhile_goes_to_the_newcomer_who_saw_a_full_event(make_event, make_member):
    event = make_event(capacity=1, waitlist_enabled=True)
    first, second = make_member("first@example.org"), make_member("second@example.org")
    held, _ = services.register_member(db.session.get(Event, event.id), first)
    db.session.commit()
    stale = db.session.get(Event, event.id)
    services.cancel_registration(db.session.get(Registration, held.id))
    db.session.commit()
    set_committed_value(stale, "confirmed_count", 1)  # read before the cancellation

    registration, _ = services.register_member(stale, second)
    db.session.commit()

    assert registration.status == "confirmed"
    sent, _rows = mails_of()
    assert sent[-1] == ("event_confirmed", "second@example.org")
    assert_invariants(event.id)


def test_the_place_in_line_written_into_each_waiting_mail_counts_those_ahead(make_event, make_member):
    event = make_event(capacity=1, waitlist_enabled=True)
    people = [make_member(f"p{i}@example.org") for i in range(4)]
    for person in people:
        services.register_member(db.session.get(Event, event.id), person)
        db.session.commit()
    _sent, rows = mails_of()
    places = [
        re.search(r"en position (\d+) ", body).group(1) for template, _to, body in rows if template == "event_waiting"
    ]
    assert places == ["1", "2", "3"]
    html = db.session.scalars(select(OutboxEmail.body_html).where(OutboxEmail.template == "event_waiting")).all()
    assert all(f"en position {n} " in body for n, body in zip((1, 2, 3), html))


def test_without_a_waiting_list_a_seat_missed_meanwhile_is_refused_and_nothing_stays(make_event, make_member):
    event = make_event(capacity=1, waitlist_enabled=False)
    first, second = make_member("first@example.org"), make_member("second@example.org")
    stale = db.session.get(Event, event.id)
    services.register_member(stale, first)
    db.session.commit()
    set_committed_value(stale, "confirmed_count", 0)  # read before the last seat went

    with pytest.raises(RegistrationRefused):
        services.register_member(stale, second)
    db.session.rollback()

    sent, _rows = mails_of()
    assert sent == [("event_confirmed", "first@example.org")]
    assert db.session.scalars(select(Registration.member_id)).all() == [first.id]
    assert_invariants(event.id)


@pytest.mark.parametrize("expired", [1, 2])
def test_a_newcomer_to_a_full_event_whose_guest_holds_ran_out_gets_one_seat_and_one_mail(
    make_event, make_member, expired
):
    """The newcomer's row is written as waiting before the lock; expiring the holds
    under the lock promotes those in line, and that may be the newcomer: they get
    that seat only, never a second seat or a waiting-list mail, and the plain
    confirmation: they never waited, so no "a seat freed up" mail."""
    event = make_event(capacity=expired, waitlist_enabled=True)
    for n in range(expired):
        services.register_guest(db.session.get(Event, event.id), name=f"Guest {n}", email=f"guest{n}@example.net")
    db.session.commit()
    db.session.execute(update(Registration).values(hold_expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    newcomer = make_member("new@example.org")

    registration, _ = services.register_member(db.session.get(Event, event.id), newcomer)
    db.session.commit()

    assert registration.status == "confirmed"
    assert_invariants(event.id)
    assert db.session.get(Event, event.id).confirmed_count == 1
    sent, _rows = mails_of()
    assert [template for template, to in sent if to == "new@example.org"] == ["event_confirmed"]
    subject = db.session.scalar(select(OutboxEmail.subject).where(OutboxEmail.to_address == "new@example.org"))
    assert subject == f"Inscription confirmée : {event.title}" and registration.promoted_at is None
