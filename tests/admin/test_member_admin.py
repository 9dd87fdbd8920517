"""Member administration: search and filters, roles with the last-admin guard,
suspension (sessions end, login refused), reactivation, confirmation mail again."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from community.admin import members
from community.core.audit import AuditEntry
from community.core.clock import from_local, utcnow
from community.core.errors import NotAllowed
from community.core.extensions import db
from community.groups.models import GroupMembership
from community.members.models import Member
from tests.admin.conftest import add_group, join
from tests.conftest import links_in, login, post_form
from tests.factories import member_row, membership_row
from tests.querycount import count_queries


def emails(page) -> set[str]:
    return {m.email for m in page.items}


def entries(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def admin_client(app, admin):
    client = app.test_client()
    login(client, admin)
    return client


def detail(member) -> str:
    return f"/admin/members/{member.id}"


# ------------------------------------------------------------------ search and filters


@pytest.fixture
def cast(people, make_member):
    """Members who differ in one way each, besides the four of `people`."""
    ml = add_group("Machine learning", "ml")
    chloe = make_member("chloe@example.org", name="Chloé Durand", organization="Inria")
    unconfirmed = make_member("new.comer@example.org", name="New Comer", confirmed=False)
    suspended = make_member("gone@example.org", name="Gone Away", suspended_at=utcnow())
    old = make_member(
        "old.timer@example.org", name="Old Timer", organization="CNRS", created_at=from_local(datetime(2024, 3, 10, 12))
    )
    join(ml, chloe)
    join(ml, old, status="pending")
    return dict(ml=ml, chloe=chloe, unconfirmed=unconfirmed, suspended=suspended, old=old)


def test_search_matches_name_email_and_organization_whatever_the_case(cast):
    assert emails(members.search(q="DURAND")) == {"chloe@example.org"}
    assert emails(members.search(q="New.Comer@")) == {"new.comer@example.org"}
    assert emails(members.search(q="inria")) == {"chloe@example.org"}
    assert emails(members.search(q="cnrs")) == {"old.timer@example.org"}
    # LIKE wildcards typed by the admin are plain characters.
    assert emails(members.search(q="%")) == set()


def test_each_filter_returns_the_right_members(people, cast):
    everyone = {m.email for m in db.session.scalars(select(Member))}
    assert emails(members.search(role="admin")) == {"admin@example.org"}
    assert emails(members.search(role="organizer")) == {"orga@example.org", "other.orga@example.org"}
    assert emails(members.search(confirmed=False)) == {"new.comer@example.org"}
    assert emails(members.search(confirmed=True)) == everyone - {"new.comer@example.org"}
    assert emails(members.search(suspended=True)) == {"gone@example.org"}
    assert "gone@example.org" not in emails(members.search(suspended=False))
    # Active members of the group only: the pending request does not count.
    assert emails(members.search(group_id=cast["ml"].id)) == {"chloe@example.org"}
    assert emails(members.search(joined_to=date(2024, 3, 10))) == {"old.timer@example.org"}
    assert emails(members.search(joined_from=date(2024, 3, 11))) == everyone - {"old.timer@example.org"}
    assert emails(members.search(joined_from=date(2024, 3, 10), joined_to=date(2024, 3, 10))) == {
        "old.timer@example.org"
    }
    assert emails(members.search(q="o", role="member", confirmed=True, suspended=False)) == {
        "chloe@example.org",
        "old.timer@example.org",
        "plain@example.org",
    }


def test_the_list_page_filters_and_shows_groups(app, people, cast):
    client = admin_client(app, people.admin)
    page = client.get(f"/admin/members/?q=chlo&group={cast['ml'].id}&confirmed=yes&suspended=no&role=member").get_data(
        as_text=True
    )
    assert "Chloé Durand" in page and "Machine learning" in page
    assert "Old Timer" not in page and "plain@example.org" not in page
    page = client.get("/admin/members/?suspended=yes").get_data(as_text=True)
    assert "gone@example.org" in page and "chloe@example.org" not in page
    assert "1 member" in page


@pytest.mark.parametrize(
    "query",
    [
        "role=superuser",
        "confirmed=maybe",
        "group=abc",
        "group=99999999999999999999",
        "joined_from=yesterday",
        "joined_to=2024-02-31",
        "suspended=1",
        "page=-4",
        "page=abc",
        "page=99999",
        "q=" + "x" * 500,
        "q=%00",
    ],
)
def test_bad_filter_values_are_ignored_with_a_message(app, people, cast, query):
    client = admin_client(app, people.admin)
    response = client.get(f"/admin/members/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if not query.startswith(("page=", "q=%00")):
        assert 'class="error"' in page, query
    if query.startswith(("role", "confirmed", "group", "joined", "suspended")):
        # The bad filter is dropped: the other members are still listed.
        assert "chloe@example.org" in page and "plain@example.org" in page


def bulk(n: int, group) -> None:
    """n members, half of them in the group, inserted in two statements."""
    now = utcnow()
    db.session.execute(
        insert(Member),
        [
            member_row(
                f"bulk{i}@example.org", f"Bulk {i}", now, organization="Org", created_at=now - timedelta(seconds=i)
            )
            for i in range(n)
        ],
    )
    ids = db.session.scalars(select(Member.id).where(Member.email.like("bulk%"))).all()
    db.session.execute(
        insert(GroupMembership),
        [membership_row(group.id, member_id, now) for member_id in ids[::2]],
    )
    db.session.commit()


def list_queries(client) -> tuple[int, int]:
    with count_queries(db.engine) as service:
        found = members.search(q="bulk", confirmed=True)
    assert len(found.items) == min(members.PER_PAGE, found.pagination.total)
    assert sum(len(found.memberships.get(m.id, [])) for m in found.items) == (len(found.items) + 1) // 2
    with count_queries(db.engine) as page:
        response = client.get("/admin/members/?q=bulk&confirmed=yes&page=1")
    assert response.status_code == 200
    return len(service), len(page)


def test_the_member_list_runs_the_same_queries_for_10_and_1000_members(app, people, capsys):
    group = add_group("Machine learning", "ml")
    client = admin_client(app, people.admin)
    bulk(10, group)
    small = list_queries(client)
    db.session.execute(GroupMembership.__table__.delete())
    db.session.execute(Member.__table__.delete().where(Member.email.like("bulk%")))
    db.session.commit()
    bulk(1000, group)
    large = list_queries(client)
    assert small == large
    assert small[0] == 3  # count, page, groups of the page
    with capsys.disabled():
        print(f"\nmember list: search() {large[0]} queries, whole page {large[1]} queries (10 and 1,000 members)")


# ------------------------------------------------------------------ roles


def test_an_admin_changes_a_role_and_the_log_keeps_before_and_after(app, people):
    client = admin_client(app, people.admin)
    response = post_form(
        client, f"{detail(people.member)}/role", {"role": "organizer"}, token_from=detail(people.member)
    )
    assert response.status_code == 302 and response.location.endswith(detail(people.member))
    assert db.session.get(Member, people.member.id).role == "organizer"
    [entry] = entries("member.role_changed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (people.admin.id, "member", people.member.id)
    assert entry.changes == {"role": ["member", "organizer"]}
    page = client.get(detail(people.member)).get_data(as_text=True)
    assert f"The role of {people.member.display_name} is changed." in page
    assert "role: member → organizer" in page


def test_an_unknown_role_is_refused_and_changes_nothing(app, people):
    client = admin_client(app, people.admin)
    post_form(client, f"{detail(people.member)}/role", {"role": "emperor"}, token_from=detail(people.member))
    assert db.session.get(Member, people.member.id).role == "member"
    assert "Please choose a role from the list." in client.get(detail(people.member)).get_data(as_text=True)
    assert entries("member.role_changed") == []


def test_the_last_admin_cannot_step_down(app, people):
    client = admin_client(app, people.admin)
    post_form(client, f"{detail(people.admin)}/role", {"role": "member"}, token_from=detail(people.admin))
    assert db.session.get(Member, people.admin.id).role == "admin"
    page = client.get(detail(people.admin)).get_data(as_text=True)
    assert "This is the last administrator: name another administrator first." in page
    assert entries("member.role_changed") == []


def test_an_admin_steps_down_once_another_admin_exists(app, people):
    client = admin_client(app, people.admin)
    post_form(client, f"{detail(people.organizer)}/role", {"role": "admin"}, token_from=detail(people.organizer))
    post_form(client, f"{detail(people.admin)}/role", {"role": "organizer"}, token_from=detail(people.admin))
    assert db.session.get(Member, people.admin.id).role == "organizer"
    # Now an organizer: the admin pages are closed to them.
    assert client.get("/admin/members/").status_code == 403
    assert [e.changes["role"] for e in entries("member.role_changed")] == [
        ["organizer", "admin"],
        ["admin", "organizer"],
    ]


def test_a_suspended_admin_does_not_count_as_the_remaining_admin(app, people, make_member):
    other = make_member("second.admin@example.org", role="admin", suspended_at=utcnow())
    with app.test_request_context(), pytest.raises(members.MemberAdminError):
        members.change_role(people.admin, people.admin, "member")
    assert other.role == "admin"


def test_only_admins_may_use_the_rules(app, people):
    for rule in (members.suspend, members.reactivate, members.resend_confirmation):
        with app.test_request_context(), pytest.raises(NotAllowed):
            rule(people.organizer, people.member)
    with app.test_request_context(), pytest.raises(NotAllowed):
        members.change_role(people.organizer, people.member, "admin")


# ------------------------------------------------------------------ suspension


def test_suspending_ends_the_members_session_and_login_says_why(app, people):
    victim = app.test_client()
    login(victim, people.member)
    assert victim.get("/members/profile").status_code == 200
    client = admin_client(app, people.admin)
    confirm = client.get(f"{detail(people.member)}/suspend").get_data(as_text=True)
    assert "Yes, suspend the account" in confirm
    assert db.session.get(Member, people.member.id).suspended_at is None  # the GET only asks
    response = post_form(client, f"{detail(people.member)}/suspend", token_from=f"{detail(people.member)}/suspend")
    assert response.status_code == 302
    assert "is suspended; their sessions have ended." in client.get(detail(people.member)).get_data(as_text=True)

    # The open session stops working at once.
    again = victim.get("/members/profile")
    assert again.status_code == 302 and "/members/login" in again.location
    refused = post_form(
        victim,
        "/members/login",
        {"email": people.member.email, "password": "correct horse battery staple"},
        token_from="/members/login",
    )
    assert refused.status_code == 200
    assert "Ce compte est suspendu." in refused.get_data(as_text=True)
    assert victim.get("/members/profile").status_code == 302
    [entry] = entries("member.suspended")
    assert (entry.actor_id, entry.object_id) == (people.admin.id, people.member.id)


def test_an_admin_cannot_suspend_themselves(app, people):
    client = admin_client(app, people.admin)
    post_form(client, f"{detail(people.admin)}/suspend", token_from=detail(people.admin))
    assert db.session.get(Member, people.admin.id).suspended_at is None
    assert "You cannot suspend your own account." in client.get("/admin/members/").get_data(as_text=True)


def test_reactivating_lets_the_member_log_in_again(app, people):
    members.suspend(people.admin, people.member)
    db.session.commit()
    client = admin_client(app, people.admin)
    assert "Yes, reactivate the account" in client.get(f"{detail(people.member)}/reactivate").get_data(as_text=True)
    post_form(client, f"{detail(people.member)}/reactivate", token_from=detail(people.member))
    assert db.session.get(Member, people.member.id).suspended_at is None
    login(app.test_client(), people.member)
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "member.suspended",
        "member.reactivated",
    ]
    # Reactivating an active account is refused plainly.
    post_form(client, f"{detail(people.member)}/reactivate", token_from=detail(people.member))
    assert "This account is not suspended." in client.get(detail(people.member)).get_data(as_text=True)


# ------------------------------------------------------------------ confirmation mail


def test_resending_the_confirmation_mail_reaches_the_member(app, people, make_member, deliver, mailbox):
    newcomer = make_member("newcomer@example.org", name="Newcomer", confirmed=False, language="en")
    client = admin_client(app, people.admin)
    response = post_form(client, f"{detail(newcomer)}/confirmation", token_from=detail(newcomer))
    assert response.status_code == 302
    assert "A new confirmation link is on its way to newcomer@example.org." in client.get(detail(newcomer)).get_data(
        as_text=True
    )
    [message] = deliver(expect=1)
    assert message["To"].addresses[0].addr_spec == "newcomer@example.org"
    [link] = [path for path in links_in(message) if path.startswith("/members/confirm/")]
    # The link is the sign-up one: following it confirms the address.
    visitor = app.test_client()
    post_form(visitor, link, token_from=link)
    assert db.session.get(Member, newcomer.id).is_confirmed
    [entry] = entries("member.confirmation_resent")
    assert entry.object_id == newcomer.id


def test_a_confirmed_member_gets_no_confirmation_mail(app, people, deliver, mailbox):
    client = admin_client(app, people.admin)
    post_form(client, f"{detail(people.member)}/confirmation", token_from=detail(people.member))
    page = client.get(detail(people.member)).get_data(as_text=True)
    assert "This member has already confirmed their email address." in page
    assert deliver() == []
    assert entries("member.confirmation_resent") == []


def test_the_member_page_shows_profile_groups_registrations_and_history(app, people, event, make_member):
    from tests.admin.conftest import register

    ml = add_group("Machine learning", "ml")
    join(ml, people.member, role="lead")
    register(event, member=people.member)
    members.change_role(people.admin, people.member, "organizer")
    db.session.commit()
    page = admin_client(app, people.admin).get(detail(people.member)).get_data(as_text=True)
    assert people.member.email in page and "Machine learning" in page and "lead" in page
    assert "Event summit" in page and re.search(r"Confirmed · 1", page)
    assert "Role changed" in page and "member → organizer" in page


def test_an_unknown_member_is_404(app, people):
    client = admin_client(app, people.admin)
    assert client.get("/admin/members/999999").status_code == 404
    assert client.get("/admin/members/99999999999").status_code == 404


def test_the_list_without_filters_shows_no_error_and_everyone(app, people, cast):
    page = admin_client(app, people.admin).get("/admin/members/").get_data(as_text=True)
    assert 'class="error"' not in page
    assert "8 members" in page


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, people, make_member):
    """Real threads, one connection each: the admin rows are locked (PostgreSQL) or the
    second writer is refused (SQLite), so the guard never reads a stale count."""
    import threading

    second = make_member("second.admin@example.org", role="admin")
    pairs = [(people.admin.id, second.id), (second.id, people.admin.id)]
    start, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def demote(actor_id, target_id):
        with app.app_context():
            actor, target = db.session.get(Member, actor_id), db.session.get(Member, target_id)
            start.wait()
            try:
                members.change_role(actor, target, "member")
                db.session.commit()
                outcome = "demoted"
            except Exception as exc:  # a refusal by the rule, or SQLite's "database is locked"
                db.session.rollback()
                outcome = type(exc).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=demote, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    admins = db.session.scalars(select(Member.id).where(Member.role == "admin")).all()
    assert len(admins) == 1, outcomes
    assert outcomes.count("demoted") == 1, outcomes
    assert len(entries("member.role_changed")) == 1
