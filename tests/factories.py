"""Event factories (fast bulk members, no argon2 per member; events) and the seat
invariants the registration tests check; loaded for every test by tests/conftest.py."""

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events import services as manage
from community.events.models import Event, EventStatus
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations.models import LIVE, Registration


def member_row(email: str, name: str, now, **fields) -> dict:
    """The values of one confirmed member for a bulk INSERT (no argon2: password_hash
    "x" opens nothing); `fields` override any column."""
    return {
        "email": email,
        "display_name": name,
        "password_hash": "x",
        "language": "fr",
        "role": "member",
        "organization": "",
        "bio": "",
        "directory_visible": False,
        "consent_at": now,
        "created_at": now,
        "confirmed_at": now,
        "password_changed_at": now,
        "session_version": 1,
        **fields,
    }


def membership_row(group_id: int, member_id: int, now, **fields) -> dict:
    """One active, plain membership of a working group, for a bulk INSERT."""
    return {
        "group_id": group_id,
        "member_id": member_id,
        "status": "active",
        "role": "member",
        "message": "",
        "announcements_opt_out": False,
        "created_at": now,
        **fields,
    }


def registration_row(event, member_id: int, now, **fields) -> dict:
    """One member's confirmed registration in the event's first category, for a bulk INSERT (its
    ticket code comes from the model's default unless given). Its seat is not counted: the caller
    sets confirmed_count (and the category's taken)."""
    return {
        "event_id": event.id,
        "category_id": event.categories[0].id,
        "member_id": member_id,
        "status": "confirmed",
        "created_at": now,
        "language": "fr",
        "guest_organization": "",
        **fields,
    }


def outbox_email(to="ada@example.org", subject="Your ticket", *, event=None, **fields) -> OutboxEmail:
    """A mail of the outbox, not yet in the session; `fields` override any column."""
    values = {
        "template": "event_confirmed",
        "language": "en",
        "body_text": "Hello",
        "body_html": "<p>Hello</p>",
        "event_id": event.id if event else None,
    }
    return OutboxEmail(to_address=to, subject=subject, **(values | fields))


def count_seats(event, n: int) -> None:
    """Count n seats inserted in bulk in the event's first category (as the seat engine would)."""
    event.confirmed_count = (event.confirmed_count or 0) + n
    event.categories[0].taken += n


def published_event(slug: str, *, starts_at, hours: float, **fields) -> Event:
    """An event of `hours`, published unless `fields` give another status, committed (the
    model gives it its first ticket category); `fields` set any other column."""
    fields = {"title": f"Event {slug}", "status": EventStatus.PUBLISHED.value, **fields}
    event = Event(slug=slug, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **fields)
    db.session.add(event)
    db.session.commit()
    return event


def days_from_now(days: int, hour: int, minute: int = 0):
    """A round time of day (UTC) some days from now: screenshots show 09:30, not 09:27:13."""
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)


@pytest.fixture
def make_event(app):
    counter = {"n": 0}

    def _make(*, capacity=None, status=EventStatus.PUBLISHED.value, starts_in=timedelta(days=10), **fields):
        counter["n"] += 1
        n = counter["n"]
        fields = {"title": f"Event {n}", "venue": "La Cantine", "address": "1 rue de Paris, 75001 Paris", **fields}
        starts_at = utcnow() + starts_in
        return published_event(f"event-{n}", starts_at=starts_at, hours=3, capacity=capacity, status=status, **fields)

    return _make


@pytest.fixture
def bulk_members(app):
    """n confirmed members inserted in one statement; returns their ids."""

    def _bulk(n, prefix="bulk"):
        now = utcnow()
        rows = [
            member_row(f"{prefix}{i}@example.org", f"{prefix.title()} {i}", now, language="fr" if i % 2 else "en")
            for i in range(n)
        ]
        db.session.execute(insert(Member), rows)
        db.session.commit()
        return list(db.session.scalars(select(Member.id).where(Member.email.like(f"{prefix}%")).order_by(Member.id)))

    return _bulk


def pick_registration(rng, event_id: int, statuses=LIVE) -> Registration | None:
    """One of the event's registrations in these statuses, chosen by a seeded walk's random
    generator from those in the order they were made (None when there is none)."""
    found = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(statuses))
        .order_by(Registration.id)
    ).all()
    return rng.choice(found) if found else None


def random_walk(rng, event_id: int, *, steps: int, ops: list[str], pause, act, after_step=None) -> None:
    """A seeded random walk over the event: at each step time passes (`pause()`, a timedelta), then
    `act(op, event, now)` runs an operation drawn from `ops`, committed, or rolled back when a rule refuses
    it; then `after_step(now)` if given. The seat invariants must hold after every step."""
    now = utcnow()
    for step in range(steps):
        now += pause()
        event = db.session.get(Event, event_id)
        op = rng.choice(ops)
        try:
            act(op, event, now)
            db.session.commit()
        except DomainError:
            db.session.rollback()
        db.session.expire_all()
        if after_step:
            after_step(now)
        try:
            assert_invariants(event_id)
        except AssertionError as broken:
            raise AssertionError(f"after step {step} ({op})") from broken


def seat_counts(event_id):
    """(confirmed_count column, seated rows, confirmed rows, waiting rows, capacity) read fresh."""
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
    )
    seated = by_status.get("confirmed", 0) + by_status.get("held", 0)
    return event.confirmed_count, seated, by_status.get("confirmed", 0), by_status.get("waiting", 0), event.capacity


def assert_invariants(event_id):
    count, seated, _confirmed, waiting, capacity = seat_counts(event_id)
    event = db.session.get(Event, event_id)
    assert count == seated
    assert event.waiting_count == waiting
    assert_category_invariants(event)
    assert_line_numbered(event_id)
    if capacity is None:
        assert waiting == 0
    else:
        assert count + event.reserved_count <= capacity
    # Nobody waits while a seat of their category is free.
    waiting_in = dict(
        db.session.execute(
            select(Registration.category_id, func.count())
            .where(Registration.event_id == event_id, Registration.status == "waiting")
            .group_by(Registration.category_id)
        ).all()
    )
    for category in event.categories:
        if waiting_in.get(category.id):
            assert category.seats_left(event) == 0, (category, waiting_in)


def assert_line_numbered(event_id):
    """Everyone waiting has a place number, none given twice, none above the last one given."""
    numbers = db.session.scalars(
        select(Registration.line_number).where(Registration.event_id == event_id, Registration.status == "waiting")
    ).all()
    assert None not in numbers
    assert len(set(numbers)) == len(numbers)
    assert max(numbers, default=0) <= db.session.get(Event, event_id).line_taken


def assert_category_invariants(event):
    """Each category's counter is its seated rows, within its quota; the event's reserve is
    the sum of what its reserving categories hold back."""
    seated_in = dict(
        db.session.execute(
            select(Registration.category_id, func.count())
            .where(Registration.event_id == event.id, Registration.status.in_(("confirmed", "held")))
            .group_by(Registration.category_id)
        ).all()
    )
    for category in event.categories:
        assert category.taken == seated_in.get(category.id, 0), category
        assert category.quota is None or category.taken <= category.quota, category
    assert event.reserved_count == sum(category.held_back for category in event.categories)


def event_form(**fields) -> dict:
    """What the new-event form posts for a public meetup on 10 March 2031, 19:00 to 21:00 in Paris,
    with a waiting list; `fields` change or add any field."""
    return {
        "title": "Meetup",
        "starts_at": "2031-03-10T19:00",
        "ends_at": "2031-03-10T21:00",
        "capacity": "10",
        "visibility": "public",
        "group_id": "",
        "waitlist_enabled": "y",
        **fields,
    }


def organizer_data(**overrides):
    starts = utcnow() + timedelta(days=5)
    values = dict(title="Meetup", starts_at=starts, ends_at=starts + timedelta(hours=2), capacity=10)
    values.update(overrides)
    return manage.EventData(**values)
