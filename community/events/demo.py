"""Demo events for `seed-demo`: a 450-seat summit (with registration questions), a nearly full
meetup, a draft."""

from datetime import datetime, time, timedelta

from community.core.clock import from_local, to_local, utcnow
from community.events import services as manage
from community.events.models import Event
from community.questions import demo as questions_demo
from community.registrations import services


def seed_demo(admin, members) -> list[Event]:
    """Create the demo events; the caller commits. `members` are confirmed members."""
    summit = _event(
        admin,
        starts_at=_local_day(60, time(9)),
        hours=9,
        title="Sommet OpenLLM France (démo)",
        description=(
            "Une journée de conférences et d'ateliers sur les modèles de langue ouverts.\n\nDonnées de démonstration."
        ),
        venue="Station F",
        address="5 parvis Alan Turing, 75013 Paris",
        capacity=450,
    )
    meetup = _event(
        admin,
        starts_at=_local_day(14, time(18, 30)),
        hours=2,
        title="Meetup évaluation (démo)",
        description="Comment évaluer les LLM en français ? Données de démonstration.",
        venue="La Cantine",
        address="Paris",
        capacity=max(len(members), 2) + 1,
        visibility="members",
    )
    _event(
        admin,
        starts_at=_local_day(90, time(10)),
        hours=24,
        title="Hackathon (brouillon, démo)",
        online_url="https://example.org/hackathon",
        capacity=80,
    )
    questions = questions_demo.seed_demo(admin, summit)
    for event in (summit, meetup):
        manage.publish_event(admin, event)
    for member in members:
        services.register_member(meetup, member)
    arrival = to_local(summit.starts_at).date() - timedelta(days=1)
    for number, member in enumerate(members[: len(members) // 2]):
        answered = questions_demo.answers_of(questions, member, number, arrival)
        services.register_member(summit, member, submitted=answered)
    return [summit, meetup]


def _event(admin, *, starts_at: datetime, hours: int, **fields) -> Event:
    return manage.create_event(
        admin, manage.EventData(starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **fields)
    )


def _local_day(days_ahead: int, at: time) -> datetime:
    """A time of day in the community's zone, some days from today (an event at 9:00,
    not at whatever hour the demo was seeded)."""
    day = to_local(utcnow()).date() + timedelta(days=days_ahead)
    return from_local(datetime.combine(day, at))
