"""Real threads, real connections: with several categories, the event's capacity and each
quota hold exactly under a rush, while a release date passes and people cancel."""

import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations import newcomer, seats, services
from community.registrations.models import Registration, new_ticket_code
from community.tickets import services as tickets
from community.tickets.models import Category
from community.tickets.services import CategoryData
from tests.conftest import threaded_config
from tests.factories import assert_invariants
from tests.registrations.test_capacity_race import THREADS, run_in_threads
from tests.tickets.conftest import held_for


@pytest.fixture
def app_config(database_url, smtp_server):
    # The lock wait is longer than the app's 5 s: when the release date passes, one transaction
    # gives the freed seats to up to 60 waiting people, each mail rendered under the event lock,
    # and on a loaded 2-core CI machine the 31 other threads queue behind it (what is measured
    # here is that no limit breaks, not how long they wait).
    return threaded_config(database_url, smtp_server.port, THREADS, LOCK_WAIT_SECONDS=30)


RELEASE_AFTER = timedelta(seconds=2)


def _limits(event_id) -> dict:
    db.session.expire_all()
    return {c.name_fr: (c.taken, c.quota) for c in db.session.get(Event, event_id).categories}


def _summit(make_event, bulk_members, add_category, make_group, organizer):
    """450 seats; quotas 400 + 120 + 60 = 580, the last reserved for a group for two seconds."""
    event = make_event(capacity=450)
    ids = bulk_members(2000)
    group = make_group("Corpus", member_ids=ids[:600])
    general = event.categories[0]
    tickets.edit_category(organizer, general, CategoryData(name_fr=general.name_fr, quota=400))
    db.session.commit()
    members = add_category(event, "Membres", quota=120, admits="members")
    contributors = add_category(event, "Contributeurs", quota=60, **held_for(group, until=utcnow() + RELEASE_AFTER))
    return event, ids, (general.id, members.id, contributors.id)


def _jobs(ids, categories) -> list:
    """Each member asks for one category (group members a third of the time for theirs);
    one job in 25 cancels a seat taken earlier."""
    general, members, contributors = categories
    jobs = []
    for i, member_id in enumerate(ids):
        category = contributors if i < 600 and i % 3 == 0 else (members if i % 3 == 1 else general)
        jobs.append(("register", member_id, category))
        if i % 25 == 24:
            jobs.append(("cancel", None, None))
    random.Random(11).shuffle(jobs)
    return jobs


def test_a_rush_over_three_overlapping_quotas_holds_every_limit(
    app, make_event, bulk_members, add_category, make_group, organizer
):
    event, ids, categories = _summit(make_event, bulk_members, add_category, make_group, organizer)
    event_id, contributors = event.id, categories[2]
    jobs = _jobs(ids, categories)

    def work(job):
        kind, member_id, category_id = job
        if kind == "cancel":
            registration = db.session.scalar(
                select(Registration)
                .where(Registration.event_id == event_id, Registration.status == "confirmed")
                .order_by(func.random())
                .limit(1)
            )
            return "cancel", len(services.cancel_registration(registration)) if registration else 0
        registration, _ = services.register_member(
            db.session.get(Event, event_id), db.session.get(Member, member_id), category_id=category_id
        )
        return registration.status, category_id

    started = time.monotonic()
    outcomes, errors = run_in_threads(app, jobs, work)
    elapsed = time.monotonic() - started
    released_during_the_rush = not db.session.get(Category, contributors).reserving
    db.session.rollback()
    time.sleep(max(0.0, RELEASE_AFTER.total_seconds() - elapsed))
    seats.release_due(db.session.get(Event, event_id), utcnow())
    db.session.commit()

    assert errors == []
    limits = _limits(event_id)
    assert all(taken <= quota for taken, quota in limits.values()), limits
    event = db.session.get(Event, event_id)
    assert (event.confirmed_count, event.reserved_count) == (450, 0)  # sold out, nothing held back any more
    assert not db.session.get(Category, contributors).reserving
    assert_invariants(event_id)
    given = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event_id, Registration.confirmed_at.is_not(None))
    )
    sent = db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "event_confirmed")
    )
    assert sent == given  # one mail per seat ever given
    print(
        f"\n{db.engine.dialect.name}: {len(jobs)} jobs by {THREADS} threads in {elapsed:.2f}s "
        f"({len(jobs) / elapsed:.0f}/s), released during the rush: {released_during_the_rush}, limits {limits}"
    )


def naive_place(event, registration, now):
    """What a tool without a lock does: count the category's seats in Python, then insert. Never use this."""
    registration.ticket_code, registration.created_at = new_ticket_code(), now
    taken = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.category_id == registration.category.id, Registration.status == "confirmed")
    )
    time.sleep(0.02)  # the gap between check and insert a busy server always has
    registration.start("confirmed" if taken < registration.category.quota else "waiting", now)
    newcomer.write(registration, newcomer.compose(registration))
    return registration


def test_the_harness_catches_a_category_oversold_by_a_naive_gate(
    app, make_event, bulk_members, add_category, monkeypatch
):
    event = make_event(capacity=None)
    press = add_category(event, "Presse", quota=10)
    ids = bulk_members(200)
    monkeypatch.setattr(seats, "place", naive_place)
    event_id, press_id = event.id, press.id

    def work(member_id):
        registration, _ = services.register_member(
            db.session.get(Event, event_id), db.session.get(Member, member_id), category_id=press_id
        )
        return registration.status

    _outcomes, errors = run_in_threads(app, ids, work)

    assert errors == []
    confirmed = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.category_id == press_id, Registration.status == "confirmed")
    )
    assert confirmed > 10, "the control should oversell; if it does not, the race harness proves nothing"
