"""What the organizer reads of the categories: registrations per category and status, in one query."""

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community.core.extensions import db
from community.events.models import Event
from community.registrations.models import Registration
from community.tickets.models import Category, InvitationCode


def load_groups(event) -> None:
    """Load the event's categories with their working groups, in three queries whatever
    their number (the pages then read category.groups without one query each)."""
    db.session.execute(
        select(Event)
        .where(Event.id == event.id)
        .options(selectinload(Event.categories).selectinload(Category.groups))
        .execution_options(populate_existing=True)
    ).one()


def codes_by_category(event) -> dict[int, tuple[int, int, int]]:
    """{category id: (codes made, uses taken, uses allowed)} for the event (one query)."""
    rows = db.session.execute(
        select(
            InvitationCode.category_id,
            func.count(),
            func.coalesce(func.sum(InvitationCode.uses), 0),
            func.coalesce(func.sum(InvitationCode.uses_allowed), 0),
        )
        .where(InvitationCode.event_id == event.id)
        .group_by(InvitationCode.category_id)
    )
    return {category_id: (made, used, allowed) for category_id, made, used, allowed in rows}


def counts_by_category(event) -> dict[int, Counter]:
    """{category id: Counter of statuses} for the event's registrations (one query)."""
    rows = db.session.execute(
        select(Registration.category_id, Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.category_id, Registration.status)
    )
    counts: dict[int, Counter] = {category.id: Counter() for category in event.categories}
    for category_id, status, n in rows:
        counts.setdefault(category_id, Counter())[status] = n
    return counts
