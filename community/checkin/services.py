"""Check-in at the door: let a person in once, undo a mistake.

Plain functions; the caller commits. A check-in is a row (checkin/models.CheckIn);
the partial unique index `uq_check_in_active` allows one not-undone row per
registration, and the row is written by an INSERT ... ON CONFLICT DO NOTHING, so
two stewards scanning the same ticket at once get one check-in between them and
the other is told "already checked in", on SQLite and PostgreSQL alike.
"""

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from community.checkin.models import CheckIn
from community.checkin.queries import active_check_in, by_code, find, is_url, ticket_code_in
from community.checkin.refusals import Refusal, person_name, refusal_message, refusal_reason
from community.core import audit, locking
from community.core.clock import clock_time, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.text import one_line
from community.events.models import Event
from community.registrations.models import Registration

GATE_LENGTH = 80


class Outcome(str, enum.Enum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    REFUSED = "refused"


class NotCheckedIn(DomainError):
    pass


@dataclass
class CheckInResult:
    outcome: Outcome
    message: str  # a lazy string: rendered in the reader's language when shown
    registration: Registration | None = None
    check_in: CheckIn | None = None
    refusal: Refusal | None = None


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
    return (
        locking.insert_ignoring_conflict(
            CheckIn, index_elements=[CheckIn.registration_id], index_where=CheckIn.undone_at.is_(None)
        )
        .values(**values)
        .returning(CheckIn.id)
    )


def check_in(actor, event: Event, registration_or_code, gate: str = "") -> CheckInResult:
    """Let the person in once. A second scan (now or later, here or at another gate)
    is reported with when and by whom; a ticket that gives no seat is refused."""
    registration = registration_or_code
    if isinstance(registration_or_code, str):
        code = ticket_code_in(registration_or_code)
        registration = by_code(code) if code else None
    if registration is None:
        return _refused(Refusal.UNKNOWN)
    # Read the registration as it is now and keep it so until the commit: a
    # cancellation at the same moment either happened (refused below) or waits.
    locking.refresh_locked(registration, shared=True)
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
    registration = by_code(code)
    if registration is None and not is_url(query) and find(event, query, limit=1):
        return None
    return check_in(actor, event, registration or code, gate)


def undo(actor, check_in: CheckIn) -> CheckIn:
    """Take back a check-in made by mistake: the row stays, stamped, and the log says who."""
    locking.before_writes()
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
