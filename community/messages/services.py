"""Mail from an event's organizers to some of its people: the rules.

One mail per registration, queued in the caller's transaction through the
outbox, in each person's language. The EventMessage row is both the archive and
the guard against a double submit: its submission_key is unique, so a second
submit (even a concurrent one) finds it taken and queues nothing.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import joinedload

from community.checkin.models import CheckIn
from community.core import audit, locking
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.core.newest import latest
from community.core.text import one_line, paragraphs, render_text
from community.events.models import Event
from community.events.permissions import may_manage
from community.mail.outbox import add_email
from community.messages.models import EventMessage, MessageAudience
from community.registrations import mails
from community.registrations.models import Registration, RegistrationStatus

SUBJECT_MAX = 200
BODY_MAX = 20_000
KEY_MIN, KEY_MAX = 16, 64

# The audiences in the order the form offers them, with their labels.
AUDIENCES = {
    MessageAudience.CONFIRMED.value: _l("Confirmed attendees"),
    MessageAudience.WAITING.value: _l("People on the waiting list"),
    MessageAudience.CHECKED_IN.value: _l("Checked in"),
    MessageAudience.NOT_CHECKED_IN.value: _l("Confirmed, not checked in"),
}


class MessageRefused(DomainError):
    """The message cannot be sent as written; the text says why."""


def audience_label(audience: str) -> str:
    return str(AUDIENCES.get(audience, audience))


def _checked_in():
    return exists().where(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None))


def _audience_filter(audience: str):
    confirmed = Registration.status == RegistrationStatus.CONFIRMED.value
    if audience == MessageAudience.CONFIRMED.value:
        return confirmed
    if audience == MessageAudience.WAITING.value:
        return Registration.status == RegistrationStatus.WAITING.value
    if audience == MessageAudience.CHECKED_IN.value:
        return and_(confirmed, _checked_in())
    if audience == MessageAudience.NOT_CHECKED_IN.value:
        return and_(confirmed, ~_checked_in())
    raise MessageRefused(_l("Please choose who receives the message."))


def recipients_query(event: Event, audience: str):
    """The registrations of `audience`, oldest first. Anonymized registrations
    (nobody left to write to) are never recipients."""
    return (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.anonymized_at.is_(None),
            _audience_filter(audience),
        )
        .order_by(Registration.created_at, Registration.id)
    )


def count(event: Event, audience: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(recipients_query(event, audience).order_by(None).subquery())
    )


def counts(event: Event) -> dict[str, int]:
    """Every audience's size in one query (the compose form shows them all)."""
    confirmed = Registration.status == RegistrationStatus.CONFIRMED.value
    checked = _checked_in()
    row = db.session.execute(
        select(
            func.count().filter(confirmed),
            func.count().filter(Registration.status == RegistrationStatus.WAITING.value),
            func.count().filter(and_(confirmed, checked)),
            func.count().filter(and_(confirmed, ~checked)),
        ).where(Registration.event_id == event.id, Registration.anonymized_at.is_(None))
    ).one()
    return dict(zip(AUDIENCES, (value or 0 for value in row)))


def archive(event: Event, limit: int = 20) -> list[EventMessage]:
    """The event's messages, newest first, with their authors (one query)."""
    return latest(
        EventMessage, EventMessage.event_id == event.id, limit=limit, options=[joinedload(EventMessage.author)]
    )


def message_of(event: Event, message_id: int) -> EventMessage | None:
    """One message of this event (None for another event's), with its author."""
    return db.session.scalar(
        select(EventMessage)
        .options(joinedload(EventMessage.author))
        .where(EventMessage.id == message_id, EventMessage.event_id == event.id)
    )


def clean(actor, event: Event, *, audience: str, subject: str, body: str) -> tuple[str, str, str]:
    """The message as it will be sent, or MessageRefused saying what to fix."""
    if not may_manage(actor, event):
        raise NotAllowed(_l("Only this event's organizers write to its people."))
    if event.is_draft:
        raise MessageRefused(_l("This event is a draft: publish it before writing to its people."))
    if event.is_cancelled:
        raise MessageRefused(_l("This event is cancelled: its people were told when it was cancelled."))
    if audience not in AUDIENCES:
        raise MessageRefused(_l("Please choose who receives the message."))
    # One line: a subject becomes a mail header. NUL bytes: PostgreSQL refuses them.
    subject, body = one_line(subject), paragraphs(body or "")
    if not subject:
        raise MessageRefused(_l("Please write a subject."))
    if len(subject) > SUBJECT_MAX:
        raise MessageRefused(_l("The subject is too long: %(max)d characters at most.", max=SUBJECT_MAX))
    if not body:
        raise MessageRefused(_l("Please write a message."))
    if len(body) > BODY_MAX:
        raise MessageRefused(_l("The message is too long: %(max)d characters at most.", max=BODY_MAX))
    return audience, subject, body


def _by_key(submission_key: str) -> EventMessage | None:
    return db.session.scalar(select(EventMessage).where(EventMessage.submission_key == submission_key))


def _claim(values: dict) -> EventMessage | None:
    """Insert the message unless its submission_key is taken; None when it is.

    One statement, no savepoint: ON CONFLICT DO NOTHING on the unique key makes a
    concurrent submit of the same form wait for the first and then insert nothing
    (PostgreSQL), or wait for SQLite's write lock and find the row. (A savepoint
    would not do on SQLite: the driver opens no transaction before SAVEPOINT, so
    RELEASE would commit the message before its mails.)"""
    statement = locking.insert_ignoring_conflict(EventMessage, index_elements=[EventMessage.submission_key])
    return db.session.scalars(statement.values(**values).returning(EventMessage)).first()


def send(actor, event: Event, *, audience: str, subject: str, body: str, submission_key: str) -> EventMessage:
    """Archive the message and queue one mail per recipient; never commits.

    The same submission_key again returns the first message and queues nothing."""
    audience, subject, body = clean(actor, event, audience=audience, subject=subject, body=body)
    if not isinstance(submission_key, str) or not KEY_MIN <= len(submission_key) <= KEY_MAX:
        raise MessageRefused(_l("This form has expired: reload the page and write the message again."))
    locking.before_writes()  # SQLite: queue behind the other writers
    message = _claim(
        dict(
            event_id=event.id,
            author_id=actor.id,
            audience=audience,
            subject=subject,
            body=body,
            submission_key=submission_key,
            recipient_count=0,
        )
    )
    if message is None:
        # Sent already (a double click, a reload, or a concurrent submit that won).
        return _same_event(_by_key(submission_key), event)
    registrations = list(db.session.scalars(recipients_query(event, audience).options(joinedload(Registration.member))))
    if not registrations:
        raise MessageRefused(_l("Nobody is in this audience yet: nothing was sent."))
    body_html = render_text(body)
    for registration in registrations:
        add_email(_compose(message, registration, body_html), fresh_key=True)
    message.recipient_count = len(registrations)
    audit.record(
        actor, "event.message_sent", message, event_id=event.id, audience=audience, recipient_count=len(registrations)
    )
    return message


def _same_event(message: EventMessage | None, event: Event) -> EventMessage:
    if message is None or message.event_id != event.id:
        raise MessageRefused(_l("This form has expired: reload the page and write the message again."))
    return message


def _compose(message: EventMessage, registration: Registration, body_html):
    """The mail to one person, composed (not added): its links, language and event come from mails."""
    return mails.registration_mail(
        "event_message",
        registration,
        _subject(message, registration.event),
        queue=False,
        dedupe_key=f"event-message:{message.id}:{registration.id}",
        message=message,
        body_html=body_html,
    )


def _subject(message: EventMessage, event: Event) -> str:
    return f"[{event.title}] {message.subject}"


def preview(actor, event: Event, *, audience: str, subject: str, body: str, language: str):
    """The mail as a recipient reading `language` would get it, addressed to the
    author and never queued: nothing is written, and its ticket link leads to no
    real ticket. Returns (the composed mail, the body as HTML for the page)."""
    audience, subject, body = clean(actor, event, audience=audience, subject=subject, body=body)
    message = EventMessage(event_id=event.id, audience=audience, subject=subject, body=body)
    sample = Registration(
        event_id=event.id,
        guest_name=actor.display_name,
        guest_email=actor.email,
        language=language,
        status=RegistrationStatus.CONFIRMED.value,
        ticket_code="preview",
    )
    sample.event = event
    body_html = render_text(body)
    try:
        email = mails.registration_mail(
            "event_message",
            sample,
            _subject(message, event),
            queue=False,
            dedupe_key=None,
            message=message,
            body_html=body_html,
        )
    finally:
        # Neither sample may reach the database, whatever cascades or autoflush do.
        for obj in (sample, message):
            if obj in db.session:
                db.session.expunge(obj)
    return email, body_html
