"""iCalendar files: one event (mail attachment, download) and the public feed."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar
from icalendar import Event as VEvent

from community.core.clock import as_utc, utcnow
from community.mail.outbox import external_url

PRODID = "-//community//events//EN"


def _calendar(name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def location(event) -> str:
    return ", ".join(part for part in (event.venue, event.address) if part) or event.online_url


def _vevent(event) -> VEvent:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    item = VEvent()
    # Stable UID: a re-sent file updates the calendar entry instead of duplicating it.
    item.add("uid", f"event-{event.id}@{host}")
    item.add("dtstamp", utcnow())
    item.add("dtstart", as_utc(event.starts_at))
    item.add("dtend", as_utc(event.ends_at))
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    if location(event):
        item.add("location", location(event))
    item.add("url", external_url("events.detail", slug=event.slug))
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    item.add("sequence", int(as_utc(event.updated_at).timestamp()) % 2_000_000_000 if event.updated_at else 0)
    return item


# event_ics of recent event versions: a rush of registrations attaches the same file
# to every confirmation. Bounded; per process.
_cached: dict[tuple, bytes] = {}
CACHE_SIZE = 64


def _version(event) -> tuple:
    """Everything the file is made of (DTSTAMP aside: the time this file was first made)."""
    return (
        current_app.config["BASE_URL"],
        event.id,
        event.updated_at,
        event.slug,
        event.title,
        event.description,
        event.starts_at,
        event.ends_at,
        event.venue,
        event.address,
        event.online_url,
        event.status,
    )


def event_ics(event) -> bytes:
    key = _version(event)
    data = _cached.get(key)
    if data is None:
        calendar = _calendar()
        calendar.add_component(_vevent(event))
        data = calendar.to_ical()
        if len(_cached) >= CACHE_SIZE:
            _cached.clear()
        _cached[key] = data
    return data


def feed_ics(events, name: str) -> bytes:
    calendar = _calendar(name)
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def feed_window():
    """The feed shows events from a month ago onwards."""
    return utcnow() - timedelta(days=30)
