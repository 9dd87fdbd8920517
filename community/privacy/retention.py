"""Retention: personal data the community no longer needs is erased on a schedule.

`flask --app app purge` (from cron, daily) erases guests' names and addresses
(and their answers to the event's questions) once their event ended
GUEST_DATA_RETENTION_DAYS ago, the answers to sensitive questions once their event
ended SENSITIVE_ANSWER_RETENTION_DAYS ago (the counts stay: questions/erasure.py), and
empties the text and attachments of mails sent more than MAIL_BODY_RETENTION_DAYS ago;
counts of failed logins past their hour and device sessions past their life go too.
Each rule selects only what still holds data, so a second run finds nothing more to do."""

from datetime import datetime, timedelta

import click
from flask import current_app
from sqlalchemy import and_, exists, select, update

from community.core import audit
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail import scrub
from community.mail.models import MailStatus, OutboxEmail
from community.members import devices, throttle
from community.questions import erasure
from community.questions.models import Question
from community.registrations.models import Registration


def purge(
    now: datetime | None = None,
    guest_days: int | None = None,
    mail_days: int | None = None,
    sensitive_days: int | None = None,
) -> dict:
    """Erase what is past its retention period; returns the counts (also recorded in the audit log)."""
    now = now or utcnow()
    config = current_app.config
    guest_days = config["GUEST_DATA_RETENTION_DAYS"] if guest_days is None else guest_days
    mail_days = config["MAIL_BODY_RETENTION_DAYS"] if mail_days is None else mail_days
    sensitive_days = config["SENSITIVE_ANSWER_RETENTION_DAYS"] if sensitive_days is None else sensitive_days
    old_guest = _old_guest(now - timedelta(days=guest_days))
    # The guests' own mails and answers first: they are found through the registrations'
    # addresses, which the anonymization erases.
    guest_mails = scrub.forget(select(OutboxEmail.id).where(_mail_of(old_guest)), recipient=True)
    guest_answers = erasure.erase(old_guest)
    counts = {
        "guest_mails_purged": guest_mails["purged"] + guest_mails["deleted"],
        "guest_answers_erased": guest_answers,
        "guest_registrations_anonymized": _anonymize(old_guest, now),
        "sensitive_answers_erased": erasure.erase(
            _of_events_ended_before(now - timedelta(days=sensitive_days)), Question.sensitive.is_(True)
        ),
        "mail_bodies_purged": scrub.purge_bodies(
            select(OutboxEmail.id).where(
                OutboxEmail.status == MailStatus.SENT.value,
                OutboxEmail.sent_at < now - timedelta(days=mail_days),
            )
        ),
        "login_records_deleted": throttle.forget_stale(now) + devices.end_stale(now),
    }
    if any(counts.values()):
        audit.record(
            None, "data.purged", guest_days=guest_days, mail_days=mail_days, sensitive_days=sensitive_days, **counts
        )
    return counts


def _of_events_ended_before(moment: datetime):
    return Registration.event_id.in_(select(Event.id).where(Event.ends_at < moment))


def _old_guest(ended_before: datetime):
    """Guest registrations that still name someone, of events that ended before the date."""
    return and_(
        Registration.member_id.is_(None), Registration.anonymized_at.is_(None), _of_events_ended_before(ended_before)
    )


def _mail_of(old_guest):
    """Mails of an old guest registration's event to its guest's address (no account: no member_id)."""
    return and_(
        OutboxEmail.member_id.is_(None),
        OutboxEmail.to_address != "",
        exists().where(
            old_guest,
            Registration.event_id == OutboxEmail.event_id,
            Registration.guest_email == OutboxEmail.to_address,
        ),
    )


def _anonymize(old_guest, now: datetime) -> int:
    return db.session.execute(
        update(Registration)
        .where(old_guest)
        .values(guest_name=None, guest_email=None, guest_organization="", client_key=None, anonymized_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def register_cli(app) -> None:
    @app.cli.command("purge")
    @click.option("--guest-days", type=int, default=None, help="Default GUEST_DATA_RETENTION_DAYS.")
    @click.option("--mail-days", type=int, default=None, help="Default MAIL_BODY_RETENTION_DAYS.")
    @click.option("--sensitive-days", type=int, default=None, help="Default SENSITIVE_ANSWER_RETENTION_DAYS.")
    def purge_command(guest_days, mail_days, sensitive_days):
        """Erase personal data past its retention period (safe to rerun; for a daily cron)."""
        counts = purge(guest_days=guest_days, mail_days=mail_days, sensitive_days=sensitive_days)
        db.session.commit()
        for name, count in counts.items():
            click.echo(f"{name}: {count}")
