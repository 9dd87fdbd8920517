"""Why the seat engine refuses: each message is safe to show to the person."""

from community.core.errors import DomainError


class RegistrationRefused(DomainError):
    """Closed, full without a waiting list, not for this person: the text says which."""


class AlreadyRegistered(DomainError):
    """Two clicks raced, or an organizer adds someone registered already."""


class HoldExpired(DomainError):
    """A guest's held seat ran out before they followed the mailed link."""


class CheckedIn(DomainError):
    """The person was let in: there is no seat to give back."""


class CapacityTooLow(DomainError):
    """The new capacity is below the seats already taken."""


class EventFull(DomainError):
    """No seat is free and the organizer did not confirm going over capacity."""
