"""What the organizer's dashboard reads: counts, the chart's series, the people lists.

Each function runs a fixed number of queries, whatever the number of registrations
(tests/events/test_dashboard.py holds them to it at 10 and 2,000 registrations)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import String, and_, case, func, literal, or_, select
from sqlalchemy.orm import contains_eager

from community.checkin.models import CheckIn
from community.core.audit import AuditEntry
from community.core.clock import as_utc, local_zone, utcnow
from community.core.extensions import db
from community.core.search import alphabetical, contains
from community.events.models import Event, EventStaff
from community.members.models import Member
from community.registrations.models import Registration, RegistrationStatus

CONFIRMED = RegistrationStatus.CONFIRMED.value
HELD = RegistrationStatus.HELD.value
WAITING = RegistrationStatus.WAITING.value
CANCELLED = RegistrationStatus.CANCELLED.value
PER_PAGE = 50
# Beyond this many days the chart groups several days per point (a phone shows ~60 well).
MAX_POINTS = 120

# ------------------------------------------------------------------ counts


@dataclass
class Counts:
    confirmed: int = 0
    held: int = 0
    waiting: int = 0
    cancelled: int = 0
    checked_in: int = 0
    capacity: int | None = None

    @property
    def seated(self) -> int:
        return self.confirmed + self.held

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seated, 0)

    @property
    def filled_percent(self) -> int:
        """For the gauge: how much of the capacity is taken (0 when unlimited)."""
        if not self.capacity:
            return 100 if self.capacity == 0 else 0
        return min(round(100 * self.seated / self.capacity), 100)


def counts(event: Event) -> Counts:
    """Two queries: registrations by status, and the check-ins not undone."""
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    checked_in = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    )
    return Counts(
        confirmed=by_status.get(CONFIRMED, 0),
        held=by_status.get(HELD, 0),
        waiting=by_status.get(WAITING, 0),
        cancelled=by_status.get(CANCELLED, 0),
        checked_in=checked_in or 0,
        capacity=event.capacity,
    )


# ------------------------------------------------------------------ chart


@dataclass
class Series:
    """Cumulative confirmed and waiting people at the end of each bucket.

    `points` are (moment in UTC, confirmed, waiting); `unit` is "hour" or "day"."""

    unit: str = "day"
    points: list[tuple[datetime, int, int]] = field(default_factory=list)
    start: datetime | None = None  # where the first bucket begins: nothing had happened yet

    @property
    def has_waiting(self) -> bool:
        return any(w for _t, _c, w in self.points)

    @property
    def peak(self) -> int:
        return max((max(c, w) for _t, c, w in self.points), default=0)


def _intervals(row) -> list[tuple[datetime, int, int]]:
    """The (moment, Δconfirmed, Δwaiting) steps one registration contributes.

    Rows written before these times were recorded fall back on created_at."""
    created, confirmed_at, cancelled_at, waitlisted_at, promoted_at, status = row
    steps = []
    confirmed_from = confirmed_at or (created if status == CONFIRMED else None)
    if confirmed_from is not None:
        steps.append((as_utc(confirmed_from), 1, 0))
        if cancelled_at is not None:
            steps.append((as_utc(cancelled_at), -1, 0))
    waiting_from = waitlisted_at or (created if status == WAITING else None)
    if waiting_from is not None:
        steps.append((as_utc(waiting_from), 0, 1))
        waiting_until = promoted_at or cancelled_at
        if waiting_until is not None:
            steps.append((as_utc(waiting_until), 0, -1))
    return steps


def _bucket_start(moment: datetime, unit: str) -> datetime:
    """The bucket holding this moment, in the community's zone (a day starts at local midnight)."""
    local = moment.astimezone(local_zone())
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _bucket_ends(start: datetime, end: datetime, unit: str) -> list[datetime]:
    """Ends of consecutive buckets from the one holding `start` to the one holding `end`.

    Days are stepped on the wall clock (a DST day has 23 or 25 hours)."""
    first = _bucket_start(start, unit)
    if unit == "hour":
        hours = int((_bucket_start(end, unit) - first).total_seconds() // 3600) + 1
        return [(first + timedelta(hours=i + 1)).astimezone(first.tzinfo) for i in range(hours)]
    days = (_bucket_start(end, unit).date() - first.date()).days + 1
    step = max(1, ceil(days / MAX_POINTS))
    zone = first.tzinfo
    return [
        datetime.combine(first.date() + timedelta(days=min(i + step, days)), datetime.min.time(), zone)
        for i in range(0, days, step)
    ]


def chart_series(event: Event, now: datetime | None = None) -> Series:
    """One query of the registration times, swept in Python.

    Per hour when the registrations span less than three days, else per day; the
    series runs to now while the event is ahead, to its end once it is over."""
    now = as_utc(now or utcnow())
    rows = db.session.execute(
        select(
            Registration.created_at,
            Registration.confirmed_at,
            Registration.cancelled_at,
            Registration.waitlisted_at,
            Registration.promoted_at,
            Registration.status,
        ).where(Registration.event_id == event.id)
    ).all()
    steps = sorted(step for row in rows for step in _intervals(row))
    if not steps:
        return Series()
    start = steps[0][0]
    end = max(steps[-1][0], min(now, as_utc(event.ends_at)))
    unit = "hour" if end - start < timedelta(days=3) else "day"
    points, confirmed, waiting, i = [], 0, 0, 0
    first = _bucket_start(start, unit)
    for bucket_end in _bucket_ends(start, end, unit):
        while i < len(steps) and steps[i][0] < bucket_end:
            confirmed, waiting, i = confirmed + steps[i][1], waiting + steps[i][2], i + 1
        points.append((bucket_end.astimezone(start.tzinfo), confirmed, waiting))
    return Series(unit=unit, points=points, start=first.astimezone(start.tzinfo))


# ------------------------------------------------------------------ people

# Sort orders a list accepts; the first of each list is its default.
ATTENDEE_SORTS = ("name", "-name", "registered", "-registered", "status")
WAITING_SORTS = ("queue", "name", "-name")
# Which statuses a list may show (the attendee list's filter).
ATTENDEE_FILTERS = {"": (CONFIRMED, HELD), CONFIRMED: (CONFIRMED,), HELD: (HELD,), CANCELLED: (CANCELLED,)}


@dataclass
class Row:
    registration: Registration
    checked_in_at: datetime | None
    position: int | None  # in the waiting list, for waiting people


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _name():
    return func.coalesce(Member.display_name, Registration.guest_name, literal("", String))


def _order(sort: str):
    name = alphabetical(_name())
    return {
        "name": (name, Registration.id),
        "-name": (name.desc(), Registration.id.desc()),
        "registered": (Registration.created_at, Registration.id),
        "-registered": (Registration.created_at.desc(), Registration.id.desc()),
        # Confirmed, then held, then the rest; by name within.
        "status": (
            case((Registration.status == CONFIRMED, 0), (Registration.status == HELD, 1), else_=2),
            name,
            Registration.id,
        ),
        "queue": (Registration.created_at, Registration.id),
    }[sort]


def _matching(q: str):
    searched = (
        _name(),
        func.coalesce(Member.email, Registration.guest_email, literal("", String)),
        func.coalesce(func.nullif(Member.organization, ""), Registration.guest_organization, literal("", String)),
    )
    return or_(*(contains(column, q) for column in searched))


def people(event: Event, *, statuses, q: str = "", sort: str = "name", page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the event's registrations in these statuses: two queries (count, rows).

    Each row comes with its member, its active check-in time and, for waiting
    people, their place in the whole queue (a window function)."""
    statuses = tuple(statuses)
    in_queue = (
        select(
            Registration.id.label("id"),
            func.row_number().over(order_by=(Registration.created_at, Registration.id)).label("position"),
        )
        .where(Registration.event_id == event.id, Registration.status == WAITING)
        .subquery()
    )
    checked = (
        select(CheckIn.registration_id.label("id"), CheckIn.checked_in_at.label("at"))
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        .subquery()
    )
    conditions = [Registration.event_id == event.id, Registration.status.in_(statuses)]
    if q:
        conditions.append(_matching(q))
    base = select(Registration).outerjoin(Member, Registration.member_id == Member.id).where(and_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(base.with_only_columns(Registration.id).subquery()))
    pages = max(1, ceil(total / per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        base.add_columns(checked.c.at, in_queue.c.position)
        .outerjoin(checked, checked.c.id == Registration.id)
        .outerjoin(in_queue, in_queue.c.id == Registration.id)
        .options(contains_eager(Registration.member))
        .order_by(*_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=[Row(r, at, position) for r, at, position in rows], total=total, page=page, per_page=per_page)


# ------------------------------------------------------------------ history

HISTORY_SHOWN = 50  # on the dashboard; the whole history has its own pages
HISTORY_PER_PAGE = 50


@dataclass
class History:
    entries: list
    names: dict[int, str]  # member id -> display name (actors, staff)
    people: dict[int, str]  # registration id -> the person's name
    more: bool = False  # older entries than these exist


def _entries(event: Event):
    return (
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )


def history(event: Event, limit: int = HISTORY_SHOWN) -> History:
    """The event's latest audit entries, newest first, with the names they refer to:
    three queries (one more entry is read, to know whether older ones exist)."""
    entries = list(db.session.scalars(_entries(event).limit(limit + 1)))
    return _named(entries[:limit], more=len(entries) > limit)


def history_page(event: Event, page: int):
    """One page of the whole history: (pagination, History), four queries."""
    pagination = db.paginate(_entries(event), page=page, per_page=HISTORY_PER_PAGE, error_out=False)
    return pagination, _named(pagination.items)


def _named(entries: list, more: bool = False) -> History:
    """Entries hold ids, never names: the names are read now, while the people exist."""
    member_ids = {e.actor_id for e in entries} | {(e.changes or {}).get("member_id") for e in entries}
    member_ids = {i for i in member_ids if isinstance(i, int)}
    names = (
        dict(db.session.execute(select(Member.id, Member.display_name).where(Member.id.in_(member_ids))).all())
        if member_ids
        else {}
    )
    registration_ids = {e.object_id for e in entries if e.object_type == Registration.__tablename__ and e.object_id}
    people_names = (
        dict(
            db.session.execute(
                select(Registration.id, _name())
                .outerjoin(Member, Registration.member_id == Member.id)
                .where(Registration.id.in_(registration_ids))
            ).all()
        )
        if registration_ids
        else {}
    )
    return History(entries=entries, names=names, people=people_names, more=more)


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
