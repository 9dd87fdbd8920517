"""Who may open every group route: anonymous, a member of the group, another member,
the group's lead, the lead of another group, an admin.

"ok" means the route let the person through (a page, or a redirect that is not the
login page); a refusal must also leave everything as it was.
"""

import pytest
from sqlalchemy import func, select

from community.core.extensions import db
from community.groups import announcements, memberships
from community.groups.models import Announcement, GroupMembership, WorkingGroup
from community.mail.models import OutboxEmail
from tests.conftest import login, post_form
from tests.groups.conftest import add_members

ROLES = ["anonymous", "member", "other_member", "lead", "other_lead", "admin"]

PUBLIC = dict.fromkeys(ROLES, "ok")
LOGGED_IN = {**PUBLIC, "anonymous": "login"}
GROUP_READERS = {**LOGGED_IN, "other_member": 404, "other_lead": 404}
MODERATORS = {"anonymous": "login", "member": 403, "other_member": 403, "lead": "ok", "other_lead": 403, "admin": "ok"}
ADMINS = {**MODERATORS, "lead": 403}

ANNOUNCEMENT = {"subject": "Next meeting", "body": "Thursday", "idempotency_key": "k" * 24}
DESCRIPTION = {
    "summary": "Short",
    "description": "Longer",
    "name": "Legal",
    "slug": "legal",
    "join_policy": "moderated",
}

# (method, endpoint, path, form data, who may)
ROUTES = [
    ("GET", "groups.index", "/groups/", None, PUBLIC),
    ("GET", "groups.directory", "/groups/directory", None, LOGGED_IN),
    ("GET", "groups.mine", "/groups/mine", None, LOGGED_IN),
    ("GET", "groups.new", "/groups/new", None, ADMINS),
    ("POST", "groups.new", "/groups/new", {"name": "Training", "join_policy": "open"}, ADMINS),
    ("GET", "groups.detail", "/groups/{slug}", None, PUBLIC),
    ("GET", "groups.feed", "/groups/{slug}/feed.ics", None, PUBLIC),
    ("GET", "groups.announcement", "/groups/{slug}/announcements/{announcement}", None, GROUP_READERS),
    ("GET", "groups.edit", "/groups/{slug}/edit", None, MODERATORS),
    ("POST", "groups.edit", "/groups/{slug}/edit", DESCRIPTION, MODERATORS),
    ("POST", "groups.archive", "/groups/{slug}/archive", {}, ADMINS),
    ("POST", "groups.unarchive", "/groups/{slug}/unarchive", {}, ADMINS),
    ("POST", "groups.join", "/groups/{slug}/join", {}, LOGGED_IN),
    ("POST", "groups.request_to_join", "/groups/{slug}/request", {"message": "hi"}, LOGGED_IN),
    ("POST", "groups.leave", "/groups/{slug}/leave", {}, LOGGED_IN),
    ("POST", "groups.subscription", "/groups/{slug}/announcements/subscription", {"receive": "no"}, LOGGED_IN),
    ("POST", "groups.approve", "/groups/{slug}/requests/{request}/approve", {}, MODERATORS),
    ("POST", "groups.decline", "/groups/{slug}/requests/{request}/decline", {}, MODERATORS),
    ("GET", "groups.members", "/groups/{slug}/members", None, MODERATORS),
    ("POST", "groups.remove_member", "/groups/{slug}/members/{target}/remove", {}, MODERATORS),
    ("POST", "groups.appoint_lead", "/groups/{slug}/members/{target}/lead", {}, MODERATORS),
    ("POST", "groups.remove_lead", "/groups/{slug}/members/{co_lead}/unlead", {}, ADMINS),
    ("POST", "groups.appoint_lead_by_email", "/groups/{slug}/leads", {"email": "{target_email}"}, ADMINS),
    ("GET", "groups.announce", "/groups/{slug}/announce", None, MODERATORS),
    ("POST", "groups.announce", "/groups/{slug}/announce", ANNOUNCEMENT, MODERATORS),
    ("GET", "groups.unsubscribe", "/groups/unsubscribe/{token}", None, PUBLIC),
    ("POST", "groups.unsubscribe", "/groups/unsubscribe/{token}", {}, PUBLIC),
]


def test_the_matrix_covers_every_group_route(app):
    declared = {(method, endpoint) for method, endpoint, *_rest in ROUTES}
    existing = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("groups.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert existing == declared


@pytest.fixture
def world(admin, make_group, bulk_people):
    """A moderated group with a lead, a co-lead, members, a pending request and an
    announcement; another group with its own lead; and a member of neither."""
    lead, member, other, other_lead, target, co_lead, asker = bulk_people(7, prefix="p-")
    group = make_group("Legal & ethics", policy="moderated", lead=lead)
    make_group("Data", lead=other_lead)
    add_members(group, [member, target])
    memberships.appoint_lead(admin, group, co_lead)
    request = memberships.request_to_join(asker, group)
    announcement, _created = announcements.announce(
        lead, group, subject="Hello", body="Welcome", idempotency_key="first" * 5
    )
    db.session.commit()
    people = {"member": member, "other_member": other, "lead": lead, "other_lead": other_lead, "admin": admin}
    values = {
        "slug": group.slug,
        "announcement": announcement.id,
        "request": request.id,
        "target": target.id,
        "co_lead": co_lead.id,
        "target_email": target.email,
        "token": announcements.unsubscribe_token(member.id, group.id),
    }
    return people, values


def fingerprint():
    """Everything a group route could change."""
    db.session.expire_all()
    return (
        sorted(
            db.session.execute(
                select(
                    GroupMembership.group_id,
                    GroupMembership.member_id,
                    GroupMembership.status,
                    GroupMembership.role,
                    GroupMembership.announcements_opt_out,
                )
            ).all()
        ),
        sorted(
            db.session.execute(
                select(
                    WorkingGroup.id,
                    WorkingGroup.name,
                    WorkingGroup.slug,
                    WorkingGroup.summary,
                    WorkingGroup.description,
                    WorkingGroup.join_policy,
                    WorkingGroup.archived_at,
                )
            ).all()
        ),
        db.session.scalar(select(func.count()).select_from(Announcement)),
        db.session.scalar(select(func.count()).select_from(OutboxEmail)),
    )


def outcome(response):
    if response.status_code == 302 and "/members/login" in response.headers["Location"]:
        return "login"
    if response.status_code in (200, 302):
        return "ok"
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method, endpoint, path, data, allowed", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_route_permissions(client, world, role, method, endpoint, path, data, allowed):
    people, values = world
    if role != "anonymous":
        login(client, people[role])
    url = path.format(**values)
    before = fingerprint()
    if method == "GET":
        response = client.get(url)
    else:
        form = {key: value.format(**values) for key, value in data.items()}
        response = post_form(client, url, form, token_from="/groups/")
    assert outcome(response) == allowed[role], response.get_data(as_text=True)[:300]
    if allowed[role] != "ok":
        assert fingerprint() == before
