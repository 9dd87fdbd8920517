"""Helpers for the check-in tests: seats written straight to the database and event staff."""

from datetime import timedelta

from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import EventStaff, StaffRole
from community.registrations.models import Registration, new_ticket_code
from tests.factories import count_seats, registration_row


def seat(event, member=None, *, status="confirmed", **guest) -> Registration:
    """A registration in the given status (a guest when no member is given)."""
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id if member else None,
        status=status,
        hold_expires_at=utcnow() + timedelta(hours=1) if status == "held" else None,
        confirmed_at=utcnow() if status == "confirmed" else None,
        **guest,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def name_staff(event, member, role=StaffRole.STEWARD) -> None:
    db.session.add(EventStaff(event_id=event.id, member_id=member.id, role=role.value))
    db.session.commit()


def bulk_seats(event, member_ids) -> list[str]:
    """Confirmed seats for these members in one statement; returns their ticket codes."""
    now = utcnow()
    db.session.execute(
        insert(Registration),
        [
            registration_row(event, member_id, now, confirmed_at=now, ticket_code=new_ticket_code())
            for member_id in member_ids
        ],
    )
    count_seats(event, len(member_ids))
    db.session.commit()
    return list(db.session.scalars(select(Registration.ticket_code).where(Registration.event_id == event.id)))
