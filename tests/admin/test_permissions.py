"""Who may open each admin route: anonymous, member, the organizer of the event,
another organizer, admin. The routes come from the URL map, so a new admin route
without a row here fails. A refusal never carries the exported data."""

import pytest

from community import create_app
from tests.admin.conftest import register
from tests.conftest import login

ROLES = ["anonymous", "member", "organizer", "other organizer", "admin"]
L = "login"


def by_role(*answers):
    return dict(zip(ROLES, answers))


ADMIN_ONLY = by_role(L, 403, 403, 403, 200)
MATRIX = [
    ("admin.index", "/admin/", ADMIN_ONLY),
    ("admin.members", "/admin/members.csv", ADMIN_ONLY),
    ("admin.members", "/admin/members.xlsx", ADMIN_ONLY),
    ("admin.group_members", "/admin/groups/ml/members.csv", ADMIN_ONLY),
    ("admin.group_members", "/admin/groups/ml/members.xlsx", ADMIN_ONLY),
    ("admin.group_members", "/admin/groups/nowhere/members.csv", by_role(L, 403, 403, 403, 404)),
    # The event's organizers and admins (events/permissions.manager_required); an unknown event is not found.
    ("admin.attendees", "/admin/events/summit/attendees.csv", by_role(L, 403, 200, 403, 200)),
    ("admin.attendees", "/admin/events/summit/attendees.xlsx", by_role(L, 403, 200, 403, 200)),
    ("admin.attendees", "/admin/events/summit/attendees.csv?status=waiting", by_role(L, 403, 200, 403, 200)),
    ("admin.attendees", "/admin/events/nowhere/attendees.csv", by_role(L, 404, 404, 404, 404)),
    # The lists chosen by purpose, the same people (the sensitive answers: tests/questions/test_sensitive_access.py).
    ("admin.export", "/admin/events/summit/export?preset=full&format=csv", by_role(L, 403, 200, 403, 200)),
    ("admin.export", "/admin/events/summit/export?preset=security&format=xlsx", by_role(L, 403, 200, 403, 200)),
    ("admin.export", "/admin/events/summit/export?preset=catering&format=csv", by_role(L, 403, 200, 403, 200)),
    ("admin.export", "/admin/events/summit/export?preset=bogus&format=csv", by_role(L, 403, 400, 403, 400)),
    ("admin.export", "/admin/events/summit/export", by_role(L, 403, 302, 403, 302)),
    ("admin.export", "/admin/events/nowhere/export?preset=full&format=csv", by_role(L, 404, 404, 404, 404)),
]
SECRET = "secret.attendee@example.org"


def test_every_admin_route_has_a_row_in_the_matrix(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    # The admin's home and exports (admin/views.py); the member, outbox and audit pages on the
    # same blueprint are probed role by role in tests/admin/test_admin_matrix.py.
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        and app.view_functions[rule.endpoint].__module__ == "community.admin.views"
    }
    assert routes == {endpoint for endpoint, _path, _expect in MATRIX}


@pytest.mark.parametrize("role", ROLES)
def test_admin_routes_answer_each_role(client, people, event, role, make_member):
    from tests.admin.conftest import add_group, join

    join(add_group("Machine learning", "ml"), make_member(SECRET, name="Secret Attendee"))
    register(event, guest_name="Secret Attendee", guest_email=SECRET)
    who = {
        "member": people.member,
        "organizer": people.organizer,
        "other organizer": people.other,
        "admin": people.admin,
    }.get(role)
    if who is not None:
        login(client, who)
    for endpoint, path, expect in MATRIX:
        response = client.get(path, buffered=True)
        answer = expect[role]
        if answer == L:
            assert response.status_code == 302 and "/members/login" in response.location, (path, role)
        else:
            assert response.status_code == answer, (path, role, response.status_code)
        if response.status_code != 200:
            assert SECRET.encode() not in response.data, (path, role)
        elif endpoint != "admin.index" and "status=waiting" not in path and path.endswith(".csv"):
            assert SECRET.encode() in response.data, (path, role)


def test_the_admin_index_links_every_export(client, people, event):
    from tests.admin.conftest import add_group

    add_group("Machine learning", "ml")
    login(client, people.admin)
    page = client.get("/admin/").get_data(as_text=True)
    for link in (
        "/admin/members.xlsx",
        "/admin/members.csv?sep=comma",
        "/admin/events/summit/attendees.xlsx",
        "/admin/events/summit/attendees.csv?status=confirmed",
        "/admin/groups/ml/members.csv",
    ):
        assert f'href="{link}"' in page, link


def test_the_event_page_links_the_attendee_export_for_its_organizer_only(app, people):
    from tests.admin.conftest import new_event
    from tests.conftest import login

    event = new_event("linked", people.organizer.id)
    creator, other = app.test_client(), app.test_client()
    login(creator, people.organizer)
    login(other, people.other)
    assert f"/admin/events/{event.slug}/attendees.xlsx" in creator.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "attendees.xlsx" not in other.get(f"/events/{event.slug}").get_data(as_text=True)
