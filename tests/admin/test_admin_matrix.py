"""Every route declared admin-only (`view.access == "admin"`), found in the URL map,
so the routes other domains add are held to it too: anonymous visitors are sent
to log in, members and organizers get 403 and no data, admins open the GET pages;
a refused POST changes nothing in any table."""

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.members import services as member_services
from tests.admin.conftest import register
from tests.conftest import csrf_token, login

ROLES = ["anonymous", "member", "organizer", "admin"]
# Routes this matrix must find: if discovery breaks, the test says so instead of passing empty.
EXPECTED = {
    "admin.index",
    "admin.members",
    "admin.member_list",
    "admin.member_detail",
    "admin.member_suspend",
    "admin.member_role",
    "admin.audit_log",
}
SECRET = "secret.target@example.org"


def admin_routes(app) -> list[tuple[str, object]]:
    return sorted(
        (
            (rule.endpoint, rule)
            for rule in app.url_map.iter_rules()
            if getattr(app.view_functions.get(rule.endpoint), "access", None) == "admin"
        ),
        key=lambda pair: pair[1].rule,
    )


@pytest.fixture
def world(people, make_member):
    """One object of each kind an admin URL can name. Groups and events share a slug,
    so a `<slug>` argument names an existing object whichever domain it belongs to."""
    from tests.admin.conftest import add_group, join, new_event

    target = make_member(SECRET, name="Secret Target", confirmed=False)
    event = new_event("summit", people.organizer.id)
    group = add_group("Summit group", "summit")
    join(group, target)
    registration = register(event, member=target)
    member_services.send_confirmation(target)  # one mail in the outbox
    db.session.commit()
    mail = db.session.scalar(select(OutboxEmail))
    return {
        "member_id": target.id,
        "slug": "summit",
        "fmt": "csv",
        "email_id": mail.id,
        "mail_id": mail.id,
        "registration_id": registration.id,
        "group_id": group.id,
        "event_id": event.id,
    }


def url_for_rule(rule, values: dict) -> str:
    missing = set(rule.arguments) - values.keys()
    assert not missing, f"{rule.rule}: give the matrix a value for {missing}"
    return rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]


def snapshot() -> dict:
    """Every row of every table: what "changes nothing" compares."""
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def client_as(app, people, role):
    client = app.test_client()
    who = {"member": people.member, "organizer": people.organizer, "admin": people.admin}.get(role)
    if who is not None:
        login(client, who)
    return client


def test_the_matrix_finds_the_admin_routes(app):
    endpoints = {endpoint for endpoint, _rule in admin_routes(app)}
    assert EXPECTED <= endpoints, EXPECTED - endpoints


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_answer_each_role(app, people, world, role):
    client = client_as(app, people, role)
    checked = 0
    for _endpoint, rule in admin_routes(app):
        if "GET" not in rule.methods:
            continue
        path = url_for_rule(rule, world)
        response = client.get(path)
        if role == "anonymous":
            assert response.status_code == 302 and "/members/login" in response.location, (path, role)
        elif role == "admin":
            assert response.status_code == 200, (path, response.status_code)
        else:
            assert response.status_code == 403, (path, role, response.status_code)
            assert SECRET not in response.get_data(as_text=True), path
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize("role", ["anonymous", "member", "organizer"])
def test_post_routes_refuse_non_admins_and_change_nothing(app, people, world, role):
    client = client_as(app, people, role)
    # A valid CSRF token: the refusal must come from the role, not from the token.
    token = csrf_token(client, "/")
    before = snapshot()
    checked = 0
    for _endpoint, rule in admin_routes(app):
        if "POST" not in rule.methods:
            continue
        path = url_for_rule(rule, world)
        response = client.post(
            path,
            data={
                "csrf_token": token,
                "role": "admin",
                "email": people.member.email,
                "name": "Hijack",
                "summary": "x",
                "join_policy": "open",
            },
        )
        if role == "anonymous":
            assert response.status_code == 302 and "/members/login" in response.location, (path, role)
        else:
            assert response.status_code == 403, (path, role, response.status_code)
        checked += 1
    assert checked >= 5
    assert snapshot() == before
