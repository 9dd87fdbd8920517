from community.core.clock import to_local
from community.core.extensions import db
from community.events.demo import seed_demo
from community.events.models import Event
from tests.factories import assert_invariants


def test_demo_seed_creates_a_summit_a_nearly_full_meetup_and_a_draft(app, make_member):
    admin = make_member(role="admin")
    members = [make_member() for _ in range(4)]
    summit, meetup = seed_demo(admin, members)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Event, summit.id).capacity == 450
    meetup = db.session.get(Event, meetup.id)
    assert meetup.seats_left == 1
    assert db.session.query(Event).filter_by(status="draft").count() == 1
    for event in (summit, meetup):
        assert_invariants(event.id)
    # At a time of day people meet, in the community's zone, whenever the demo is seeded.
    assert to_local(db.session.get(Event, summit.id).starts_at).strftime("%H:%M") == "09:00"
    assert to_local(meetup.starts_at).strftime("%H:%M") == "18:30"
