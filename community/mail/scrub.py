"""Taking personal data out of the outbox (account deletion, retention purge).

Mails that went out (sent, or being sent) keep their row: status, dates,
attempts, template and event, so delivery statistics stay right; what names a
person is emptied. Mails that never went out (pending, failed) are deleted:
nobody received them, and with no address they could never be sent.
Attachments and delivery attempts go with their mail (ON DELETE CASCADE).
"""

import re

from sqlalchemy import delete, or_, select, update

from community.core.extensions import db
from community.mail.models import DeliveryAttempt, MailStatus, OutboxAttachment, OutboxEmail

WENT_OUT = (MailStatus.SENT.value, MailStatus.SENDING.value)
BODY = dict(body_text="", body_html="", headers={})
# Everything of a mail that can name its recipient or what was said to them.
RECIPIENT = dict(BODY, to_address="", to_name="", subject="", last_error="")


def _went_out(ids):
    return select(OutboxEmail.id).where(OutboxEmail.id.in_(ids), OutboxEmail.status.in_(WENT_OUT))


def _never_went_out(ids):
    return select(OutboxEmail.id).where(OutboxEmail.id.in_(ids), OutboxEmail.status.not_in(WENT_OUT))


def _run(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def purge_bodies(ids) -> int:
    """Empty the bodies, headers and attachments of these mails; how many still had a body."""
    _run(delete(OutboxAttachment).where(OutboxAttachment.email_id.in_(ids)))
    return _run(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(ids), or_(OutboxEmail.body_text != "", OutboxEmail.body_html != ""))
        .values(**BODY)
    )


def forget(ids, *, recipient: bool) -> dict:
    """Mails addressed to the person (`recipient`) lose address, name, subject, bodies and errors;
    mails that only mention them lose subject and bodies (the address is someone else's).
    Unsent mails are deleted. Returns {"purged": n, "deleted": n}."""
    ids = list(db.session.scalars(ids)) if not isinstance(ids, list) else ids
    if not ids:
        return {"purged": 0, "deleted": 0}
    sent = list(db.session.scalars(_went_out(ids)))
    deleted = _run(delete(OutboxEmail).where(OutboxEmail.id.in_(_never_went_out(ids))))
    _run(delete(OutboxAttachment).where(OutboxAttachment.email_id.in_(sent)))
    # An SMTP error often quotes the address it refused.
    _run(update(DeliveryAttempt).where(DeliveryAttempt.email_id.in_(sent)).values(error=""))
    values = RECIPIENT if recipient else dict(BODY, subject="", last_error="")
    _run(update(OutboxEmail).where(OutboxEmail.id.in_(sent)).values(**values))
    return {"purged": len(sent), "deleted": deleted}


def mentioning(needles: list[str], *, besides) -> list[int]:
    """Ids of mails (other than `besides`, a select of ids) whose subject or bodies name one of
    `needles` as a whole word, case-insensitively: "Jo" is found in "Jo asks to join", not in "join"."""
    needles = [n for n in (needle.strip() for needle in needles) if n]
    if not needles:
        return []
    columns = (OutboxEmail.subject, OutboxEmail.body_text, OutboxEmail.body_html, OutboxEmail.to_name)
    found = or_(*(column.icontains(needle, autoescape=True) for column in columns for needle in needles))
    rows = db.session.execute(select(OutboxEmail.id, *columns).where(found, OutboxEmail.id.not_in(besides))).all()
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in needles), re.IGNORECASE)
    return [row.id for row in rows if any(pattern.search(text or "") for text in row[1:])]
