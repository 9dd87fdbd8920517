"""Writing a new registration and its first mail quickly, for the seat engine (seats.place).

Plain INSERTs rather than a flush: on SQLite they run under the write lock, and
the unit of work costs several times their CPU. The mail is composed before the
lock (no database access), for the outcome the event as read predicts. A seat
that looked free: both rows are written before the seat is taken, and when the
engine corrects the outcome under the lock, the queued mail is taken back and
the other one queued (requeue). The waiting list: both are written under the
lock, once the place in line is known."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from community.core import locking
from community.core.extensions import db
from community.mail.models import OutboxAttachment, OutboxEmail
from community.mail.outbox import insert_email
from community.registrations import mails
from community.registrations.errors import AlreadyRegistered
from community.registrations.models import HELD, WAITING, Registration


def compose(registration: Registration):
    """The mail of the registration's status (no database access); a waiting-list mail
    comes as a draft: its place in line is filled in under the lock."""
    if registration.status == WAITING:
        return mails.waiting_draft(registration)
    if registration.status == HELD:
        return mails.guest_hold(registration, queue=False)
    return mails.confirmed(registration, queue=False)


def _email_of(mail) -> OutboxEmail:
    """The outbox row of a composed mail or of a waiting-list draft."""
    return mail.email if isinstance(mail, mails.WaitingDraft) else mail


def write(registration: Registration, mail) -> None:
    """Write the registration and its mail (its key holds the new ticket code: it cannot be
    queued before). The registration then joins the session as a loaded row."""
    locking.before_writes()
    registration.event_id, registration.category_id = registration.event.id, registration.category.id
    table = Registration.__table__
    values = {
        column.key: registration.__dict__[column.key] for column in table.columns if column.key in registration.__dict__
    }
    try:
        registration.id = db.session.connection().execute(insert(table), values).inserted_primary_key[0]
    except IntegrityError as exc:
        # Two clicks raced past the check in register_*; the unique index kept one.
        raise AlreadyRegistered(_l("You are already registered for this event.")) from exc
    make_transient_to_detached(registration)
    db.session.add(registration)
    _email_of(mail).id = insert_email(_email_of(mail))


def requeue(registration: Registration, old_mail):
    """The registration's status was corrected: take back the mail queued for the other
    outcome (written before the lock) and queue the one of this status. Returns it."""
    email_id = _email_of(old_mail).id
    db.session.execute(delete(OutboxAttachment).where(OutboxAttachment.email_id == email_id))
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id == email_id))
    new = compose(registration)
    db.session.flush()  # the registration's new status
    email = _email_of(new)
    email.id = insert_email(email)
    return new
