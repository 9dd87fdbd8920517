"""Queue mail in the caller's transaction; never talk to SMTP here."""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from community.core import audit
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.mail import queries
from community.mail.models import MailStatus, OutboxAttachment, OutboxEmail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


def external_url(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL, never from the request's Host header."""
    base = current_app.config["BASE_URL"].rstrip("/")
    parts = urlsplit(base)
    anchor = values.pop("_anchor", None)
    adapter = current_app.url_map.bind(
        parts.netloc or "localhost", script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    url = f"{parts.scheme}://{parts.netloc}{adapter.build(endpoint, values, force_external=False)}"
    return f"{url}#{quote(anchor)}" if anchor else url


def header_text(value, limit: int) -> str:
    """One line that fits its column: a line break in a header would be refused at
    sending time (header injection) and an overlong value would break the caller's
    transaction on PostgreSQL, so user text (names, titles) is made safe here."""
    return " ".join(str(value).split())[:limit]


def queue_email(template: str, *, dedupe_key: str | None = None, **fields) -> OutboxEmail | None:
    """Render templates/mail/<template>.txt and .html in the recipient's language
    and add an outbox row to the current transaction (arguments: compose_email's).

    `subject` is a lazy string (or a callable) so it is translated in that language.
    With a dedupe_key already queued, nothing is added and None is returned.
    """
    if dedupe_key and _queued(dedupe_key):
        return None
    return add_email(compose_email(template, dedupe_key=dedupe_key, **fields), fresh_key=True)


def email_member(member, template: str, *, to: str | None = None, **fields) -> OutboxEmail | None:
    """queue_email to a member (or to another address of theirs), in their language."""
    return queue_email(
        template, to=to or member.email, to_name=member.display_name, language=member.language, member=member, **fields
    )


def compose_email(
    template: str,
    *,
    to: str,
    language: str,
    subject,
    to_name: str = "",
    member=None,
    attachments: tuple[Attachment, ...] = (),
    headers: dict | None = None,
    dedupe_key: str | None = None,
    **context,
) -> OutboxEmail:
    """The rendering half of queue_email: an outbox row, not yet added, no database access.

    Lets a caller render before it takes a lock and add the row (add_email) inside it."""
    to_name = header_text(to_name, 120)
    with force_locale(language):
        context.update(
            community_name=current_app.config["COMMUNITY_NAME"], recipient_name=to_name, external_url=external_url
        )
        rendered_subject = header_text(subject() if callable(subject) else subject, 300)
        text = render_template(f"mail/{template}.txt", subject=rendered_subject, **context)
        html = render_template(f"mail/{template}.html", subject=rendered_subject, **context)
    return OutboxEmail(
        to_address=to,
        to_name=to_name,
        member_id=member.id if member is not None else None,
        template=template,
        language=language,
        subject=rendered_subject,
        body_text=text,
        body_html=html,
        headers=headers or {},
        dedupe_key=dedupe_key,
        attachments=[
            OutboxAttachment(filename=a.filename, content_type=a.content_type, data=a.data) for a in attachments
        ],
    )


def add_email(email: OutboxEmail, *, fresh_key: bool = False) -> OutboxEmail | None:
    """Add a composed mail to the current transaction; None when its dedupe_key is already queued.

    `fresh_key`: the caller knows the key cannot be queued yet (checked, or made
    from a code created in this transaction), so the lookup is skipped."""
    if email.dedupe_key and not fresh_key and _queued(email.dedupe_key):
        return None
    db.session.add(email)
    return email


def _queued(dedupe_key: str) -> bool:
    return db.session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key)) is not None


def insert_email(email: OutboxEmail) -> int:
    """add_email(email, fresh_key=True) for a path where every millisecond under a lock
    counts: the same rows, written at once by plain INSERTs instead of the session's
    unit of work (several times the CPU). The email object stays out of the session.
    Returns the new row's id."""
    connection = db.session.connection()
    email_id = connection.execute(insert(OutboxEmail.__table__), _column_values(email)).inserted_primary_key[0]
    if email.attachments:
        connection.execute(
            insert(OutboxAttachment.__table__),
            [
                {"email_id": email_id, "filename": a.filename, "content_type": a.content_type, "data": a.data}
                for a in email.attachments
            ],
        )
    return email_id


def _column_values(obj) -> dict:
    """The columns set on a new object; the columns' defaults fill in the rest, as in a flush."""
    state = obj.__dict__
    return {column.key: state[column.key] for column in obj.__table__.columns if column.key in state}


class RetryRefused(DomainError):
    """Only a failed mail goes back to the queue."""


def retry(actor, email: OutboxEmail) -> None:
    """Put a failed mail back in the queue for an attempt now; its attempts are kept.

    The status test is inside the UPDATE: of two admins clicking at once only one
    re-queues it, and a worker can only claim it once it is pending, so it is sent once.
    A retried mail past MAIL_RETRY_HOURS gets one attempt: failing again fails it again."""
    requeued = _requeue(OutboxEmail.id == email.id) == 1
    db.session.expire(email, ["status", "next_attempt_at"])
    if not requeued:
        raise RetryRefused(_not_failed_message(email.status))
    audit.record(actor, "mail.retried", email, event_id=email.event_id, attempts=email.attempts)


def retry_failed(actor, *, q: str = "", template: str = "", event_id: int | None = None) -> int:
    """Put every failed mail that the outbox page's filters match back in the queue at
    once (after an SMTP outage longer than the retry window, say); their attempts are
    kept. Returns how many.

    A mail is re-queued once however many admins click (see _requeue)."""
    requeued = _requeue(*queries.filters(q, template, event_id))
    if requeued:
        filters = {key: value for key, value in (("q", q), ("template", template)) if value}
        audit.record(actor, "mail.retried_in_bulk", event_id=event_id, mails_requeued=requeued, **filters)
    return requeued


def _requeue(*where) -> int:
    """Failed mails matching `where` back to pending, due now; how many. The status
    test is inside the UPDATE, so a mail is re-queued once however many click."""
    return db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status == MailStatus.FAILED.value, *where)
        .values(status=MailStatus.PENDING.value, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def _not_failed_message(status: str) -> str:
    if status == MailStatus.SENT.value:
        return _l("This mail was already sent: it is not sent again.")
    if status in (MailStatus.PENDING.value, MailStatus.SENDING.value):
        return _l("This mail is already waiting to be sent: there is nothing to retry.")
    return _l("Only a failed mail can be retried.")
