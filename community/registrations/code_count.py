"""The uses of an invitation code, taken and given back with the seat it was used for.

Like a seat, a use is taken by one conditional UPDATE: two registrations can never
both take the last use. seats.py is the only caller, under the event lock.
"""

from datetime import datetime

from sqlalchemy import bindparam, or_, update

from community.core.extensions import db
from community.tickets.models import InvitationCode

_codes = InvitationCode.__table__
# A use of a code, while one is left and the code is still valid: like a seat, taken in one statement.
_USE_CODE = (
    update(_codes)
    .where(
        _codes.c.id == bindparam("code_id"),
        _codes.c.uses < _codes.c.uses_allowed,
        _codes.c.revoked_at.is_(None),
        or_(_codes.c.expires_at.is_(None), _codes.c.expires_at > bindparam("now")),
    )
    .values(uses=_codes.c.uses + 1)
)
_GIVE_BACK_CODE = (
    update(_codes).where(_codes.c.id == bindparam("code_id"), _codes.c.uses > 0).values(uses=_codes.c.uses - 1)
)


def use_code(code_id: int, now: datetime) -> bool:
    """Take one use of the code; False when none is left (or it was withdrawn, or expired).
    Run after the seat statements: every seat change locks the event, then the category, then the code."""
    return db.session.connection().execute(_USE_CODE, {"code_id": code_id, "now": now}).rowcount == 1


def give_back_code(code_id: int) -> None:
    """The registration made with it is cancelled: its use may be taken again."""
    db.session.connection().execute(_GIVE_BACK_CODE, {"code_id": code_id})
