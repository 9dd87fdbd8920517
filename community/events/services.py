"""Organizer rules: create, edit, publish and cancel events. The caller commits."""

from dataclasses import dataclass, fields
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.core import audit
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.core.text import slugify
from community.events.models import HOLD_MINUTES_MAX, HOLD_MINUTES_MIN, Event, EventStatus, Visibility
from community.events.permissions import require_manager
from community.registrations import limits, mails, seats_by_hand
from community.registrations.queries import live_of_event

# Fields a calendar entry shows: a change raises the entry's SEQUENCE.
CALENDAR_FIELDS = {"title", "description", "starts_at", "ends_at", "venue", "address", "online_url"}
# Changes people must hear of, by mail with the updated calendar entry, named as the mail says them.
MOVES = {"starts_at": "time", "ends_at": "time", "venue": "place", "address": "place", "online_url": "link"}


@dataclass
class EventData:
    """What an organizer types; times already converted to UTC."""

    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    venue: str = ""
    address: str = ""
    online_url: str = ""
    capacity: int | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    visibility: str = Visibility.PUBLIC.value
    group_id: int | None = None
    waitlist_enabled: bool = True
    guest_hold_minutes: int | None = None  # None: GUEST_HOLD_MINUTES


def _require_organizer(actor) -> None:
    if actor is None or not actor.is_organizer:
        raise NotAllowed(_l("Only organizers can manage events."))


def check(data: EventData) -> None:
    if not data.title.strip():
        raise DomainError(_l("Please give the event a title."))
    if as_utc(data.ends_at) < as_utc(data.starts_at):
        raise DomainError(_l("The event cannot end before it starts."))
    if data.capacity is not None and data.capacity < 0:
        raise DomainError(_l("The capacity cannot be negative."))
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and as_utc(closes) <= as_utc(opens):
        raise DomainError(_l("Registration must close after it opens."))
    minutes = data.guest_hold_minutes
    if minutes is not None and not HOLD_MINUTES_MIN <= minutes <= HOLD_MINUTES_MAX:
        raise DomainError(
            _l(
                "A guest's seat is held between %(min)s and %(max)s minutes.",
                min=HOLD_MINUTES_MIN,
                max=HOLD_MINUTES_MAX,
            )
        )
    if data.visibility not in {v.value for v in Visibility}:
        raise DomainError(_l("Unknown visibility."))
    if data.visibility == Visibility.GROUP.value and data.group_id is None:
        raise DomainError(_l("Choose the working group this event is reserved for."))


def unique_slug(title: str, starts_at: datetime) -> str:
    base = f"{slugify(title, fallback='event')}-{as_utc(starts_at):%Y-%m-%d}"
    taken = set(db.session.scalars(select(Event.slug).where(Event.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_event(actor, data: EventData) -> Event:
    """A draft: visible to organizers only until published."""
    _require_organizer(actor)
    check(data)
    event = Event(
        slug=unique_slug(data.title, data.starts_at),
        status=EventStatus.DRAFT.value,
        created_by=actor.id,
        confirmed_count=0,
    )
    for field in fields(EventData):
        setattr(event, field.name, getattr(data, field.name))
    event.title = data.title.strip()
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.created", event, event_id=event.id)
    return event


def update_event(actor, event: Event, data: EventData, now: datetime | None = None) -> list:
    """Edit; a raised (or removed) capacity promotes the waiting list at once. A change of
    time, place or link is mailed to everyone registered or waiting, with the calendar entry
    that moves theirs."""
    require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("A cancelled event cannot be edited."))
    check(data)
    # Capacity first: it takes the event lock and refuses to go below the seats taken.
    promoted = change_capacity(actor, event, data.capacity, now)
    edited = sorted(
        f.name
        for f in fields(EventData)
        if f.name != "capacity" and _differs(getattr(event, f.name), getattr(data, f.name))
    )
    for field in fields(EventData):
        if field.name != "capacity":
            setattr(event, field.name, getattr(data, field.name))
    event.title = data.title.strip()
    event.updated_at = utcnow()
    if CALENDAR_FIELDS.intersection(edited):
        event.calendar_sequence += 1
    db.session.flush()
    if edited:
        audit.record(actor, "event.updated", event, event_id=event.id, fields=edited)
    moves = sorted({MOVES[name] for name in edited if name in MOVES})
    if moves and event.is_published:
        for registration in live_of_event(event.id):
            mails.event_changed(registration, moves)
    return promoted


def change_capacity(actor, event: Event, new_capacity: int | None, now: datetime | None = None) -> list:
    """Raise, lower or remove the limit (freed seats go to the waiting list at once:
    limits.change_capacity), recorded in the event's history when it changed."""
    before = event.capacity
    promoted = limits.change_capacity(event, new_capacity, now or utcnow())
    if before != event.capacity:
        capacity = [before, event.capacity]
        audit.record(
            actor, "event.capacity_changed", event, event_id=event.id, capacity=capacity, promoted=len(promoted)
        )
    return promoted


def _differs(old, new) -> bool:
    """Compares stored and typed values (SQLite hands back naive UTC datetimes). The form
    types a time to the minute: seconds a stored time may hold are not a change."""
    if isinstance(old, datetime) or isinstance(new, datetime):
        return _to_the_minute(old) != _to_the_minute(new)
    return old != new


def _to_the_minute(moment: datetime | None) -> datetime | None:
    return as_utc(moment).replace(second=0, microsecond=0) if moment else None


def publish_event(actor, event: Event) -> Event:
    require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("A cancelled event cannot be published."))
    if not event.is_published:
        event.status, event.updated_at = EventStatus.PUBLISHED.value, utcnow()  # the feeds' version moves
        db.session.flush()
        audit.record(actor, "event.published", event, event_id=event.id)
    return event


def cancel_event(actor, event: Event, now: datetime | None = None) -> int:
    """Cancel the event: every registrant and waiting person is told by mail.

    Returns how many people were told."""
    require_manager(actor, event)
    now = now or utcnow()
    live = seats_by_hand.cancel_all(event, now)
    if live is None:  # cancelled already
        return 0
    event.status, event.cancelled_at, event.updated_at = EventStatus.CANCELLED.value, now, now
    event.calendar_sequence += 1
    db.session.flush()
    for registration in live:
        mails.event_cancelled(registration)
    audit.record(actor, "event.cancelled", event, event_id=event.id, told=len(live))
    return len(live)
