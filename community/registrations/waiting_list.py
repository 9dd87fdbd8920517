"""The waiting list as read: who is next, and each person's place in line.

First come, first served: ordered by the time of registration, then by id. It
only reads; promotion (the list moving) is a change of seats, in seats.py."""

from sqlalchemy import bindparam, func, or_, select

from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import WAITING, Registration
from community.tickets.models import Category

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
        Registration.status == WAITING,
        or_(Category.quota.is_(None), Category.taken < Category.quota),
        or_(Category.reserving, _POOL_OPEN),
    )
    .order_by(Registration.created_at, Registration.id)
    .limit(1)
)


def oldest_with_room(event_id: int) -> Registration | None:
    """The next to get a seat, or None. Read under the event lock, it is what the seat statements will find."""
    return db.session.scalar(_OLDEST_WITH_ROOM, {"event_id": event_id})


# Those in line before a registration: earlier, or at the same time with a smaller id.
_AHEAD = select(func.count(Registration.id)).where(
    Registration.event_id == bindparam("line_event"),
    Registration.status == WAITING,
    or_(
        Registration.created_at < bindparam("line_created_at"),
        (Registration.created_at == bindparam("line_created_at")) & (Registration.id < bindparam("line_registration")),
    ),
)
# position() as a SQL expression, for a statement that writes it (see mails.WaitingDraft).
PLACE_IN_LINE = _AHEAD.scalar_subquery() + 1


def place_params(registration: Registration) -> dict:
    """The parameters of _AHEAD and PLACE_IN_LINE for a written registration (named apart from
    the columns of the statements they go into)."""
    return {
        "line_event": registration.event_id,
        "line_created_at": registration.created_at,
        "line_registration": registration.id,
    }


def position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != WAITING:
        return None
    return db.session.scalar(_AHEAD, place_params(registration)) + 1


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
            & (other.status == WAITING)
            & (
                (other.created_at < Registration.created_at)
                | ((other.created_at == Registration.created_at) & (other.id <= Registration.id))
            ),
        )
        .where(Registration.id.in_([r.id for r in waiting]))
        .group_by(Registration.id)
    ).all()
    return dict(rows)
