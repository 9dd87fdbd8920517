"""The statements that move the seat counters; seats.py is their only caller.

Two limits hold at every moment: the event's capacity (Event.confirmed_count,
the seats taken, plus Event.reserved_count, the seats held back for reserved
categories) and each category's quota (Category.taken). A seat is taken by
two conditional UPDATEs, the event's first, then the category's:
- the event: a seat of the pool (taken + held back < capacity), or one of
  those held back, when the category reserves seats (reserved_count > 0);
- the category: a seat of its quota, while it still reserves as the caller
  read it; otherwise the event's seat is given back in the same transaction.

Why they are race-free:
- Each UPDATE checks its limit in its own WHERE. PostgreSQL re-checks it after
  waiting for the row lock (READ COMMITTED), SQLite runs one writer at a time;
  two transactions can never both take the last seat of either limit.
- The event row is always locked first, by every seat change (`lock_event`,
  or the first UPDATE), so changes on one event run one after the other, each
  seeing what the previous did, and no two transactions wait on each other.
- On SQLite the first statement of the transaction is a write: Python's sqlite3
  opens the transaction just before it, so the write lock is taken up front
  (waiting at the write gate) and no stale read snapshot has to be upgraded.
CHECK constraints (events/models.py, tickets/models.py) back both limits.

Under the same event lock move the waiting list's counters (line_count.py) and
the uses of invitation codes (code_count.py).
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, exists, or_, select, update

from community.core import locking
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import HELD, Registration, status_is
from community.tickets.models import Category

_events, _categories = Event.__table__, Category.__table__
_event = _events.c.id == bindparam("event_id")
_category = _categories.c.id == bindparam("category_id")

# Built once and run on the session's connection: they run under the seat lock, and
# the ORM's update path costs several times the statement itself.
_TAKE_FROM_POOL = (
    update(_events)
    .where(
        _event,
        or_(
            _events.c.capacity.is_(None),
            _events.c.confirmed_count + _events.c.reserved_count < _events.c.capacity,
        ),
    )
    .values(confirmed_count=_events.c.confirmed_count + 1)
)
_TAKE_FROM_RESERVE = (
    update(_events)
    .where(_event, _events.c.reserved_count > 0)
    .values(confirmed_count=_events.c.confirmed_count + 1, reserved_count=_events.c.reserved_count - 1)
)
_GIVE_BACK = (
    update(_events)
    .where(_event)
    .values(
        confirmed_count=_events.c.confirmed_count - 1,
        reserved_count=_events.c.reserved_count + bindparam("to_reserve"),
    )
)
_TAKE_IN_CATEGORY = (
    update(_categories)
    .where(
        _category,
        or_(_categories.c.quota.is_(None), _categories.c.taken < _categories.c.quota),
        _categories.c.reserving == bindparam("is_reserving"),
    )
    .values(taken=_categories.c.taken + 1)
)


def take(event_id: int, category_id: int, reserving: bool) -> bool:
    """Take one seat in the category if one is free; True when taken.

    `reserving` is whether the category holds its seats back, as the caller
    last read it; if that changed meanwhile nothing is taken (under the event
    lock, take_locked reads it)."""
    locking.before_writes()
    conn = db.session.connection()
    if conn.execute(_TAKE_FROM_RESERVE if reserving else _TAKE_FROM_POOL, {"event_id": event_id}).rowcount != 1:
        return False
    if conn.execute(_TAKE_IN_CATEGORY, {"category_id": category_id, "is_reserving": reserving}).rowcount == 1:
        return True
    conn.execute(_GIVE_BACK, {"event_id": event_id, "to_reserve": int(reserving)})
    return False


_RELEASE_IN_CATEGORY = (
    update(_categories).where(_category, _categories.c.taken > 0).values(taken=_categories.c.taken - 1)
)
# Read under the event lock, so as it is (every writer of these counters holds that lock).
_STATE = (
    select(
        Event.capacity, Event.confirmed_count, Event.reserved_count, Category.quota, Category.taken, Category.reserving
    )
    .join(Category, Category.event_id == Event.id)
    .where(Event.id == bindparam("event_id"), Category.id == bindparam("category_id"))
)


def take_locked(event_id: int, category_id: int) -> bool:
    """Take one seat in the category if one is free, the caller holding the event lock; True when taken.

    The counters are read first, so that a full event or category costs no write (on
    PostgreSQL, each UPDATE of a row leaves a new version of it behind); the seat itself
    is still taken by the conditional UPDATEs of take(), which hold the limits."""
    state = db.session.execute(_STATE, {"event_id": event_id, "category_id": category_id}).one()
    return _take_if_room(event_id, category_id, state)


def _take_if_room(event_id: int, category_id: int, state) -> bool:
    """take() when the counters read (a row of _STATE) leave room."""
    capacity, confirmed, reserved, quota, taken, reserving = state[:6]  # _STATE's columns
    if quota is not None and taken >= quota:
        return False
    if not (reserved > 0 if reserving else capacity is None or confirmed + reserved < capacity):
        return False
    return take(event_id, category_id, reserving)


def _holds_due(event_id, now):
    return exists().where(Registration.event_id == event_id, status_is(HELD), Registration.hold_expires_at <= now)


def _releases_due(event_id, now):
    return exists().where(Category.event_id == event_id, Category.reserving.is_(True), Category.reserved_until <= now)


# Whether seats are due back (guest holds run out, reserved seats reach their release date).
_DUE = _holds_due(bindparam("event_id"), bindparam("now")) | _releases_due(bindparam("event_id"), bindparam("now"))
# The counters and what is due, read in one statement that also locks the event on
# PostgreSQL (as of the statement's start: a hold that ran out is an old row, so at
# worst one confirmed meanwhile is seen, and the caller's locked re-read finds nothing
# to free). On SQLite the caller takes the write lock first (lock_event).
_LOCK_STATE_AND_DUE = locking.lock_for_update(_STATE.add_columns(_DUE.label("due")), of=Event)


def lock_and_take(event_id: int, category_id: int, now: datetime) -> tuple[bool, bool]:
    """Lock the event (see lock_event), then take a seat in the category if one is free.

    Returns (seated, whether seats are due back: guest holds past due, reserved
    seats past their release date; worth freeing before giving up)."""
    if locking.writes_lock_the_database():
        lock_event(event_id)
    else:
        locking.before_writes()
    state = db.session.execute(
        _LOCK_STATE_AND_DUE, {"event_id": event_id, "category_id": category_id, "now": now}
    ).one()
    seated = _take_if_room(event_id, category_id, state)
    return seated, not seated and state.due


# A seat of a reserving category goes back to its reserve, any other to the pool.
_RELEASE = (
    update(_events)
    .where(_event, _events.c.confirmed_count > 0)
    .values(
        confirmed_count=_events.c.confirmed_count - 1,
        reserved_count=_events.c.reserved_count
        + select(case((_categories.c.reserving, 1), else_=0)).where(_category).scalar_subquery(),
    )
)


def release(event_id: int, category_id: int) -> None:
    """One seat given back; the caller holds the event lock."""
    locking.before_writes()
    conn = db.session.connection()
    conn.execute(_RELEASE, {"event_id": event_id, "category_id": category_id})
    conn.execute(_RELEASE_IN_CATEGORY, {"category_id": category_id})


def release_all(event: Event) -> None:
    """Every seat given back at once, no seat held back, nobody waiting (the event is
    cancelled); the caller holds the event lock."""
    event.confirmed_count = event.reserved_count = event.waiting_count = 0
    db.session.execute(
        update(Category)
        .where(Category.event_id == event.id)
        .values(taken=0, reserving=False)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def lock_event(event_id: int) -> None:
    """Serialize seat changes on this event until the transaction ends (core/locking.py)."""
    locking.lock_row(Event, event_id)


def hold_back(event: Event, category: Category, *, quota: int | None, reserving: bool) -> None:
    """Set a category's quota and whether it reserves seats, moving the event's reserve to
    match. The caller holds the event lock and has refreshed both (`refresh`)."""
    if quota is not None and quota < category.taken:
        raise DomainError(
            _l(
                "%(taken)d seats of this category are already taken: its quota cannot go below that.",
                taken=category.taken,
            )
        )
    before = category.held_back
    category.quota, category.reserving = quota, reserving and quota is not None
    more = category.held_back - before
    free = None if event.capacity is None else event.capacity - event.confirmed_count - event.reserved_count
    if more > 0 and free is not None and more > free:
        raise DomainError(
            _l(
                "Only %(free)d seats are free: %(wanted)d cannot be held back for this category.",
                free=free,
                wanted=category.held_back,
            )
        )
    event.reserved_count += more
    db.session.flush()


def capacity_over(event: Event) -> int:
    """The capacity once one more person is seated over it (shown before it is confirmed)."""
    return event.confirmed_count + event.reserved_count + 1


def take_over_limits(event: Event, category: Category) -> dict:
    """Take a seat in the category, raising its quota and the capacity by one where they
    are reached. The caller holds the event lock.

    Returns what was raised: {"capacity": (before, after), "quota": (before, after)}, empty
    when a seat was free."""
    if take_locked(event.id, category.id):
        return {}
    refresh(event, category)
    raised = {}
    # Raised first, so that CHECK (confirmed_count + reserved_count <= capacity) holds after the seat is taken;
    # a seat held back for the category needs none (the quota's new seat does, when it is held back too).
    if event.is_full and not category.held_back:
        raised["capacity"] = (event.capacity, capacity_over(event))
        event.capacity = capacity_over(event)
        db.session.flush()
    if category.quota is not None and category.taken >= category.quota:
        raised["quota"] = (category.quota, category.quota + 1)
        hold_back(event, category, quota=category.quota + 1, reserving=category.reserving)
    if not take_locked(event.id, category.id):  # cannot happen under the lock; never oversell quietly
        raise DomainError(_l("The seat could not be taken. Please try again."))
    return raised


def release_reserve(event: Event, category: Category, now: datetime) -> None:
    """The category's release date came: its seats not taken go back to everyone. The
    caller holds the event lock and has refreshed both."""
    event.reserved_count -= category.held_back
    category.reserving, category.released_at = False, now
    db.session.flush()


def refresh(event: Event, category: Category | None = None) -> Event:
    """Bring the in-memory event (and category) up to date after these UPDATEs."""
    db.session.refresh(event, attribute_names=["confirmed_count", "reserved_count", "capacity"])
    if category is not None:
        db.session.refresh(category, attribute_names=["taken", "quota", "reserving"])
    return event
