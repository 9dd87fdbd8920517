"""The dashboard's counts of one event: seats taken, held, waiting, cancelled, checked in (two queries)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from community.checkin.models import CheckIn
from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import CANCELLED, CONFIRMED, HELD, WAITING, Registration


@dataclass
class Counts:
    confirmed: int = 0
    held: int = 0
    waiting: int = 0
    cancelled: int = 0
    checked_in: int = 0
    capacity: int | None = None

    @property
    def seated(self) -> int:
        return self.confirmed + self.held

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.seated, 0)

    @property
    def filled_percent(self) -> int:
        """For the gauge: how much of the capacity is taken (0 when unlimited)."""
        if not self.capacity:
            return 100 if self.capacity == 0 else 0
        return min(round(100 * self.seated / self.capacity), 100)


def of_event(event: Event) -> Counts:
    """Two queries: registrations by status, and the check-ins not undone."""
    by_status = dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    checked_in = db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
    )
    return Counts(
        confirmed=by_status.get(CONFIRMED, 0),
        held=by_status.get(HELD, 0),
        waiting=by_status.get(WAITING, 0),
        cancelled=by_status.get(CANCELLED, 0),
        checked_in=checked_in or 0,
        capacity=event.capacity,
    )
