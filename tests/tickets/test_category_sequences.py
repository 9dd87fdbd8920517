"""A seeded random walk over an event with ticket categories, codes, quota changes and a
release date keeps every invariant: the capacity, each quota, the reserve, nobody waiting
while their category has a free seat."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.members.models import Member
from community.registrations import limits, seats, services
from community.registrations.models import LIVE, Registration
from community.tickets import codes
from community.tickets import services as tickets
from community.tickets.services import CategoryData
from tests.factories import pick_registration, random_walk
from tests.tickets.conftest import held_for


def _walk_setup(make_event, bulk_members, add_category, make_group, organizer, seed):
    event = make_event(capacity=8)
    member_ids = bulk_members(40, prefix=f"walk{seed}-")
    group = make_group(f"G{seed}", member_ids=member_ids[::2])
    press = add_category(event, "Presse", quota=3)
    group_seats = add_category(event, "Groupe", quota=2, **held_for(group, until=utcnow() + timedelta(hours=30)))
    officials = add_category(event, "Officiels", quota=2, admits="code", listed=False, reserving=True)
    made = codes.create(organizer, officials, count=3, uses_allowed=2)
    db.session.commit()
    return event, member_ids, [event.categories[0], press, group_seats, officials], [c.code for c in made]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_with_categories_keep_every_limit(
    app, make_event, bulk_members, add_category, make_group, organizer, seed
):
    rng = random.Random(seed)
    event, member_ids, categories, code_texts = _walk_setup(
        make_event, bulk_members, add_category, make_group, organizer, seed
    )
    category_ids = [c.id for c in categories]

    def act(op, event, now):
        if op == "member":
            member = db.session.get(Member, rng.choice(member_ids))
            services.register_member(event, member, now=now, category_id=rng.choice(category_ids[:3]))
        elif op == "guest":
            services.register_guest(event, name="G", email=f"g{rng.randint(1, 20)}@example.net", now=now)
        elif op == "code":
            member = db.session.get(Member, rng.choice(member_ids))
            services.register_member(event, member, now=now, code=rng.choice(code_texts))
        elif op in ("cancel", "confirm", "move"):
            target = pick_registration(rng, event.id, ["held"] if op == "confirm" else LIVE)
            if target:
                if op == "cancel":
                    services.cancel_registration(target, now=now)
                elif op == "confirm":
                    services.confirm_guest(target, now=now)
                else:
                    tickets.move_registration(
                        organizer, target, rng.choice(category_ids), over_quota=rng.random() < 0.3, now=now
                    )
        elif op == "capacity":
            limits.change_capacity(event, rng.randint(4, 14), now=now)
        elif op == "quota":
            category = db.session.get(type(categories[1]), rng.choice(category_ids[1:3]))
            data = CategoryData(
                name_fr=category.name_fr,
                quota=rng.randint(0, 5),
                admits=category.admits,
                group_ids=[g.id for g in category.groups],
                reserving=category.reserving,
                reserved_until=category.reserved_until,
            )
            tickets.edit_category(organizer, category, data, now=now)
        else:
            seats.expire_holds(now)

    def release_due(now):
        seats.release_due(db.session.get(Event, event.id), now)
        db.session.commit()

    random_walk(
        rng,
        event.id,
        steps=200,
        ops=["member", "member", "guest", "code", "cancel", "cancel", "capacity", "quota", "move", "expire", "confirm"],
        pause=lambda: timedelta(minutes=rng.randint(1, 60)),  # the release date passes on the way
        act=act,
        after_step=release_due,
    )
    # The walk went where it should: past the release date, through codes and every category.
    assert not db.session.get(type(categories[2]), category_ids[2]).reserving
    used = db.session.scalars(select(Registration.category_id).where(Registration.event_id == event.id)).all()
    assert set(used) == set(category_ids)
    assert db.session.scalar(select(Registration.id).where(Registration.code_id.is_not(None)).limit(1)) is not None
