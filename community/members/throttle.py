"""The login throttle: failed logins slow down the client that makes them, never lock the owner out.

Failures are counted in the database (atomic INSERT ... ON CONFLICT DO NOTHING, then one
UPDATE), so every process and server counts the same: per account and client (the client
is the address, or a device that logged in to this account before: `known_device`), and
per account from everywhere. A client's first LOGIN_FREE_FAILURES failures cost nothing;
each one after doubles its wait, up to LOGIN_MAX_DELAY_SECONDS. Past
LOGIN_ACCOUNT_FAILURES_PER_HOUR failures in an hour (OWASP ASVS 2.2.1: at most 100), only
devices that logged in before may try, until the hour is over or the password is reset.
Counts are forgotten an hour after they started. Plain functions; the caller commits."""

import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import case, delete, select, update

from community.core import locking
from community.core.clock import as_utc
from community.core.extensions import db
from community.members.models import LoginThrottle, Member

WINDOW = timedelta(hours=1)
EVERYWHERE = "*"
DEVICE_PREFIX = "device:"
DEVICE_COOKIE = "known_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="community.known-device")


def known_device(cookie: str | None, member_id: int) -> str | None:
    """The device id in a signed device cookie, if it was given to this member's login."""
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=current_app.config["LOGIN_DEVICE_DAYS"] * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("m") != member_id or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def device_cookie(member: Member, cookie: str | None) -> str:
    """The value of the device cookie after a successful login (the same device id if it had one)."""
    device = known_device(cookie, member.id) or secrets.token_hex(16)
    return _serializer().dumps({"m": member.id, "d": device})


def client_key(member: Member, address: str | None, cookie: str | None) -> str:
    device = known_device(cookie, member.id)
    return f"{DEVICE_PREFIX}{device}" if device else (address or "unknown")[:64]


def delay(failures: int) -> int:
    """Seconds a client waits after its failures: none at first, then doubling, capped."""
    config = current_app.config
    extra = failures - config["LOGIN_FREE_FAILURES"]
    return 0 if extra < 0 else min(2 ** min(extra, 30), config["LOGIN_MAX_DELAY_SECONDS"])


def wait_seconds(member: Member, client: str, now: datetime) -> int:
    """How long this client must wait before trying this account again (0: it may try now)."""
    rows = db.session.scalars(
        select(LoginThrottle).where(
            LoginThrottle.member_id == member.id, LoginThrottle.client.in_([client, EVERYWHERE])
        )
    )
    wait = 0.0
    for row in rows:
        started = as_utc(row.window_started_at)
        if started <= now - WINDOW:
            continue  # forgotten
        if row.client == client:
            # A failure counted in parallel may be newer than `now`: it owes no more than its delay.
            elapsed = max((now - as_utc(row.last_failed_at)).total_seconds(), 0.0)
            wait = max(wait, delay(row.failures) - elapsed)
        elif row.failures >= current_app.config["LOGIN_ACCOUNT_FAILURES_PER_HOUR"] and not client.startswith(
            DEVICE_PREFIX
        ):
            wait = max(wait, (started + WINDOW - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def count_failure(member: Member, client: str, now: datetime) -> None:
    """One more failure for this client and for the account, counted by the database itself:
    guesses fired in parallel from several processes are all counted."""
    locking.before_writes()
    recent = LoginThrottle.window_started_at > now - WINDOW
    for key in (client, EVERYWHERE):
        db.session.execute(
            locking.insert_ignoring_conflict(LoginThrottle, index_elements=["member_id", "client"]).values(
                member_id=member.id, client=key, failures=0, window_started_at=now, last_failed_at=now
            )
        )
        db.session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.member_id == member.id, LoginThrottle.client == key)
            .values(
                failures=case((recent, LoginThrottle.failures + 1), else_=1),
                window_started_at=case((recent, LoginThrottle.window_started_at), else_=now),
                last_failed_at=now,
            ),
            execution_options={"synchronize_session": False},
        )
    # Counts of other clients whose hour is over: the address is personal data, kept no longer.
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.member_id == member.id, ~recent),
        execution_options={"synchronize_session": False},
    )


def forget(member: Member, client: str) -> None:
    """A success forgets this client's failures (not the account's: the owner logging in
    does not give a guesser elsewhere a fresh hundred)."""
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.member_id == member.id, LoginThrottle.client == client),
        execution_options={"synchronize_session": False},
    )


def forget_all(member: Member) -> None:
    """A new password: what was guessed against the old one no longer matters."""
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.member_id == member.id),
        execution_options={"synchronize_session": False},
    )


def forget_stale(now: datetime) -> int:
    """Counts whose hour is over, of every account (the retention purge): the number deleted."""
    done = db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.window_started_at <= now - WINDOW),
        execution_options={"synchronize_session": False},
    )
    return done.rowcount
