"""Time: stored in UTC, shown in the community's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The one source of 'now'; model defaults pass this callable, never a value."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(local_zone())


def from_local(naive: datetime) -> datetime:
    """A wall-clock time typed in the community's zone, as UTC."""
    return naive.replace(tzinfo=local_zone()).astimezone(UTC)


def clock_time(moment: datetime) -> str:
    """09:12, in the community's zone: what a steward reads at the door."""
    return to_local(moment).strftime("%H:%M")
