"""The chart's series: confirmed and waiting people over time, swept from one query;
with several ticket categories, the confirmed also counted per category."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import select

from community.core.clock import as_utc, local_zone, utcnow
from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import CONFIRMED, WAITING, Registration

# Beyond this many days the chart groups several days per point (a phone shows ~60 well).
MAX_POINTS = 120


@dataclass
class Series:
    """Cumulative confirmed and waiting people at the end of each bucket.

    `points` are (moment in UTC, confirmed, waiting); `unit` is "hour" or "day".
    With several categories, `categories` are their ids in the event's order and
    `by_category[i]` the confirmed of each at points[i]."""

    unit: str = "day"
    points: list[tuple[datetime, int, int]] = field(default_factory=list)
    start: datetime | None = None  # where the first bucket begins: nothing had happened yet
    categories: tuple[int, ...] = ()
    by_category: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def has_waiting(self) -> bool:
        return any(w for _t, _c, w in self.points)

    @property
    def peak(self) -> int:
        return max((max(c, w) for _t, c, w in self.points), default=0)


def _intervals(row) -> list[tuple[datetime, int, int, int]]:
    """The (moment, Δconfirmed, Δwaiting, category) steps one registration contributes.

    Rows written before these times were recorded fall back on created_at."""
    created, confirmed_at, cancelled_at, waitlisted_at, promoted_at, status, category = row
    steps = []
    confirmed_from = confirmed_at or (created if status == CONFIRMED else None)
    if confirmed_from is not None:
        steps.append((as_utc(confirmed_from), 1, 0, category))
        if cancelled_at is not None:
            steps.append((as_utc(cancelled_at), -1, 0, category))
    waiting_from = waitlisted_at or (created if status == WAITING else None)
    if waiting_from is not None:
        steps.append((as_utc(waiting_from), 0, 1, category))
        waiting_until = promoted_at or cancelled_at
        if waiting_until is not None:
            steps.append((as_utc(waiting_until), 0, -1, category))
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


def series(event: Event, now: datetime | None = None) -> Series:
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
            Registration.category_id,
        ).where(Registration.event_id == event.id)
    ).all()
    steps = sorted((step for row in rows for step in _intervals(row)), key=lambda step: step[0])
    if not steps:
        return Series()
    start = steps[0][0]
    end = max(steps[-1][0], min(now, as_utc(event.ends_at)))
    unit = "hour" if end - start < timedelta(days=3) else "day"
    categories = tuple(category.id for category in event.categories) if event.has_categories else ()
    column = {category_id: i for i, category_id in enumerate(categories)}
    points, by_category, i = [], [], 0
    confirmed, waiting, split = 0, 0, [0] * len(categories)
    first = _bucket_start(start, unit)
    for bucket_end in _bucket_ends(start, end, unit):
        while i < len(steps) and steps[i][0] < bucket_end:
            _moment, d_confirmed, d_waiting, category = steps[i]
            confirmed, waiting, i = confirmed + d_confirmed, waiting + d_waiting, i + 1
            if categories:
                split[column[category]] += d_confirmed
        # The last bucket's point stands at its last step or now, not at an hour still to come.
        points.append((min(bucket_end, end).astimezone(start.tzinfo), confirmed, waiting))
        if categories:
            by_category.append(tuple(split))
    return Series(
        unit=unit,
        points=points,
        start=first.astimezone(start.tzinfo),
        categories=categories,
        by_category=by_category,
    )
