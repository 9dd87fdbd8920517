"""Who gets a line on the door list or a badge: the event's confirmed registrations, members
and guests alike (a guest's seat is confirmed once they followed the mailed link; a seat still
held is not), in dictionary order of their names.

One SELECT streamed in batches from the cursor, whatever their number: the PDFs are drawn
as rows arrive, never from a list of every attendee."""

from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import String, and_, case, func, literal, select

from community.checkin.models import CheckIn
from community.core.extensions import db
from community.core.search import alphabetical
from community.events.models import Event
from community.members.models import Member
from community.registrations.models import CONFIRMED, Registration

BATCH = 200  # rows fetched from the cursor at a time


class Person(NamedTuple):
    registration_id: int
    name: str
    organization: str
    category_id: int
    ticket_code: str
    checked_in_at: datetime | None  # the check-in not undone, if any


class CategoryLook(NamedTuple):
    name: str  # in the reader's language
    colour: str  # #rrggbb


def categories(event: Event) -> dict[int, CategoryLook]:
    """The event's categories by id, named in the reader's language (one query, read before the rows)."""
    return {category.id: CategoryLook(category.name, category.colour) for category in event.categories}


def confirmed(event: Event, category_id: int | None = None, registration_id: int | None = None) -> Iterator[Person]:
    """The confirmed people of the event (of one category, or one registration), by name, accents ignored."""
    name = func.coalesce(Member.display_name, Registration.guest_name, literal("", String))
    organization = case(
        (Registration.member_id.is_not(None), Member.organization), else_=Registration.guest_organization
    )
    statement = (
        select(
            Registration.id,
            name,
            func.coalesce(organization, literal("", String)),
            Registration.category_id,
            Registration.ticket_code,
            CheckIn.checked_in_at,
        )
        .select_from(Registration)
        .outerjoin(Member, Member.id == Registration.member_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .where(
            Registration.event_id == event.id,
            Registration.status == CONFIRMED,
            Registration.anonymized_at.is_(None),  # an erased person has no name to print
        )
        .order_by(alphabetical(name), Registration.id)
    )
    if category_id is not None:
        statement = statement.where(Registration.category_id == category_id)
    if registration_id is not None:
        statement = statement.where(Registration.id == registration_id)
    # yield_per: a server-side cursor on PostgreSQL, batches on SQLite.
    for row in db.session.execute(statement.execution_options(yield_per=BATCH)):
        yield Person(*row)
