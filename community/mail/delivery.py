"""Deliver the outbox: claim, send, record; one commit per mail so a crash resends at most one.

A mail moves pending -> sending (claimed by one worker) -> sent, or back to
pending with a later next_attempt_at, or to failed. Only an answer about the
mail itself can fail it at once (a 5xx to RCPT or DATA, a header that would
inject); a dead server, a refused login or a wrong sender is our side's
problem, so the mail keeps its place and goes out once that is fixed, unless
MAIL_RETRY_HOURS have passed.
"""

import logging
import os
import smtplib
import socket
import ssl
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from community.core import locking
from community.core.clock import as_utc, utcnow
from community.core.extensions import db
from community.mail.mime import BadHeaderError, Unsendable, compose, sender
from community.mail.models import DeliveryAttempt, MailStatus, OutboxEmail

log = logging.getLogger("community.mail")

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def worker_name() -> str:
    thread = threading.current_thread()
    name = f"{socket.gethostname()}:{os.getpid()}"
    if thread is not threading.main_thread():
        name += f":{thread.name}"
    return name[:100]


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour between attempts."""
    # The exponent is capped too: a day of hourly retries would overflow timedelta.
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16)), LONGEST_RETRY)


def about_this_mail(error: Exception) -> bool:
    """True when the error concerns this mail only, so the next one may still go out."""
    return isinstance(error, (Unsendable, BadHeaderError, smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError))


def is_permanent(error: Exception) -> bool:
    """A broken mail, or a 5xx answer to its recipient or its content, will never be taken."""
    if isinstance(error, (Unsendable, BadHeaderError)):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


# ----------------------------------------------------------------- claiming


def requeue_stuck(older_than: timedelta | None = None) -> int:
    """Mails whose worker died mid-send go back to pending; return how many. A mail claimed
    longer ago than MAIL_STUCK_SECONDS (longer than any SMTP exchange takes) is taken as lost."""
    if older_than is None:
        older_than = timedelta(seconds=current_app.config["MAIL_STUCK_SECONDS"])
    stuck = (OutboxEmail.status == MailStatus.SENDING.value, OutboxEmail.claimed_at < utcnow() - older_than)
    # Look before writing: an idle worker never takes SQLite's single write lock.
    if db.session.scalar(select(OutboxEmail.id).where(*stuck).limit(1)) is None:
        db.session.rollback()
        return 0
    count = db.session.execute(
        update(OutboxEmail).where(*stuck).values(status=MailStatus.PENDING.value, next_attempt_at=utcnow())
    ).rowcount
    db.session.commit()
    log.warning("re-queued %d mail(s) whose worker stopped while sending", count)
    return count


def claim_next() -> OutboxEmail | None:
    """Claim one due mail; two workers never claim the same one."""
    while True:
        now = utcnow()
        query = (
            select(OutboxEmail.id)
            .where(OutboxEmail.status == MailStatus.PENDING.value, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(1)
        )
        email_id = db.session.scalar(locking.skip_locked(query))
        if email_id is None:
            db.session.rollback()
            return None
        # The conditional update is the claim on every database (SQLite has no SKIP LOCKED).
        claimed = (
            db.session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.status == MailStatus.PENDING.value)
                .values(status=MailStatus.SENDING.value, claimed_at=now, attempts=OutboxEmail.attempts + 1)
            ).rowcount
            == 1
        )
        db.session.commit()
        if claimed:
            return db.session.get(OutboxEmail, email_id)
        # Another worker took it between our read and our write: look again.


# ------------------------------------------------------------------ sending


class SmtpSession:
    """One SMTP connection per round: opened on first use, dropped after a server-side failure."""

    def __init__(self):
        self.host: smtplib.SMTP | None = None

    def send(self, email: OutboxEmail, raw: bytes) -> None:
        # smtplib drops the socket itself after a 421 ("closing"): connect afresh then too.
        if self.host is None or self.host.sock is None:
            self.host = _connect()
        self.host.sendmail(sender(), [email.to_address], raw)

    def close(self, polite: bool = True) -> None:
        host, self.host = self.host, None
        if host is None:
            return
        try:
            if polite:
                host.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            host.close()  # quit() leaves the socket open when the server is already gone


def _connect() -> smtplib.SMTP:
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", 10)  # a silent server must not hang the worker
    context = ssl.create_default_context()  # smtplib alone would not check the certificate
    if config.get("MAIL_USE_SSL"):
        host = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=context)
    else:
        host = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    try:
        if config.get("MAIL_USE_TLS"):
            host.starttls(context=context)
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        host.close()
        raise
    return host


def _send(smtp: SmtpSession, email: OutboxEmail) -> Exception | None:
    """Send one claimed mail (or write it to the log); return the error, if any."""
    try:
        message, raw = compose(email)
        if not current_app.config.get("MAIL_SERVER"):
            _log_mail(message, email)
        else:
            smtp.send(email, raw)
    except Exception as exc:
        if not about_this_mail(exc):
            smtp.close(polite=False)  # the connection's state is unknown: start afresh
        if not isinstance(exc, (smtplib.SMTPException, OSError, BadHeaderError, Unsendable)):
            log.exception("unexpected error while sending mail %s", email.id)
        return exc
    return None


def _log_mail(message, email: OutboxEmail) -> None:
    log.info(
        "MAIL (no MAIL_SERVER configured, written to the log)\nTo: %s\nSubject: %s\nMessage-ID: %s\n\n%s",
        email.to_address,
        email.subject,
        message["Message-ID"],
        email.body_text,
    )


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
        log.warning("mail %s to %s will be retried: %s", email.id, email.to_address, email.last_error)


def _describe(error: Exception | None) -> str:
    return "" if error is None else f"{type(error).__name__}: {error}"[:1000]


def deliver_pending(limit: int = 100) -> int:
    """Send up to `limit` due mails over one SMTP connection; return how many were sent.

    The worker owns the session: each claim and each result is its own commit.
    """
    requeue_stuck()
    sent = 0
    smtp = SmtpSession()
    try:
        for _n in range(limit):
            email = claim_next()
            if email is None:
                break
            error = _send(smtp, email)
            _record(email, error)
            db.session.commit()
            if error is None:
                sent += 1
            elif not about_this_mail(error):
                # The server (or our settings) is at fault: one attempt per round is
                # enough; the other mails keep their turn for the next round.
                break
    finally:
        smtp.close()
    return sent


# ------------------------------------------------------------------- worker


def deliver_round() -> bool:
    """One round of the worker (community/jobs/worker.py): what is due is sent. A failing
    round (database down, a bug) is logged and the next one tries again; returns whether
    it went through."""
    started = time.monotonic()
    try:
        count = deliver_pending()
    except Exception:
        log.exception("mail worker round failed; the next round will try again")
        return False
    finally:
        db.session.remove()  # a fresh session each round; a failed transaction goes with it
    if count:
        log.info("delivered %d mail(s) in %.1f s", count, time.monotonic() - started)
    return True
