"""Real threads, real connections: the seat engine never oversells and never fails under a rush."""

import queue
import random
import re
import threading
import time

import pytest
from sqlalchemy import func, select

from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations import newcomer, seats, services, waiting_list
from community.registrations.models import Registration, new_ticket_code
from tests.conftest import threaded_config
from tests.factories import assert_invariants, seat_counts

THREADS = 32


@pytest.fixture
def app_config(database_url, smtp_server):
    return threaded_config(database_url, smtp_server.port, THREADS)


def run_in_threads(app, jobs, work, threads=THREADS):
    """Each thread has its own app context (so its own session and connection)."""
    todo = queue.Queue()
    for job in jobs:
        todo.put(job)
    outcomes, errors, lock = [], [], threading.Lock()
    start = threading.Barrier(threads)

    def worker():
        with app.app_context():
            start.wait()
            while True:
                try:
                    job = todo.get_nowait()
                except queue.Empty:
                    break
                began = time.monotonic()
                try:
                    result = work(job)
                    db.session.commit()
                    with lock:
                        outcomes.append(result)
                except Exception as exc:  # counted, asserted to be zero
                    db.session.rollback()
                    with lock:
                        errors.append(
                            f"{exc!r} after {time.monotonic() - began:.2f}s in {getattr(exc, 'statement', '')}"
                        )
            db.session.remove()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return outcomes, errors


def register(event_id):
    def work(member_id):
        event = db.session.get(Event, event_id)
        registration, _created = services.register_member(event, db.session.get(Member, member_id))
        return registration.status

    return work


def test_a_rush_of_2000_for_450_seats_confirms_exactly_450(app, make_event, bulk_members):
    event = make_event(capacity=450)
    member_ids = bulk_members(2000)
    random.Random(4).shuffle(member_ids)

    started = time.monotonic()
    outcomes, errors = run_in_threads(app, member_ids, register(event.id))
    elapsed = time.monotonic() - started

    assert errors == []
    assert outcomes.count("confirmed") == 450
    assert outcomes.count("waiting") == 1550
    count, seated, confirmed, waiting, _cap = seat_counts(event.id)
    assert (count, seated, confirmed, waiting) == (450, 450, 450, 1550)
    by_template = dict(
        db.session.execute(select(OutboxEmail.template, func.count()).group_by(OutboxEmail.template)).all()
    )
    # One confirmation per seat, one waiting-list mail (with the position) per person in line.
    assert by_template == {"event_confirmed": 450, "event_waiting": 1550}
    # The waiting list is in the order the seat engine put each person in it: places 1..1550,
    # no gaps, no ties, each as its mail said.
    line = db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waiting")
        .order_by(Registration.line_number)
    ).all()
    assert [r.line_number for r in line] == list(range(1, 1551))
    told = dict(
        db.session.execute(
            select(OutboxEmail.to_address, OutboxEmail.body_text).where(OutboxEmail.template == "event_waiting")
        ).all()
    )
    places = {r.email: int(re.search(r"(?:number|position) (\d+)", told[r.email]).group(1)) for r in line}
    assert [places[r.email] for r in line] == [r.line_number for r in line]
    assert [waiting_list.position(r) for r in line[:20]] == list(range(1, 21))
    assert waiting_list.position(line[-1]) == 1550
    print(
        f"\n{db.engine.dialect.name}: 2000 registrations by {THREADS} threads in {elapsed:.2f}s "
        f"({2000 / elapsed:.0f}/s)"
    )


def test_cancellations_racing_registrations_keep_the_count_true(app, make_event, bulk_members):
    event = make_event(capacity=60)
    ids = bulk_members(400)
    first, later = ids[:120], ids[120:]
    run_in_threads(app, first, register(event.id), threads=8)
    confirmed_ids = list(
        db.session.scalars(
            select(Registration.id).where(Registration.event_id == event.id, Registration.status == "confirmed")
        )
    )
    assert len(confirmed_ids) == 60
    jobs = [("cancel", rid) for rid in confirmed_ids[:40]] + [("register", mid) for mid in later]
    random.Random(7).shuffle(jobs)

    def work(job):
        kind, ident = job
        if kind == "cancel":
            return len(services.cancel_registration(db.session.get(Registration, ident)))
        return register(event.id)(ident)

    outcomes, errors = run_in_threads(app, jobs, work)
    assert errors == []
    assert_invariants(event.id)
    count, _seated, confirmed, waiting, _cap = seat_counts(event.id)
    assert count == confirmed == 60
    assert waiting == 400 - 40 - 60  # everyone else still waits, nobody lost
    # One confirmation mail per seat ever given: 60 seated now + 40 who later cancelled.
    mails = db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "event_confirmed")
    )
    assert mails == 100


def naive_place(event, registration, now):
    """What a tool without a lock does: count in Python, then insert. Never use this."""
    registration.ticket_code, registration.created_at = new_ticket_code(), now
    taken = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
    )
    time.sleep(
        0.02
    )  # the gap between check and insert that a busy server always has (wide: the control must not depend on luck)
    registration.start("confirmed" if taken < event.capacity else "waiting", now)
    newcomer.write(registration, newcomer.compose(registration))
    return registration


def test_the_harness_catches_an_oversell_with_a_naive_gate(app, make_event, bulk_members, monkeypatch):
    event = make_event(capacity=10)
    ids = bulk_members(200)
    monkeypatch.setattr(seats, "place", naive_place)

    outcomes, errors = run_in_threads(app, ids, register(event.id))

    assert errors == []
    _count, _seated, confirmed, _waiting, cap = seat_counts(event.id)
    assert confirmed > cap, "the control should oversell; if it does not, the race harness proves nothing"
