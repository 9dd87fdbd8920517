"""The event's history: its audit entries, newest first, with the names they refer to."""

from dataclasses import dataclass

from sqlalchemy import select

from community.core.audit import AuditEntry
from community.core.extensions import db
from community.dashboard.people import person_name
from community.events.models import Event
from community.members.models import Member
from community.registrations.models import Registration

HISTORY_SHOWN = 50  # on the dashboard; the whole history has its own pages
HISTORY_PER_PAGE = 50


@dataclass
class History:
    entries: list
    names: dict[int, str]  # member id -> display name (actors, staff)
    people: dict[int, str]  # registration id -> the person's name
    more: bool = False  # older entries than these exist


def _entries(event: Event):
    return (
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )


def latest(event: Event, limit: int = HISTORY_SHOWN) -> History:
    """The event's latest audit entries, newest first, with the names they refer to:
    three queries (one more entry is read, to know whether older ones exist)."""
    entries = list(db.session.scalars(_entries(event).limit(limit + 1)))
    return _named(entries[:limit], more=len(entries) > limit)


def page(event: Event, page: int):
    """One page of the whole history: (pagination, History), four queries."""
    pagination = db.paginate(_entries(event), page=page, per_page=HISTORY_PER_PAGE, error_out=False)
    return pagination, _named(pagination.items)


def _named(entries: list, more: bool = False) -> History:
    """Entries hold ids, never names: the names are read now, while the people exist."""
    member_ids = {e.actor_id for e in entries} | {(e.changes or {}).get("member_id") for e in entries}
    member_ids = {i for i in member_ids if isinstance(i, int)}
    names = (
        dict(db.session.execute(select(Member.id, Member.display_name).where(Member.id.in_(member_ids))).all())
        if member_ids
        else {}
    )
    registration_ids = {e.object_id for e in entries if e.object_type == Registration.__tablename__ and e.object_id}
    people_names = (
        dict(
            db.session.execute(
                select(Registration.id, person_name())
                .outerjoin(Member, Registration.member_id == Member.id)
                .where(Registration.id.in_(registration_ids))
            ).all()
        )
        if registration_ids
        else {}
    )
    return History(entries=entries, names=names, people=people_names, more=more)
