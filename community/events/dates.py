"""How an event's time reads on pages and in mails: "samedi 26 décembre 2026, 08:30 – 17:30".

The `localdatetime` filter's "full" style spells the zone out and adds seconds,
which is too long for a card or a phone; an event needs its day and its hours.
Results are cached: a rush mails the same event's date to hundreds of people,
and Babel's formatting is the dearest part of rendering those mails."""

from datetime import datetime
from functools import lru_cache

from babel import dates
from flask_babel import get_timezone

from community.core.clock import as_utc
from community.core.i18n import formatting_locale


@lru_cache(maxsize=4096)
def _moment(value: datetime, style: str, locale: str, zone) -> tuple[str, str, object]:
    local = value.astimezone(zone)
    return (
        dates.format_date(local.date(), style, locale=locale),
        dates.format_time(local, "short", tzinfo=zone, locale=locale),
        local.date(),
    )


def _parts(value: datetime, style: str):
    return _moment(as_utc(value), style, formatting_locale(), get_timezone())


def moment(value, style: str = "medium") -> str:
    """A date and an hour without seconds: "5 déc. 2026, 08:30"."""
    if value is None:
        return ""
    day, hour, _date = _parts(value, style)
    return f"{day}, {hour}"


def event_when(event, style: str = "full") -> str:
    """Day, start and end time in the reader's language and the community's zone;
    the end day is repeated only when the event runs over several days."""
    start_day, start_hour, start_date = _parts(event.starts_at, style)
    end_day, end_hour, end_date = _parts(event.ends_at, style)
    if start_date == end_date:
        return f"{start_day}, {start_hour} – {end_hour}"
    return f"{start_day}, {start_hour} – {end_day}, {end_hour}"


def event_starts(event, style: str = "full") -> str:
    """Day and start time only (lists)."""
    return moment(event.starts_at, style)


def register(bp) -> None:
    bp.add_app_template_filter(event_when, "event_when")
    bp.add_app_template_filter(event_starts, "event_starts")
    bp.add_app_template_filter(moment, "moment")
