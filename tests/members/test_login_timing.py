"""The time a login takes says nothing about the address typed: unknown, wrong password,
suspended, throttled all cost one password hash (before: an unknown address or a locked
account answered several times faster than a wrong password)."""

import statistics
import time

import pytest

from community.core.clock import utcnow
from community.core.extensions import db
from community.members.models import LoginThrottle
from tests.conftest import PASSWORD, csrf_token, make_config

WRONG = "not the right password at all"
TRIES = 20
# Medians of 20 tries on a loaded two-core machine: noise stays well under this ratio,
# while skipping the hash makes a path several times faster.
RATIO = 1.6


@pytest.fixture
def app_config(database_url, smtp_server):
    # Wrong passwords are never throttled here, so that each try of that path is a wrong password.
    return make_config(database_url, smtp_server.port, LOGIN_FREE_FAILURES=1000)


def test_every_path_of_a_refused_login_takes_the_same_time(app, make_member):
    make_member("ada@example.org", language="en")
    bob = make_member("bob@example.org", language="en")
    make_member("carol@example.org", language="en", suspended_at=utcnow())
    now = utcnow()
    # Bob is throttled from 127.0.0.1 for the whole test (as after many failures).
    db.session.add(
        LoginThrottle(member_id=bob.id, client="127.0.0.1", failures=1010, window_started_at=now, last_failed_at=now)
    )
    db.session.commit()
    paths = {
        "unknown address": ("nobody@example.org", WRONG),
        "wrong password": ("ada@example.org", WRONG),
        "suspended": ("carol@example.org", PASSWORD),
        "throttled": ("bob@example.org", PASSWORD),
    }
    clients = {name: app.test_client() for name in paths}
    tokens = {name: csrf_token(client, "/members/login") for name, client in clients.items()}
    times = {name: [] for name in paths}
    for _ in range(TRIES):
        for name, (email, password) in paths.items():  # interleaved: a slow moment hits every path
            data = {"email": email, "password": password, "csrf_token": tokens[name]}
            start = time.perf_counter()
            response = clients[name].post("/members/login", data=data)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, name
    medians = {name: statistics.median(spent) for name, spent in times.items()}
    print({name: f"{median * 1000:.1f} ms" for name, median in medians.items()})
    assert max(medians.values()) / min(medians.values()) < RATIO, medians
