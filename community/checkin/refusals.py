"""Who may not come in at the door, and what the steward is told."""

import enum

from flask_babel import lazy_gettext as _l

from community.registrations.models import Registration, RegistrationStatus


class Refusal(str, enum.Enum):
    WAITING = "waiting"
    HELD = "held"
    CANCELLED = "cancelled"
    OTHER_EVENT = "other_event"
    UNKNOWN = "unknown"


# Short labels for the result list (the full message comes with a refused scan).
REFUSAL_LABELS = {
    Refusal.WAITING: _l("Waiting list: not admitted"),
    Refusal.HELD: _l("Seat not confirmed: not admitted"),
    Refusal.CANCELLED: _l("Cancelled: not admitted"),
}


def person_name(registration: Registration):
    """The name to show; an anonymized registration has none (a lazy string, rendered when shown)."""
    return registration.name or _l("someone whose data was erased")


def refusal_reason(event_id: int, registration: Registration) -> Refusal | None:
    """Why this registration may not come in at this event; None when it may."""
    if registration.event_id != event_id:
        return Refusal.OTHER_EVENT
    return {
        RegistrationStatus.WAITING.value: Refusal.WAITING,
        RegistrationStatus.HELD.value: Refusal.HELD,
        RegistrationStatus.CANCELLED.value: Refusal.CANCELLED,
    }.get(registration.status)


def refusal_message(reason: Refusal, registration: Registration | None) -> str:
    if reason == Refusal.UNKNOWN:
        return _l("Unknown ticket: no registration has this code.")
    if reason == Refusal.OTHER_EVENT:  # said without naming the holder to this event's staff
        return _l("Not admitted: this ticket is for another event.")
    name = person_name(registration)
    if reason == Refusal.WAITING:
        return _l("Not admitted: %(name)s is on the waiting list, without a seat.", name=name)
    if reason == Refusal.HELD:
        return _l("Not admitted: %(name)s has not confirmed their seat (the link in their email).", name=name)
    return _l("Not admitted: the registration of %(name)s is cancelled.", name=name)
