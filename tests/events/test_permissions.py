"""Who may use each events route: anonymous, unconfirmed member, confirmed member,
organizer, admin; on a published event, a draft, someone else's registration.

The list of routes comes from the app's URL map: a new events route without a
row here fails `test_every_events_route_has_a_row_in_the_matrix`. A refused
answer (login, 403, 404) never changes a row and never shows the other person.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.events.models import Event
from community.members import calendar_link, tokens
from community.registrations import mails as notify
from community.registrations import services
from community.registrations.models import Registration
from tests.conftest import login, post_form

ROLES = ["anonymous", "unconfirmed", "member", "organizer", "admin"]
OTHER_NAME, OTHER_EMAIL = "Zoé Secret", "zoe.secret@example.org"


@dataclass
class World:
    public: Event
    draft: Event
    elsewhere: Event
    theirs: Registration  # another member's confirmed seat on the public event
    held: Registration  # a guest's held seat on the public event
    far: Registration  # a seat on another event


def personal_feed(world) -> str:
    member = world.theirs.member
    return f"/events/calendar/{member.id}/{calendar_link.signature(member)}.ics"


def ticket(token: str) -> str:
    return f"/events/tickets/{token}"


def cancel_link(token: str) -> str:
    return f"/events/registrations/{token}/cancel"


def confirm_link(token: str) -> str:
    return f"/events/registrations/{token}/confirm"


def forged(registration, other):
    """A validly signed token whose code is nobody's (as if a code were guessed or mistyped)."""
    return tokens.make(notify.ACCESS, {"c": registration.ticket_code[::-1] + other.ticket_code[:1]})


EVENT_FORM = {
    "title": "Edited",
    "starts_at": "2031-03-10T19:00",
    "ends_at": "2031-03-10T21:00",
    "capacity": "40",
    "visibility": "public",
    "group_id": "",
    "waitlist_enabled": "y",
}

# Expected answers: a status code, "login" (sent to the login page), "unconfirmed"
# (sent to confirm the email first) or "done" (a redirect after the action or its refusal message).
L, U, D = "login", "unconfirmed", "done"


def everyone(answer):
    return dict.fromkeys(ROLES, answer)


def by_role(anonymous, unconfirmed, member, organizer, admin):
    return dict(zip(ROLES, (anonymous, unconfirmed, member, organizer, admin)))


@dataclass
class Row:
    endpoint: str
    method: str
    what: str
    path: Callable[[World], str]
    expect: dict
    data: dict | None = None


def get_and_post(endpoint: str, what: str, path: Callable[[World], str], expect: dict) -> list[Row]:
    """A page that answers its GET and its POST alike."""
    return [Row(endpoint, method, what, path, expect) for method in ("GET", "POST")]


MATRIX = [
    Row("events.index", "GET", "list", lambda w: "/events/", everyone(200)),
    Row("events.feed", "GET", "feed", lambda w: "/events/feed.ics", everyone(200)),
    # A member's own feed: the secret address is the key, whoever polls it (a calendar program).
    Row("events.personal_feed", "GET", "personal feed", lambda w: personal_feed(w), everyone(200)),
    Row("events.detail", "GET", "published", lambda w: f"/events/{w.public.slug}", everyone(200)),
    Row("events.detail", "GET", "draft", lambda w: f"/events/{w.draft.slug}", by_role(404, 404, 404, 200, 200)),
    Row("events.calendar", "GET", "published", lambda w: f"/events/{w.public.slug}/calendar.ics", everyone(200)),
    Row(
        "events.calendar",
        "GET",
        "draft",
        lambda w: f"/events/{w.draft.slug}/calendar.ics",
        by_role(404, 404, 404, 200, 200),
    ),
    Row("registrations.mine", "GET", "own list", lambda w: "/events/mine", by_role(L, 200, 200, 200, 200)),
    # The page of the questions the event asks (or only the button when it asks none).
    Row(
        "registrations.register",
        "GET",
        "published",
        lambda w: f"/events/{w.public.slug}/register",
        by_role(L, U, 200, 200, 200),
    ),
    Row(
        "registrations.register",
        "GET",
        "draft",
        lambda w: f"/events/{w.draft.slug}/register",
        by_role(L, U, 404, 200, 200),
    ),
    Row(
        "registrations.register",
        "POST",
        "published",
        lambda w: f"/events/{w.public.slug}/register",
        by_role(L, U, D, D, D),
    ),
    Row(
        "registrations.register",
        "POST",
        "draft",
        lambda w: f"/events/{w.draft.slug}/register",
        by_role(L, U, 404, D, D),
    ),
    Row(
        "registrations.guest", "GET", "published", lambda w: f"/events/{w.public.slug}/guest", by_role(200, D, D, D, D)
    ),
    Row("registrations.guest", "GET", "draft", lambda w: f"/events/{w.draft.slug}/guest", by_role(404, 404, 404, D, D)),
    Row(
        "registrations.guest",
        "POST",
        "published",
        lambda w: f"/events/{w.public.slug}/guest",
        everyone(D),
        {"name": "Ada", "email": "ada@example.net"},
    ),
    Row(
        "registrations.guest",
        "POST",
        "draft",
        lambda w: f"/events/{w.draft.slug}/guest",
        by_role(404, 404, 404, D, D),
        {"name": "Ada", "email": "ada@example.net"},
    ),
    *get_and_post(
        "registrations.leave", "published", lambda w: f"/events/{w.public.slug}/leave", by_role(L, D, D, D, D)
    ),
    *get_and_post(
        "registrations.leave", "draft", lambda w: f"/events/{w.draft.slug}/leave", by_role(L, 404, 404, D, D)
    ),
    # Mailed links: the signed token is the proof, whoever holds it; a forged one is nobody's.
    Row("registrations.ticket", "GET", "mailed link", lambda w: ticket(notify.access_token(w.theirs)), everyone(200)),
    Row("registrations.ticket", "GET", "forged link", lambda w: ticket(forged(w.theirs, w.held)), everyone(404)),
    Row(
        "registrations.ticket",
        "GET",
        "confirm link as ticket",
        lambda w: ticket(notify.confirm_token(w.held)),
        everyone(404),
    ),
    Row(
        "registrations.cancel_link",
        "GET",
        "mailed link",
        lambda w: cancel_link(notify.access_token(w.theirs)),
        everyone(200),
    ),
    *get_and_post(
        "registrations.cancel_link", "forged link", lambda w: cancel_link(forged(w.theirs, w.held)), everyone(404)
    ),
    Row(
        "registrations.cancel_link",
        "POST",
        "mailed link",
        lambda w: cancel_link(notify.access_token(w.held)),
        everyone(D),
    ),
    Row(
        "registrations.guest_confirm",
        "GET",
        "mailed link",
        lambda w: confirm_link(notify.confirm_token(w.held)),
        everyone(200),
    ),
    Row(
        "registrations.guest_confirm",
        "GET",
        "ticket link as confirm",
        lambda w: confirm_link(notify.access_token(w.held)),
        everyone(404),
    ),
    Row(
        "registrations.guest_confirm",
        "POST",
        "forged link",
        lambda w: confirm_link(forged(w.held, w.theirs)),
        everyone(404),
    ),
    Row(
        "registrations.guest_confirm",
        "POST",
        "mailed link",
        lambda w: confirm_link(notify.confirm_token(w.held)),
        everyone(D),
    ),
    # Organizer pages.
    Row("events.create", "GET", "form", lambda w: "/events/new", by_role(L, 403, 403, 200, 200)),
    Row("events.create", "POST", "form", lambda w: "/events/new", by_role(L, 403, 403, D, D), EVENT_FORM),
    # An event is run by its own organizers (tests/dashboard/test_organizer_matrix.py): an
    # organizer who neither created it nor was named for it is refused like a member.
    Row("events.edit", "GET", "published", lambda w: f"/events/{w.public.slug}/edit", by_role(L, 403, 403, 403, 200)),
    Row("events.edit", "GET", "draft", lambda w: f"/events/{w.draft.slug}/edit", by_role(L, 403, 403, 403, 200)),
    Row(
        "events.edit",
        "POST",
        "published",
        lambda w: f"/events/{w.public.slug}/edit",
        by_role(L, 403, 403, 403, D),
        EVENT_FORM,
    ),
    Row("events.publish", "POST", "draft", lambda w: f"/events/{w.draft.slug}/publish", by_role(L, 403, 403, 403, D)),
    Row(
        "events.cancel_event",
        "GET",
        "published",
        lambda w: f"/events/{w.public.slug}/cancel",
        by_role(L, 403, 403, 403, 200),
    ),
    Row(
        "events.cancel_event",
        "POST",
        "published",
        lambda w: f"/events/{w.public.slug}/cancel",
        by_role(L, 403, 403, 403, D),
    ),
    Row(
        "dashboard.cancel_registration",
        "GET",
        "someone's seat",
        lambda w: f"/events/{w.public.slug}/registrations/{w.theirs.id}/cancel",
        by_role(L, 403, 403, 403, 200),
    ),
    Row(
        "dashboard.cancel_registration",
        "POST",
        "someone's seat",
        lambda w: f"/events/{w.public.slug}/registrations/{w.theirs.id}/cancel",
        by_role(L, 403, 403, 403, D),
    ),
    Row(
        "dashboard.cancel_registration",
        "GET",
        "a seat of another event",
        lambda w: f"/events/{w.public.slug}/registrations/{w.far.id}/cancel",
        by_role(L, 403, 403, 403, 404),
    ),
    Row(
        "dashboard.cancel_registration",
        "POST",
        "a seat of another event",
        lambda w: f"/events/{w.public.slug}/registrations/{w.far.id}/cancel",
        by_role(L, 403, 403, 403, 404),
    ),
]


def test_every_events_route_has_a_row_in_the_matrix(app):
    # The dashboard's other routes have their own matrix (tests/dashboard/test_organizer_matrix.py).
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("events.", "registrations.")) or rule.endpoint == "dashboard.cancel_registration"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    covered = {(row.endpoint, row.method) for row in MATRIX}
    assert sorted(routes - covered) == [], "a new events route needs its rows in MATRIX"
    assert sorted(covered - routes) == []


def snapshot(world: World):
    db.session.expire_all()
    events = db.session.execute(
        select(Event.id, Event.status, Event.title, Event.capacity, Event.confirmed_count).order_by(Event.id)
    ).all()
    registrations = db.session.execute(select(Registration.id, Registration.status).order_by(Registration.id)).all()
    return events, registrations


@pytest.fixture
def build_world(make_event, make_member):
    other = make_member(OTHER_EMAIL, name=OTHER_NAME)

    def _build():
        public, draft = make_event(capacity=20), make_event(capacity=20, status="draft")
        elsewhere = make_event(capacity=20)
        theirs, _ = services.register_member(public, other)
        far, _ = services.register_member(elsewhere, other)
        held, _ = services.register_guest(public, name="Grace Hopper", email="grace@example.net")
        db.session.commit()
        return World(public, draft, elsewhere, theirs, held, far)

    return _build


def check(client, response, expected, row: Row, role: str):
    where = f"{row.method} {row.endpoint} ({row.what}) as {role}"
    location = response.headers.get("Location", "")
    if expected == L:
        assert response.status_code == 302 and location.startswith("/members/login"), where
    elif expected == U:
        assert response.status_code == 302 and location.startswith("/members/unconfirmed"), where
    elif expected == D:
        assert response.status_code == 302 and not location.startswith("/members/"), (where, location)
        # Land where the redirect goes, as a browser would (it also shows the flashed message).
        assert client.get(location).status_code == 200, (where, location)
    else:
        assert response.status_code == expected, (where, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_role_as_the_matrix_says(client, make_member, build_world, role):
    if role != "anonymous":
        me = make_member(confirmed=role != "unconfirmed", role=role if role in ("organizer", "admin") else "member")
        login(client, me)
    for row in MATRIX:
        world = build_world()
        before = snapshot(world)
        path = row.path(world)
        if row.method == "GET":
            response = client.get(path)
        else:
            response = post_form(client, path, row.data, token_from="/events/")
        expected = row.expect[role]
        check(client, response, expected, row, role)
        if expected in (L, U, 403, 404):
            # Refused: nothing changed, and the other person's details did not leak.
            assert snapshot(world) == before, (row.endpoint, row.what, role)
            body = response.get_data(as_text=True)
            assert OTHER_NAME not in body and OTHER_EMAIL not in body, (row.endpoint, row.what, role)
