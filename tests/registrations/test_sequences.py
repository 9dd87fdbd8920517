"""A seeded random walk of register / cancel / capacity change / hold expiry keeps the invariants."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations import limits, seats, services
from community.registrations.models import LIVE, Registration
from tests.factories import assert_invariants, pick_registration, random_walk, seat_counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_keep_seats_and_waiting_list_consistent(app, make_event, bulk_members, seed):
    rng = random.Random(seed)
    event = make_event(capacity=5)
    member_ids = bulk_members(40, prefix=f"seq{seed}-")

    def act(op, event, now):
        if op == "member":
            services.register_member(event, db.session.get(Member, rng.choice(member_ids)), now=now)
        elif op == "guest":
            services.register_guest(event, name="Guest", email=f"guest{rng.randint(1, 30)}@example.net", now=now)
        elif op in ("cancel", "confirm"):
            target = pick_registration(rng, event.id, ["held"] if op == "confirm" else LIVE)
            if target:
                (services.cancel_registration if op == "cancel" else services.confirm_guest)(target, now=now)
        elif op == "capacity":
            limits.change_capacity(
                event, rng.choice([None, 0, 2, 5, 8, 12]) if rng.random() < 0.1 else rng.randint(0, 12), now=now
            )
        else:
            seats.expire_holds(now)

    random_walk(
        rng,
        event.id,
        steps=250,
        ops=["member", "member", "guest", "guest", "cancel", "cancel", "capacity", "expire", "confirm"],
        pause=lambda: timedelta(minutes=rng.randint(1, 90)),
        act=act,
    )
    count, seated, *_rest = seat_counts(event.id)
    assert count == seated


def test_lowering_capacity_below_the_seats_taken_is_refused(app, make_event, bulk_members):
    event = make_event(capacity=3)
    for member_id in bulk_members(3):
        services.register_member(event, db.session.get(Member, member_id))
    db.session.commit()
    with (
        app.test_request_context(headers={"Accept-Language": "en"}),
        pytest.raises(DomainError, match="3 seats are already taken"),
    ):
        limits.change_capacity(event, 2, utcnow())
    db.session.rollback()
    assert db.session.get(Event, event.id).capacity == 3


def test_an_expired_guest_hold_gives_the_seat_to_the_longest_waiting_member(app, make_event, bulk_members):
    event = make_event(capacity=1)
    guest, _ = services.register_guest(event, name="Ada", email="ada@example.net")
    db.session.commit()
    first, second = bulk_members(2)
    waiting_first, _ = services.register_member(event, db.session.get(Member, first))
    services.register_member(event, db.session.get(Member, second))
    db.session.commit()
    assert guest.status == "held" and waiting_first.status == "waiting"

    assert seats.expire_holds(utcnow() + timedelta(hours=25)) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, guest.id).status == "cancelled"
    assert db.session.get(Registration, waiting_first.id).status == "confirmed"
    assert_invariants(event.id)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_walks_where_guest_holds_run_out_before_anyone_queues(app, make_event, bulk_members, seed):
    """Small event, guests' holds left to run out (days pass between steps), few
    people in line: a newcomer is often the one the expiry promotes. The seat
    count must stay true and nobody may end up with a waiting-list mail for a
    registration that never waited."""
    rng = random.Random(seed)
    event = make_event(capacity=2, starts_in=timedelta(days=120))  # the walk covers about two months
    member_ids = bulk_members(30, prefix=f"walk{seed}-")

    def act(op, event, now):
        if op == "guest":
            services.register_guest(event, name="Guest", email=f"walker{rng.randint(1, 60)}@example.net", now=now)
        elif op == "member":
            services.register_member(event, db.session.get(Member, rng.choice(member_ids)), now=now)
        else:
            target = pick_registration(rng, event.id)
            if target:
                services.cancel_registration(target, now=now)

    random_walk(
        rng,
        event.id,
        steps=120,
        ops=["guest", "guest", "member", "cancel"],
        pause=lambda: timedelta(hours=rng.choice([1, 2, 30])),
        act=act,
    )
    # A waiting-list mail only for registrations that were on the list at some point.
    never_waited = db.session.scalars(
        select(Registration.ticket_code).where(Registration.event_id == event.id, Registration.waitlisted_at.is_(None))
    ).all()
    waiting_mails = set(
        db.session.scalars(select(OutboxEmail.dedupe_key).where(OutboxEmail.template == "event_waiting"))
    )
    assert not {f"event-waiting:{code}" for code in never_waited} & waiting_mails
