"""What the attendee's pages read about registrations."""

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from community.checkin.models import CheckIn
from community.core.extensions import db
from community.events.models import Event
from community.events.queries import of_event_or_404
from community.questions.answers import asks_any
from community.registrations.models import CANCELLED, HELD, LIVE, Registration, status_is, written
from community.tickets.models import Category


def of_member(member) -> list[Registration]:
    """Every registration of the member, the latest event first, with its event (one query)."""
    return (
        db.session.scalars(
            select(Registration)
            .join(Registration.event)
            .options(contains_eager(Registration.event))
            .where(Registration.member_id == member.id)
            .order_by(Event.starts_at.desc(), Registration.id.desc())
        )
        .unique()
        .all()
    )


def statuses_of(member, event_ids: list[int]) -> dict[int, str]:
    """event id -> the member's live status there, for a list of events (one query, none without a member)."""
    if member is None or not event_ids:
        return {}
    return dict(
        db.session.execute(
            select(Registration.event_id, Registration.status).where(
                Registration.member_id == member.id,
                Registration.status.in_(LIVE),
                Registration.event_id.in_(event_ids),
            )
        ).all()
    )


def live_count(event: Event) -> int:
    """How many people hold a seat or wait for one."""
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id, Registration.status.in_(LIVE))
    )


def registering() -> tuple:
    """What a registration reads of its event, in the same query (loader options of the forms
    of views.py and guest_views.py): its categories, and whether it asks questions."""
    return joinedload(Event.categories), asks_any()


# Built once: the registration path runs them on every click of a rush. Written as the
# WHERE of the partial unique indexes (uq_registration_live_*), so that SQLite uses them:
# one row read, however long the event's waiting list (`status IN (...)` made it walk
# the list's index instead).
_LIVE = select(Registration).where(
    Registration.event_id == bindparam("event_id"), Registration.status != written(CANCELLED)
)
_LIVE_OF_MEMBER = _LIVE.where(Registration.member_id == bindparam("member_id"))
_LIVE_OF_GUEST = _LIVE.where(Registration.guest_email == bindparam("guest_email"))


def live_registration(event_id: int, *, member_id: int | None = None, guest_email: str | None = None):
    if member_id is not None:
        return db.session.scalar(_LIVE_OF_MEMBER, {"event_id": event_id, "member_id": member_id})
    return db.session.scalar(_LIVE_OF_GUEST, {"event_id": event_id, "guest_email": guest_email})


def registration_or_404(event: Event, registration_id: int) -> Registration:
    return of_event_or_404(Registration, registration_id, event)


def _holds_due(now):
    return select(Registration.event_id).where(status_is(HELD), Registration.hold_expires_at <= now)


def _reserves_due(now):
    return select(Category.event_id).where(Category.reserving.is_(True), Category.reserved_until <= now)


def events_with_seats_due(now, event_id: int | None = None) -> list[int]:
    """The events (or just `event_id`) where a guest's held seat ran out or reserved
    seats reached their release date, in id order."""
    holds, reserves = _holds_due(now), _reserves_due(now)
    if event_id is not None:
        holds, reserves = holds.where(Registration.event_id == event_id), reserves.where(Category.event_id == event_id)
    return sorted(set(db.session.scalars(holds.union(reserves))))


def seats_due(event_id: int, now) -> bool:
    """Whether seats of this event are due back (see events_with_seats_due), in one query."""
    holds = _holds_due(now).where(Registration.event_id == event_id).exists()
    reserves = _reserves_due(now).where(Category.event_id == event_id).exists()
    return db.session.scalar(select(holds | reserves))


def reserves_due(event_id: int, now) -> list[Category]:
    """The reserving categories of this event past their release date (the caller holds the event lock)."""
    return db.session.scalars(
        select(Category).where(
            Category.event_id == event_id, Category.reserving.is_(True), Category.reserved_until <= now
        )
    ).all()


def holds_due(event_id: int, now) -> list[Registration]:
    """The held seats of this event that ran out, read afresh (the caller holds the event lock)."""
    return db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, status_is(HELD), Registration.hold_expires_at <= now)
        .execution_options(populate_existing=True)
    ).all()


def holds_of(event_id: int) -> list[Registration]:
    """The seats of this event held for guests, run out or not, read afresh (the caller holds the event lock)."""
    return db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, status_is(HELD))
        .order_by(Registration.id)
        .execution_options(populate_existing=True)
    ).all()


def live_of_event(event_id: int) -> list[Registration]:
    """Every live registration of the event with its member, in id order (one query, two with the members)."""
    return db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(LIVE))
        .order_by(Registration.id)
        .options(selectinload(Registration.member))
    ).all()


def checked_in_at(registration_id: int):
    """When the person was let in (the check-in not undone), or None."""
    return db.session.scalar(
        select(CheckIn.checked_in_at).where(CheckIn.registration_id == registration_id, CheckIn.undone_at.is_(None))
    )
