"""Registration rules: register, confirm, cancel, expire holds, change capacity.

Plain functions; the caller commits (once) or rolls back on DomainError.
Seats only move through events/capacity.py; see its docstring for why it is race-free.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, make_transient_to_detached, selectinload

from community.admin import audit
from community.clock import as_utc, utcnow
from community.errors import DomainError, NotAllowed
from community.events import capacity, checkin, notify, permissions
from community.events.display import moment
from community.events.models import LIVE, Event, EventStatus, Registration, RegistrationStatus, Visibility, new_ticket_code
from community.extensions import db
from community.mail.models import OutboxAttachment, OutboxEmail
from community.mail.outbox import insert_email
from community.groups import queries as group_queries
from community.members.services import check_email

HELD = RegistrationStatus.HELD.value
CONFIRMED = RegistrationStatus.CONFIRMED.value
WAITING = RegistrationStatus.WAITING.value
CANCELLED = RegistrationStatus.CANCELLED.value


class RegistrationRefused(DomainError):
    pass


class AlreadyRegistered(DomainError):
    pass


class HoldExpired(DomainError):
    pass


class CheckedIn(DomainError):
    """The person was let in: there is no seat to give back."""


class CapacityTooLow(DomainError):
    """The new capacity is below the seats already taken."""


def hold_until(now: datetime) -> datetime:
    return now + timedelta(hours=current_app.config.get("EVENT_HOLD_HOURS", 24))


# ------------------------------------------------------------------ who may

def in_group(member, group_id) -> bool:
    """An active member of the working group (pending requests do not count)."""
    return group_queries.is_active_member(member, group_id)


def group_choices() -> list[tuple[int, str]]:
    return group_queries.group_choices()


def can_view(event: Event, member) -> bool:
    """Drafts are for organizers; published and cancelled events are public pages."""
    if event.is_draft:
        return member is not None and member.is_authenticated and member.is_organizer
    return True


def registration_problem(event: Event, member, now: datetime | None = None) -> str | None:
    """Why this person may not register now, as a message to show; None when they may.

    `member` is None for a visitor (guest registration)."""
    now = now or utcnow()
    if event.is_cancelled:
        return _l("This event was cancelled.")
    if not event.is_published:
        return _l("Registration opens once the event is published.")
    if as_utc(event.starts_at) <= now:
        return _l("This event has started: registration is closed.")
    if event.registration_opens_at and now < as_utc(event.registration_opens_at):
        return _l("Registration opens on %(when)s.", when=moment(event.registration_opens_at))
    if event.registration_closes_at and now >= as_utc(event.registration_closes_at):
        return _l("Registration closed on %(when)s.", when=moment(event.registration_closes_at))
    if member is None:
        if event.visibility != Visibility.PUBLIC.value:
            return _l("This event is open to members only: log in or sign up to register.")
        return None
    if not member.is_confirmed:
        return _l("Please confirm your email address first: we sent you a link.")
    if event.visibility == Visibility.GROUP.value and not (member.is_organizer or in_group(member, event.group_id)):
        return _l("This event is reserved for the members of its working group.")
    return None


# ------------------------------------------------------------------ reading

# Built once: the registration path runs them on every click of a rush.
_LIVE = select(Registration).where(Registration.event_id == bindparam("event_id"), Registration.status.in_(LIVE))
_LIVE_OF_MEMBER = _LIVE.where(Registration.member_id == bindparam("member_id"))
_LIVE_OF_GUEST = _LIVE.where(Registration.guest_email == bindparam("guest_email"))


def live_registration(event_id: int, *, member_id: int | None = None, guest_email: str | None = None):
    if member_id is not None:
        return db.session.scalar(_LIVE_OF_MEMBER, {"event_id": event_id, "member_id": member_id})
    return db.session.scalar(_LIVE_OF_GUEST, {"event_id": event_id, "guest_email": guest_email})


# ------------------------------------------------------------------ registering

def register_member(event: Event, member, now: datetime | None = None) -> tuple[Registration, bool]:
    """One click: a confirmed seat, or a place on the waiting list.

    Returns (registration, created); registering twice returns the live one."""
    now = now or utcnow()
    problem = registration_problem(event, member, now)
    if problem:
        raise RegistrationRefused(problem)
    existing = live_registration(event.id, member_id=member.id)
    if existing is not None:
        return existing, False
    registration = Registration(event=event, member=member, member_id=member.id, language=member.language)
    return _place(event, registration, now), True


def register_guest(event: Event, *, name: str, email: str, organization: str = "", language: str = "fr",
                   now: datetime | None = None) -> tuple[Registration, bool]:
    """A visitor on a public event: a seat held until they follow the mailed link, or the waiting list."""
    now = now or utcnow()
    problem = registration_problem(event, None, now)
    if problem:
        raise RegistrationRefused(problem)
    email = check_email(email)
    name = (name or "").strip()
    if not name:
        raise RegistrationRefused(_l("Please give your name."))
    existing = live_registration(event.id, guest_email=email)
    if existing is not None:
        return existing, False
    registration = Registration(
        event=event, guest_name=name[:120], guest_email=email, guest_organization=(organization or "").strip()[:160],
        language=language,
    )
    return _place(event, registration, now), True


def _place(event: Event, registration: Registration, now: datetime) -> Registration:
    """A seat (held for a guest), a place on the waiting list, or a refusal.

    Seats on one event are taken one transaction at a time (SQLite's write lock,
    the event's row lock on PostgreSQL, held until the commit), so what runs
    under that lock is kept short. The mail is rendered before it, for the
    outcome the event as read predicts, and the registration and its mail are
    written first; under the lock come only the seat statement (or the lock and,
    for the waiting list, the place in line written into the mail) and the
    commit. When the guess was wrong (the last seats went meanwhile, or one
    freed up) the outcome is switched under the lock."""
    # Links and dedupe keys are made from the ticket code, so it exists before the row does.
    registration.ticket_code = new_ticket_code()
    registration.created_at = now
    if event.is_full and not event.waitlist_enabled:
        return _place_without_waitlist(event, registration, now)
    seated = not event.is_full
    mail = _new_mail(registration, seated, now)
    _write(registration, _email_of(mail))
    if seated and capacity.take_seat(event.id):
        return registration
    # Full, or it became full: under the event lock, a seat may still be free
    # (or freed by expiring guest holds, which go first to those already waiting).
    if _take_seat_locked(event, now, registration):
        if not seated:  # also when the expiry promoted it: the newcomer never waited
            _switch(registration, mail, seated=True, now=now)
        return registration
    if not event.waitlist_enabled:
        raise RegistrationRefused(_l("This event is full."))  # the rollback discards the rows written
    draft = _switch(registration, mail, seated=False, now=now) if seated else mail
    draft.fill_in(registration)
    return registration


def _place_without_waitlist(event: Event, registration: Registration, now: datetime) -> Registration:
    """The event looked full and has no waiting list: a seat only if one is free under the lock."""
    if not _take_seat_locked(event, now):
        raise RegistrationRefused(_l("This event is full."))
    _write(registration, _new_mail(registration, True, now))
    return registration


def _take_seat_locked(event: Event, now: datetime, registration: Registration | None = None) -> bool:
    """Under the event lock: expired holds go first to those already waiting,
    then a seat is taken only if one is still free.

    `registration`, written as waiting before the lock, may be among those the
    expiry promotes: then it has its seat (promoted_at is set) and takes no other,
    and it is not sent the promotion's mail (the caller sends the plain one)."""
    seated, holds_due = capacity.lock_and_take_seat(event.id, now)
    if not seated and holds_due and _expire_locked(event, now, newcomer=registration):
        promoted = registration is not None and registration.promoted_at is not None
        seated = promoted or capacity.take_seat(event.id)
    return seated


def _email_of(mail) -> OutboxEmail:
    """The outbox row of a composed mail or of a waiting-list draft."""
    return mail.email if isinstance(mail, notify.WaitingDraft) else mail


def _discard(mail) -> None:
    """Take back a queued mail (written before the lock for an outcome that did not happen)."""
    email_id = _email_of(mail).id
    db.session.execute(delete(OutboxAttachment).where(OutboxAttachment.email_id == email_id))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id == email_id))


def _switch(registration: Registration, mail, *, seated: bool, now: datetime):
    """Under the lock, the guess was wrong: the registration, written with the other
    outcome, gets this one and the mail of this one instead. Returns the new mail
    (a waiting-list draft when not seated)."""
    _discard(mail)
    new = _new_mail(registration, seated, now)
    db.session.flush()  # the registration's new status
    email = _email_of(new)
    email.id = insert_email(email)
    return new


def _write(registration: Registration, mail) -> None:
    """Write the registration and its mail (its key holds the new ticket code: it cannot be queued yet).

    Plain INSERTs rather than a flush: on SQLite they run under the write lock,
    and the unit of work costs several times their CPU. The registration then
    joins the session as a loaded row."""
    capacity.before_writes()
    registration.event_id = registration.event.id
    table = Registration.__table__
    values = {column.key: registration.__dict__[column.key] for column in table.columns if column.key in registration.__dict__}
    try:
        registration.id = db.session.connection().execute(insert(table), values).inserted_primary_key[0]
    except IntegrityError as exc:
        # Two clicks raced past the check in register_*; the unique index kept one.
        raise AlreadyRegistered(_l("You are already registered for this event.")) from exc
    make_transient_to_detached(registration)
    db.session.add(registration)
    mail.id = insert_email(mail)


def _new_mail(registration: Registration, seated: bool, now: datetime):
    """Give the new registration the status of this outcome and render its mail (no database access).

    A waiting-list mail comes as a draft: its place in line is filled in under the lock."""
    registration.confirmed_at = registration.hold_expires_at = None
    registration.waitlisted_at = registration.promoted_at = None
    if not seated:
        registration.status, registration.waitlisted_at = WAITING, now
        return notify.waiting_draft(registration)
    if registration.is_guest:
        registration.status, registration.hold_expires_at = HELD, hold_until(now)
        return notify.guest_hold(registration, queue=False)
    registration.status, registration.confirmed_at = CONFIRMED, now
    return notify.confirmed(registration, queue=False)


def _promote(event: Event, now: datetime, newcomer: Registration | None = None) -> list[Registration]:
    """Free seats to those waiting longest, each told by mail (but `newcomer`, who is registering now)."""
    promoted = capacity.promote_waiting(event, hold_until(now))
    for registration in promoted:
        if registration is not newcomer:
            notify.promoted(registration)
    return promoted


# ------------------------------------------------------------------ guests

def confirm_guest(registration: Registration, now: datetime | None = None) -> Registration:
    """The guest followed the mailed link: the held seat becomes theirs."""
    now = now or utcnow()
    capacity.lock_event(registration.event_id)
    capacity.reload(registration)
    if registration.status == CONFIRMED:
        return registration
    if registration.status != HELD or as_utc(registration.hold_expires_at) <= now:
        raise HoldExpired(_l("This seat is no longer held for you: the confirmation time ran out. You may register again."))
    registration.status, registration.confirmed_at = CONFIRMED, now
    db.session.flush()
    notify.confirmed(registration)
    return registration


def expire_holds(now: datetime | None = None, event_id: int | None = None) -> int:
    """Free the seats of guests who did not confirm in time; each goes to the waiting list."""
    now = now or utcnow()
    query = select(Registration.event_id).where(Registration.status == HELD, Registration.hold_expires_at <= now)
    if event_id is not None:
        query = query.where(Registration.event_id == event_id)
    expired = 0
    for due_event_id in sorted(set(db.session.scalars(query))):
        capacity.lock_event(due_event_id)
        expired += _expire_locked(db.session.get(Event, due_event_id), now)
    return expired


def _expire_locked(event: Event, now: datetime, newcomer: Registration | None = None) -> int:
    """The caller holds the event lock."""
    due = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == HELD, Registration.hold_expires_at <= now)
        .execution_options(populate_existing=True)
    ).all()
    for registration in due:
        registration.status, registration.cancelled_at = CANCELLED, now
        capacity.release_seat(event.id)
    if due:
        db.session.flush()
        _promote(event, now, newcomer)
    return len(due)


# ------------------------------------------------------------------ cancelling

def cancel_registration(registration: Registration, now: datetime | None = None) -> list[Registration]:
    """The attendee (or an organizer) gives the seat or the place in line back.

    Cancelling twice is harmless. Returns who was promoted to the freed seat."""
    _cancelled, promoted = _cancel(registration, now or utcnow())
    return promoted


def _cancel(registration: Registration, now: datetime) -> tuple[bool, list[Registration]]:
    """(whether this call cancelled it, who was promoted), under the event lock.

    A registration used at the door stays: its row is locked first, so a
    check-in running at the same moment is either seen here or sees the cancellation."""
    capacity.lock_event(registration.event_id)
    capacity.lock_registration(registration)
    if registration.status == CANCELLED:
        return False, []
    came, _steward = checkin.active_check_in(registration.id)
    if came is not None:
        raise CheckedIn(_l("This registration was checked in at %(time)s: it can no longer be cancelled "
                           "(an organizer may undo the check-in first).", time=checkin.clock_time(came.checked_in_at)))
    was_seated = registration.is_seated
    registration.status, registration.cancelled_at = CANCELLED, now
    db.session.flush()
    if not was_seated:
        return True, []
    capacity.release_seat(registration.event_id)
    return True, _promote(registration.event, now)


def cancel_as(actor, registration: Registration, now: datetime | None = None) -> list[Registration]:
    """A logged-in person cancels: their own registration, or anyone's as an organizer of the event.

    A person whose registration an organizer cancelled is told by mail."""
    own = registration.member_id is not None and registration.member_id == actor.id
    if not own and not permissions.may_manage(actor, registration.event):
        raise NotAllowed(_l("This registration is not yours."))
    was = registration.status
    cancelled, promoted = _cancel(registration, now or utcnow())
    if cancelled and not own:
        notify.removed_by_organizer(registration)
        audit.record(actor, "registration.cancelled_by_organizer", registration, event_id=registration.event_id,
                     was=was, promoted=len(promoted))
    return promoted


def forget_member(member, now: datetime | None = None) -> int:
    """Before an account is deleted: give back every live registration (seats go to the waiting list)."""
    live = db.session.scalars(
        select(Registration).where(Registration.member_id == member.id, Registration.status.in_(LIVE))
    ).all()
    for registration in live:
        cancel_registration(registration, now)
    return len(live)


# ------------------------------------------------------------------ capacity

def change_capacity(event: Event, new_capacity: int | None, now: datetime | None = None) -> list[Registration]:
    """Raise, lower or remove the limit; freed seats go to the waiting list at once."""
    now = now or utcnow()
    if new_capacity is not None and new_capacity < 0:
        raise DomainError(_l("The capacity cannot be negative."))
    capacity.lock_event(event.id)
    capacity.refresh_count(event)
    if new_capacity is not None and new_capacity < event.confirmed_count:
        raise CapacityTooLow(_l(
            "%(taken)d seats are already taken: the capacity cannot go below that. Cancel registrations first.",
            taken=event.confirmed_count,
        ))
    if new_capacity == event.capacity:
        return []
    event.capacity = new_capacity
    db.session.flush()
    return _promote(event, now)


# ------------------------------------------------------------------ reminders

def send_reminders(now: datetime | None = None, hours: float | None = None) -> int:
    """Mail confirmed attendees of events starting within `hours`, once each (cron-safe)."""
    now = now or utcnow()
    hours = current_app.config.get("EVENT_REMINDER_HOURS", 48) if hours is None else hours
    due = db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .options(contains_eager(Registration.event), selectinload(Registration.member))
        .where(
            Registration.status == CONFIRMED,
            Registration.reminded_at.is_(None),
            Event.status == EventStatus.PUBLISHED.value,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=hours),
        )
        .order_by(Registration.id)
    ).all()
    for registration in due:
        notify.reminder(registration)
        registration.reminded_at = now
    return len(due)
