"""The organizer's changes to an event's limits: its capacity, a category's quota and
the seats it holds back. No status changes here: seats freed by a change go to the
waiting list through the seat engine's promote(). Plain functions: the caller commits
once, or rolls back on DomainError."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.registrations import seat_count
from community.registrations.errors import CapacityTooLow
from community.registrations.models import Registration
from community.registrations.seats import promote


def change_capacity(event: Event, new_capacity: int | None, now: datetime) -> list[Registration]:
    """Raise, lower or remove the limit; freed seats go to the waiting list at once."""
    if new_capacity is not None and new_capacity < 0:
        raise DomainError(_l("The capacity cannot be negative."))
    seat_count.lock_event(event.id)
    seat_count.refresh(event)
    if new_capacity is not None and new_capacity < event.confirmed_count + event.reserved_count:
        if event.reserved_count:
            total = event.confirmed_count + event.reserved_count
            raise CapacityTooLow(
                _l(
                    "%(taken)d seats are taken and %(reserved)d held back for reserved categories: "
                    "the capacity cannot go below %(total)d.",
                    taken=event.confirmed_count,
                    reserved=event.reserved_count,
                    total=total,
                )
            )
        raise CapacityTooLow(
            _l(
                "%(taken)d seats are already taken: the capacity cannot go below that. Cancel registrations first.",
                taken=event.confirmed_count,
            )
        )
    if new_capacity == event.capacity:
        return []
    event.capacity = new_capacity
    db.session.flush()
    return promote(event, now)


def reshape_category(
    event: Event, category, *, quota: int | None, reserving: bool, now: datetime
) -> list[Registration]:
    """A new quota, or seats held back or given back: the waiting list moves at once."""
    seat_count.lock_event(event.id)
    seat_count.refresh(event, category)
    seat_count.hold_back(event, category, quota=quota, reserving=reserving)
    return promote(event, now)
