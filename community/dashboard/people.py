"""The dashboard's lists of people: one page of an event's registrations, searched,
sorted and filtered, in two queries whatever their number (tests/dashboard/test_dashboard.py
holds them to it at 10 and 2,000 registrations)."""

from dataclasses import dataclass
from datetime import datetime
from math import ceil

from sqlalchemy import String, and_, case, func, literal, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from community.checkin.models import CheckIn
from community.core.extensions import db
from community.core.search import alphabetical, contains
from community.events.models import Event
from community.members.models import Member
from community.registrations import waiting_list
from community.registrations.models import CANCELLED, CONFIRMED, HELD, WAITING, Registration, status_is

PER_PAGE = 50


# Sort orders a list accepts; the first of each list is its default.
ATTENDEE_SORTS = ("name", "-name", "registered", "-registered", "status")
WAITING_SORTS = ("queue", "name", "-name")
# Which statuses a list may show (the attendee list's filter).
ATTENDEE_FILTERS = {"": (CONFIRMED, HELD), CONFIRMED: (CONFIRMED,), HELD: (HELD,), CANCELLED: (CANCELLED,)}


@dataclass
class Row:
    registration: Registration
    checked_in_at: datetime | None
    position: int | None  # in the waiting list, for waiting people


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def person_name():
    """The name of a registration's person as SQL: the member's, else the guest's (join Member)."""
    return func.coalesce(Member.display_name, Registration.guest_name, literal("", String))


def _order(sort: str):
    name = alphabetical(person_name())
    return {
        "name": (name, Registration.id),
        "-name": (name.desc(), Registration.id.desc()),
        "registered": (Registration.created_at, Registration.id),
        "-registered": (Registration.created_at.desc(), Registration.id.desc()),
        # Confirmed, then held, then the rest; by name within.
        "status": (
            case((Registration.status == CONFIRMED, 0), (Registration.status == HELD, 1), else_=2),
            name,
            Registration.id,
        ),
        "queue": waiting_list.IN_LINE,
    }[sort]


def _matching(q: str):
    searched = (
        person_name(),
        func.coalesce(Member.email, Registration.guest_email, literal("", String)),
        func.coalesce(func.nullif(Member.organization, ""), Registration.guest_organization, literal("", String)),
    )
    return or_(*(contains(column, q) for column in searched))


def of_event(
    event: Event, *, statuses, q: str = "", sort: str = "name", page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """One page of the event's registrations in these statuses: two queries (count, rows).

    Each row comes with its member, its active check-in time and, for waiting
    people, their place in the whole queue (a window function)."""
    statuses = tuple(statuses)
    in_queue = (
        select(
            Registration.id.label("id"),
            func.row_number().over(order_by=waiting_list.IN_LINE).label("position"),
        )
        .where(Registration.event_id == event.id, status_is(WAITING))
        .subquery()
    )
    checked = (
        select(CheckIn.registration_id.label("id"), CheckIn.checked_in_at.label("at"))
        .where(CheckIn.event_id == event.id, CheckIn.undone_at.is_(None))
        .subquery()
    )
    conditions = [Registration.event_id == event.id, Registration.status.in_(statuses)]
    if q:
        conditions.append(_matching(q))
    base = select(Registration).outerjoin(Member, Registration.member_id == Member.id).where(and_(*conditions))
    total = db.session.scalar(select(func.count()).select_from(base.with_only_columns(Registration.id).subquery()))
    pages = max(1, ceil(total / per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        base.add_columns(checked.c.at, in_queue.c.position)
        .outerjoin(checked, checked.c.id == Registration.id)
        .outerjoin(in_queue, in_queue.c.id == Registration.id)
        .options(contains_eager(Registration.member), selectinload(Registration.code))
        .order_by(*_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows=[Row(r, at, position) for r, at, position in rows], total=total, page=page, per_page=per_page)


HOLDS_SHOWN = 100


def unconfirmed_holds(event: Event, limit: int = HOLDS_SHOWN) -> list[Registration]:
    """The seats held for guests not confirmed yet, the first to run out first, with their
    members (at most `limit`: the count is on the dashboard; one query, two with members)."""
    return db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, status_is(HELD))
        .order_by(Registration.hold_expires_at, Registration.id)
        .limit(limit)
        .options(selectinload(Registration.member))
    ).all()
