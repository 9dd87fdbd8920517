"""The waiting list as read: who is next, and each person's place in line.

First come, first served: ordered by the number each person took on joining it
(Registration.line_number, given under the event lock by line_count).
It only reads; promotion (the list moving) is a change of seats, in seats.py."""

from sqlalchemy import bindparam, func, or_, select

from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import WAITING, Registration, status_is
from community.tickets.models import Category

# The waiting list's order.
IN_LINE = (Registration.line_number, Registration.id)
# The event has a seat for everyone: neither taken nor held back.
_POOL_OPEN = (
    select(Event.id)
    .where(
        Event.id == bindparam("event_id"),
        or_(Event.capacity.is_(None), Event.confirmed_count + Event.reserved_count < Event.capacity),
    )
    .exists()
)
# Who is next: the longest waiting whose category has room, in its quota and in the
# pool (or among the seats held back for it).
_OLDEST_WITH_ROOM = (
    select(Registration)
    .join(Category, Category.id == Registration.category_id)
    .where(
        Registration.event_id == bindparam("event_id"),
        status_is(WAITING),
        or_(Category.quota.is_(None), Category.taken < Category.quota),
        or_(Category.reserving, _POOL_OPEN),
    )
    .order_by(*IN_LINE)
    .limit(1)
)


def oldest_with_room(event_id: int) -> Registration | None:
    """The next to get a seat, or None. Read under the event lock, it is what the seat
    statements will find."""
    return db.session.scalar(_OLDEST_WITH_ROOM, {"event_id": event_id})


# Those in line before a registration (an index range: the place shown on a page;
# joining the line takes its place from line_count, without counting).
_AHEAD = select(func.count(Registration.id)).where(
    Registration.event_id == bindparam("event_id"),
    status_is(WAITING),
    Registration.line_number < bindparam("line_number"),
)


def position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != WAITING:
        return None
    ahead = {"event_id": registration.event_id, "line_number": registration.line_number}
    return db.session.scalar(_AHEAD, ahead) + 1


def positions(waiting: list[Registration]) -> dict[int, int]:
    """Places in line of several waiting registrations (of any events), in one query."""
    if not waiting:
        return {}
    other = db.aliased(Registration)
    rows = db.session.execute(
        select(Registration.id, func.count(other.id))
        .join(
            other,
            (other.event_id == Registration.event_id)
            & status_is(WAITING, other)
            & (other.line_number <= Registration.line_number),
        )
        .where(Registration.id.in_([r.id for r in waiting]))
        .group_by(Registration.id)
    ).all()
    return dict(rows)
