"""The worker killed with SIGKILL in the middle of a delivery (a real process, a real SMTP
server that is slow to answer): once another worker runs, every mail is delivered, and at
most the one that was being sent arrives twice."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from tests.conftest import Mailbox, free_port

ROOT = Path(__file__).resolve().parents[2]
MAILS = 12


class SlowMailbox(Mailbox):
    """Takes its time before saying "accepted": a worker is killed while it waits."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def worker(app, port):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": app.config["BASE_URL"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_STUCK_SECONDS": "2",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "mail-worker", "--interval", "0.2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def sent() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(OutboxEmail.status == "sent"))


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_worker_killed_mid_delivery_leaves_every_mail_delivered_at_most_one_twice(app, probe):
    for n in range(MAILS):
        probe(f"person{n}@example.org", subject=f"Probe {n}")
    mailbox, port = SlowMailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    first = second = None
    try:
        first = worker(app, port)
        wait_until(lambda: len(mailbox.messages) >= 3)
        time.sleep(0.15)  # in the middle of the next exchange
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        in_flight = db.session.scalar(select(func.count()).where(OutboxEmail.status == "sending"))
        second = worker(app, port)
        wait_until(lambda: sent() == MAILS)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
        controller.stop()

    received = Counter(message["Message-ID"] for _rcpt, message in mailbox.messages)
    ids = set(db.session.scalars(select(OutboxEmail.id)))
    assert len(received) == MAILS == len(ids)  # every mail arrived
    assert sum(received.values()) - MAILS <= 1  # at most one twice: the one being sent
    assert in_flight <= 1
    print(f"\n{in_flight} mail in flight when killed; {sum(received.values()) - MAILS} delivered twice")
