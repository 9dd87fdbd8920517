"""The waiting list's counters: its length (Event.waiting_count) and the numbers of its
places (Event.line_taken), moved under the event lock by seats.py, the only caller.

next_place() gives a newcomer the next place from one UPDATE ... RETURNING (join_line()
for a registration already written); leave_line() shortens the line.
"""

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import Registration

_events = Event.__table__
_event = _events.c.id == bindparam("event_id")

# A place in line: the person joins at the end, so their place is the length of the
# line with them in it, and their number the next one. Read from the UPDATE itself:
# no count of those ahead, so joining costs the same whatever the line's length.
_JOIN_LINE = (
    update(_events)
    .where(_event)
    .values(waiting_count=_events.c.waiting_count + 1, line_taken=_events.c.line_taken + 1)
    .returning(_events.c.waiting_count, _events.c.line_taken)
)
_LEAVE_LINE = (
    update(_events).where(_event, _events.c.waiting_count > 0).values(waiting_count=_events.c.waiting_count - 1)
)
_registrations = Registration.__table__
_NUMBER = (
    update(_registrations)
    .where(_registrations.c.id == bindparam("registration_id"))
    .values(line_number=bindparam("number"))
)


def next_place(event_id: int) -> tuple[int, int]:
    """The next place in the event's line, taken: (the place, 1 for the first; the number
    that orders the line, for Registration.line_number). The caller holds the event lock."""
    place, number = db.session.connection().execute(_JOIN_LINE, {"event_id": event_id}).one()
    return place, number


def join_line(registration: Registration) -> int:
    """The registration, written as waiting, takes the next place in its event's line;
    returns that place (1 for the first). The caller holds the event lock."""
    place, number = next_place(registration.event_id)
    db.session.connection().execute(_NUMBER, {"registration_id": registration.id, "number": number})
    set_committed_value(registration, "line_number", number)
    return place


def leave_line(event_id: int) -> None:
    """Someone left the waiting list (a seat, or they gave up); the caller holds the event lock."""
    db.session.connection().execute(_LEAVE_LINE, {"event_id": event_id})
