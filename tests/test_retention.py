"""Retention: old guest data and old mail bodies are erased on schedule, and the
processing register and privacy notice state the configured periods."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxAttachment, OutboxEmail
from community.privacy import retention
from community.registrations.models import Registration
from tests.conftest import make_config, missing_from

DAY = timedelta(days=1)
# What a purge counts, when it finds nothing to erase.
NOTHING_PURGED = {
    "guest_mails_purged": 0,
    "guest_answers_erased": 0,
    "guest_registrations_anonymized": 0,
    "sensitive_answers_erased": 0,
    "mail_bodies_purged": 0,
    "login_records_deleted": 0,
}


def add_event(slug, ended_days_ago):
    ends = utcnow() - ended_days_ago * DAY
    event = Event(
        slug=slug, title=slug, starts_at=ends - timedelta(hours=3), ends_at=ends, status="published", confirmed_count=0
    )
    db.session.add(event)
    db.session.commit()
    return event


def guest(event, email):
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        status="confirmed",
        guest_name=f"Guest {email}",
        guest_email=email,
        guest_organization="Acme",
        client_key="a1b2c3",  # the keyed hash of the address they registered from
        created_at=event.starts_at - 5 * DAY,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def mail(to, *, days_ago, status="sent", event=None):
    moment = utcnow() - days_ago * DAY
    email = OutboxEmail(
        to_address=to,
        to_name="Someone",
        template="t",
        language="fr",
        subject=f"About {to}",
        body_text=f"Hello {to}",
        body_html=f"<p>Hello {to}</p>",
        status=status,
        created_at=moment,
        sent_at=moment if status == "sent" else None,
        event_id=event.id if event else None,
        attachments=[OutboxAttachment(filename="e.ics", content_type="text/calendar", data=b"BEGIN:VCALENDAR")],
    )
    db.session.add(email)
    db.session.commit()
    return email.id


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


@pytest.fixture
def history(app, make_member):
    old, recent = add_event("old", 400), add_event("recent", 10)
    member = make_member("member@example.org")
    db.session.add(
        Registration(
            event_id=old.id,
            category_id=old.categories[0].id,
            member_id=member.id,
            status="confirmed",
            created_at=old.starts_at,
        )
    )
    return {
        "old_guest": guest(old, "old.guest@example.org").id,
        "recent_guest": guest(recent, "recent.guest@example.org").id,
        "old_guest_mail": mail("old.guest@example.org", days_ago=405, event=old),
        "old_sent": mail("member@example.org", days_ago=100),
        "recent_sent": mail("member@example.org", days_ago=10),
        "old_pending": mail("member@example.org", days_ago=100, status="pending"),
        "old_failed": mail("member@example.org", days_ago=100, status="failed"),
    }


def test_old_guest_data_and_old_mail_bodies_go_recent_and_unsent_ones_stay(app, history):
    counts = retention.purge(utcnow(), guest_days=365, mail_days=90)
    db.session.commit()

    assert counts == dict(NOTHING_PURGED, guest_mails_purged=1, guest_registrations_anonymized=1, mail_bodies_purged=1)
    old = fresh(Registration, history["old_guest"])
    assert (old.guest_name, old.guest_email, old.guest_organization, old.client_key) == (None, None, "", None)
    assert old.anonymized_at is not None and old.status == "confirmed"  # still counted
    recent = fresh(Registration, history["recent_guest"])
    assert (recent.guest_email, recent.client_key) == ("recent.guest@example.org", "a1b2c3")
    # A member's registration is theirs to keep as long as the account exists.
    assert (
        db.session.scalar(select(func.count()).select_from(Registration).where(Registration.member_id.is_not(None)))
        == 1
    )

    guest_mail = fresh(OutboxEmail, history["old_guest_mail"])
    assert (guest_mail.to_address, guest_mail.body_text, guest_mail.status) == ("", "", "sent")
    old_sent = fresh(OutboxEmail, history["old_sent"])
    assert (old_sent.body_text, old_sent.body_html, old_sent.attachments) == ("", "", [])
    assert old_sent.subject == "About member@example.org" and old_sent.sent_at is not None  # the delivery record stays
    for kept in ("recent_sent", "old_pending", "old_failed"):
        email = fresh(OutboxEmail, history[kept])
        assert email.body_text.startswith("Hello") and len(email.attachments) == 1, kept

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "data.purged"))
    assert entry.actor_id is None and entry.changes == dict(counts, guest_days=365, mail_days=90, sensitive_days=30)


def test_running_the_purge_twice_changes_nothing_more(app, history):
    retention.purge(utcnow(), guest_days=365, mail_days=90)
    db.session.commit()
    again = retention.purge(utcnow(), guest_days=365, mail_days=90)
    db.session.commit()
    assert again == NOTHING_PURGED
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(OutboxAttachment)) == 3


def test_the_cron_command_uses_the_configured_periods_and_prints_the_counts(app, history):
    app.config.update(GUEST_DATA_RETENTION_DAYS=5, MAIL_BODY_RETENTION_DAYS=5)
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "guest_registrations_anonymized: 2" in result.output and "mail_bodies_purged: 2" in result.output
    assert fresh(Registration, history["recent_guest"]).guest_email is None


def test_counts_of_failed_logins_past_their_hour_and_sessions_past_their_life_go(app, make_member):
    """They hold IP addresses and devices: kept no longer than they serve, even if the member never comes back."""
    from community.members.models import LoginSession, LoginThrottle

    member = make_member("ada@example.org")
    now = utcnow()
    lifetime = timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"])
    db.session.add_all(
        [
            *(
                LoginThrottle(
                    member_id=member.id,
                    client=client,
                    failures=3,
                    window_started_at=now - timedelta(minutes=minutes),
                    last_failed_at=now,
                )
                for client, minutes in (("198.51.100.1", 61), ("198.51.100.2", 59))  # one past its hour, one within
            ),
            LoginSession(member_id=member.id, token_hash="a" * 64, last_used_at=now - lifetime - timedelta(minutes=1)),
            LoginSession(member_id=member.id, token_hash="b" * 64, last_used_at=now - lifetime + timedelta(minutes=1)),
        ]
    )
    db.session.commit()
    assert retention.purge(now)["login_records_deleted"] == 2
    db.session.commit()
    assert db.session.scalars(select(LoginThrottle.client)).all() == ["198.51.100.2"]
    assert db.session.scalars(select(LoginSession.token_hash)).all() == ["b" * 64]


@pytest.fixture
def app_config(database_url, smtp_server):
    return make_config(
        database_url,
        smtp_server.port,
        GUEST_DATA_RETENTION_DAYS=200,
        MAIL_BODY_RETENTION_DAYS=30,
        GUEST_HOLD_MINUTES=45,
        LOGIN_DEVICE_DAYS=90,
    )


def test_the_register_and_the_notice_state_the_configured_periods(app):
    client = app.test_client()
    register = client.get("/privacy/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    headings = (
        "Member accounts",
        "Event registrations, including guests",
        "Check-ins at the door",
        "Door lists and name badges printed",
        "Working groups",
        "Mail outbox",
        "Audit log",
        "Security records and rate limits",
        "Answers to an event&#39;s registration questions",
        "Answers to sensitive questions",
    )
    assert missing_from(register, *(f"{name}</h2>" for name in headings)) == []
    periods = ("erased 200 days after the event", "deleted 30 days after sending")  # the notice says them too
    others = ("held 45 minutes", "the device cookie lasts 90 days", "valid 48 hours")
    assert missing_from(register, *periods, *others) == []
    assert register.count("Legal basis") == 10
    notice = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert missing_from(notice, *periods) == []
    assert 'href="/privacy/register"' in notice
