"""A member with something of every kind the community holds, made through the real rules,
and the people around her (for the download and account deletion tests)."""

from dataclasses import dataclass
from datetime import timedelta

from community.checkin.models import CheckIn
from community.core import audit
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event, EventStaff
from community.groups import announcements, memberships
from community.groups import services as groups
from community.groups.models import WorkingGroup
from community.members import services as members
from community.members.models import Member
from community.registrations import services as events
from community.registrations.models import Registration
from tests.factories import published_event

ZOE_EMAIL = "zoe.quenneville@example.org"
ZOE_NAME = "Zoé Quenneville"


@dataclass
class World:
    zoe: Member
    other: Member  # waits for Zoé's seat on `future`, shares a group with her
    lena: Member  # lead of the moderated group Zoé asked to join
    admin: Member
    past: Event  # ended yesterday; Zoé had a seat and was checked in
    future: Event  # in ten days, one seat: Zoé's; `other` waits
    open_group: WorkingGroup
    led_group: WorkingGroup  # Zoé is its lead and sent an announcement to it
    moderated: WorkingGroup  # Zoé's request waits there


def add_event(slug: str, *, starts_in: timedelta, capacity: int | None) -> Event:
    return published_event(slug, starts_at=utcnow() + starts_in, hours=3, capacity=capacity)


def seat(event: Event, member: Member | None, status: str, **fields) -> Registration:
    """A registration written directly (events that already took place refuse new ones)."""
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id if member else None,
        status=status,
        created_at=event.starts_at - timedelta(days=3),
        **fields,
    )
    db.session.add(registration)
    if status == "confirmed":
        event.confirmed_count += 1
    db.session.commit()
    return registration


def build(make_member, deliver) -> World:
    admin = make_member("admin@example.org", name="Ada Admin", role="admin", language="en")
    zoe = make_member(
        ZOE_EMAIL,
        name=ZOE_NAME,
        organization="Quenneville Labs",
        bio="Speech models, open data.",
        directory_visible=True,
    )
    other = make_member("other@example.org", name="Otto Other")
    lena = make_member("lena@example.org", name="Lena Lead")

    open_group = groups.create_group(admin, name="Open data")
    led_group = groups.create_group(admin, name="Evaluation")
    moderated = groups.create_group(admin, name="Law", join_policy="moderated")
    db.session.flush()
    memberships.join(zoe, open_group)
    memberships.join(other, led_group)
    memberships.appoint_lead(admin, led_group, zoe)
    memberships.appoint_lead(admin, moderated, lena)
    memberships.request_to_join(zoe, moderated, "Hello, I work on legal corpora.")
    announcements.announce(
        zoe, led_group, subject="Kick-off", body="First meeting on Monday.", idempotency_key="kickoff"
    )

    past = add_event("past", starts_in=timedelta(days=-1, hours=-4), capacity=2)
    mine = seat(past, zoe, "confirmed", confirmed_at=past.starts_at - timedelta(days=2))
    seat(past, other, "confirmed")
    seat(past, lena, "waiting", waitlisted_at=past.starts_at - timedelta(days=2))
    db.session.add(
        CheckIn(
            registration_id=mine.id,
            event_id=past.id,
            checked_in_at=past.starts_at,
            gate="North door",
            checked_in_by=admin.id,
        )
    )

    # Before she had an account, Zoé came to a meetup as a guest, with the same address.
    earlier = add_event("earlier", starts_in=timedelta(days=-30), capacity=None)
    seat(earlier, None, "confirmed", guest_name=ZOE_NAME, guest_email=ZOE_EMAIL, guest_organization="Quenneville Labs")

    future = add_event("future", starts_in=timedelta(days=10), capacity=1)
    events.register_member(future, zoe)
    events.register_member(future, other)
    db.session.add(EventStaff(event_id=future.id, member_id=zoe.id, role="steward", added_by=admin.id))
    audit.record(admin, "member.role_changed", zoe, role=["member", "organizer"])
    audit.record(zoe, "event.staff_added", future, event_id=future.id)
    db.session.commit()
    deliver(expect=5)  # Lena told of the request, the announcement to Zoé and Otto, Zoé's seat, Otto's place in line
    members.request_password_reset(ZOE_EMAIL)  # one mail to Zoé still waiting in the outbox
    db.session.commit()
    return World(zoe, other, lena, admin, past, future, open_group, led_group, moderated)
