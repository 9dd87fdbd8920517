"""What an organizer does to single registrations from the dashboard, and to the
event's staff and settings. Plain functions: the caller commits once, or rolls back
on DomainError. Each records an audit entry in the same transaction (the event's
history); the seats themselves move in registrations/seats.py."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.core import audit
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.i18n import supported_language
from community.events import services as events
from community.events.models import Event, EventStaff, StaffRole
from community.events.permissions import require_manager
from community.mail.outbox import add_email
from community.members.services import check_email, find_by_email
from community.registrations import mails, seats, seats_by_hand
from community.registrations.models import Registration, RegistrationStatus, new_ticket_code

CONFIRMED = RegistrationStatus.CONFIRMED.value
HELD = RegistrationStatus.HELD.value
WAITING = RegistrationStatus.WAITING.value


# ------------------------------------------------------------------ waiting list


def promote_by_hand(
    actor, registration: Registration, over_capacity: bool = False, now: datetime | None = None
) -> Registration:
    """Give a waiting person a seat now, out of turn (seats.promote_out_of_turn), audited."""
    require_manager(actor, registration.event)
    raised = seats.promote_out_of_turn(registration, now or utcnow(), over_capacity)
    facts = {"over_capacity": bool(raised)}
    facts.update({limit: list(change) for limit, change in raised.items()})
    audit.record(actor, "registration.promoted_by_hand", registration, event_id=registration.event_id, **facts)
    return registration


def release_holds(actor, event: Event, now: datetime | None = None) -> list[Registration]:
    """Release every seat held for a guest who has not confirmed (seats.release_holds: the
    waiting list moves; the addresses wait before holding again), audited. Returns them."""
    require_manager(actor, event)
    released = seats.release_holds(event, now or utcnow())
    audit.record(actor, "event.holds_released", event, event_id=event.id, released=[r.id for r in released])
    return released


# ------------------------------------------------------------------ adding people


def add_by_hand(
    actor,
    event: Event,
    *,
    member_email: str | None = None,
    guest_name: str = "",
    guest_email: str = "",
    guest_organization: str = "",
    guest_language: str | None = None,
    category_id: int | None = None,
    over_capacity: bool = False,
    now: datetime | None = None,
) -> Registration:
    """Register someone the organizer vouches for: a member (by email) or a guest.

    They are confirmed at once (no hold, no mail to follow); when the event is full
    they join the waiting list, unless `over_capacity` is confirmed."""
    now = now or utcnow()
    require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("This event was cancelled."))
    registration = _new_person(
        event,
        member_email=member_email,
        guest_name=guest_name,
        guest_email=guest_email,
        guest_organization=guest_organization,
        guest_language=guest_language,
    )
    registration.category = category_of(event, category_id)
    raised = seats_by_hand.seat_by_hand(event, registration, now, over_capacity)
    facts = {"status": registration.status, "guest": registration.is_guest, "over_capacity": bool(raised)}
    facts.update({limit: list(change) for limit, change in raised.items()})
    audit.record(actor, "registration.added_by_hand", registration, event_id=event.id, **facts)
    return registration


def category_of(event: Event, category_id: int | None):
    """The event's category of this id (any, hidden ones too: the organizer vouches), or its first."""
    if category_id is None:
        return event.categories[0]
    category = next((c for c in event.categories if c.id == category_id), None)
    if category is None:
        raise DomainError(_l("This ticket category does not exist for this event."))
    return category


def _new_person(
    event: Event, *, member_email, guest_name, guest_email, guest_organization, guest_language
) -> Registration:
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
        event=event,
        guest_name=name[:120],
        guest_email=email,
        guest_organization=(guest_organization or "").strip()[:160],
        language=supported_language(guest_language),
        ticket_code=code,
    )


# ------------------------------------------------------------------ mail


def resend_confirmation(actor, registration: Registration, now: datetime | None = None) -> None:
    """Queue the confirmation (or, for a held guest seat, the confirm-your-seat mail) again."""
    now = now or utcnow()
    require_manager(actor, registration.event)
    if registration.status == CONFIRMED:
        email = mails.confirmed(registration, queue=False)
    elif registration.status == HELD:
        email = mails.guest_hold(registration, queue=False)
    else:
        raise DomainError(_l("Only a confirmed or held registration has a confirmation to send again."))
    # A fresh key: the first mail's key is taken, and this one is asked for on purpose.
    email.dedupe_key = f"{email.dedupe_key}:resent:{int(as_utc(now).timestamp() * 1000)}"
    add_email(email)
    audit.record(
        actor,
        "registration.confirmation_resent",
        registration,
        event_id=registration.event_id,
        status=registration.status,
    )


# ------------------------------------------------------------------ staff

STAFF_ROLES = (StaffRole.ORGANIZER.value, StaffRole.STEWARD.value)


def name_staff(actor, event: Event, email: str, role: str) -> EventStaff:
    """Name a member co-organizer or steward of this event."""
    require_manager(actor, event)
    if role not in STAFF_ROLES:
        raise DomainError(_l("Choose organizer or steward."))
    member = find_by_email(email or "")
    if member is None:
        raise DomainError(_l("No member has the email address %(email)s.", email=(email or "").strip()))
    if member.id == event.created_by:
        raise DomainError(_l("%(name)s created this event and already runs it.", name=member.display_name))
    existing = db.session.scalar(
        select(EventStaff).where(EventStaff.event_id == event.id, EventStaff.member_id == member.id)
    )
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
    require_manager(actor, event)
    audit.record(actor, "event.staff_removed", staff, event_id=event.id, member_id=staff.member_id, role=staff.role)
    db.session.delete(staff)
    db.session.flush()


# ------------------------------------------------------------------ capacity and window


def change_settings(
    actor,
    event: Event,
    *,
    new_capacity: int | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
    now: datetime | None = None,
) -> list[Registration]:
    """Capacity and registration window, from the dashboard. A raised capacity promotes
    the waiting list at once (events.services.change_capacity). Times are in UTC."""
    require_manager(actor, event)
    if event.is_cancelled:
        raise DomainError(_l("A cancelled event cannot be edited."))
    if opens_at and closes_at and as_utc(closes_at) <= as_utc(opens_at):
        raise DomainError(_l("Registration must close after it opens."))
    if opens_at and as_utc(opens_at) >= as_utc(event.starts_at):
        raise DomainError(_l("Registration must open before the event starts."))
    promoted = events.change_capacity(actor, event, new_capacity, now)
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
