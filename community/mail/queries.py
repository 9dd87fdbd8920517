"""What the outbox pages read: a page of mails and the counts per status, in a
constant number of queries whatever the outbox holds. Lists never load bodies
or attachment data: they can be large and an organizer may not see them."""

from dataclasses import dataclass

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import lazyload, load_only

from community.core.extensions import db
from community.core.search import contains
from community.events.models import Event
from community.mail.mime import message_id
from community.mail.models import DeliveryAttempt, MailStatus, OutboxAttachment, OutboxEmail

STATUSES = tuple(status.value for status in MailStatus)
ALL = "all"
PAGE_SIZE = 50

# What a row of the list shows.
_LISTED = (
    OutboxEmail.id,
    OutboxEmail.to_address,
    OutboxEmail.to_name,
    OutboxEmail.subject,
    OutboxEmail.template,
    OutboxEmail.status,
    OutboxEmail.attempts,
    OutboxEmail.last_error,
    OutboxEmail.event_id,
    OutboxEmail.created_at,
    OutboxEmail.next_attempt_at,
    OutboxEmail.sent_at,
)


@dataclass(frozen=True)
class OutboxPage:
    pagination: Pagination  # mails, newest first
    counts: dict[str, int]  # per status and ALL, under the same search, template and event


def filters(q: str = "", template: str = "", event_id: int | None = None) -> list:
    """The outbox page's search (case and accents ignored), kind of mail and event."""
    where = []
    if q:
        where.append(
            or_(*(contains(column, q) for column in (OutboxEmail.to_address, OutboxEmail.to_name, OutboxEmail.subject)))
        )
    if template:
        where.append(OutboxEmail.template == template)
    if event_id is not None:
        where.append(OutboxEmail.event_id == event_id)
    return where


def outbox_page(
    status: str = ALL,
    q: str = "",
    template: str = "",
    event_id: int | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> OutboxPage:
    """Mails matching the filters, newest first, and how many there are in each status."""
    where = filters(q, template, event_id)
    query = select(OutboxEmail).options(load_only(*_LISTED), lazyload(OutboxEmail.attachments)).where(*where)
    if status != ALL:
        query = query.where(OutboxEmail.status == status)
    query = query.order_by(OutboxEmail.created_at.desc(), OutboxEmail.id.desc())
    pagination = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False, count=True)
    return OutboxPage(pagination, status_counts(where))


def status_counts(where=()) -> dict[str, int]:
    rows = db.session.execute(select(OutboxEmail.status, func.count()).where(*where).group_by(OutboxEmail.status))
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in rows})
    counts[ALL] = sum(counts.values())
    return counts


def failed_count() -> int:
    return db.session.scalar(select(func.count()).where(OutboxEmail.status == MailStatus.FAILED.value))


def templates_in_use() -> list[str]:
    return list(db.session.scalars(select(OutboxEmail.template).distinct().order_by(OutboxEmail.template)))


def events_with_mail() -> list[Event]:
    """Events some mail is about, latest first (the event filter's choices)."""
    about = select(OutboxEmail.event_id).where(OutboxEmail.event_id.is_not(None)).distinct()
    return list(db.session.scalars(select(Event).where(Event.id.in_(about)).order_by(Event.starts_at.desc(), Event.id)))


def mail(email_id: int) -> OutboxEmail | None:
    """One mail with its bodies (attachments are read by `attachments_of`, without their data)."""
    return db.session.scalar(
        select(OutboxEmail).options(lazyload(OutboxEmail.attachments)).where(OutboxEmail.id == email_id)
    )


def attachments_of(email: OutboxEmail) -> list:
    """(filename, content type, size in bytes) of each attachment."""
    return list(
        db.session.execute(
            select(OutboxAttachment.filename, OutboxAttachment.content_type, func.length(OutboxAttachment.data))
            .where(OutboxAttachment.email_id == email.id)
            .order_by(OutboxAttachment.id)
        )
    )


def attempts_of(email: OutboxEmail) -> list[DeliveryAttempt]:
    return list(
        db.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.email_id == email.id).order_by(DeliveryAttempt.id)
        )
    )


@dataclass(frozen=True)
class MailDetail:
    """What the page of one mail shows besides the mail itself."""

    message_id: str
    attachments: list  # (filename, content type, size in bytes)
    attempts: list[DeliveryAttempt]


def mail_detail(email: OutboxEmail) -> MailDetail:
    return MailDetail(message_id(email), attachments_of(email), attempts_of(email))
