"""Group factories: groups made through the real rules, members inserted in bulk."""

import functools

import pytest
from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups import memberships, services
from community.groups.models import GroupMembership, GroupRole, MembershipStatus
from community.members.models import Member
from community.members.passwords import hash_password
from tests.conftest import PASSWORD
from tests.factories import member_row, membership_row


@functools.cache
def password_hash() -> str:
    """One real argon2 hash of PASSWORD, shared by every bulk member: they can log in."""
    return hash_password(PASSWORD)


@pytest.fixture
def bulk_people(app):
    """Insert n confirmed members who can log in, in one statement; return them (ordered by id),
    unlike tests/factories.bulk_members (ids, no usable password).

    `language(i)` and `visible(i)` choose each member's language and directory choice.
    """
    counter = {"batch": 0}

    def _bulk(
        n,
        *,
        prefix=None,
        language=lambda i: "fr" if i % 2 else "en",
        visible=lambda i: False,
        organization=lambda i: "",
    ):
        counter["batch"] += 1
        prefix = prefix or f"b{counter['batch']}-"
        now = utcnow()
        rows = [
            member_row(
                f"{prefix}{i}@example.org",
                f"{prefix}{i}",
                now,
                password_hash=password_hash(),
                language=language(i),
                organization=organization(i),
                directory_visible=visible(i),
            )
            for i in range(n)
        ]
        db.session.execute(insert(Member), rows)
        db.session.commit()
        return list(db.session.scalars(select(Member).where(Member.email.like(f"{prefix}%")).order_by(Member.id)))

    return _bulk


@pytest.fixture
def admin(make_member):
    return make_member("admin@example.org", name="Ada Admin", role="admin", language="en")


@pytest.fixture
def make_group(app, admin):
    """A group created by the admin through the services, optionally with a lead."""
    counter = {"n": 0}

    def _make(name=None, *, policy="open", lead=None, **fields):
        counter["n"] += 1
        group = services.create_group(admin, name=name or f"Group {counter['n']}", join_policy=policy, **fields)
        if lead is not None:
            memberships.appoint_lead(admin, group, lead)
        db.session.commit()
        return group

    return _make


def add_members(group, members, *, role=GroupRole.MEMBER.value, status=MembershipStatus.ACTIVE.value, opt_out=()):
    """Active memberships for many members in one statement."""
    opted = {m.id for m in opt_out}
    db.session.execute(
        insert(GroupMembership),
        [
            membership_row(group.id, m.id, utcnow(), status=status, role=role, announcements_opt_out=m.id in opted)
            for m in members
        ],
    )
    db.session.commit()
