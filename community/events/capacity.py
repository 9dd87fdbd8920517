"""The seat engine: the only code that moves Event.confirmed_count.

Why it is race-free:
- A seat is taken by ONE conditional UPDATE. PostgreSQL re-checks its WHERE
  after waiting for the row lock (READ COMMITTED), SQLite runs one writer at a
  time; either way two transactions can never both take the last seat.
- Every other seat change first locks the event row (`lock_event`), so
  cancellations, promotions, hold expiry and capacity edits on one event run
  one after the other, and each sees what the previous one did.
- On SQLite the first statement of the transaction is a write: Python's sqlite3
  opens the transaction just before it, so the write lock is taken up front
  (waiting up to the busy timeout) and no stale read snapshot has to be upgraded.
"""
from sqlalchemy import bindparam, exists, or_, select, update

from community.clock import utcnow
from community.extensions import db
from community.events import writegate
from community.events.models import Event, Registration, RegistrationStatus


_events = Event.__table__
# Built once and run on the session's connection: it runs under the seat lock, and
# the ORM's update path costs several times the statement itself.
_TAKE_SEAT = (
    update(_events)
    .where(_events.c.id == bindparam("event_id"),
           or_(_events.c.capacity.is_(None), _events.c.confirmed_count < _events.c.capacity))
    .values(confirmed_count=_events.c.confirmed_count + 1)
)


def take_seat(event_id: int) -> bool:
    """Take one seat if one is free; True when taken."""
    writegate.enter(db.session)
    return db.session.connection().execute(_TAKE_SEAT, {"event_id": event_id}).rowcount == 1


def before_writes() -> None:
    """Call before a transaction's first write when that write is not a seat statement."""
    writegate.enter(db.session)


def _holds_due(event_id, now):
    return exists().where(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.HELD.value,
        Registration.hold_expires_at <= now,
    )


# PostgreSQL: lock the event and read its count (the row as of the lock) and the due holds.
_LOCK_AND_READ = (
    select(Event.confirmed_count, Event.capacity, _holds_due(bindparam("event_id"), bindparam("now")))
    .where(Event.id == bindparam("event_id")).with_for_update(of=Event, key_share=True)
)


def lock_and_take_seat(event_id: int, now) -> tuple[bool, bool]:
    """Lock the event (see lock_event), then take a seat if one is free.

    Returns (seated, whether guest holds are past due: worth expiring before
    giving up). On SQLite the seat UPDATE is the lock: any write statement takes
    the database's write lock, even one whose WHERE matches no row. On
    PostgreSQL one statement locks the event and reads its count (the row as of
    the lock) and the due holds (as of the statement's start: a hold that
    expired is an old row, so at worst a hold confirmed meanwhile is seen, and
    the caller's locked re-read finds nothing to expire)."""
    if db.session.get_bind().dialect.name == "sqlite":
        seated = take_seat(event_id)
        return seated, not seated and db.session.scalar(select(_holds_due(event_id, now)))
    writegate.enter(db.session)
    count, limit, due = db.session.execute(_LOCK_AND_READ, {"event_id": event_id, "now": now}).one()
    if limit is None or count < limit:
        return take_seat(event_id), False
    return False, due


def release_seat(event_id: int) -> None:
    writegate.enter(db.session)
    db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.confirmed_count > 0)
        .values(confirmed_count=Event.confirmed_count - 1)
        .execution_options(synchronize_session=False)
    )


def lock_event(event_id: int) -> None:
    """Serialize seat changes on this event until the transaction ends.

    PostgreSQL: a row lock, FOR NO KEY UPDATE, the lock the seat UPDATE takes
    (not FOR UPDATE: it conflicts with the KEY SHARE lock that inserting a
    registration takes on its event, and two registrations would deadlock).
    SQLite: a no-op write, which takes the database's write lock up front."""
    writegate.enter(db.session)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Event.id).where(Event.id == event_id).with_for_update(key_share=True))
        return
    db.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(confirmed_count=Event.confirmed_count)
        .execution_options(synchronize_session=False)
    )


def lock_registration(registration: Registration) -> Registration:
    """Re-read a registration and keep it from changing under us until the transaction
    ends: FOR NO KEY UPDATE on PostgreSQL (a check-in's FOR SHARE waits for it);
    on SQLite the caller already holds the write lock."""
    db.session.refresh(registration, with_for_update={"key_share": True})
    return registration


def reload(obj):
    """Re-read a row after taking the lock: what was read before may be stale."""
    db.session.refresh(obj)
    return obj


def oldest_waiting(event_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITING.value)
        .order_by(Registration.created_at, Registration.id)
        .limit(1)
    )


def promote_waiting(event: Event, hold_until) -> list[Registration]:
    """Give free seats to the longest-waiting people; the caller holds the event lock.

    Members get a confirmed seat; guests get a held seat they must confirm by mail.
    """
    promoted = []
    while True:
        candidate = oldest_waiting(event.id)
        if candidate is None or not take_seat(event.id):
            break
        now = utcnow()
        if candidate.is_guest:
            candidate.status, candidate.hold_expires_at = RegistrationStatus.HELD.value, hold_until
        else:
            candidate.status, candidate.confirmed_at = RegistrationStatus.CONFIRMED.value, now
        candidate.promoted_at = now
        db.session.flush()
        promoted.append(candidate)
    return promoted


# Those in line before a registration: earlier, or at the same time with a smaller id.
_AHEAD = select(db.func.count(Registration.id)).where(
    Registration.event_id == bindparam("line_event"),
    Registration.status == RegistrationStatus.WAITING.value,
    or_(
        Registration.created_at < bindparam("line_created_at"),
        (Registration.created_at == bindparam("line_created_at")) & (Registration.id < bindparam("line_registration")),
    ),
)
# waiting_position as a SQL expression, for a statement that writes it (see notify.WaitingDraft).
PLACE_IN_LINE = _AHEAD.scalar_subquery() + 1


def place_params(registration: Registration) -> dict:
    """The parameters of _AHEAD and PLACE_IN_LINE for a written registration (named apart from
    the columns of the statements they go into)."""
    return {"line_event": registration.event_id, "line_created_at": registration.created_at, "line_registration": registration.id}


def waiting_position(registration: Registration) -> int | None:
    """1 for the first in line; None when not waiting."""
    if registration.status != RegistrationStatus.WAITING.value:
        return None
    return db.session.scalar(_AHEAD, place_params(registration)) + 1


def refresh_count(event: Event) -> Event:
    """Bring the in-memory event up to date after the engine's UPDATEs."""
    db.session.refresh(event, attribute_names=["confirmed_count", "capacity"])
    return event
