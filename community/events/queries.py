"""What the public event pages read: the listing and the public feed."""

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from community.core.clock import as_utc
from community.core.extensions import db
from community.core.search import alphabetical
from community.core.text import slug_may_exist
from community.events.models import Event, EventStaff, EventStatus, Visibility
from community.members.models import Member
from community.registrations.models import LIVE, Registration

# Published and cancelled events are public pages; drafts are for organizers.
SHOWN = (EventStatus.PUBLISHED.value, EventStatus.CANCELLED.value)
PAST_SHOWN = 30


@dataclass
class Listing:
    upcoming: list[Event]
    past: list[Event]
    drafts: list[Event]


def listing(member, now) -> Listing:
    """The events page: upcoming soonest first, the latest past ones, and drafts for organizers (3 queries)."""
    upcoming = db.session.scalars(
        select(Event).where(Event.status.in_(SHOWN), Event.ends_at >= now).order_by(Event.starts_at)
    ).all()
    past = db.session.scalars(
        select(Event)
        .where(Event.status.in_(SHOWN), Event.ends_at < now)
        .order_by(Event.starts_at.desc())
        .limit(PAST_SHOWN)
    ).all()
    drafts = []
    if member is not None and member.is_organizer:
        drafts = db.session.scalars(
            select(Event).where(Event.status == EventStatus.DRAFT.value).order_by(Event.starts_at)
        ).all()
    return Listing(upcoming, past, drafts)


def _in_feed(since, group_id: int | None):
    """Public events of the feed (of one working group's, with `group_id`): published or
    cancelled, ending after `since`."""
    shown = [Event.status.in_(SHOWN), Event.visibility == Visibility.PUBLIC.value, Event.ends_at >= since]
    return (*shown, Event.group_id == group_id) if group_id is not None else tuple(shown)


def public_feed(since, group_id: int | None = None) -> list[Event]:
    return db.session.scalars(select(Event).where(*_in_feed(since, group_id)).order_by(Event.starts_at)).all()


def feed_version(since, group_id: int | None = None) -> tuple[str, datetime | None]:
    """What the feed is made of, read in one small query: a version that changes whenever an
    event enters, leaves or changes in it (every change of an event stamps `updated_at`, a
    change a calendar shows raises its sequence), and when it last changed."""
    return _version(select(Event).where(*_in_feed(since, group_id)).subquery())


def _version(events) -> tuple[str, datetime | None]:
    """One aggregate over the feed's events: their number, last change, last id and sequences."""
    count, last_change, last_id, sequences = db.session.execute(
        select(
            func.count(events.c.id),
            func.max(events.c.updated_at),
            func.max(events.c.id),
            func.sum(events.c.calendar_sequence),
        )
    ).one()
    return f"{count}-{last_id}-{sequences}-{as_utc(last_change).timestamp() if last_change else 0}", last_change


def _in_member_feed(member_id: int, since):
    """The events a member registered for or waits for (any visibility: the feed is theirs),
    ending after `since`, not drafts."""
    live = select(Registration.event_id).where(Registration.member_id == member_id, Registration.status.in_(LIVE))
    return (Event.id.in_(live), Event.status.in_(SHOWN), Event.ends_at >= since)


def member_feed(member_id: int, since) -> list[Event]:
    return db.session.scalars(select(Event).where(*_in_member_feed(member_id, since)).order_by(Event.starts_at)).all()


def member_feed_version(member_id: int, since) -> tuple[str, datetime | None]:
    """As feed_version, for a member's own events."""
    return _version(select(Event).where(*_in_member_feed(member_id, since)).subquery())


def of_event_or_404(model, row_id: int, event: Event):
    """The `model` row of this event named by a page's URL; another event's answers 404 like an unknown one."""
    row = db.session.get(model, row_id)
    if row is None or row.event_id != event.id:
        abort(404)
    return row


def by_slug(slug: str, *options) -> Event | None:
    """The event with this slug (read with these loader options); a garbage slug (too long,
    NUL bytes PostgreSQL refuses) is simply none."""
    if not slug_may_exist(slug):
        return None
    return db.session.scalars(select(Event).where(Event.slug == slug).options(*options)).unique().first()


def staff(event: Event) -> list:
    """The people named for this event, with their member, in one query."""
    return list(
        db.session.scalars(
            select(EventStaff)
            .join(Member, EventStaff.member_id == Member.id)
            .options(contains_eager(EventStaff.member))
            .where(EventStaff.event_id == event.id)
            .order_by(EventStaff.role, alphabetical(Member.display_name), EventStaff.id)
        )
    )
