"""Mail fixtures: a probe mail rendered through the real outbox and layout, a switch
that takes the real SMTP server down, and a way to run code as a separate worker."""

import threading
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select, update

from community.core.clock import utcnow
from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.mail.outbox import external_url, queue_email

# tests/mail/templates/mail/probe.{txt,html}: a test-only mail that extends the real layout.
TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture
def probe(app):
    """Queue a probe mail through queue_email; commits unless told not to."""
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(TEST_TEMPLATES), app.jinja_env.loader])

    def _queue(to="ada@example.org", *, to_name="Ada Lovelace", language="en", subject="Probe", commit=True, **kwargs):
        email = queue_email(
            "probe",
            to=to,
            to_name=to_name,
            language=language,
            subject=subject,
            link=external_url("pages.privacy"),
            **kwargs,
        )
        if commit:
            db.session.commit()
        return email

    return _queue


class SmtpSwitch:
    def __init__(self, server):
        self.server, self.is_up = server, True

    def down(self):
        self.server.stop()
        self.is_up = False

    def up(self):
        self.server.start()
        self.is_up = True


@pytest.fixture
def smtp_switch(smtp_server):
    """Take the real SMTP server down and back up; it is always up after the test."""
    switch = SmtpSwitch(smtp_server)
    yield switch
    if not switch.is_up:
        switch.up()


def make_due(*ids):
    """Move the next attempt of these mails (all when none given) to now."""
    query = update(OutboxEmail).values(next_attempt_at=utcnow())
    if ids:
        query = query.where(OutboxEmail.id.in_(ids))
    db.session.execute(query)
    db.session.commit()


def fresh(email_id: int) -> OutboxEmail:
    """The row as the database holds it now (other workers may have changed it)."""
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(OutboxEmail).where(OutboxEmail.id == email_id))


def in_worker(app, function, *args, timeout=30, **kwargs):
    """Run `function` in another thread with its own app context, session and connection."""
    result, errors = [], []

    def target():
        with app.app_context():
            try:
                result.append(function(*args, **kwargs))
            except BaseException as exc:  # handed back to the test below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name="test-worker")
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{function.__name__} did not finish within {timeout} s"
    if errors:
        raise errors[0]
    return result[0]
