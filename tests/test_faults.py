"""Faults a real server meets, with real processes: a gunicorn worker killed with SIGKILL in
the middle of a registration rush. Every registration answered with success exists with its
mail, none is half written, and the event's count equals its rows."""

import os
import signal
import threading
import time
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.bench import registration_rush as rush
from tests.bench import sessions as logins
from tests.bench.load import drive, free_port, process_tree
from tests.bench.server import gunicorn

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
REGISTRANTS, SEATS, CLIENTS = 400, 100, 8


def _rows(app):
    """Registrations, mails, seats counted by the event, seated rows, registrations without exactly
    one mail, and the (email, status) of the live ones."""
    from community.core.extensions import db
    from community.events.models import Event
    from community.mail.models import OutboxEmail
    from community.members.models import Member
    from community.registrations.models import Registration

    with app.app_context():
        one_mail = (
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.dedupe_key.contains(Registration.ticket_code))
            .scalar_subquery()
        )
        found = (
            db.session.scalar(select(func.count()).select_from(Registration)),
            db.session.scalar(select(func.count()).select_from(OutboxEmail)),
            db.session.scalar(select(Event.confirmed_count)),
            db.session.scalar(
                select(func.count()).select_from(Registration).where(Registration.status.in_(("confirmed", "held")))
            ),
            db.session.scalar(select(func.count()).select_from(Registration).where(one_mail != 1)),
            set(
                db.session.execute(
                    select(Member.email, Registration.status)
                    .join(Member, Member.id == Registration.member_id)
                    .where(Registration.status != "cancelled")
                ).all()
            ),
        )
        db.session.remove()
        db.engine.dispose()
    return found


@contextmanager
def seeded_gunicorn(url: str, workdir, registrants: int, seats: int, workers: int):
    """The rush's event and members in the database at `url`, served by gunicorn (the app loaded
    before forking, as `community serve` does); yields (app, emails, port, gunicorn's process)."""
    port = free_port()
    app = rush.bench_app(url, f"http://127.0.0.1:{port}")
    rush.build_schema(app)
    emails, _extra = rush.seed(app, registrants, seats)
    env = {"DATABASE_URL": url, "SECRET_KEY": rush.SECRET_KEY, "BASE_URL": f"http://127.0.0.1:{port}"}
    env |= {"RATELIMIT_ENABLED": "0", "RATELIMIT_STORAGE_URI": "memory://"}
    shape = SimpleNamespace(workers=workers, threads=2, worker_class="gthread", preload=True)
    with gunicorn("app:app", port, env, shape, workdir / "gunicorn.log") as server:
        yield app, emails, port, server


@pytest.mark.parametrize("database", DATABASES)
def test_a_web_worker_killed_mid_rush_loses_only_its_unanswered_requests(database, tmp_path):
    admin_url = os.environ["TEST_DATABASE_URL"] if database == "postgresql" else None
    with rush.fresh_database(admin_url, tmp_path, name="faults_rush") as url:
        with seeded_gunicorn(url, tmp_path, REGISTRANTS, SEATS, workers=3) as (app, emails, port, server):
            sessions = logins.forge(app, emails)
            killed = []

            def kill_a_worker_midway():
                deadline = time.monotonic() + 60
                while _rows(app)[0] < REGISTRANTS // 4 and time.monotonic() < deadline:
                    time.sleep(0.05)
                victim = process_tree(server.pid)[1]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

            killer = threading.Thread(target=kill_a_worker_midway)
            killer.start()
            results, _started = drive(port, sessions, CLIENTS, rush.register, 120)
            killer.join()

        serializer = app.session_interface.get_signing_serializer(app)
        outcomes = [rush.outcome_of(result, serializer) for result in results]
        registrations, mails, counted, seated, without_one_mail, live = _rows(app)

    assert killed, "a worker must have been killed during the rush"
    # Nothing half written: each registration with exactly one mail, the count equal to the rows.
    assert without_one_mail == 0 and mails == registrations
    assert counted == seated <= SEATS
    # Every success the server answered is in the database as it said.
    for email, outcome in zip(emails, outcomes):
        if outcome in ("confirmed", "waiting"):
            assert (email, outcome) in live, email
    answered = sum(outcome != "error" for outcome in outcomes)
    assert answered >= REGISTRANTS - CLIENTS * 2  # only the requests in flight on the killed worker are lost
    print(f"\n{database}: worker {killed[0]} killed; {answered} answered, {registrations} written, {seated} seated")
