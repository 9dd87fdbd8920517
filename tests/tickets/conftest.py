"""Events with ticket categories, made through the organizer's rules (tickets/services.py)."""

from datetime import timedelta

import pytest

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups.models import GroupMembership, WorkingGroup
from community.tickets import services
from community.tickets.services import CategoryData


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


@pytest.fixture
def make_group(app):
    def _make(name="Corpus", members=()):
        group = WorkingGroup(name=name, slug=name.lower(), description="")
        db.session.add(group)
        db.session.flush()
        for member in members:
            db.session.add(GroupMembership(group_id=group.id, member_id=member.id, status="active", role="member"))
        db.session.commit()
        return group

    return _make


def soon(minutes=30):
    return utcnow() + timedelta(minutes=minutes)
