"""The statements that move Event.confirmed_count, the seats taken; seats.py is their only caller.

Why they are race-free:
- A seat is taken by ONE conditional UPDATE. PostgreSQL re-checks its WHERE
  after waiting for the row lock (READ COMMITTED), SQLite runs one writer at a
  time; either way two transactions can never both take the last seat.
- Every other seat change first locks the event row (`lock_event`), so
  cancellations, promotions, hold expiry and capacity edits on one event run
  one after the other, and each sees what the previous one did.
- On SQLite the first statement of the transaction is a write: Python's sqlite3
  opens the transaction just before it, so the write lock is taken up front
  (waiting at the write gate) and no stale read snapshot has to be upgraded.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, or_, select, update

from community.core import locking
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import HELD, Registration

_events = Event.__table__
# Built once and run on the session's connection: it runs under the seat lock, and
# the ORM's update path costs several times the statement itself.
_TAKE_SEAT = (
    update(_events)
    .where(
        _events.c.id == bindparam("event_id"),
        or_(_events.c.capacity.is_(None), _events.c.confirmed_count < _events.c.capacity),
    )
    .values(confirmed_count=_events.c.confirmed_count + 1)
)


def take(event_id: int) -> bool:
    """Take one seat if one is free; True when taken."""
    locking.before_writes()
    return db.session.connection().execute(_TAKE_SEAT, {"event_id": event_id}).rowcount == 1


def _holds_due(event_id, now):
    return exists().where(
        Registration.event_id == event_id, Registration.status == HELD, Registration.hold_expires_at <= now
    )


# PostgreSQL: lock the event and read its count (the row as of the lock) and the due holds.
_LOCK_AND_READ = locking.lock_for_update(
    select(Event.confirmed_count, Event.capacity, _holds_due(bindparam("event_id"), bindparam("now"))).where(
        Event.id == bindparam("event_id")
    ),
    of=Event,
)


def lock_and_take(event_id: int, now) -> tuple[bool, bool]:
    """Lock the event (see lock_event), then take a seat if one is free.

    Returns (seated, whether guest holds are past due: worth expiring before
    giving up). Where a write locks the database (SQLite) the seat UPDATE is the
    lock, even when its WHERE matches no row. Elsewhere one statement locks the
    event and reads its count (the row as of the lock) and the due holds (as of
    the statement's start: a hold that expired is an old row, so at worst a hold
    confirmed meanwhile is seen, and the caller's locked re-read finds nothing to expire)."""
    if locking.writes_lock_the_database():
        seated = take(event_id)
        return seated, not seated and db.session.scalar(select(_holds_due(event_id, now)))
    locking.before_writes()
    count, limit, due = db.session.execute(_LOCK_AND_READ, {"event_id": event_id, "now": now}).one()
    if limit is None or count < limit:
        return take(event_id), False
    return False, due


def release(event_id: int) -> None:
    locking.before_writes()
    db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def release_all(event: Event) -> None:
    """Every seat given back at once (the event is cancelled); the caller holds the event lock."""
    event.confirmed_count = 0
    db.session.flush()


def lock_event(event_id: int) -> None:
    """Serialize seat changes on this event until the transaction ends (core/locking.py)."""
    locking.lock_row(Event, event_id)


def capacity_over(event: Event) -> int:
    """The capacity once one more person is seated over it (shown before it is confirmed)."""
    return event.confirmed_count + 1


def take_over_capacity(event: Event) -> tuple[int, int] | None:
    """Take a seat, raising the capacity by one if it is full. The caller holds the event lock.

    Returns (capacity before, after) when it was raised, None when a seat was free."""
    if take(event.id):
        return None
    refresh(event)
    before = event.capacity
    # Raised first, so that CHECK (confirmed_count <= capacity) holds after the seat is taken.
    event.capacity = capacity_over(event)
    db.session.flush()
    if not take(event.id):  # cannot happen under the lock; never oversell quietly
        raise DomainError(_l("The seat could not be taken. Please try again."))
    return before, event.capacity


def refresh(event: Event) -> Event:
    """Bring the in-memory event up to date after these UPDATEs."""
    db.session.refresh(event, attribute_names=["confirmed_count", "capacity"])
    return event
