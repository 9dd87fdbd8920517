"""What an organizer does to single registrations from the dashboard, and to the
event's staff. Plain functions: the caller commits once, or rolls back on DomainError.
Each records an audit entry in the same transaction (the event's history)."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.admin import audit
from community.clock import as_utc, utcnow
from community.errors import DomainError, NotAllowed
from community.events import capacity, notify, permissions, services
from community.events.models import Event, EventStaff, Registration, RegistrationStatus, StaffRole, new_ticket_code
from community.extensions import db
from community.i18n import supported_language
from community.mail.outbox import add_email
from community.members.services import check_email, find_by_email

CONFIRMED = RegistrationStatus.CONFIRMED.value
HELD = RegistrationStatus.HELD.value
WAITING = RegistrationStatus.WAITING.value


class EventFull(DomainError):
    """No seat is free and the organizer did not confirm going over capacity."""


def _require_manager(actor, event: Event) -> None:
    if not permissions.may_manage(actor, event):
        raise NotAllowed(_l("Only the organizers of this event can do this."))


def capacity_over(event: Event) -> int:
    """The capacity once one more person is seated over it (shown before it is confirmed)."""
    return event.confirmed_count + 1


def _seat_over_capacity(event: Event) -> tuple[int, int] | None:
    """Take a seat, raising the capacity by one if it is full. The caller holds the event lock.

    Returns (capacity before, after) when it was raised, None when a seat was free."""
    if capacity.take_seat(event.id):
        return None
    capacity.refresh_count(event)
    before = event.capacity
    # Raised first, so that CHECK (confirmed_count <= capacity) holds after the seat is taken.
    event.capacity = capacity_over(event)
    db.session.flush()
    if not capacity.take_seat(event.id):  # cannot happen under the lock; never oversell quietly
        raise DomainError(_l("The seat could not be taken. Please try again."))
    return before, event.capacity


# ------------------------------------------------------------------ waiting list

def promote_by_hand(actor, registration: Registration, over_capacity: bool = False,
                    now: datetime | None = None) -> Registration:
    """Give a waiting person a seat now, out of turn. When the event is full this is
    refused unless `over_capacity` is confirmed: then the capacity grows by one."""
    now = now or utcnow()
    event = registration.event
    _require_manager(actor, event)
    capacity.lock_event(event.id)
    capacity.reload(registration)
    if registration.status != WAITING:
        raise DomainError(_l("This person is not on the waiting list any more."))
    raised = None
    if not capacity.take_seat(event.id):
        if not over_capacity:
            raise EventFull(_l("The event is full: promoting this person means going over capacity, which you must confirm."))
        raised = _seat_over_capacity(event)
    if registration.is_guest:
        # A guest still proves their email, as when the waiting list moves by itself.
        registration.status, registration.hold_expires_at = HELD, services.hold_until(now)
    else:
        registration.status, registration.confirmed_at = CONFIRMED, now
    registration.promoted_at = now
    db.session.flush()
    notify.promoted(registration)
    facts = {"over_capacity": raised is not None}
    if raised is not None:
        facts["capacity"] = list(raised)
    audit.record(actor, "registration.promoted_by_hand", registration, event_id=event.id, **facts)
    return registration


# ------------------------------------------------------------------ adding people

def add_by_hand(actor, event: Event, *, member_email: str | None = None, guest_name: str = "", guest_email: str = "",
                guest_organization: str = "", guest_language: str | None = None, over_capacity: bool = False,
                now: datetime | None = None) -> Registration:
    """Register someone the organizer vouches for: a member (by email) or a guest.

    They are confirmed at once (no hold, no mail to follow); when the event is full
    they join the waiting list, unless `over_capacity` is confirmed."""
    now = now or utcnow()
    _require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("This event was cancelled."))
    registration = _new_person(event, member_email=member_email, guest_name=guest_name, guest_email=guest_email,
                               guest_organization=guest_organization, guest_language=guest_language)
    capacity.lock_event(event.id)
    _refuse_duplicate(event, registration)
    raised = None
    seated = capacity.take_seat(event.id)
    if not seated and over_capacity:
        raised, seated = _seat_over_capacity(event), True
    if not seated and not event.waitlist_enabled:
        raise EventFull(_l("The event is full and has no waiting list: confirm going over capacity to add this person."))
    registration.created_at = now
    if seated:
        registration.status, registration.confirmed_at = CONFIRMED, now
    else:
        registration.status, registration.waitlisted_at = WAITING, now
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as exc:  # registered meanwhile, by themselves (the view rolls back)
        raise services.AlreadyRegistered(_l("This person is already registered for this event.")) from exc
    if seated:
        notify.confirmed(registration)
    else:
        notify.waiting(registration, capacity.waiting_position(registration))
    facts = {"status": registration.status, "guest": registration.is_guest, "over_capacity": raised is not None}
    if raised is not None:
        facts["capacity"] = list(raised)
    audit.record(actor, "registration.added_by_hand", registration, event_id=event.id, **facts)
    return registration


def _new_person(event: Event, *, member_email, guest_name, guest_email, guest_organization, guest_language) -> Registration:
    """The registration to add, not yet placed; refuses unknown members and half-filled guests."""
    code = new_ticket_code()  # links and dedupe keys are made from it before the row exists
    if member_email:
        member = find_by_email(member_email)
        if member is None:
            raise DomainError(_l("No member has the email address %(email)s.", email=member_email.strip()))
        return Registration(event=event, member=member, member_id=member.id, language=member.language, ticket_code=code)
    name = (guest_name or "").strip()
    if not name:
        raise DomainError(_l("Please give the guest's name."))
    email = check_email(guest_email or "")
    if find_by_email(email) is not None:
        raise DomainError(_l("%(email)s belongs to a member: add them as a member.", email=email))
    return Registration(
        event=event, guest_name=name[:120], guest_email=email, guest_organization=(guest_organization or "").strip()[:160],
        language=supported_language(guest_language), ticket_code=code,
    )


def _refuse_duplicate(event: Event, registration: Registration) -> None:
    existing = services.live_registration(event.id, member_id=registration.member_id, guest_email=registration.guest_email)
    if existing is not None:
        raise services.AlreadyRegistered(_l("This person is already registered for this event (%(status)s).",
                                             status=status_label(existing.status)))


def status_label(status: str) -> str:
    return str({
        CONFIRMED: _l("confirmed"), HELD: _l("seat held"), WAITING: _l("waiting list"),
        RegistrationStatus.CANCELLED.value: _l("cancelled"),
    }.get(status, status))


# ------------------------------------------------------------------ mail

def resend_confirmation(actor, registration: Registration, now: datetime | None = None) -> None:
    """Queue the confirmation (or, for a held guest seat, the confirm-your-seat mail) again."""
    now = now or utcnow()
    _require_manager(actor, registration.event)
    if registration.status == CONFIRMED:
        email = notify.confirmed(registration, queue=False)
    elif registration.status == HELD:
        email = notify.guest_hold(registration, queue=False)
    else:
        raise DomainError(_l("Only a confirmed or held registration has a confirmation to send again."))
    # A fresh key: the first mail's key is taken, and this one is asked for on purpose.
    email.dedupe_key = f"{email.dedupe_key}:resent:{int(as_utc(now).timestamp() * 1000)}"
    add_email(email)
    audit.record(actor, "registration.confirmation_resent", registration, event_id=registration.event_id,
                 status=registration.status)


# ------------------------------------------------------------------ staff

STAFF_ROLES = (StaffRole.ORGANIZER.value, StaffRole.STEWARD.value)


def name_staff(actor, event: Event, email: str, role: str) -> EventStaff:
    """Name a member co-organizer or steward of this event."""
    _require_manager(actor, event)
    if role not in STAFF_ROLES:
        raise DomainError(_l("Choose organizer or steward."))
    member = find_by_email(email or "")
    if member is None:
        raise DomainError(_l("No member has the email address %(email)s.", email=(email or "").strip()))
    if member.id == event.created_by:
        raise DomainError(_l("%(name)s created this event and already runs it.", name=member.display_name))
    existing = db.session.scalar(select(EventStaff).where(EventStaff.event_id == event.id, EventStaff.member_id == member.id))
    if existing is not None:
        raise DomainError(_l("%(name)s is already on this event's staff.", name=member.display_name))
    staff = EventStaff(event_id=event.id, member_id=member.id, role=role, added_by=actor.id)
    db.session.add(staff)
    try:
        db.session.flush()
    except IntegrityError as exc:  # named by another organizer at the same moment (the view rolls back)
        raise DomainError(_l("%(name)s is already on this event's staff.", name=member.display_name)) from exc
    audit.record(actor, "event.staff_added", staff, event_id=event.id, member_id=member.id, role=role)
    return staff


def remove_staff(actor, staff: EventStaff) -> None:
    event = db.session.get(Event, staff.event_id)
    _require_manager(actor, event)
    audit.record(actor, "event.staff_removed", staff, event_id=event.id, member_id=staff.member_id, role=staff.role)
    db.session.delete(staff)
    db.session.flush()


# ------------------------------------------------------------------ capacity and window

def change_settings(actor, event: Event, *, new_capacity: int | None, opens_at: datetime | None,
                    closes_at: datetime | None, now: datetime | None = None) -> list[Registration]:
    """Capacity and registration window, from the dashboard. A raised capacity promotes
    the waiting list at once (services.change_capacity). Times are in UTC."""
    _require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("A cancelled event cannot be edited."))
    if opens_at and closes_at and as_utc(closes_at) <= as_utc(opens_at):
        raise DomainError(_l("Registration must close after it opens."))
    if opens_at and as_utc(opens_at) >= as_utc(event.starts_at):
        raise DomainError(_l("Registration must open before the event starts."))
    before = event.capacity
    promoted = services.change_capacity(event, new_capacity, now)
    if before != event.capacity:
        audit.record(actor, "event.capacity_changed", event, event_id=event.id, capacity=[before, event.capacity],
                     promoted=len(promoted))
    window = {}
    for name, value in (("registration_opens_at", opens_at), ("registration_closes_at", closes_at)):
        old = getattr(event, name)
        if (as_utc(old) if old else None) != (as_utc(value) if value else None):
            window[name] = [_iso(old), _iso(value)]
            setattr(event, name, value)
    if window:
        event.updated_at = utcnow()
        audit.record(actor, "event.updated", event, event_id=event.id, **window)
    db.session.flush()
    return promoted


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None

