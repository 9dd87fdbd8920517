"""Mail about registrations, queued in the caller's transaction, and the signed links in them.

Links and dedupe keys depend on the registration's ticket code, never on its row
id: a new registration's mail can then be written before its row (and before the
event's seat lock is taken), see seats.place."""

import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update

from community.core.clock import as_utc
from community.core.extensions import db
from community.events.ics import CANCEL, PUBLISH, REQUEST, event_ics, location, scheduling_ics
from community.mail.models import OutboxEmail
from community.mail.outbox import Attachment, add_email, compose_email, external_url
from community.members import tokens
from community.registrations import guest_holds
from community.registrations.models import Registration

ACCESS = "event-registration"  # ticket page and cancel link
GUEST_CONFIRM = "event-guest-confirm"
# Ticket and cancel links stay valid for a year; the registration's state decides the rest.
ACCESS_MAX_AGE = 365 * 24 * 3600


def access_token(registration) -> str:
    return tokens.make(ACCESS, {"c": registration.ticket_code})


def confirm_token(registration) -> str:
    return tokens.make(GUEST_CONFIRM, {"c": registration.ticket_code})


def registration_from(token: str, purpose: str = ACCESS) -> Registration | None:
    """The registration a mailed link names, or None for a link that is forged, garbled or too old."""
    try:
        payload = tokens.read(purpose, token, ACCESS_MAX_AGE)
    except tokens.TokenError:
        return None
    # The signed ticket code names the registration (tokens are made before its row has an id).
    code = payload.get("c")
    if not isinstance(code, str):
        return None
    return db.session.scalar(select(Registration).where(Registration.ticket_code == code))


def _language(registration) -> str:
    return registration.member.language if registration.member is not None else registration.language


def _proved(registration) -> bool:
    """Whether the person's address is proved: a member's, or a guest's once they confirmed
    (or an organizer confirmed them). A mail to an address not proved carries no text the
    requester typed: their name stays out of the mail and of its To header."""
    return not registration.is_guest or registration.confirmed_at is not None


def _calendar_file(registration, method: str) -> Attachment:
    """The event to import (PUBLISH), or its update or cancellation addressed to this person."""
    event = registration.event
    if method == PUBLISH:
        data = event_ics(event)
    else:
        name = registration.name if _proved(registration) else ""
        data = scheduling_ics(event, method, registration.email, name)
    return Attachment(f"{event.slug}.ics", "text/calendar", data)


def registration_mail(template, registration, subject, *, dedupe_key, queue=True, calendar=None, **context):
    """A mail to one registration's person, with the event's links, their ticket and
    cancel links, in their language; queued, or with queue=False only composed (the
    caller adds it with add_email). `calendar` attaches the event's calendar file with
    that method (PUBLISH, REQUEST, CANCEL). Every event mail, organizers' messages
    included, is made here."""
    event = registration.event
    token = access_token(registration)
    attachments = (_calendar_file(registration, calendar),) if calendar else ()
    email = compose_email(
        template,
        to=registration.email,
        to_name=registration.name if _proved(registration) else "",
        language=_language(registration),
        member=registration.member,
        subject=subject,
        attachments=attachments,
        dedupe_key=dedupe_key,
        event=event,
        registration=registration,
        place=location(event),
        event_url=external_url("events.detail", slug=event.slug),
        ticket_url=external_url("registrations.ticket", token=token),
        cancel_url=external_url("registrations.cancel_link", token=token),
        **context,
    )
    email.event_id = event.id
    return add_email(email) if queue else email


def _once_per_ticket(template, registration, subject, *, version=None, **options):
    """A mail of this kind goes once per ticket (and per `version`, when given): its dedupe
    key is the template's name ("event_waiting" -> "event-waiting:<ticket code>[:<version>]")."""
    key = f"{template.replace('_', '-')}:{registration.ticket_code}"
    if version is not None:
        key += f":{version}"
    return registration_mail(template, registration, subject, dedupe_key=key, **options)


def confirmed(registration, promoted: bool = False, *, queue: bool = True):
    subject = (
        _l("A seat is yours: %(title)s", title=registration.event.title)
        if promoted
        else _l("You are registered: %(title)s", title=registration.event.title)
    )
    kind = "promoted" if promoted else "confirmed"
    return registration_mail(
        "event_confirmed",
        registration,
        subject,
        calendar=PUBLISH,
        promoted=promoted,
        queue=queue,
        dedupe_key=f"event-{kind}:{registration.ticket_code}",
    )


def guest_hold(registration, promoted: bool = False, *, queue: bool = True):
    subject = _l("Confirm your seat: %(title)s", title=registration.event.title)
    return registration_mail(
        "event_guest_hold",
        registration,
        subject,
        promoted=promoted,
        queue=queue,
        confirm_url=external_url("registrations.guest_confirm", token=confirm_token(registration)),
        hold_expires_at=registration.hold_expires_at,
        hold_minutes=guest_holds.minutes(registration.event),
        dedupe_key=f"event-hold:{registration.ticket_code}:{int(as_utc(registration.hold_expires_at).timestamp())}",
    )


def waiting(registration, position: int | None = None, *, queue: bool = True):
    subject = _l("You are on the waiting list: %(title)s", title=registration.event.title)
    return _once_per_ticket("event_waiting", registration, subject, position=position, queue=queue)


_emails = OutboxEmail.__table__
# Built once: it runs under the event lock.
_FILL_IN = (
    update(_emails)
    .where(_emails.c.id == bindparam("email_id"))
    .values(
        body_text=func.replace(_emails.c.body_text, bindparam("marker"), bindparam("place")),
        body_html=func.replace(_emails.c.body_html, bindparam("marker"), bindparam("place")),
    )
)


@dataclass(frozen=True)
class WaitingDraft:
    """The waiting-list mail rendered with a marker where the place in line goes.

    Rendering is slow and the place is only known under the event lock: the mail
    is rendered before the lock is taken, and the place put in under it, in the
    mail not written yet (filled) or by one UPDATE of the queued one (fill_in)."""

    email: OutboxEmail
    marker: str

    def filled(self, place: int) -> OutboxEmail:
        """The mail with its place in line, to be written."""
        for field in ("body_text", "body_html"):
            setattr(self.email, field, getattr(self.email, field).replace(self.marker, str(place)))
        return self.email

    def fill_in(self, place: int) -> None:
        """This mail is written; the caller holds the event lock and has given the place."""
        db.session.connection().execute(
            _FILL_IN, {"email_id": self.email.id, "marker": self.marker, "place": str(place)}
        )


def waiting_draft(registration) -> WaitingDraft:
    # 18 random digits: cannot occur anywhere else in the mail by chance.
    marker = secrets.randbelow(9 * 10**17) + 10**17
    return WaitingDraft(waiting(registration, marker, queue=False), str(marker))


def promoted(registration):
    if registration.is_guest:
        return guest_hold(registration, promoted=True)
    return confirmed(registration, promoted=True)


def event_cancelled(registration):
    subject = _l("Cancelled: %(title)s", title=registration.event.title)
    return _once_per_ticket("event_cancelled", registration, subject, calendar=CANCEL)


def event_changed(registration, changed: list[str]):
    """The event moved (time, place, link): the new details, and a calendar file that moves
    the entry. `changed` names what changed: "time", "place", "link"."""
    subject = _l("Changed: %(title)s", title=registration.event.title)
    # Told once per change: the key follows the calendar's sequence.
    version = registration.event.calendar_sequence
    return _once_per_ticket("event_changed", registration, subject, calendar=REQUEST, changed=changed, version=version)


def removed_by_organizer(registration):
    subject = _l("Your registration was cancelled: %(title)s", title=registration.event.title)
    return _once_per_ticket("event_removed", registration, subject)


def reminder(registration):
    subject = _l("Reminder: %(title)s", title=registration.event.title)
    return _once_per_ticket("event_reminder", registration, subject, calendar=PUBLISH)
