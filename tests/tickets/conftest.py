"""Events with ticket categories, made through the organizer's rules (tickets/services.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import insert

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups.models import GroupMembership, WorkingGroup
from community.tickets import services
from community.tickets.services import CategoryData
from tests.factories import membership_row


@pytest.fixture(autouse=True)
def english(app):
    """The rules' messages read in English, as a request asking for it would."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def organizer(make_member):
    return make_member("orga@example.org", role="admin", language="en")  # manages every event


@pytest.fixture
def add_category(organizer):
    """add_category(event, name, **fields) -> Category, committed."""

    def _add(event, name, **fields):
        category = services.add_category(organizer, event, CategoryData(name_fr=name, **fields))
        db.session.commit()
        return category

    return _add


def held_for(group, until=None) -> dict:
    """A category's fields: open to a working group's members, its seats held back for them
    until `until` (None: until registration closes)."""
    return {"admits": "groups", "group_ids": [group.id], "reserving": True, "reserved_until": until}


@pytest.fixture
def make_group(app):
    """make_group(name, members=(), member_ids=()) -> a working group with these active members."""

    def _make(name="Corpus", members=(), member_ids=()):
        group = WorkingGroup(name=name, slug=name.lower(), description="")
        db.session.add(group)
        db.session.flush()
        ids = [member.id for member in members] + list(member_ids)
        if ids:
            db.session.execute(insert(GroupMembership), [membership_row(group.id, m, utcnow()) for m in ids])
        db.session.commit()
        return group

    return _make


def soon(minutes=30):
    return utcnow() + timedelta(minutes=minutes)
