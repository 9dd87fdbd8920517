"""A registration the database had to abandon (deadlock, serialization failure,
lock wait too long) gives the "busy, try again" page, never a 500."""

import threading
import time

import psycopg.errors
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from community.core.extensions import db
from community.events.models import Event
from community.registrations import seat_count, services
from community.registrations.models import Registration
from tests.conftest import login, make_config, post_form

ABANDONED = [
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.SerializationFailure("could not serialize access due to concurrent update"),
    psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
]


@pytest.mark.parametrize("cause", ABANDONED, ids=lambda cause: type(cause).__name__)
def test_an_abandoned_transaction_asks_to_try_again(client, make_member, make_event, monkeypatch, cause):
    event = make_event(capacity=10)
    member = make_member()
    login(client, member)

    def abandoned(*_args, **_kwargs):
        raise OperationalError("INSERT INTO registration ...", {}, cause)

    monkeypatch.setattr(services, "register_member", abandoned)
    response = post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    assert response.status_code == 503


@pytest.fixture
def app_config(database_url, smtp_server):
    # A short bound, so the test waits half a second rather than five.
    return make_config(database_url, smtp_server.port, LOCK_WAIT_SECONDS=0.5)


def test_a_registration_that_waits_too_long_for_the_event_lock_asks_to_try_again(app, client, make_member, make_event):
    """A real lock held by another transaction (an organizer's long edit, say): the
    wait is bounded on both databases, nothing is written, and the page says why."""
    event = make_event(capacity=10)
    member = make_member(language="en")
    login(client, member)
    token_page = f"/events/{event.slug}"
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with app.app_context():
            seat_count.lock_event(event.id)
            holding.set()
            release.wait(10)
            db.session.rollback()
            db.session.remove()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        response = post_form(client, f"/events/{event.slug}/register", token_from=token_page)
        waited = time.monotonic() - started
    finally:
        release.set()
        holder.join(10)
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0  # clients and proxies know when to come back
    assert 0.4 < waited < 4  # bounded by LOCK_WAIT_SECONDS, not by the holder
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db.session.get(Event, event.id).confirmed_count == 0
