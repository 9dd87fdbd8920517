"""Deliver the outbox: claim, send, record; one commit per mail so a crash resends at most one."""
import hashlib
import logging
import os
import smtplib
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import Message
from sqlalchemy import or_, select, update

from community.clock import as_utc, utcnow
from community.extensions import db, mail
from community.mail.models import DeliveryAttempt, MailStatus, OutboxEmail

log = logging.getLogger("community.mail")

# A mail claimed longer ago than this is assumed lost with its worker and re-queued.
STUCK_AFTER = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def message_id(email: OutboxEmail) -> str:
    """Stable per outbox row, so a resend after a crash is recognisably the same mail."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{email.id}".encode()).hexdigest()[:16]
    return f"<outbox-{email.id}.{digest}@{domain}>"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour between attempts."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def is_permanent(error: Exception) -> bool:
    """5xx answers mean the server will never take this mail; everything else is retried."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500 and not isinstance(error, smtplib.SMTPServerDisconnected)


def requeue_stuck() -> int:
    """Mails whose worker died mid-send go back to pending."""
    cutoff = utcnow() - STUCK_AFTER
    result = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status == MailStatus.SENDING.value, OutboxEmail.claimed_at < cutoff)
        .values(status=MailStatus.PENDING.value, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def claim_next() -> OutboxEmail | None:
    """Claim one due mail; two workers never claim the same one."""
    now = utcnow()
    query = (
        select(OutboxEmail.id)
        .where(OutboxEmail.status == MailStatus.PENDING.value, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(1)
    )
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    email_id = db.session.scalar(query)
    if email_id is None:
        db.session.rollback()
        return None
    # The conditional update is the claim on every database (SQLite has no SKIP LOCKED).
    claimed = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == MailStatus.PENDING.value)
        .values(status=MailStatus.SENDING.value, claimed_at=now, attempts=OutboxEmail.attempts + 1)
    ).rowcount == 1
    db.session.commit()
    if not claimed:
        return claim_next()
    return db.session.get(OutboxEmail, email_id)


def build_message(email: OutboxEmail) -> Message:
    message = Message(
        subject=email.subject,
        recipients=[(email.to_name, email.to_address) if email.to_name else email.to_address],
        body=email.body_text,
        html=email.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=dict(email.headers or {}),
    )
    message.msgId = message_id(email)
    for attachment in email.attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    return message


def _record(email: OutboxEmail, error: Exception | None) -> None:
    now = utcnow()
    db.session.add(DeliveryAttempt(email=email, at=now, ok=error is None, error=_describe(error), worker=worker_name()))
    if error is None:
        email.status, email.sent_at, email.last_error = MailStatus.SENT.value, now, ""
        return
    email.last_error = _describe(error)
    given_up = now - as_utc(email.created_at) > timedelta(hours=current_app.config["MAIL_RETRY_HOURS"])
    if is_permanent(error) or given_up:
        email.status = MailStatus.FAILED.value
        log.warning("mail %s to %s failed for good: %s", email.id, email.to_address, email.last_error)
    else:
        email.status, email.next_attempt_at = MailStatus.PENDING.value, now + backoff(email.attempts)
        log.info("mail %s to %s will be retried: %s", email.id, email.to_address, email.last_error)


def _describe(error: Exception | None) -> str:
    return "" if error is None else f"{type(error).__name__}: {error}"[:1000]


def _log_mail(message: Message, email: OutboxEmail) -> None:
    log.info(
        "MAIL (no MAIL_SERVER configured, written to the log)\nTo: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
        email.to_address, email.subject, message.msgId, email.body_text,
    )


def deliver_pending(limit: int = 100) -> int:
    """Send up to `limit` due mails over one SMTP connection; return how many were sent."""
    requeue_stuck()
    sent = 0
    connection = None
    try:
        for _n in range(limit):
            email = claim_next()
            if email is None:
                break
            message = build_message(email)
            error = None
            try:
                if not current_app.config.get("MAIL_SERVER"):
                    _log_mail(message, email)
                else:
                    if connection is None:
                        connection = mail.connect().__enter__()
                    connection.send(message)
            except (smtplib.SMTPException, OSError) as exc:
                error = exc
                connection = _close(connection)
            _record(email, error)
            db.session.commit()
            sent += error is None
    finally:
        _close(connection)
    return sent


def _close(connection):
    if connection is not None:
        try:
            connection.__exit__(None, None, None)
        except (smtplib.SMTPException, OSError):
            pass
    return None


def run_worker(interval: float = 2.0, once: bool = False) -> None:
    """Loop forever (or once) delivering due mail."""
    log.info("mail worker %s started", worker_name())
    while True:
        count = deliver_pending()
        if count:
            log.info("delivered %d mail(s)", count)
        if once:
            return
        db.session.remove()
        time.sleep(interval)
