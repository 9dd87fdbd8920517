"""Logging in: the credentials checked, failures throttled (members/throttle.py). Plain
functions; the caller commits (after a refusal too, so that the count is kept)."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.members import throttle
from community.members.models import Member
from community.members.passwords import hash_password, needs_rehash, verify_password
from community.members.services import find_by_email


class LoginRefused(DomainError):
    pass


class LoginThrottled(LoginRefused):
    def __init__(self, seconds: int):
        if seconds >= 120:
            message = _l(
                "Too many failed attempts: try again in %(num)d minutes, or reset your password.",
                num=-(-seconds // 60),
            )
        else:
            message = ngettext(
                "Too many failed attempts: try again in %(num)d second.",
                "Too many failed attempts: try again in %(num)d seconds.",
                seconds,
            )
        super().__init__(message)
        self.seconds = seconds


class AccountSuspended(LoginRefused):
    pass


def authenticate(email: str, password: str, address: str | None = None, device: str | None = None) -> Member:
    """The member these credentials open, or LoginRefused.

    `address` is the client's address, `device` the value of its device cookie (a device that
    logged in to this account before is throttled on its own, apart from everyone else).
    Every path costs one password hash, first, so that the time taken tells nothing: not
    whether the address has an account, nor whether it is throttled or suspended.
    """
    member = find_by_email(email)
    correct = verify_password(member.password_hash if member else None, password)
    if member is None:
        raise LoginRefused(_l("Wrong email or password."))
    now = utcnow()
    client = throttle.client_key(member, address, device)
    wait = throttle.wait_seconds(member, client, now)
    if wait:
        raise LoginThrottled(wait)
    if not correct:
        throttle.count_failure(member, client, now)
        raise LoginRefused(_l("Wrong email or password."))
    if not member.is_active:
        raise AccountSuspended(_l("This account is suspended. Please contact the community's administrators."))
    throttle.forget(member, client)
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member
