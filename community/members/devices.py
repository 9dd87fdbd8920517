"""Device sessions: every login gets a row, so that logging out ends it for good.

Flask-Login keeps `Member.get_id()` in the session and signs it into the remember-me
cookie; that id carries a random token whose SHA-256 is the row's `token_hash`. The user
loader (members/access.py) finds the row by that hash: once the row is deleted (logout,
"end this session", "log out my other devices", a password change), a copy of either
cookie opens nothing. "Last used" is written at most once per LOGIN_SESSION_TOUCH_MINUTES.
Plain functions; the caller commits."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from community.core import locking
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.members.models import LoginSession, Member


class NoSuchSession(DomainError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    """A session unused for as long as a remember-me cookie lasts is over."""
    return timedelta(seconds=_seconds(current_app.config["REMEMBER_COOKIE_DURATION"]))


def _seconds(duration) -> float:
    return duration.total_seconds() if isinstance(duration, timedelta) else float(duration)


def begin(member: Member, user_agent: str, replacing: LoginSession | None = None) -> LoginSession:
    """A new device session for this login (the one it replaces, if any, ends)."""
    now = utcnow()
    locking.before_writes()
    over = LoginSession.last_used_at < now - _lifetime()
    if replacing is not None:
        over |= LoginSession.id == replacing.id
    db.session.execute(
        delete(LoginSession).where(LoginSession.member_id == member.id, over),
        execution_options={"synchronize_session": False},
    )
    token = secrets.token_urlsafe(32)
    record = LoginSession(
        member_id=member.id, token_hash=_hash(token), browser=browser_name(user_agent), created_at=now, last_used_at=now
    )
    db.session.add(record)
    member.login_session, member.login_token = record, token
    return record


def find(member_id: int, token: str) -> tuple[Member, LoginSession] | None:
    """The member and live session this token belongs to, in one query (the user loader's only one)."""
    if not token:
        return None
    found = db.session.execute(
        select(Member, LoginSession)
        .join(LoginSession, LoginSession.member_id == Member.id)
        .where(LoginSession.token_hash == _hash(token), Member.id == member_id)
    ).first()
    if found is None or as_utc(found[1].last_used_at) < utcnow() - _lifetime():
        return None
    return found[0], found[1]


def touch(record: LoginSession | None, now: datetime | None = None) -> bool:
    """Note that the session is in use, at most once per LOGIN_SESSION_TOUCH_MINUTES; True if written."""
    if record is None:
        return False
    now = now or utcnow()
    due = now - timedelta(minutes=current_app.config["LOGIN_SESSION_TOUCH_MINUTES"])
    if as_utc(record.last_used_at) > due:
        return False
    locking.before_writes()
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == record.id, LoginSession.last_used_at <= due)
        .values(last_used_at=now),
        execution_options={"synchronize_session": False},
    )
    return True


def active(member: Member) -> list[LoginSession]:
    """The member's live sessions, the most recently used first."""
    since = utcnow() - _lifetime()
    query = select(LoginSession).where(LoginSession.member_id == member.id, LoginSession.last_used_at >= since)
    return list(db.session.scalars(query.order_by(LoginSession.last_used_at.desc(), LoginSession.id.desc())))


def end(member: Member, session_id: int) -> None:
    """End one of the member's sessions (NoSuchSession if it is not theirs or already over)."""
    locking.before_writes()
    done = db.session.execute(
        delete(LoginSession).where(LoginSession.id == session_id, LoginSession.member_id == member.id),
        execution_options={"synchronize_session": False},
    )
    if not done.rowcount:
        raise NoSuchSession("no such session")


def log_out(member: Member) -> None:
    """End the session of the device logging out, if it still has one."""
    if member.login_session is not None:
        locking.before_writes()
        db.session.execute(
            delete(LoginSession).where(LoginSession.id == member.login_session.id),
            execution_options={"synchronize_session": False},
        )


def end_all(member: Member, keep: LoginSession | None = None) -> None:
    """End every session of the member but `keep` (the device asking, if any)."""
    locking.before_writes()
    query = delete(LoginSession).where(LoginSession.member_id == member.id)
    if keep is not None:
        query = query.where(LoginSession.id != keep.id)
    db.session.execute(query, execution_options={"synchronize_session": False})


def end_stale(now: datetime) -> int:
    """Sessions of every member unused for longer than a remember-me cookie lasts (the retention purge)."""
    done = db.session.execute(
        delete(LoginSession).where(LoginSession.last_used_at < now - _lifetime()),
        execution_options={"synchronize_session": False},
    )
    return done.rowcount


# A few families are enough to tell one's devices apart; the order matters (Edge and
# Opera say "Chrome" too, Chrome says "Safari", Android says "Linux").
_BROWSERS = [("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Firefox", r"Firefox/|FxiOS/")]
_BROWSERS += [("Chrome", r"Chrome/|CriOS/"), ("Safari", r"Safari/")]
_SYSTEMS = [("Android", r"Android"), ("iOS", r"iPhone|iPad|iPod"), ("Windows", r"Windows")]
_SYSTEMS += [("macOS", r"Mac OS X|Macintosh"), ("ChromeOS", r"CrOS"), ("Linux", r"Linux|X11")]


def browser_name(user_agent: str | None) -> str:
    """The browser and system of a User-Agent, stored as "Firefox/Linux" (either may be empty)."""
    agent = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, agent)), "")
    return f"{browser}/{system}"


def label(record: LoginSession) -> str:
    """What the profile calls a device: "Firefox on Linux", in the reader's language."""
    browser, _sep, system = record.browser.partition("/")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown browser")
