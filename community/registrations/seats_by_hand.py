"""The seat engine's verbs for the organizer's changes: someone seated by hand, a
registration moved to another category, every seat given back when the event is
cancelled. On the same statements and under the same event lock as seats.py
(whose promote() hands the freed seats on); the caller commits once.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from community.core import locking
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations import line_count, mails, queries, seat_count
from community.registrations.errors import AlreadyRegistered, EventFull
from community.registrations.models import CANCELLED, CONFIRMED, WAITING, Registration, status_label
from community.registrations.seats import promote


def seat_by_hand(event: Event, registration: Registration, now: datetime, over_capacity: bool = False):
    """Someone the organizer vouches for, in registration.category: confirmed at once (no
    hold, no mail to follow), or on the waiting list when the event is full, unless
    `over_capacity` is confirmed. Returns what grew (seat_count.take_over_limits), or {}."""
    seat_count.lock_event(event.id)
    existing = queries.live_registration(
        event.id, member_id=registration.member_id, guest_email=registration.guest_email
    )
    if existing is not None:
        status = status_label(existing.status).lower()
        raise AlreadyRegistered(_l("This person is already registered for this event (%(status)s).", status=status))
    raised = {}
    category_id = registration.category.id
    seated = seat_count.take_locked(event.id, category_id)
    if not seated and over_capacity:
        raised, seated = seat_count.take_over_limits(event, registration.category), True
    if not seated and not event.waitlist_enabled:
        raise EventFull(
            _l("The event is full and has no waiting list: confirm going over capacity to add this person.")
        )
    registration.created_at = now
    registration.start(CONFIRMED if seated else WAITING, now)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as exc:  # registered meanwhile, by themselves (the view rolls back)
        raise AlreadyRegistered(_l("This person is already registered for this event.")) from exc
    if seated:
        mails.confirmed(registration)
    else:
        mails.waiting(registration, line_count.join_line(registration))
    return raised


def move_to_category(registration: Registration, category, now: datetime, over_quota: bool = False) -> dict:
    """Move a registration to another category of its event. A seated one needs a seat
    there: refused when it is full, unless `over_quota` is confirmed (the quota, or the
    capacity, grows by one). Returns what grew, or {}; its old seat goes to the waiting list."""
    event = registration.event
    seat_count.lock_event(event.id)
    locking.refresh_locked(registration)
    if category.event_id != event.id:
        raise DomainError(_l("This category belongs to another event."))
    if not registration.is_live:
        raise DomainError(_l("This registration is cancelled."))
    if registration.category_id == category.id:
        return {}
    raised = {}
    if registration.is_seated:
        seat_count.release(event.id, registration.category_id)
        if not seat_count.take_locked(event.id, category.id):
            if not over_quota:
                raise EventFull(
                    _l("This category is full: moving this person there goes over its limit, which you must confirm.")
                )
            raised = seat_count.take_over_limits(event, category)
    registration.category = category
    db.session.flush()
    promote(event, now)
    return raised


def cancel_all(event: Event, now: datetime) -> list[Registration] | None:
    """The event is cancelled: every live registration with it, every seat given back.
    Returns those who were live, or None when the event was cancelled already."""
    seat_count.lock_event(event.id)
    db.session.refresh(event)
    if event.is_cancelled:
        return None
    live = queries.live_of_event(event.id)
    for registration in live:
        registration.move(CANCELLED, now)
    seat_count.release_all(event)
    return live
