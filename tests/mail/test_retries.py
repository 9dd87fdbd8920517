"""SMTP failures: a mail waits and is retried with growing delays, a permanent
refusal fails it at once, and a mail whose worker died is sent again, once."""

from datetime import timedelta

from sqlalchemy import update

from community.core.clock import as_utc, utcnow
from community.core.extensions import db
from community.mail.delivery import deliver_pending
from community.mail.models import OutboxEmail
from tests.mail.conftest import fresh, make_due


def delay_after_last_attempt(row) -> timedelta:
    return as_utc(row.next_attempt_at) - as_utc(row.delivery_attempts[-1].at)


def test_a_mail_waits_while_smtp_is_down_and_arrives_exactly_once_when_it_is_back(probe, smtp_switch, mailbox):
    email = probe()
    smtp_switch.down()

    assert deliver_pending() == 0

    row = fresh(email.id)
    assert (row.status, row.attempts) == ("pending", 1)
    [attempt] = row.delivery_attempts
    assert attempt.ok is False and "ConnectionRefusedError" in attempt.error
    assert row.last_error == attempt.error
    assert delay_after_last_attempt(row) == timedelta(seconds=30)

    smtp_switch.up()
    assert deliver_pending() == 0  # back, but the mail is not due yet
    make_due(email.id)
    assert deliver_pending() == 1
    make_due(email.id)
    assert deliver_pending() == 0

    assert len(mailbox.to("ada@example.org")) == 1
    row = fresh(email.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [a.ok for a in row.delivery_attempts] == [False, True]


def test_the_delay_between_attempts_doubles_up_to_one_hour(probe, smtp_switch):
    email = probe()
    smtp_switch.down()

    delays = []
    for _ in range(10):
        make_due(email.id)
        deliver_pending()
        delays.append(delay_after_last_attempt(fresh(email.id)))

    seconds = [int(d.total_seconds()) for d in delays]
    assert seconds == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    row = fresh(email.id)
    assert (row.status, row.attempts, len(row.delivery_attempts)) == ("pending", 10, 10)


def test_a_mail_is_given_up_after_mail_retry_hours(app, probe, smtp_switch):
    hours = app.config["MAIL_RETRY_HOURS"]
    young, old = probe("young@example.org"), probe("old@example.org")
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == young.id).values(created_at=utcnow() - timedelta(hours=hours - 1))
    )
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == old.id)
        .values(created_at=utcnow() - timedelta(hours=hours, minutes=1))
    )
    db.session.commit()
    smtp_switch.down()

    deliver_pending()  # a dead server costs one attempt per round: one each
    deliver_pending()

    assert fresh(young.id).status == "pending"
    old_row = fresh(old.id)
    assert old_row.status == "failed" and "ConnectionRefusedError" in old_row.last_error


def test_a_dead_server_costs_one_attempt_per_round_and_the_backlog_follows_once_it_is_back(probe, smtp_switch, mailbox):
    emails = [probe(f"m{n}@example.org") for n in range(3)]
    smtp_switch.down()

    assert deliver_pending() == 0
    assert sorted(fresh(e.id).attempts for e in emails) == [0, 0, 1]

    smtp_switch.up()
    make_due()
    assert deliver_pending() == 3
    assert all(len(mailbox.to(f"m{n}@example.org")) == 1 for n in range(3))


def refused_once(probe, mailbox, reply: str):
    """A mail the server refuses with `reply` on the first round, then accepts again: the mail
    and its row after that round."""
    email = probe()
    mailbox.refuse_with = reply
    assert deliver_pending() == 0
    mailbox.refuse_with = None
    return email, fresh(email.id)


def test_a_permanent_refusal_fails_the_mail_at_once(probe, mailbox):
    email, row = refused_once(probe, mailbox, "550 5.1.1 no such user")

    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error and "no such user" in row.last_error
    make_due(email.id)
    assert deliver_pending() == 0  # never tried again
    assert fresh(email.id).attempts == 1
    assert mailbox.to("ada@example.org") == []


def test_a_temporary_refusal_is_retried_and_the_mail_arrives_once(probe, mailbox):
    email, row = refused_once(probe, mailbox, "451 4.3.0 try later")

    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in row.last_error
    assert delay_after_last_attempt(row) == timedelta(seconds=30)

    make_due(email.id)
    assert deliver_pending() == 1
    assert len(mailbox.to("ada@example.org")) == 1
    assert fresh(email.id).status == "sent"


def test_line_breaks_in_a_name_or_subject_cannot_inject_headers_and_the_mail_still_goes(probe, mailbox):
    evil = probe("eve@example.org", to_name="Eve\r\nBcc: victim@example.org")
    long = probe("long@example.org", subject="Re: \n" + "x" * 400)  # would not fit its column

    assert deliver_pending() == 2

    assert mailbox.to("victim@example.org") == []
    [message] = mailbox.to("eve@example.org")
    assert message["Bcc"] is None and "\n" not in fresh(evil.id).to_name
    [message] = mailbox.to("long@example.org")
    assert message["Subject"].startswith("Re: xxx") and len(fresh(long.id).subject) == 300


def test_a_row_with_an_injected_header_fails_alone_and_the_others_still_go(probe, mailbox):
    first = probe("first@example.org")
    evil = probe("eve@example.org")
    last = probe("last@example.org")
    # Written past queue_email (by hand, an old version, a script): refused at sending time.
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == evil.id).values(to_name="Eve\r\nBcc: victim@example.org")
    )
    db.session.commit()

    assert deliver_pending() == 2

    evil_row = fresh(evil.id)
    assert evil_row.status == "failed" and "BadHeaderError" in evil_row.last_error
    assert mailbox.to("victim@example.org") == [] and mailbox.to("eve@example.org") == []
    assert fresh(first.id).status == fresh(last.id).status == "sent"
    assert len(mailbox.to("first@example.org")) == len(mailbox.to("last@example.org")) == 1


def test_a_mail_stuck_in_sending_goes_back_to_pending_and_is_sent_once(app, probe, mailbox):
    stuck_after = timedelta(seconds=app.config["MAIL_STUCK_SECONDS"])
    lost = probe("lost@example.org")
    busy = probe("busy@example.org")
    # `lost` was claimed by a worker that died; `busy` by one that is still at work.
    for email, claimed_ago in ((lost, stuck_after + timedelta(minutes=1)), (busy, timedelta(minutes=1))):
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id)
            .values(status="sending", claimed_at=utcnow() - claimed_ago, attempts=1)
        )
    db.session.commit()

    assert deliver_pending() == 1
    assert deliver_pending() == 0

    assert len(mailbox.to("lost@example.org")) == 1
    assert mailbox.to("busy@example.org") == []
    assert (fresh(lost.id).status, fresh(lost.id).attempts) == ("sent", 2)
    assert fresh(busy.id).status == "sending"


def test_after_the_server_closes_on_a_421_the_next_mail_gets_a_fresh_connection(probe, mailbox):
    first, second = probe("first@example.org"), probe("second@example.org")
    mailbox.refuse_with = "421 4.3.2 service shutting down"

    deliver_pending()

    # Both mails got a real answer from the server, not a dead socket for the second.
    for email in (first, second):
        row = fresh(email.id)
        assert row.status == "pending" and "421" in row.last_error, row.last_error


def test_a_mail_retried_for_a_day_still_waits_one_hour_between_attempts(probe, smtp_switch):
    email = probe()
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id == email.id).values(attempts=60))
    db.session.commit()
    smtp_switch.down()

    deliver_pending()

    row = fresh(email.id)
    assert (row.status, row.attempts) == ("pending", 61)
    assert delay_after_last_attempt(row) == timedelta(hours=1)
