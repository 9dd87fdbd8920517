"""The double-submit guards of groups/services.py (a join or a request, an announcement
with its idempotency key) write in the caller's transaction and nowhere else.

Each write here is the first of a fresh transaction, which is then rolled back or
fails later on; what survived is counted from another engine (a connection of its
own, which sees only what was committed). A guard built on a SAVEPOINT would fail
this on SQLite: the sqlite3 driver opens no transaction before SAVEPOINT, so the
RELEASE commits the row on its own. Real databases, real SMTP server, no mocks."""

import threading
import time

import pytest
from flask_babel import force_locale
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError

from community.core.audit import AuditEntry
from community.core.errors import DomainError
from community.core.extensions import db
from community.groups import announcements, memberships
from community.groups.models import Announcement, GroupMembership, MembershipStatus, WorkingGroup
from community.mail.models import OutboxEmail
from community.members.models import Member
from tests.groups.conftest import add_members

KEY = "k" * 32


@pytest.fixture
def committed(app):
    """count(model, *where) as another connection sees it: only what was committed."""
    engine = create_engine(db.engine.url)

    def _count(model, *where):
        query = select(func.count()).select_from(model)
        if where:
            query = query.where(*where)
        with engine.connect() as connection:
            return connection.scalar(query)

    yield _count
    engine.dispose()


@pytest.fixture
def announcing_group(make_member, make_group):
    """A group with a lead and two members: an announcement queues three mails."""
    lead = make_member("lead@example.org", language="en")
    group = make_group("Data", lead=lead)
    add_members(group, [make_member(language="fr"), make_member(language="en")])
    db.session.commit()  # whatever follows starts a fresh transaction
    return lead, group


def in_session(model, *where):
    query = select(func.count()).select_from(model)
    return db.session.scalar(query.where(*where) if where else query)


def second_while_first_uncommitted(app, write):
    """Run write() in two threads, the second reaching the database while the first has
    written and not yet committed. Returns what each returned (or, for a DomainError,
    its message in English) by "first" and "second", and any other error."""
    first_done, may_commit = threading.Event(), threading.Event()
    outcomes, errors = {}, []

    def run(name, before=None, after=None):
        with app.app_context():
            try:
                if before:
                    before.wait(10)
                outcomes[name] = write()
                if after:
                    after.set()
                    may_commit.wait(10)
                db.session.commit()
            except DomainError as exc:
                db.session.rollback()
                with app.test_request_context(), force_locale("en"):
                    outcomes[name] = str(exc)
            except Exception as exc:  # asserted to be none
                db.session.rollback()
                errors.append(repr(exc)[:300])
            finally:
                if after:
                    after.set()
                db.session.remove()

    first = threading.Thread(target=run, args=("first",), kwargs={"after": first_done})
    second = threading.Thread(target=run, args=("second",), kwargs={"before": first_done})
    first.start()
    second.start()
    first_done.wait(10)
    time.sleep(0.3)  # the second reaches the database while the first is uncommitted
    may_commit.set()
    first.join(15)
    second.join(15)
    return outcomes, errors


# ------------------------------------------------------------------ announcements


def test_an_announcement_rolled_back_leaves_no_row_and_no_mail(announcing_group, committed):
    lead, group = announcing_group
    announcement, created = announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    assert created and in_session(OutboxEmail) == 3  # the transaction held the row and its mails

    db.session.rollback()  # the request failed after the service returned

    left = (
        committed(Announcement),
        committed(OutboxEmail),
        committed(AuditEntry, AuditEntry.action == "group.announcement_sent"),
    )
    assert left == (0, 0, 0), "(announcements, mails, audit entries) that outlived the rollback"


def test_an_announcement_whose_transaction_failed_is_sent_when_submitted_again(announcing_group, committed, deliver):
    lead, group = announcing_group
    announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    db.session.rollback()

    # The member submits the same form again: nothing was saved, so it is sent now.
    lead, group = db.session.get(Member, lead.id), db.session.get(WorkingGroup, group.id)
    announcement, created = announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    db.session.commit()

    assert (created, announcement.recipients_count) == (True, 3)
    assert committed(Announcement) == 1 and committed(OutboxEmail) == 3
    assert len(deliver(expect=3)) == 3


def test_a_double_submit_of_an_announcement_sends_it_once(announcing_group, committed, deliver):
    lead, group = announcing_group
    first, created = announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    again, created_again = announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    db.session.commit()
    later, created_later = announcements.announce(lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY)
    db.session.commit()

    assert (created, created_again, created_later) == (True, False, False)
    assert first.id == again.id == later.id
    assert committed(Announcement) == 1 and committed(OutboxEmail) == 3
    assert len(deliver(expect=3)) == 3


def test_two_simultaneous_submits_of_an_announcement_send_it_once(app, announcing_group, committed, deliver):
    """The second submit arrives while the first is still uncommitted: it waits and sends nothing."""
    lead_id, group_id = announcing_group[0].id, announcing_group[1].id

    def submit():
        lead, group = db.session.get(Member, lead_id), db.session.get(WorkingGroup, group_id)
        announcement, created = announcements.announce(
            lead, group, subject="Meeting", body="Thursday", idempotency_key=KEY
        )
        return announcement.id, created

    results, errors = second_while_first_uncommitted(app, submit)

    assert errors == []
    assert results["first"][1] is True and results["second"] == (results["first"][0], False)
    assert committed(Announcement) == 1 and committed(OutboxEmail) == 3
    assert len(deliver(expect=3)) == 3


# ------------------------------------------------------------------ memberships


def test_a_join_rolled_back_leaves_no_membership(make_member, make_group, committed):
    member, group = make_member(), make_group()
    db.session.commit()

    memberships.join(member, group)
    db.session.rollback()

    assert committed(GroupMembership, GroupMembership.member_id == member.id) == 0
    # Nothing is in the way of joining for real.
    memberships.join(db.session.get(Member, member.id), db.session.get(WorkingGroup, group.id))
    db.session.commit()
    assert committed(GroupMembership, GroupMembership.member_id == member.id) == 1


def test_a_request_to_join_whose_transaction_fails_leaves_no_request_and_no_mail(make_member, make_group, committed):
    lead = make_member(language="en")
    group = make_group("Legal", policy="moderated", lead=lead)
    member = make_member()
    db.session.commit()

    memberships.request_to_join(member, group, "Hello")
    assert in_session(OutboxEmail, OutboxEmail.template == "group_request") == 1
    # The rest of the transaction fails (here: a later write breaks a unique constraint).
    db.session.add(WorkingGroup(name="Clash", slug=group.slug))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    left = (
        committed(GroupMembership, GroupMembership.member_id == member.id),
        committed(OutboxEmail, OutboxEmail.template == "group_request"),
    )
    assert left == (0, 0), "(requests, mails to the leads) that outlived the failed transaction"


def test_a_lead_appointment_rolled_back_leaves_no_membership(make_member, make_group, admin, committed):
    member, group = make_member(), make_group()
    db.session.commit()

    memberships.appoint_lead(admin, group, member)
    db.session.rollback()

    assert committed(GroupMembership, GroupMembership.member_id == member.id) == 0


def test_two_simultaneous_joins_leave_one_membership_and_refuse_the_second(app, make_member, make_group, committed):
    member, group = make_member(), make_group()
    db.session.commit()
    member_id, group_id = member.id, group.id

    def click():
        memberships.join(db.session.get(Member, member_id), db.session.get(WorkingGroup, group_id))
        return "joined"

    outcomes, errors = second_while_first_uncommitted(app, click)

    assert errors == []
    assert outcomes["first"] == "joined"
    assert outcomes["second"] in {
        "You are already a member of this group or have already asked to join.",
        "You are already a member of this group.",
    }
    assert committed(GroupMembership, GroupMembership.member_id == member_id) == 1
    assert (
        committed(
            GroupMembership,
            GroupMembership.member_id == member_id,
            GroupMembership.status == MembershipStatus.ACTIVE.value,
        )
        == 1
    )
