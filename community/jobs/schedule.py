"""The jobs and when each runs: every so many seconds, or daily at a time of the community's zone.

JOB_SCHEDULE (config) changes any of them: {"reminders": 600, "retention": "04:00"}."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from community.core.clock import local_zone
from community.privacy import retention
from community.registrations import reminders, seats

DEFAULT_SCHEDULE = {
    # Guest holds that ran out and reserved seats past their release date go to the
    # waiting list within a minute, even when nobody visits the event.
    "seats-due": 60,
    "reminders": 15 * 60,
    "retention": "03:30",
}


def _purge(now: datetime) -> int:
    return sum(retention.purge(now).values())


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # what it does, on the admin page
    counted: str  # what its count counts
    run: Callable[[datetime], int]


JOBS = (
    Job(
        "seats-due",
        _l("Free held seats that ran out and reserved seats past their release date"),
        _l("seats freed"),
        seats.expire_holds,
    ),
    Job("reminders", _l("Mail reminders before events"), _l("reminders queued"), reminders.send_reminders),
    Job("retention", _l("Erase personal data past its retention period"), _l("records erased"), _purge),
)


class ScheduleError(ValueError):
    """JOB_SCHEDULE names an unknown job or gives a time that is neither seconds nor HH:MM."""


@dataclass(frozen=True)
class When:
    every: timedelta | None = None
    daily_at: time | None = None

    def next_after(self, moment: datetime) -> datetime:
        """The next time the job is due after `moment` (UTC): a fixed step, or the next
        wall-clock time in the community's zone (a DST day has 23 or 25 hours)."""
        if self.every is not None:
            return moment + self.every
        local = moment.astimezone(local_zone())
        candidate = datetime.combine(local.date(), self.daily_at, local_zone())
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), self.daily_at, local_zone())
        return candidate.astimezone(moment.tzinfo)


def parse(value) -> When:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return When(every=timedelta(seconds=value))
    if isinstance(value, str):
        try:
            return When(daily_at=time.fromisoformat(value))
        except ValueError:
            pass
    raise ScheduleError(f"{value!r} is neither a number of seconds nor a time of day (HH:MM)")


def schedule() -> dict[str, When]:
    """Each job's timing: the defaults, changed by JOB_SCHEDULE."""
    configured = current_app.config.get("JOB_SCHEDULE") or {}
    unknown = set(configured) - set(DEFAULT_SCHEDULE)
    if unknown:
        raise ScheduleError(f"JOB_SCHEDULE names unknown jobs: {', '.join(sorted(unknown))}")
    return {name: parse(configured.get(name, default)) for name, default in DEFAULT_SCHEDULE.items()}


def describe(when: When) -> str:
    """ "every 15 minutes", "daily at 03:30", in the reader's language."""
    if when.daily_at is not None:
        return str(_l("daily at %(time)s", time=when.daily_at.strftime("%H:%M")))
    seconds = int(when.every.total_seconds())
    if seconds % 3600 == 0:
        return ngettext("every hour", "every %(num)d hours", seconds // 3600)
    if seconds % 60 == 0:
        return ngettext("every minute", "every %(num)d minutes", seconds // 60)
    return ngettext("every second", "every %(num)d seconds", seconds)
