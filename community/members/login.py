"""Logging in: the credentials checked, failures counted per account. Plain functions; the
caller commits (after a refusal too, so that the count is kept)."""

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, update

from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.members.models import Member
from community.members.passwords import hash_password, needs_rehash, verify_password
from community.members.services import find_by_email


class LoginRefused(DomainError):
    pass


class AccountLocked(LoginRefused):
    pass


class AccountSuspended(LoginRefused):
    pass


def authenticate(email: str, password: str) -> Member:
    """The member these credentials open, or LoginRefused.

    A per-account counter locks the account for a while after repeated failures,
    whatever address the attempts come from. Commit after a refusal too, so the
    counter is kept.
    """
    member = find_by_email(email)
    now = utcnow()
    if member is not None and member.locked_until and as_utc(member.locked_until) > now:
        raise AccountLocked(
            _l(
                "Too many failed attempts: this account is locked for a few minutes. You can reset your password meanwhile."
            )
        )
    if member is None or not verify_password(member.password_hash if member else None, password):
        if member is not None:
            _count_failure(member, now)
        raise LoginRefused(_l("Wrong email or password."))
    if not member.is_active:
        raise AccountSuspended(_l("This account is suspended. Please contact the community's administrators."))
    member.failed_logins, member.locked_until = 0, None
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


def _count_failure(member: Member, now) -> None:
    """Count in the database, not in Python: guesses fired in parallel all read the
    same counter, and `failed_logins += 1` would let most of them go uncounted.
    Failures older than the lock's length are forgotten: the count starts again.
    The first UPDATE holds the row (PostgreSQL) or the database (SQLite) until commit."""
    config = current_app.config
    window_start = now - timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    recent = Member.last_failed_login_at.is_not(None) & (Member.last_failed_login_at > window_start)
    db.session.execute(
        update(Member)
        .where(Member.id == member.id)
        .values(
            failed_logins=case((recent, Member.failed_logins + 1), else_=1),
            last_failed_login_at=now,
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        update(Member)
        .where(Member.id == member.id, Member.failed_logins >= config["LOGIN_FAILURES_BEFORE_LOCK"])
        .values(failed_logins=0, locked_until=now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(member, ["failed_logins", "locked_until", "last_failed_login_at"])
