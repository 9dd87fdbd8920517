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
    summit_start = _local_day(60, time(9))
    summit = manage.create_event(
        admin,
        manage.EventData(
            title="Sommet OpenLLM France (démo)",
            starts_at=summit_start,
            ends_at=summit_start + timedelta(hours=9),
            description="Une journée de conférences et d'ateliers sur les modèles de langue ouverts.\n\nDonnées de démonstration.",
            venue="Station F",
            address="5 parvis Alan Turing, 75013 Paris",
            capacity=450,
        ),
    )
    meetup_start = _local_day(14, time(18, 30))
    meetup = manage.create_event(
        admin,
        manage.EventData(
            title="Meetup évaluation (démo)",
            starts_at=meetup_start,
            ends_at=meetup_start + timedelta(hours=2),
            description="Comment évaluer les LLM en français ? Données de démonstration.",
            venue="La Cantine",
            address="Paris",
            capacity=max(len(members), 2) + 1,
            visibility="members",
        ),
    )
    draft_start = _local_day(90, time(10))
    manage.create_event(
        admin,
        manage.EventData(
            title="Hackathon (brouillon, démo)",
            starts_at=draft_start,
            ends_at=draft_start + timedelta(hours=24),
            online_url="https://example.org/hackathon",
            capacity=80,
        ),
    )
    questions = questions_demo.seed_demo(admin, summit)
    for event in (summit, meetup):
        manage.publish_event(admin, event)
    for member in members:
        services.register_member(meetup, member)
    arrival = to_local(summit_start).date() - timedelta(days=1)
    for number, member in enumerate(members[: len(members) // 2]):
        answered = questions_demo.answers_of(questions, member, number, arrival)
        services.register_member(summit, member, submitted=answered)
    return [summit, meetup]


def _local_day(days_ahead: int, at: time) -> datetime:
    """A time of day in the community's zone, some days from today (an event at 9:00,
    not at whatever hour the demo was seeded)."""
    day = to_local(utcnow()).date() + timedelta(days=days_ahead)
    return from_local(datetime.combine(day, at))
