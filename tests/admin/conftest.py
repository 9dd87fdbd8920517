"""Admin fixtures: people of each role, an event with registrations of every kind,
and bulk registrations for counting queries."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.groups.models import GroupMembership, WorkingGroup
from community.members.models import Member
from community.registrations.models import Registration
from tests.factories import member_row, membership_row, published_event, registration_row

# Strings a spreadsheet would run as formulas.
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(1)", "\tTabbed", "\rReturned"]


@dataclass
class People:
    admin: Member
    organizer: Member  # created `event`
    other: Member  # an organizer who did not
    member: Member


def new_event(slug: str, created_by: int | None) -> Event:
    return published_event(slug, starts_at=utcnow() + timedelta(days=10), hours=3, created_by=created_by)


@pytest.fixture
def people(make_member):
    return People(
        admin=make_member("admin@example.org", role="admin", language="en"),
        organizer=make_member("orga@example.org", role="organizer", language="en"),
        other=make_member("other.orga@example.org", role="organizer"),
        member=make_member("plain@example.org"),
    )


@pytest.fixture
def event(people):
    return new_event("summit", people.organizer.id)


@pytest.fixture
def elsewhere(people):
    return new_event("elsewhere", people.other.id)


def add_group(name: str, slug: str) -> WorkingGroup:
    group = WorkingGroup(name=name, slug=slug)
    db.session.add(group)
    db.session.commit()
    return group


def join(group: WorkingGroup, member: Member, **fields) -> None:
    db.session.add(GroupMembership(group_id=group.id, member_id=member.id, **fields))
    db.session.commit()


def register(event: Event, *, member: Member | None = None, status="confirmed", minutes_ago=0, **guest) -> Registration:
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id if member else None,
        status=status,
        created_at=utcnow() - timedelta(minutes=minutes_ago),
        hold_expires_at=utcnow() + timedelta(hours=1) if status == "held" else None,
        **guest,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


@pytest.fixture
def bulk_registrations(app):
    """n members, each in two groups, all confirmed on the event, inserted in a few statements."""

    def _bulk(event: Event, n: int, groups: tuple[WorkingGroup, ...]):
        now = utcnow()
        db.session.execute(
            insert(Member),
            [member_row(f"bulk{i}@example.org", f"Bulk {i}", now, organization="Org") for i in range(n)],
        )
        ids = list(db.session.scalars(select(Member.id).where(Member.email.like("bulk%"))))
        db.session.execute(
            insert(GroupMembership),
            [membership_row(group.id, member_id, now) for member_id in ids for group in groups],
        )
        db.session.execute(
            insert(Registration),
            [registration_row(event, member_id, now, ticket_code=f"bulk-ticket-{member_id}") for member_id in ids],
        )
        db.session.commit()

    return _bulk
