"""A registration the database had to abandon (deadlock, serialization failure,
lock wait too long) gives the "busy, try again" page, never a 500."""
import psycopg.errors
import pytest
from sqlalchemy.exc import OperationalError

from community.events import services
from tests.conftest import login, post_form

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
