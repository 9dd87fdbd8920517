"""A member's personal calendar feed: the events they registered for or wait for, at a secret
address a calendar program polls. The address is signed with the app's key over the member and
a counter on their row, so nothing secret is stored, and a reset (the counter raised) ends the
old address at once."""

import hashlib
import hmac

from flask import current_app

from community.core.extensions import db
from community.members.models import Member

SIGNATURE_LENGTH = 32


def signature(member: Member) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    text = f"calendar-feed:{member.id}:{member.calendar_key}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


def member_for_feed(member_id: int, given: str) -> Member | None:
    """The member whose feed this address is, while it is the current one and the account active."""
    member = db.session.get(Member, member_id)
    if member is None or not member.is_active or not hmac.compare_digest(signature(member), given):
        return None
    return member


def reset(member: Member) -> None:
    """A new address; the old one answers 404 from now on. The caller commits."""
    member.calendar_key = (member.calendar_key or 0) + 1
