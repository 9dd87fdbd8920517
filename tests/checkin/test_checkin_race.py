"""The morning rush: 450 people, 4 stewards with their own phones (threads, each with
its own app context, session and connection), every ticket scanned by all four at
nearly the same moment. Exactly one check-in per person, every other scan reported
as "already checked in", nothing lost, no error, on SQLite and PostgreSQL."""

import random
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, insert, select

from community.checkin import queries as door
from community.checkin import services as checkin
from community.checkin.models import CheckIn
from community.core import writegate
from community.core.extensions import db
from community.events.models import Event
from community.members.models import Member
from community.registrations import services
from community.registrations.errors import CheckedIn
from community.registrations.models import Registration
from tests.checkin.checkin_support import bulk_seats, name_staff
from tests.conftest import threaded_config
from tests.factories import assert_invariants

STEWARDS = 4
PEOPLE = 450
# Each steward follows the queue in the same order, shuffled within small blocks: the four
# phones reach the same ticket within milliseconds of each other, as at a crowded door.
BLOCK = 6


@pytest.fixture
def app_config(database_url, smtp_server):
    return threaded_config(database_url, smtp_server.port, STEWARDS)


def overlapping_rounds(codes, seed):
    rng = random.Random(seed)
    round_ = []
    for start in range(0, len(codes), BLOCK):
        block = codes[start : start + BLOCK]
        rng.shuffle(block)
        round_.extend(block)
    return round_


def rush(app, event_id, steward_ids, codes):
    """Each steward scans every code in their own order; returns outcomes, errors, seconds."""
    outcomes, errors, lock = [], [], threading.Lock()
    start = threading.Barrier(len(steward_ids))

    def steward(index, member_id):
        with app.app_context():
            event = db.session.get(Event, event_id)
            me = db.session.get(Member, member_id)
            queue = overlapping_rounds(list(codes), seed=index)
            start.wait()
            for code in queue:
                try:
                    result = checkin.check_in(me, event, code, gate=f"Door {index + 1}")
                    db.session.commit()
                    with lock:
                        outcomes.append((code, result.outcome))
                except Exception as exc:  # counted, asserted to be zero
                    db.session.rollback()
                    with lock:
                        errors.append(repr(exc)[:300])
            db.session.remove()

    threads = [threading.Thread(target=steward, args=(i, member_id)) for i, member_id in enumerate(steward_ids)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors, time.monotonic() - began


@pytest.fixture
def summit(app, make_event, make_member, bulk_members):
    event = make_event(title="Summit")
    codes = bulk_seats(event, bulk_members(PEOPLE, "attendee"))
    stewards = []
    for i in range(STEWARDS):
        member = make_member(f"steward{i}@example.org", name=f"Steward {i}")
        name_staff(event, member)
        stewards.append(member.id)
    return event.id, stewards, codes


def test_450_people_scanned_by_4_stewards_at_once_are_checked_in_exactly_once(app, summit):
    event_id, stewards, codes = summit

    outcomes, errors, seconds = rush(app, event_id, stewards, codes)

    assert errors == []
    by_outcome = Counter(outcome for _code, outcome in outcomes)
    assert by_outcome == {checkin.Outcome.CHECKED_IN: PEOPLE, checkin.Outcome.ALREADY: PEOPLE * (STEWARDS - 1)}
    # Each ticket: one "checked in" and three "already", whoever won.
    per_code = Counter((code, outcome) for code, outcome in outcomes)
    assert all(per_code[(code, checkin.Outcome.CHECKED_IN)] == 1 for code in codes)
    rows = db.session.execute(
        select(CheckIn.registration_id, func.count())
        .where(CheckIn.event_id == event_id)
        .group_by(CheckIn.registration_id)
    ).all()
    assert len(rows) == PEOPLE and all(count == 1 for _rid, count in rows)
    assert door.live_count(db.session.get(Event, event_id)) == (PEOPLE, PEOPLE)
    # The rush was shared, not run by one thread after another: several doors won tickets.
    # (Not necessarily all four: a steward a step behind a neighbour in the same order
    # can lose every race; seen once in CI on PostgreSQL, with Door 3 at 0.)
    gates = dict(db.session.execute(select(CheckIn.gate, func.count()).group_by(CheckIn.gate)).all())
    assert len(gates) >= 2 and set(gates) <= {f"Door {i}" for i in range(1, STEWARDS + 1)}, gates
    scans = len(outcomes)
    print(
        f"\n{db.engine.dialect.name}: {scans} scans ({PEOPLE} people x {STEWARDS} stewards) in {seconds:.2f}s, "
        f"{scans / seconds:.0f} scans/s; check-ins per door {dict(sorted(gates.items()))}"
    )


def naive_insert(values):
    """What a tool without ON CONFLICT does: look, then insert. Never use this."""
    taken = db.session.scalar(
        select(CheckIn.id).where(CheckIn.registration_id == values["registration_id"], CheckIn.undone_at.is_(None))
    )
    time.sleep(0.002)  # the gap between look and insert that a busy server always has
    if taken is not None:
        return select(CheckIn.id).where(CheckIn.id == taken).where(CheckIn.id.is_(None))  # no row: "already"
    return insert(CheckIn).values(**values).returning(CheckIn.id)


def test_the_harness_makes_stewards_collide_on_the_same_ticket(app, summit, monkeypatch):
    """Control: with look-then-insert, the same rush meets the unique index (errors) — so the
    race test above really has stewards scanning one ticket at the same moment."""
    event_id, stewards, codes = summit
    monkeypatch.setattr(checkin, "_insert_active", naive_insert)
    # SQLite's write gate would queue the look with the insert; a naive tool has no gate either.
    monkeypatch.setattr(writegate, "enter", lambda session: None)

    outcomes, errors, _seconds = rush(app, event_id, stewards, codes[:120])

    assert errors, "the naive control should collide; if it does not, the race harness proves nothing"
    assert any("IntegrityError" in error for error in errors), errors[:3]


def test_stewards_and_cancellations_at_the_same_moment_never_leave_a_cancelled_person_checked_in(app, summit):
    """At the door, one attendee scans in while (from their phone, or an organizer)
    the same registration is cancelled. Whichever wins, the other is refused with a
    message: a person ends up either let in and still registered, or cancelled and
    never let in. No error, and the seat count stays true."""
    event_id, stewards, codes = summit
    codes = codes[:120]
    ids = dict(
        db.session.execute(
            select(Registration.ticket_code, Registration.id).where(Registration.ticket_code.in_(codes))
        ).all()
    )
    outcomes, errors, lock = Counter(), [], threading.Lock()
    start = threading.Barrier(2)

    def steward():
        with app.app_context():
            event, me = db.session.get(Event, event_id), db.session.get(Member, stewards[0])
            start.wait()
            for code in overlapping_rounds(list(codes), seed=1):
                try:
                    result = checkin.check_in(me, event, code)
                    db.session.commit()
                    with lock:
                        outcomes[f"scan {result.outcome.value}"] += 1
                except Exception as exc:  # counted, asserted to be zero
                    db.session.rollback()
                    errors.append(repr(exc)[:300])
            db.session.remove()

    def canceller():
        with app.app_context():
            start.wait()
            for code in overlapping_rounds(list(codes), seed=2):  # the same tickets at nearly the same moment
                try:
                    services.cancel_registration(db.session.get(Registration, ids[code]))
                    db.session.commit()
                    with lock:
                        outcomes["cancelled"] += 1
                except CheckedIn:
                    db.session.rollback()
                    with lock:
                        outcomes["cancel refused: checked in"] += 1
                except Exception as exc:  # counted, asserted to be zero
                    db.session.rollback()
                    errors.append(repr(exc)[:300])
            db.session.remove()

    threads = [threading.Thread(target=steward), threading.Thread(target=canceller)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    rows = db.session.execute(
        select(Registration.status, CheckIn.id)
        .outerjoin(CheckIn, (CheckIn.registration_id == Registration.id) & CheckIn.undone_at.is_(None))
        .where(Registration.id.in_(ids.values()))
    ).all()
    assert Counter((status, check_in is not None) for status, check_in in rows) == {
        ("confirmed", True): outcomes["cancel refused: checked in"],
        ("cancelled", False): outcomes["cancelled"],
    }
    assert outcomes["cancelled"] + outcomes["cancel refused: checked in"] == len(codes)
    assert outcomes["scan checked_in"] == outcomes["cancel refused: checked in"]
    # Both sides won some: they met on the same tickets.
    assert outcomes["cancelled"] > 0 and outcomes["cancel refused: checked in"] > 0, outcomes
    assert_invariants(event_id)
    print(f"\n{db.engine.dialect.name}: {dict(outcomes)}")
