"""iCalendar files: one event (mail attachment, download) and the public feed.

A file published for import (METHOD:PUBLISH) or, in the mail that tells someone the event
moved or was cancelled, a scheduling message to that person (METHOD:REQUEST or CANCEL, with
the community as ORGANIZER and them as ATTENDEE, RFC 5546): the same UID and a higher
SEQUENCE update the entry their calendar already holds."""

import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Response, current_app, request
from icalendar import Calendar, vCalAddress
from icalendar import Event as VEvent
from werkzeug.http import is_resource_modified

from community.core.clock import as_utc, utcnow
from community.mail.mime import sender
from community.mail.outbox import external_url

PRODID = "-//community//events//EN"
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"


def _calendar(name: str | None = None, method: str = PUBLISH) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
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
    item.add("sequence", event.calendar_sequence or 0)
    return item


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = name
    address.params.update(params)
    return address


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
        event.calendar_sequence,
    )


def scheduling_ics(event, method: str, email: str, name: str) -> bytes:
    """The update (REQUEST) or cancellation (CANCEL) of the event, addressed to one person."""
    item = _vevent(event)
    item.add("organizer", _address(sender(), current_app.config["COMMUNITY_NAME"]))
    item.add("attendee", _address(email, name or email, role="REQ-PARTICIPANT", partstat="ACCEPTED", rsvp="FALSE"))
    calendar = _calendar(method=method)
    calendar.add_component(item)
    return calendar.to_ical()


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


# Calendar programs poll a feed; they may keep it this long before asking again.
FEED_MAX_AGE = 300


def conditional_feed(version: str, last_modified, build) -> Response:
    """The feed `build()` makes, or 304 Not Modified when the calendar program already holds
    this version (its If-None-Match or If-Modified-Since): polling then costs one small query."""
    config = current_app.config
    etag = hashlib.sha256(f"{version}|{config['COMMUNITY_NAME']}|{config['BASE_URL']}".encode()).hexdigest()[:32]
    last_modified = as_utc(last_modified).replace(microsecond=0) if last_modified else None
    if is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(build(), mimetype="text/calendar")
    else:
        response = Response(status=304)
    response.set_etag(etag)
    response.last_modified = last_modified
    response.cache_control.max_age = FEED_MAX_AGE
    return response


def feed_window():
    """The feed shows events from a month ago onwards."""
    return utcnow() - timedelta(days=30)
