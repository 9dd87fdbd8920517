"""Who may use each route of one event's staff: every route whose view is declared
"organizer:event" or "steward:event", found in the URL map (so the routes of
check-in, messages, exports and the dashboard are all covered, and a new one is
covered the day it is added).

Roles: anonymous, member, steward of this event, steward of another event,
organizer of another event, organizer of this event (its creator, and a member
named organizer of it), admin. GET routes are opened by everyone; POST routes are
sent by the refused roles, which must be refused and change nothing."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from community.checkin.models import CheckIn
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.events.models import Event, EventStaff
from community.mail.models import OutboxEmail
from community.messages.models import EventMessage
from community.questions.models import Question
from community.registrations import services
from community.registrations.models import Registration
from community.tickets.models import Category
from tests.conftest import login, post_form

ROLES = [
    "anonymous",
    "member",
    "steward here",
    "steward elsewhere",
    "organizer elsewhere",
    "creator",
    "named organizer",
    "admin",
]
MANAGERS = {"creator", "named organizer", "admin"}
ALLOWED = {"organizer:event": MANAGERS, "steward:event": MANAGERS | {"steward here"}}
SECRET_NAME, SECRET_EMAIL = "Zoé Secrète", "zoe.secrete@example.org"


def staff_routes(app):
    """(endpoint, rule, method, access) of every route run by an event's staff."""
    found = []
    for rule in app.url_map.iter_rules():
        access = getattr(app.view_functions[rule.endpoint], "access", "")
        kind = access.split(":")[0] + ":event" if access.endswith(":event") else None
        if kind in ALLOWED:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, rule, method, kind))
    return found


@dataclass
class World:
    event: Event
    people: dict
    values: dict  # URL arguments by name


@pytest.fixture
def world(make_event, make_member):
    people = {
        role: make_member(
            role={"creator": "organizer", "organizer elsewhere": "organizer", "admin": "admin"}.get(role, "member")
        )
        for role in ROLES
        if role != "anonymous"
    }
    event = make_event(capacity=1, created_by=people["creator"].id)
    elsewhere = make_event(capacity=5, created_by=people["organizer elsewhere"].id)
    db.session.add_all(
        [
            EventStaff(event_id=event.id, member_id=people["named organizer"].id, role="organizer"),
            EventStaff(event_id=event.id, member_id=people["steward here"].id, role="steward"),
            EventStaff(event_id=elsewhere.id, member_id=people["steward elsewhere"].id, role="steward"),
        ]
    )
    seated, _ = services.register_member(event, make_member(SECRET_EMAIL, name=SECRET_NAME))
    waiting, _ = services.register_member(event, make_member())
    message = EventMessage(
        event_id=event.id,
        author_id=people["creator"].id,
        audience="confirmed",
        subject="Hello",
        body="See you",
        recipient_count=1,
        submission_key="matrix-message",
    )
    question = Question(event_id=event.id, kind="text", label_fr="Organisation")
    db.session.add_all([message, question])
    db.session.commit()
    steward_row = db.session.scalar(select(EventStaff.id).where(EventStaff.member_id == people["steward here"].id))
    # Arguments by name: a waiting registration answers every page (cancel, promote) with a 200.
    values = {
        "slug": event.slug,
        "registration_id": waiting.id,
        "staff_id": steward_row,
        "message_id": message.id,
        "fmt": "csv",
        "code": seated.ticket_code,
        "category_id": event.categories[0].id,
        "question_id": question.id,
    }
    return World(event, people, values)


def path_of(rule, values) -> str:
    arguments = {name: values.get(name, 1 if name.endswith("_id") else "x") for name in rule.arguments}
    return rule.build(arguments)[1]


def snapshot():
    db.session.expire_all()
    rows = lambda model, *cols: db.session.execute(select(*cols).order_by(model.id)).all()  # noqa: E731
    return (
        rows(
            Event,
            Event.id,
            Event.status,
            Event.title,
            Event.capacity,
            Event.confirmed_count,
            Event.registration_opens_at,
            Event.registration_closes_at,
        ),
        rows(Registration, Registration.id, Registration.status, Registration.category_id),
        rows(Category, Category.id, Category.name_fr, Category.quota, Category.taken),
        rows(EventStaff, EventStaff.id, EventStaff.member_id, EventStaff.role),
        rows(CheckIn, CheckIn.id, CheckIn.undone_at),
        rows(Question, Question.id, Question.label_fr, Question.position, Question.retired_at),
        [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (AuditEntry, OutboxEmail, EventMessage)
        ],
    )


def test_the_matrix_finds_the_staff_routes(app):
    endpoints = {endpoint for endpoint, _rule, _method, _kind in staff_routes(app)}
    assert {
        "dashboard.show",
        "dashboard.promote",
        "dashboard.add",
        "dashboard.add_staff",
        "events.edit",
        "events.publish",
        "events.cancel_event",
        "dashboard.cancel_registration",
        "admin.attendees",
        "tickets.index",
        "tickets.edit",
        "tickets.delete",
        "tickets.move",
        "questions.index",
        "questions.edit",
        "questions.move",
        "questions.remove",
    } <= endpoints


def refused_as(role, response):
    if role == "anonymous":
        return response.status_code == 302 and "/members/login" in response.headers.get("Location", "")
    return response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_each_staff_route_answers_each_role(app, client, world, role):
    if role != "anonymous":
        login(client, world.people[role])
    token_page = "/events/"
    for endpoint, rule, method, kind in staff_routes(app):
        path = path_of(rule, world.values)
        where = f"{method} {path} ({endpoint}, {kind}) as {role}"
        allowed = role in ALLOWED[kind]
        if method == "GET":
            response = client.get(path)
            if allowed:
                location = response.headers.get("Location", "")
                assert response.status_code == 200 or (response.status_code == 302 and "/members/" not in location), (
                    where,
                    response.status_code,
                )
            else:
                assert refused_as(role, response), (where, response.status_code)
                assert SECRET_NAME not in response.get_data(as_text=True), where
        elif not allowed:
            before = snapshot()
            response = post_form(
                client, path, {"email": SECRET_EMAIL, "role": "organizer", "capacity": "9"}, token_from=token_page
            )
            assert refused_as(role, response), (where, response.status_code)
            assert snapshot() == before, where
            assert SECRET_NAME not in response.get_data(as_text=True), where
