"""A guest's held seat: how long it lasts, and who may take one.

A guest's address is not proved until they follow the mailed link, so a hold is
short (the event's guest_hold_minutes, else GUEST_HOLD_MINUTES) and bounded:
- an address whose hold ran out unconfirmed (or was released by an organizer)
  may not take a new one for that event during GUEST_HOLD_COOLDOWN_MINUTES:
  holds cannot be chained to keep a seat;
- one client address has at most GUEST_UNCONFIRMED_PER_ADDRESS unconfirmed guest
  registrations (live holds and places in line) per event, counted in the
  database from a keyed hash of the address (client_key), never the address.
The rate limits on the guest form (per address, per event) are in views.py.
Members are not guests: none of this applies to them."""

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from community.core.clock import as_utc, clock_time
from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import CANCELLED, CONFIRMED, HELD, WAITING, Registration, status_is


def minutes(event: Event) -> int:
    """How long a guest's seat is held at this event, in minutes."""
    return event.guest_hold_minutes or current_app.config["GUEST_HOLD_MINUTES"]


def hold_until(event: Event, now: datetime) -> datetime:
    return now + timedelta(minutes=minutes(event))


def client_key(address: str | None) -> str | None:
    """The client address as a keyed hash: equal addresses match, the address cannot be read back."""
    if not address:
        return None
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"guest-client:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def problem(event: Event, email: str, client: str | None, now: datetime) -> str | None:
    """Why this guest may not take a seat (or a place in line) now; None when they may."""
    ended = _hold_ended_lately(event, email, now)
    if ended is not None:
        again = as_utc(ended) + timedelta(minutes=current_app.config["GUEST_HOLD_COOLDOWN_MINUTES"])
        return _l(
            "A seat was held for this address and not confirmed in time. You may register again from %(time)s.",
            time=clock_time(again),
        )
    cap = current_app.config["GUEST_UNCONFIRMED_PER_ADDRESS"]
    if client is not None and unconfirmed_from(event.id, client, now) >= cap:
        return _l(
            "Seats registered from this connection are already waiting for confirmation. Please confirm them "
            "first by following the link in the email you already received (look in your spam folder too)."
        )
    return None


def _hold_ended_lately(event: Event, email: str, now: datetime) -> datetime | None:
    """When this address's last hold at the event ran out unconfirmed (or was released by an
    organizer: its end is then set to the release), if within the cool-down; else None."""
    since = now - timedelta(minutes=current_app.config["GUEST_HOLD_COOLDOWN_MINUTES"])
    return db.session.scalar(
        select(func.max(Registration.hold_expires_at)).where(
            Registration.event_id == event.id,
            Registration.guest_email == email,
            status_is(CANCELLED),
            Registration.confirmed_at.is_(None),
            Registration.cancelled_at >= Registration.hold_expires_at,
            Registration.hold_expires_at > since,
        )
    )


def unconfirmed_from(event_id: int, client: str, now: datetime) -> int:
    """How many guests registered from this client are unconfirmed: live holds and places in line."""
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.client_key == client,
            Registration.confirmed_at.is_(None),
            or_(status_is(WAITING), status_is(HELD) & (Registration.hold_expires_at > now)),
        )
    )


# In a guest's session: {event id: what this browser's guest registered there}, so that the
# event page tells them where they stand instead of offering to register again.
SESSION_KEY = "guest_registrations"


def remembered(kept: dict | None, event_id: int, now: datetime) -> dict | None:
    """What this browser's guest registered at the event, while it still stands: a place in
    line, a confirmed seat, or a held seat that has not run out (after that they may register again)."""
    found = (kept or {}).get(str(event_id))
    if found and (found.get("status") in (WAITING, CONFIRMED) or (found.get("until") or 0) > now.timestamp()):
        return found
    return None
