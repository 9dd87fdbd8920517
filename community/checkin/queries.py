"""What the door reads: people found by name, email, organization or ticket code, and the counts.

Each function runs one query, whatever the number of registrations."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from community.checkin.models import CheckIn
from community.checkin.refusals import REFUSAL_LABELS, Refusal, refusal_reason
from community.core.extensions import db
from community.core.search import alphabetical, fold, folded, like_pattern
from community.core.text import one_line
from community.events.models import Event
from community.members.models import Member
from community.registrations.models import Registration, RegistrationStatus

# new_ticket_code() makes 16 URL-safe characters; a scanned ticket URL ends in /checkin/<code>.
CODE = re.compile(r"[A-Za-z0-9_-]{16}")
CODE_IN_URL = re.compile(r"/checkin/([A-Za-z0-9_-]{1,32})/?$")
MAX_QUERY = 200
MAX_WORDS = 5


@dataclass
class Match:
    """A registration found at the door, with its active check-in (None if not in)."""

    registration: Registration
    check_in: CheckIn | None
    steward_name: str | None

    @property
    def refusal(self) -> Refusal | None:
        return refusal_reason(self.registration.event_id, self.registration)

    @property
    def refusal_label(self) -> str:
        return REFUSAL_LABELS.get(self.refusal, "")


def ticket_code_in(query: str) -> str | None:
    """The ticket code a query names: a scanned ticket URL, or a bare code."""
    text = (query or "").strip()
    if "://" in text:
        found = CODE_IN_URL.search(urlsplit(text).path)
        return found.group(1) if found else None
    return text if CODE.fullmatch(text) else None


def is_url(query: str) -> bool:
    return "://" in (query or "")


def find(event: Event, query: str, limit: int = 20) -> list[Match]:
    """Registrations of the event matching every word of the query in the name, email or
    organization (case and accents ignored), or whose ticket code is the query (or the
    code of a scanned ticket URL). One query, whatever the number of registrations."""
    query = one_line(query, MAX_QUERY)
    if not query:
        return []
    code = ticket_code_in(query)
    by_code = Registration.ticket_code == code if code else None
    if is_url(query):
        if by_code is None:
            return []
        condition = by_code
    else:
        words = query.split()[:MAX_WORDS]
        name = folded(func.coalesce(Member.display_name, Registration.guest_name))
        email = func.lower(func.coalesce(Member.email, Registration.guest_email))
        organization = folded(
            case((Registration.member_id.is_not(None), Member.organization), else_=Registration.guest_organization)
        )
        condition = and_(
            *(
                or_(*(column.like(like_pattern(fold(word)), escape="\\") for column in (name, email, organization)))
                for word in words
            )
        )
        if by_code is not None:
            condition = or_(by_code, condition)
    steward = aliased(Member)
    confirmed_first = case((Registration.status == RegistrationStatus.CONFIRMED.value, 0), else_=1)
    order = [
        confirmed_first,
        alphabetical(func.coalesce(Member.display_name, Registration.guest_name)),
        Registration.id,
    ]
    if by_code is not None:
        order.insert(0, case((by_code, 0), else_=1))
    rows = db.session.execute(
        select(Registration, CheckIn, steward.display_name)
        .outerjoin(Member, Member.id == Registration.member_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .outerjoin(steward, steward.id == CheckIn.checked_in_by)
        .options(contains_eager(Registration.member))
        .where(Registration.event_id == event.id, condition)
        .order_by(*order)
        .limit(limit)
    ).all()
    return [Match(registration, check_in, steward_name) for registration, check_in, steward_name in rows]


def live_count(event: Event) -> tuple[int, int]:
    """(people checked in, confirmed registrations), in one query."""
    checked_in = select(func.count(CheckIn.id)).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    confirmed = select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED.value
    )
    row = db.session.execute(select(checked_in.scalar_subquery(), confirmed.scalar_subquery())).one()
    return row[0], row[1]


def active_check_in(registration_id: int) -> tuple[CheckIn | None, str | None]:
    """The registration's check-in that is not undone, and the name of who did it."""
    row = db.session.execute(
        select(CheckIn, Member.display_name)
        .outerjoin(Member, Member.id == CheckIn.checked_in_by)
        .where(CheckIn.registration_id == registration_id, CheckIn.undone_at.is_(None))
    ).first()
    return (row[0], row[1]) if row else (None, None)


def by_code(code: str) -> Registration | None:
    if len(code) > 32:
        return None
    return db.session.scalar(select(Registration).where(Registration.ticket_code == code))
