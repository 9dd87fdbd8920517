"""Invitation codes: organizers make them for a category, one at a time or in bulk, mail
them (through the outbox, in each recipient's language) or download them; a holder
registers with one in its category, as a member or a guest, while it has room.

Plain functions: the caller commits once, or rolls back on DomainError. A code's
uses are taken and given back by the seat engine (registrations/seat_count.py),
in the registration's own transaction."""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.core import audit
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.dates import moment
from community.events.permissions import require_manager
from community.mail.outbox import external_url, queue_email
from community.members.services import check_email, find_by_email
from community.tickets.models import Category, InvitationCode, normalized_code

MAX_AT_ONCE = 500
MAX_USES = 10_000


class CodeRefused(DomainError):
    """A code that cannot be used (unknown, another event's, withdrawn, expired, used up): the text says which."""


def find(event, typed: str, now: datetime | None = None) -> InvitationCode:
    """The usable code of this event a person typed, or CodeRefused with the reason."""
    now = now or utcnow()
    code = normalized_code(typed)
    if not code:
        raise CodeRefused(_l("Please type your invitation code."))
    found = db.session.scalar(select(InvitationCode).where(InvitationCode.code == code))
    if found is None:
        raise CodeRefused(_l("This invitation code is not valid: check it and try again."))
    if found.event_id != event.id:
        raise CodeRefused(_l("This invitation code is for another event."))
    if found.revoked_at is not None:
        raise CodeRefused(_l("This invitation code was withdrawn by the organizers."))
    if found.is_expired(now):
        raise CodeRefused(_l("This invitation code expired on %(when)s.", when=moment(found.expires_at)))
    if found.uses_left == 0:
        raise CodeRefused(_l("This invitation code has already been used."))
    return found


def _check(count: int, uses_allowed: int, expires_at: datetime | None, now: datetime) -> None:
    if not 1 <= count <= MAX_AT_ONCE:
        raise DomainError(_l("Make between 1 and %(most)d codes at a time.", most=MAX_AT_ONCE))
    if not 1 <= uses_allowed <= MAX_USES:
        raise DomainError(_l("A code allows between 1 and %(most)d uses.", most=MAX_USES))
    if expires_at is not None and as_utc(expires_at) <= now:
        raise DomainError(_l("The expiry date has passed: choose a later one."))


def create(
    actor,
    category: Category,
    *,
    count: int = 1,
    uses_allowed: int = 1,
    expires_at: datetime | None = None,
    sent_to: list[str] | None = None,
    now: datetime | None = None,
) -> list[InvitationCode]:
    """`count` new codes for the category (one per address of `sent_to` when given)."""
    now = now or utcnow()
    require_manager(actor, category.event)
    _check(count, uses_allowed, expires_at, now)
    codes = [
        InvitationCode(
            event_id=category.event_id,
            category_id=category.id,
            uses_allowed=uses_allowed,
            expires_at=expires_at,
            sent_to=(sent_to or [""] * count)[i],
            created_by=actor.id,
            created_at=now,
        )
        for i in range(count)
    ]
    db.session.add_all(codes)
    db.session.flush()
    audit.record(
        actor,
        "codes.created",
        category,
        event_id=category.event_id,
        count=count,
        uses_allowed=uses_allowed,
        mailed=bool(sent_to),
    )
    return codes


def addresses(text: str) -> list[str]:
    """The addresses of a list typed or pasted (commas, semicolons, spaces or lines between
    them), each checked, without repeats. Refuses the whole list when one is not valid."""
    found, wrong = [], []
    for item in re.split(r"[\s,;]+", text or ""):
        if not item:
            continue
        try:
            address = check_email(item)
        except DomainError:
            wrong.append(item)
            continue
        if address not in found:
            found.append(address)
    if wrong:
        raise DomainError(_l("These addresses are not valid: %(addresses)s", addresses=", ".join(wrong[:10])))
    if not found:
        raise DomainError(_l("Please give at least one email address."))
    return found


def send(
    actor,
    category: Category,
    recipients: list[str],
    *,
    uses_allowed: int = 1,
    expires_at: datetime | None = None,
    language: str = "fr",
    now: datetime | None = None,
) -> list[InvitationCode]:
    """One new code per address, mailed through the outbox: in the member's language when
    the address is a member's, else in `language`."""
    codes = create(
        actor,
        category,
        count=len(recipients),
        uses_allowed=uses_allowed,
        expires_at=expires_at,
        sent_to=recipients,
        now=now,
    )
    event = category.event
    for code in codes:
        member = find_by_email(code.sent_to)
        queue_email(
            "invitation_code",
            to=code.sent_to,
            to_name=member.display_name if member else "",
            language=member.language if member else language,
            member=member,
            subject=_l("Your invitation to %(title)s", title=event.title),
            dedupe_key=f"invitation:{code.code}",
            event=event,
            category=category,
            code=code,
            link=external_url("tickets.invitation", slug=event.slug, code=code.code),
        )
    return codes


def revoke(actor, code: InvitationCode, now: datetime | None = None) -> None:
    """No new use; the registrations already made with it stay."""
    require_manager(actor, code.category.event)
    if code.revoked_at is not None:
        return
    code.revoked_at = now or utcnow()
    audit.record(actor, "code.revoked", code, event_id=code.event_id, code=code.code, uses=code.uses)


def of_category(category: Category) -> list[InvitationCode]:
    """The category's codes, newest first (one query)."""
    return db.session.scalars(
        select(InvitationCode)
        .where(InvitationCode.category_id == category.id)
        .order_by(InvitationCode.created_at.desc(), InvitationCode.id.desc())
    ).all()
