"""Check-in at the door: find a person, let them in once, undo a mistake.

Plain functions; the caller commits. A check-in is a row (events/models.CheckIn);
the partial unique index `uq_check_in_active` allows one not-undone row per
registration, and the row is written by an INSERT ... ON CONFLICT DO NOTHING, so
two stewards scanning the same ticket at once get one check-in between them and
the other is told "already checked in", on SQLite and PostgreSQL alike.
"""

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from community.checkin.models import CheckIn
from community.core import audit, writegate
from community.core.clock import to_local, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.search import alphabetical, fold, folded, like_pattern
from community.events.models import Event
from community.members.models import Member
from community.registrations.models import Registration, RegistrationStatus

# new_ticket_code() makes 16 URL-safe characters; a scanned ticket URL ends in /checkin/<code>.
CODE = re.compile(r"[A-Za-z0-9_-]{16}")
CODE_IN_URL = re.compile(r"/checkin/([A-Za-z0-9_-]{1,32})/?$")
MAX_QUERY = 200
MAX_WORDS = 5
GATE_LENGTH = 80


class Outcome(str, enum.Enum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    REFUSED = "refused"


class Refusal(str, enum.Enum):
    WAITING = "waiting"
    HELD = "held"
    CANCELLED = "cancelled"
    OTHER_EVENT = "other_event"
    UNKNOWN = "unknown"


# Short labels for the result list (the full message comes with a refused scan).
REFUSAL_LABELS = {
    Refusal.WAITING: _l("Waiting list: not admitted"),
    Refusal.HELD: _l("Seat not confirmed: not admitted"),
    Refusal.CANCELLED: _l("Cancelled: not admitted"),
}


class NotCheckedIn(DomainError):
    pass


@dataclass
class CheckInResult:
    outcome: Outcome
    message: str  # a lazy string: rendered in the reader's language when shown
    registration: Registration | None = None
    check_in: CheckIn | None = None
    refusal: Refusal | None = None


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


# ------------------------------------------------------------------ reading


def one_line(text: str | None, limit: int) -> str:
    """Typed or scanned text as one line: scanners send tabs and line ends, and
    PostgreSQL refuses NUL characters in text."""
    return " ".join((text or "").replace("\x00", " ").split())[:limit]


def ticket_code_in(query: str) -> str | None:
    """The ticket code a query names: a scanned ticket URL, or a bare code."""
    text = (query or "").strip()
    if "://" in text:
        found = CODE_IN_URL.search(urlsplit(text).path)
        return found.group(1) if found else None
    return text if CODE.fullmatch(text) else None


def _is_url(query: str) -> bool:
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
    if _is_url(query):
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


def clock_time(moment: datetime) -> str:
    """09:12, in the community's zone: what a steward reads at the door."""
    return to_local(moment).strftime("%H:%M")


def person_name(registration: Registration):
    """The name to show; an anonymized registration has none (a lazy string, rendered when shown)."""
    return registration.name or _l("someone whose data was erased")


# ------------------------------------------------------------------ the rules


def refusal_reason(event_id: int, registration: Registration) -> Refusal | None:
    """Why this registration may not come in at this event; None when it may."""
    if registration.event_id != event_id:
        return Refusal.OTHER_EVENT
    return {
        RegistrationStatus.WAITING.value: Refusal.WAITING,
        RegistrationStatus.HELD.value: Refusal.HELD,
        RegistrationStatus.CANCELLED.value: Refusal.CANCELLED,
    }.get(registration.status)


def refusal_message(reason: Refusal, registration: Registration | None) -> str:
    if reason == Refusal.UNKNOWN:
        return _l("Unknown ticket: no registration has this code.")
    if reason == Refusal.OTHER_EVENT:  # said without naming the holder to this event's staff
        return _l("Not admitted: this ticket is for another event.")
    name = person_name(registration)
    if reason == Refusal.WAITING:
        return _l("Not admitted: %(name)s is on the waiting list, without a seat.", name=name)
    if reason == Refusal.HELD:
        return _l("Not admitted: %(name)s has not confirmed their seat (the link in their email).", name=name)
    return _l("Not admitted: the registration of %(name)s is cancelled.", name=name)


def _refused(reason: Refusal, registration: Registration | None = None) -> CheckInResult:
    shown = registration if reason not in (Refusal.OTHER_EVENT, Refusal.UNKNOWN) else None
    return CheckInResult(Outcome.REFUSED, refusal_message(reason, registration), shown, refusal=reason)


def already_message(registration: Registration, check_in: CheckIn, steward_name: str | None) -> str:
    when = clock_time(check_in.checked_in_at)
    if steward_name:
        return _l(
            "%(name)s: already checked in at %(time)s by %(steward)s.",
            name=person_name(registration),
            time=when,
            steward=steward_name,
        )
    return _l("%(name)s: already checked in at %(time)s.", name=person_name(registration), time=when)


def _insert_active(values: dict):
    """INSERT that does nothing when the registration already has an active check-in."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(CheckIn)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[CheckIn.registration_id], index_where=CheckIn.undone_at.is_(None))
        .returning(CheckIn.id)
    )


def _by_code(code: str) -> Registration | None:
    if len(code) > 32:
        return None
    return db.session.scalar(select(Registration).where(Registration.ticket_code == code))


def check_in(actor, event: Event, registration_or_code, gate: str = "") -> CheckInResult:
    """Let the person in once. A second scan (now or later, here or at another gate)
    is reported with when and by whom; a ticket that gives no seat is refused."""
    registration = registration_or_code
    if isinstance(registration_or_code, str):
        code = ticket_code_in(registration_or_code)
        registration = _by_code(code) if code else None
    if registration is None:
        return _refused(Refusal.UNKNOWN)
    # Read the registration as it is now and keep it so until the commit: a
    # cancellation at the same moment either happened (refused below) or waits.
    writegate.enter(db.session)
    db.session.refresh(registration, with_for_update={"read": True})
    reason = refusal_reason(event.id, registration)
    if reason is not None:
        return _refused(reason, registration)
    new_id = db.session.execute(
        _insert_active(
            dict(
                registration_id=registration.id,
                event_id=event.id,
                checked_in_at=utcnow(),
                checked_in_by=getattr(actor, "id", None),
                gate=one_line(gate, GATE_LENGTH),
            )
        )
    ).scalar()
    if new_id is not None:
        return CheckInResult(
            Outcome.CHECKED_IN,
            _l("%(name)s is checked in.", name=person_name(registration)),
            registration,
            db.session.get(CheckIn, new_id),
        )
    # Lost the race, or scanned twice: the winner's row is committed (or ours to see).
    existing, steward_name = active_check_in(registration.id)
    if existing is None:  # undone between our insert and this read: one more try
        return check_in(actor, event, registration, gate)
    return CheckInResult(Outcome.ALREADY, already_message(registration, existing, steward_name), registration, existing)


def scan(actor, event: Event, query: str, gate: str = "") -> CheckInResult | None:
    """Enter pressed in the search box (a scanner types a code or the ticket URL, then
    Enter). A ticket URL or an exact code checks that person in; a query that only looks
    like a code is an unknown ticket unless it finds people by name. None: just search."""
    code = ticket_code_in(query)
    if code is None:
        return None
    registration = _by_code(code)
    if registration is None and not _is_url(query) and find(event, query, limit=1):
        return None
    return check_in(actor, event, registration or code, gate)


def undo(actor, check_in: CheckIn) -> CheckIn:
    """Take back a check-in made by mistake: the row stays, stamped, and the log says who."""
    writegate.enter(db.session)
    now = utcnow()
    changed = db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.undone_at.is_(None))
        .values(undone_at=now, undone_by=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise NotCheckedIn(_l("This check-in was already undone."))
    set_committed_value(check_in, "undone_at", now)
    set_committed_value(check_in, "undone_by", getattr(actor, "id", None))
    audit.record(
        actor, "checkin.undone", check_in, event_id=check_in.event_id, registration_id=check_in.registration_id
    )
    return check_in
