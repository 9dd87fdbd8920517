"""Several workers on one outbox: each mail leaves exactly once, on SQLite and PostgreSQL."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.mail.delivery import deliver_pending
from community.mail.mime import message_id
from community.mail.models import DeliveryAttempt, OutboxEmail
from tests.mail.conftest import in_worker

MAILS = 200


def test_two_workers_deliver_each_of_200_mails_exactly_once(app, probe, mailbox):
    for n in range(MAILS):
        probe(f"m{n}@example.org", commit=False)
    db.session.commit()
    start = threading.Barrier(2)

    def worker():
        # Each thread is a worker of its own: app context, session, connection.
        with app.app_context():
            start.wait()
            try:
                while deliver_pending(limit=5):  # small rounds, so the two keep meeting
                    pass
            finally:
                db.session.remove()

    with ThreadPoolExecutor(2, thread_name_prefix="mail-worker") as pool:
        for future in [pool.submit(worker) for _ in range(2)]:
            future.result(timeout=120)

    received = [m["Message-ID"] for m in mailbox.wait_for(MAILS)]
    assert len(received) == MAILS
    assert len(set(received)) == MAILS
    rows = db.session.scalars(select(OutboxEmail)).all()
    assert set(received) == {message_id(row) for row in rows}
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    # Both workers really took part (otherwise this test would prove nothing).
    per_worker = Counter(db.session.scalars(select(DeliveryAttempt.worker)).all())
    assert sum(per_worker.values()) == MAILS
    assert len(per_worker) == 2 and min(per_worker.values()) > 0, per_worker


def test_on_postgresql_a_worker_skips_a_mail_another_one_holds_instead_of_waiting(app, probe, mailbox):
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has a single writer")
    held = probe("held@example.org")
    probe("free@example.org")

    # Another worker is in the middle of claiming `held`: its row is locked.
    with db.engine.connect() as other:
        other.execute(select(OutboxEmail.id).where(OutboxEmail.id == held.id).with_for_update())
        assert in_worker(app, deliver_pending, timeout=10) == 1
        other.rollback()

    assert mailbox.to("held@example.org") == []
    assert len(mailbox.to("free@example.org")) == 1
    assert in_worker(app, deliver_pending) == 1
    assert len(mailbox.to("held@example.org")) == 1
