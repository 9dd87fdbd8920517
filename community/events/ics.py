"""iCalendar files: one event (mail attachment, download) and the public feed."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event as VEvent

from community.clock import as_utc, utcnow
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


def event_ics(event) -> bytes:
    calendar = _calendar()
    calendar.add_component(_vevent(event))
    return calendar.to_ical()


def feed_ics(events, name: str) -> bytes:
    calendar = _calendar(name)
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def feed_window():
    """The feed shows events from a month ago onwards."""
    return utcnow() - timedelta(days=30)
