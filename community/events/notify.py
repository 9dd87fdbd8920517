"""Mail about registrations, queued in the caller's transaction, and the signed links in them."""
from flask_babel import lazy_gettext as _l

from community.clock import as_utc
from community.events.ics import event_ics, location
from community.mail.outbox import Attachment, external_url, queue_email
from community.members import tokens

ACCESS = "event-registration"      # ticket page and cancel link
GUEST_CONFIRM = "event-guest-confirm"
# Ticket and cancel links stay valid for a year; the registration's state decides the rest.
ACCESS_MAX_AGE = 365 * 24 * 3600


def access_token(registration) -> str:
    return tokens.make(ACCESS, {"r": registration.id, "c": registration.ticket_code})


def confirm_token(registration) -> str:
    return tokens.make(GUEST_CONFIRM, {"r": registration.id, "c": registration.ticket_code})


def _language(registration) -> str:
    return registration.member.language if registration.member is not None else registration.language


def _queue(template, registration, subject, *, dedupe_key=None, attach_ics=False, **context):
    event = registration.event
    token = access_token(registration)
    attachments = (Attachment(f"{event.slug}.ics", "text/calendar", event_ics(event)),) if attach_ics else ()
    return queue_email(
        template,
        to=registration.email,
        to_name=registration.name,
        language=_language(registration),
        member=registration.member,
        subject=subject,
        attachments=attachments,
        dedupe_key=dedupe_key,
        event=event,
        registration=registration,
        place=location(event),
        event_url=external_url("events.detail", slug=event.slug),
        ticket_url=external_url("events.ticket", token=token),
        cancel_url=external_url("events.cancel_link", token=token),
        **context,
    )


def confirmed(registration, promoted: bool = False):
    subject = _l("A seat is yours: %(title)s", title=registration.event.title) if promoted else _l(
        "You are registered: %(title)s", title=registration.event.title
    )
    kind = "promoted" if promoted else "confirmed"
    return _queue(
        "event_confirmed", registration, subject, attach_ics=True, promoted=promoted,
        dedupe_key=f"event-{kind}:{registration.id}:{registration.ticket_code}",
    )


def guest_hold(registration, promoted: bool = False):
    subject = _l("Confirm your seat: %(title)s", title=registration.event.title)
    return _queue(
        "event_guest_hold", registration, subject, promoted=promoted,
        confirm_url=external_url("events.guest_confirm", token=confirm_token(registration)),
        hold_expires_at=registration.hold_expires_at,
        dedupe_key=f"event-hold:{registration.id}:{int(as_utc(registration.hold_expires_at).timestamp())}",
    )


def waiting(registration, position: int | None = None):
    subject = _l("You are on the waiting list: %(title)s", title=registration.event.title)
    return _queue("event_waiting", registration, subject, position=position, dedupe_key=f"event-waiting:{registration.id}")


def promoted(registration):
    if registration.is_guest:
        return guest_hold(registration, promoted=True)
    return confirmed(registration, promoted=True)


def event_cancelled(registration):
    subject = _l("Cancelled: %(title)s", title=registration.event.title)
    return _queue(
        "event_cancelled", registration, subject, attach_ics=True,
        dedupe_key=f"event-cancelled:{registration.event_id}:{registration.id}",
    )


def removed_by_organizer(registration):
    subject = _l("Your registration was cancelled: %(title)s", title=registration.event.title)
    return _queue("event_removed", registration, subject, dedupe_key=f"event-removed:{registration.id}")


def reminder(registration):
    subject = _l("Reminder: %(title)s", title=registration.event.title)
    return _queue(
        "event_reminder", registration, subject, attach_ics=True,
        dedupe_key=f"event-reminder:{registration.id}",
    )
