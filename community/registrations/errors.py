"""Why the seat engine refuses: each message is safe to show to the person."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from community.core.clock import clock_time
from community.core.errors import DomainError


class RegistrationRefused(DomainError):
    """Closed, full without a waiting list, not for this person: the text says which."""


class AlreadyRegistered(DomainError):
    """Two clicks raced, or an organizer adds someone registered already."""


class HoldExpired(DomainError):
    """A guest's held seat ran out before they followed the mailed link."""


class CheckedIn(DomainError):
    """The person was let in: there is no seat to give back."""

    def __init__(self, came_at: datetime):
        super().__init__(
            _l(
                "This registration was checked in at %(time)s: it can no longer be cancelled "
                "(an organizer may undo the check-in first).",
                time=clock_time(came_at),
            )
        )


class CapacityTooLow(DomainError):
    """The new capacity is below the seats already taken."""


class EventFull(DomainError):
    """No seat is free and the organizer did not confirm going over capacity."""
