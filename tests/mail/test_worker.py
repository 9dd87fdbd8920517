"""The worker process: the CLI command, and a loop that outlives a failing round."""

import logging
import threading
import time

from sqlalchemy import select, text

from community.core.extensions import db
from community.jobs.worker import run as run_worker
from community.mail.models import OutboxEmail


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_flask_mail_worker_once_delivers_pending_mail(app, probe, mailbox):
    probe("ada@example.org")
    probe("bob@example.org")

    result = app.test_cli_runner().invoke(args=["mail-worker", "--once"])

    assert result.exit_code == 0, result.output
    assert len(mailbox.to("ada@example.org")) == len(mailbox.to("bob@example.org")) == 1
    assert db.session.scalars(select(OutboxEmail.status)).all() == ["sent", "sent"]


def rename_outbox(old: str, new: str) -> None:
    db.session.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))
    db.session.commit()


def test_the_worker_survives_a_database_error_and_delivers_once_the_database_is_back(app, probe, mailbox, caplog):
    caplog.set_level(logging.INFO, logger="community.mail")
    probe("ada@example.org")
    stop = threading.Event()

    def worker():
        with app.app_context():
            run_worker(interval=0.05, stop=stop, scheduled=False)

    # A real database error in every round: the outbox table is gone for a while.
    rename_outbox("outbox_email", "outbox_email_away")
    thread = threading.Thread(target=worker, name="mail-worker")
    try:
        thread.start()
        assert wait_until(lambda: sum("round failed" in r.getMessage() for r in caplog.records) >= 2)
        assert thread.is_alive()
    finally:
        rename_outbox("outbox_email_away", "outbox_email")
    try:
        assert wait_until(lambda: mailbox.to("ada@example.org"))
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(mailbox.to("ada@example.org")) == 1
    assert db.session.scalar(select(OutboxEmail.status)) == "sent"
