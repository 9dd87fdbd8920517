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


def test_the_demo_summit_asks_its_questions_and_its_people_answered_them(app, make_member):
    from community.questions import answers

    admin = make_member(role="admin")
    members = [make_member(organization="Inria") for _ in range(4)]
    summit, _meetup = seed_demo(admin, members)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        questions = answers.asked(summit, None)
        assert [q.label for q in questions] == [
            "Organization",
            "Diet",
            "Accessibility needs",
            "Will you attend the evening reception?",
            "Arrival date in Paris",
        ]
        organization, diet, needs, reception, _arrival = questions
        assert organization.role == "organization" and diet.sensitive and needs.sensitive
        assert diet.purpose.startswith("to order the meals") and reception.kind == "yes_no"
    given = answers.of_registrations([r.id for r in _registrations(summit)])
    assert len(given) == 2
    assert all(a[organization.id] == "Inria" and a[diet.id] and a[reception.id] for a in given.values())


def _registrations(event):
    from sqlalchemy import select

    from community.registrations.models import Registration

    return db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
