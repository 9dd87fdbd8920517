"""The seat engine: every change of a seat and of a registration's status happens here.

The verbs, read top to bottom:
- place(): a newcomer gets a seat (held, for a guest) or a place in line;
- confirm_hold(): a guest's held seat becomes theirs;
- release(): a registration is given up, its seat goes to the waiting list;
- promote(): free seats go to those waiting longest (the only promotion, by
  hand too: promote_out_of_turn());
- expire_holds(): guests who did not confirm in time give their seat back;
- release_due(): reserved seats whose release date came go back to everyone;
- the organizer's changes, on the same statements: seat_by_hand(),
  move_to_category(), cancel_all() in seats_by_hand.py (those of the limits
  alone, capacity and quotas, in limits.py).

A seat is always a seat of one ticket category (registration.category): the
event's capacity and the category's quota both hold (seat_count.py).

Statuses change through Registration.start/move (the TRANSITIONS table), seats
through seat_count.py, whose docstring says why it is race-free. Plain
functions: the caller commits once, or rolls back on DomainError.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from community.core import audit, locking
from community.core.clock import as_utc
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations import (
    code_count,
    guest_holds,
    line_count,
    mails,
    newcomer,
    queries,
    seat_count,
    waiting_list,
)
from community.registrations.errors import (
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
)

capacity_over = seat_count.capacity_over


# ------------------------------------------------------------------ a newcomer


def place(event: Event, registration: Registration, now: datetime) -> Registration:
    """A seat (held for a guest), a place on the waiting list, or a refusal; a registration
    made with an invitation code also takes one of its uses (refused when none is left)."""
    _seat_or_line(event, registration, now)
    if registration.code_id is not None and not code_count.use_code(registration.code_id, now):
        raise RegistrationRefused(_l("This invitation code has just been used up: ask the organizers for another."))
    return registration


def _seat_or_line(event: Event, registration: Registration, now: datetime) -> Registration:
    """A seat (held for a guest), a place on the waiting list, or a refusal.

    Seats on one event are taken one transaction at a time (SQLite's write lock,
    the event's row lock on PostgreSQL, held until the commit), so what runs
    under that lock is kept short: the mail, slow to render, is rendered before
    it, for the outcome the event as read predicts (newcomer.py)."""
    # Links and dedupe keys are made from the ticket code, so it exists before the row does.
    registration.ticket_code = new_ticket_code()
    registration.created_at = now
    if registration.category.seats_left(event) != 0:
        return _seat_first(event, registration, now)
    return _lock_first(event, registration, now)


def _seat_first(event: Event, registration: Registration, now: datetime) -> Registration:
    """A seat looks free: the registration and its mail are written first, then the seat's
    statements take the lock. When the last seats went meanwhile, the outcome is switched
    under it (a seat freed by expiring guest holds, else the waiting list)."""
    category = registration.category
    _start(registration, True, now)
    mail = newcomer.compose(registration)
    newcomer.write(registration, mail)
    if seat_count.take(event.id, category.id, category.reserving) or _take_seat_locked(event, category.id, now):
        return registration
    _refuse_unless_waiting_list(event)  # the rollback discards the rows written
    _start(registration, False, now)
    mail = newcomer.requeue(registration, mail)
    mail.fill_in(line_count.join_line(registration))
    return registration


def _lock_first(event: Event, registration: Registration, now: datetime) -> Registration:
    """The event looks full: the lock first (a seat may still be free or freed), then the rows,
    written with the outcome: in line, with the place put into the mail rendered before."""
    draft = None
    if event.waitlist_enabled:
        _start(registration, False, now)
        draft = newcomer.compose(registration)
    if _take_seat_locked(event, registration.category.id, now):
        _start(registration, True, now)
        newcomer.write(registration, newcomer.compose(registration))
        return registration
    _refuse_unless_waiting_list(event)
    place, registration.line_number = line_count.next_place(event.id)
    newcomer.write(registration, draft.filled(place))
    return registration


def _refuse_unless_waiting_list(event: Event) -> None:
    if not event.waitlist_enabled:
        full = _l("This category is full.") if len(event.categories) > 1 else _l("This event is full.")
        raise RegistrationRefused(full)


def _start(registration: Registration, seated: bool, now: datetime) -> None:
    """A newcomer's status: a seat (held until the guest proves their email) or the waiting list."""
    if not seated:
        registration.start(WAITING, now)
    elif registration.is_guest:
        registration.start(HELD, now, hold_until=guest_holds.hold_until(registration.event, now))
    else:
        registration.start(CONFIRMED, now)


def _take_seat_locked(event: Event, category_id: int, now: datetime) -> bool:
    """Under the event lock: seats due back (expired holds, reserved seats past their
    release date) go first to those already waiting, then a seat of the category is
    taken only if one is still free."""
    seated, due = seat_count.lock_and_take(event.id, category_id, now)
    if not seated and due and _free_due_locked(event, now):
        seated = seat_count.take_locked(event.id, category_id)
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
    freed = 0
    for due_event_id in queries.events_with_seats_due(now, event_id):
        seat_count.lock_event(due_event_id)
        freed += _free_due_locked(db.session.get(Event, due_event_id), now)
    return freed


def release_due(event: Event, now: datetime) -> int:
    """Bring the event's seats up to date (holds run out, reserved seats released), if
    any are due: the event page does this before it shows the seats left."""
    if not queries.seats_due(event.id, now):
        return 0
    return expire_holds(now, event.id)


def _free_due_locked(event: Event, now: datetime) -> int:
    """Guest holds that ran out and reserved seats past their release date go to those
    waiting. The caller holds the event lock. Returns how many holds and reserves were freed."""
    due = queries.holds_due(event.id, now)
    for registration in due:
        _cancel(registration, now)
        seat_count.release(event.id, registration.category_id)
    released = queries.reserves_due(event.id, now)
    if released:
        seat_count.refresh(event)
    for category in released:
        db.session.refresh(category)
        audit.record(None, "category.released", category, event_id=event.id, seats=category.held_back)
        seat_count.release_reserve(event, category, now)
    if due or released:
        db.session.flush()
        promote(event, now)
    return len(due) + len(released)


def release_holds(event: Event, now: datetime) -> list[Registration]:
    """An organizer releases every guest's seat still held unconfirmed: each hold ends now
    (as one that ran out: guest_holds' cool-down applies to the address), its seat goes
    to the waiting list. Returns the holds released."""
    seat_count.lock_event(event.id)
    held = queries.holds_of(event.id)
    for registration in held:
        registration.hold_expires_at = min(as_utc(registration.hold_expires_at), now)
        _cancel(registration, now)
        seat_count.release(event.id, registration.category_id)
    if held:
        db.session.flush()
        promote(event, now)
    return held


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
        raise CheckedIn(came)
    was_seated = registration.is_seated
    _cancel(registration, now)
    db.session.flush()
    if not was_seated:
        return True, []
    seat_count.release(registration.event_id, registration.category_id)
    return True, promote(registration.event, now)


def _cancel(registration: Registration, now: datetime) -> None:
    """The registration gives up its seat or place in line, and the use of its code."""
    if registration.status == WAITING:
        line_count.leave_line(registration.event_id)
    registration.move(CANCELLED, now)
    if registration.code_id is not None:
        code_count.give_back_code(registration.code_id)


# ------------------------------------------------------------------ the waiting list moves


def promote(event: Event, now: datetime) -> list[Registration]:
    """Free seats to those waiting longest, each told by mail. The caller holds the event lock."""
    promoted = []
    while True:
        candidate = waiting_list.oldest_with_room(event.id)
        if candidate is None or not seat_count.take_locked(event.id, candidate.category_id):
            break
        _give_seat(candidate, now)
        promoted.append(candidate)
    return promoted


def _give_seat(registration: Registration, now: datetime) -> None:
    """A waiting person has a seat, and is told: a member's is confirmed, a guest still proves their email."""
    line_count.leave_line(registration.event_id)
    if registration.is_guest:
        registration.move(HELD, now, hold_until=guest_holds.hold_until(registration.event, now))
    else:
        registration.move(CONFIRMED, now)
    db.session.flush()
    mails.promoted(registration)


def promote_out_of_turn(registration: Registration, now: datetime, over_capacity: bool = False) -> dict:
    """Give a waiting person a seat now, out of turn. When the event (or their category)
    is full this is refused unless `over_capacity` is confirmed: then the capacity (or
    the quota) grows by one. Returns what grew (seat_count.take_over_limits), or {}."""
    event = registration.event
    seat_count.lock_event(event.id)
    db.session.refresh(registration)
    if registration.status != WAITING:
        raise DomainError(_l("This person is not on the waiting list any more."))
    raised = {}
    if not seat_count.take_locked(event.id, registration.category_id):
        if not over_capacity:
            raise EventFull(
                _l("The event is full: promoting this person means going over capacity, which you must confirm.")
            )
        raised = seat_count.take_over_limits(event, registration.category)
    _give_seat(registration, now)
    return raised
