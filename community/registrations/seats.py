"""The seat engine: every change of a seat and of a registration's status happens here.

The verbs, read top to bottom:
- place(): a newcomer gets a seat (held, for a guest) or a place in line;
- confirm_hold(): a guest's held seat becomes theirs;
- release(): a registration is given up, its seat goes to the waiting list;
- promote(): free seats go to those waiting longest (the only promotion, by
  hand too: promote_out_of_turn());
- expire_holds(): guests who did not confirm in time give their seat back;
- seat_by_hand(), change_capacity(), cancel_all(): the organizer's changes.

Statuses change through Registration.start/move (the TRANSITIONS table), seats
through seat_count.py, whose docstring says why it is race-free. Plain
functions: the caller commits once, or rolls back on DomainError.
"""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from community.core import locking
from community.core.clock import clock_time
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations import mails, newcomer, queries, seat_count, waiting_list
from community.registrations.errors import (
    AlreadyRegistered,
    CapacityTooLow,
    CheckedIn,
    EventFull,
    HoldExpired,
    RegistrationRefused,
)
from community.registrations.models import (
    CANCELLED,
    CONFIRMED,
    HELD,
    WAITING,
    Registration,
    new_ticket_code,
    status_label,
)

capacity_over = seat_count.capacity_over


def hold_until(now: datetime) -> datetime:
    return now + timedelta(hours=current_app.config.get("EVENT_HOLD_HOURS", 24))


# ------------------------------------------------------------------ a newcomer


def place(event: Event, registration: Registration, now: datetime) -> Registration:
    """A seat (held for a guest), a place on the waiting list, or a refusal.

    Seats on one event are taken one transaction at a time (SQLite's write lock,
    the event's row lock on PostgreSQL, held until the commit), so what runs
    under that lock is kept short. The mail is rendered before it, for the
    outcome the event as read predicts, and the registration and its mail are
    written first (newcomer.py); under the lock come only the seat statement
    (or the lock and, for the waiting list, the place in line written into the
    mail) and the commit. When the guess was wrong (the last seats went
    meanwhile, or one freed up) the outcome is switched under the lock."""
    # Links and dedupe keys are made from the ticket code, so it exists before the row does.
    registration.ticket_code = new_ticket_code()
    registration.created_at = now
    if event.is_full and not event.waitlist_enabled:
        if not _take_seat_locked(event, now):
            raise RegistrationRefused(_l("This event is full."))
        _start(registration, True, now)
        newcomer.write(registration, newcomer.compose(registration))
        return registration
    seated = not event.is_full
    _start(registration, seated, now)
    mail = newcomer.compose(registration)
    newcomer.write(registration, mail)
    if seated and seat_count.take(event.id):
        return registration
    # Full, or it became full: under the event lock, a seat may still be free
    # (or freed by expiring guest holds, which go first to those already waiting).
    if _take_seat_locked(event, now, registration):
        if not seated:  # also when the expiry promoted it: the newcomer never waited
            _start(registration, True, now)
            newcomer.requeue(registration, mail)
        return registration
    if not event.waitlist_enabled:
        raise RegistrationRefused(_l("This event is full."))  # the rollback discards the rows written
    if seated:
        _start(registration, False, now)
        mail = newcomer.requeue(registration, mail)
    mail.fill_in(registration)
    return registration


def _start(registration: Registration, seated: bool, now: datetime) -> None:
    """A newcomer's status: a seat (held until the guest proves their email) or the waiting list."""
    if not seated:
        registration.start(WAITING, now)
    elif registration.is_guest:
        registration.start(HELD, now, hold_until=hold_until(now))
    else:
        registration.start(CONFIRMED, now)


def _take_seat_locked(event: Event, now: datetime, registration: Registration | None = None) -> bool:
    """Under the event lock: expired holds go first to those already waiting,
    then a seat is taken only if one is still free.

    `registration`, written as waiting before the lock, may be among those the
    expiry promotes: then it has its seat (promoted_at is set) and takes no other,
    and it is not sent the promotion's mail (the caller sends the plain one)."""
    seated, holds_due = seat_count.lock_and_take(event.id, now)
    if not seated and holds_due and _expire_locked(event, now, newcomer=registration):
        promoted = registration is not None and registration.promoted_at is not None
        seated = promoted or seat_count.take(event.id)
    return seated


# ------------------------------------------------------------------ a guest's hold


def confirm_hold(registration: Registration, now: datetime) -> Registration:
    """The guest followed the mailed link: the held seat becomes theirs."""
    seat_count.lock_event(registration.event_id)
    db.session.refresh(registration)  # what was read before the lock may be stale
    if registration.status == CONFIRMED:
        return registration
    if not registration.holds_seat_at(now):
        raise HoldExpired(
            _l("This seat is no longer held for you: the confirmation time ran out. You may register again.")
        )
    registration.move(CONFIRMED, now)
    db.session.flush()
    mails.confirmed(registration)
    return registration


def expire_holds(now: datetime, event_id: int | None = None) -> int:
    """Free the seats of guests who did not confirm in time; each goes to the waiting list."""
    expired = 0
    for due_event_id in queries.events_with_holds_due(now, event_id):
        seat_count.lock_event(due_event_id)
        expired += _expire_locked(db.session.get(Event, due_event_id), now)
    return expired


def _expire_locked(event: Event, now: datetime, newcomer: Registration | None = None) -> int:
    """The caller holds the event lock."""
    due = queries.holds_due(event.id, now)
    for registration in due:
        registration.move(CANCELLED, now)
        seat_count.release(event.id)
    if due:
        db.session.flush()
        promote(event, now, newcomer)
    return len(due)


# ------------------------------------------------------------------ giving up


def release(registration: Registration, now: datetime) -> tuple[bool, list[Registration]]:
    """Cancel the registration: (whether this call cancelled it, who was promoted to its seat).

    A registration used at the door stays: its row is locked first, so a check-in
    running at the same moment is either seen here or sees the cancellation."""
    seat_count.lock_event(registration.event_id)
    locking.refresh_locked(registration)
    if registration.status == CANCELLED:
        return False, []
    came = queries.checked_in_at(registration.id)
    if came is not None:
        message = "This registration was checked in at %(time)s: it can no longer be cancelled (an organizer may undo the check-in first)."
        raise CheckedIn(_l(message, time=clock_time(came)))
    was_seated = registration.is_seated
    registration.move(CANCELLED, now)
    db.session.flush()
    if not was_seated:
        return True, []
    seat_count.release(registration.event_id)
    return True, promote(registration.event, now)


# ------------------------------------------------------------------ the waiting list moves


def promote(event: Event, now: datetime, newcomer: Registration | None = None) -> list[Registration]:
    """Free seats to those waiting longest, each told by mail (but `newcomer`, who is
    registering now and gets its own mail). The caller holds the event lock."""
    promoted = []
    while True:
        candidate = waiting_list.oldest(event.id)
        if candidate is None or not seat_count.take(event.id):
            break
        _give_seat(candidate, now, tell=candidate is not newcomer)
        promoted.append(candidate)
    return promoted


def _give_seat(registration: Registration, now: datetime, tell: bool = True) -> None:
    """A waiting person has a seat: a member's is confirmed, a guest still proves their email."""
    if registration.is_guest:
        registration.move(HELD, now, hold_until=hold_until(now))
    else:
        registration.move(CONFIRMED, now)
    db.session.flush()
    if tell:
        mails.promoted(registration)


def promote_out_of_turn(registration: Registration, now: datetime, over_capacity: bool = False):
    """Give a waiting person a seat now, out of turn. When the event is full this is
    refused unless `over_capacity` is confirmed: then the capacity grows by one.
    Returns (capacity before, after) when it grew, else None."""
    event = registration.event
    seat_count.lock_event(event.id)
    db.session.refresh(registration)
    if registration.status != WAITING:
        raise DomainError(_l("This person is not on the waiting list any more."))
    raised = None
    if not seat_count.take(event.id):
        if not over_capacity:
            raise EventFull(
                _l("The event is full: promoting this person means going over capacity, which you must confirm.")
            )
        raised = seat_count.take_over_capacity(event)
    _give_seat(registration, now)
    return raised


# ------------------------------------------------------------------ the organizer's changes


def seat_by_hand(event: Event, registration: Registration, now: datetime, over_capacity: bool = False):
    """Someone the organizer vouches for: confirmed at once (no hold, no mail to follow), or
    on the waiting list when the event is full, unless `over_capacity` is confirmed.
    Returns (capacity before, after) when it grew, else None."""
    seat_count.lock_event(event.id)
    existing = queries.live_registration(
        event.id, member_id=registration.member_id, guest_email=registration.guest_email
    )
    if existing is not None:
        status = status_label(existing.status).lower()
        raise AlreadyRegistered(_l("This person is already registered for this event (%(status)s).", status=status))
    raised = None
    seated = seat_count.take(event.id)
    if not seated and over_capacity:
        raised, seated = seat_count.take_over_capacity(event), True
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
        mails.waiting(registration, waiting_list.position(registration))
    return raised


def change_capacity(event: Event, new_capacity: int | None, now: datetime) -> list[Registration]:
    """Raise, lower or remove the limit; freed seats go to the waiting list at once."""
    if new_capacity is not None and new_capacity < 0:
        raise DomainError(_l("The capacity cannot be negative."))
    seat_count.lock_event(event.id)
    seat_count.refresh(event)
    if new_capacity is not None and new_capacity < event.confirmed_count:
        message = "%(taken)d seats are already taken: the capacity cannot go below that. Cancel registrations first."
        raise CapacityTooLow(_l(message, taken=event.confirmed_count))
    if new_capacity == event.capacity:
        return []
    event.capacity = new_capacity
    db.session.flush()
    return promote(event, now)


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
