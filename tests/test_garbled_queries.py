"""No page answers a garbled query string with a 500: every GET page, seen by an
admin (who may open them all), with filters, pages, sorts and dates that make no
sense. Bad input gets the page (its filters ignored or marked) or a 400/404."""

from datetime import timedelta

import pytest

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups.models import WorkingGroup
from community.messages.models import EventMessage
from community.questions.models import Choice, Question
from community.registrations.models import Registration
from tests.conftest import login
from tests.factories import outbox_email, published_event

NONSENSE = "\x00%_\\'\"<script>" + "é" * 300
GARBLED = [
    # Pages and sizes out of range, unknown choices, impossible dates.
    {
        "page": "-1",
        "apage": "0",
        "wpage": "99999999999999999999",
        "status": "zzz",
        "sort": "drop",
        "asort": "x",
        "wsort": "-queue",
        "astatus": "all",
        "role": "god",
        "confirmed": "maybe",
        "suspended": "2",
        "group": "abc",
        "event": "1e9",
        "action": "nope",
        "object_type": "x" * 500,
        "template": "../../etc/passwd",
        "date_from": "2026-13-45",
        "date_to": "yesterday",
        "joined_from": "0000-00-00",
        "joined_to": "31/12/2026",
        "sep": "|",
        "next": "https://evil.example/",
        "audience": "everyone",
    },
    # Text where numbers go, control characters and very long text where text goes.
    {
        "page": "deux",
        "q": NONSENSE,
        "aq": NONSENSE,
        "wq": NONSENSE,
        "email": NONSENSE,
        "status": NONSENSE,
        "group": "-1",
        "event": "-1",
        "template": "",
        "lang": "xx",
    },
    # Numbers past what the databases can hold.
    {"page": "99999999999999999999", "event": "99999999999999999999", "group": "99999999999999999999"},
]
# Values for the path arguments; which slug a route takes depends on its blueprint.
SKIPPED = {"static"}


@pytest.fixture
def world(app, make_member):
    admin = make_member("root@example.org", name="Root Admin", role="admin")
    member = make_member("zoe@example.org", name="Zoé Membre")
    group = WorkingGroup(slug="evaluation", name="Évaluation", summary="", description="")
    starts_at = utcnow() + timedelta(days=5)
    event = published_event("summit", title="Sommet", starts_at=starts_at, hours=8, capacity=10, created_by=admin.id)
    event.confirmed_count = 1  # the seat of the registration below
    db.session.add(group)
    db.session.flush()
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id,
        status="confirmed",
        confirmed_at=utcnow(),
    )
    message = EventMessage(
        event_id=event.id,
        author_id=admin.id,
        audience="confirmed",
        subject="Infos",
        body="Bonjour",
        recipient_count=1,
        submission_key="k" * 32,
    )
    mail = outbox_email("zoe@example.org", "Probe", event=event)
    question = Question(event_id=event.id, kind="choice", label_fr="Régime", choices=[Choice(label_fr="Aucun")])
    db.session.add_all([registration, message, mail, question])
    db.session.commit()
    return {
        "admin": admin,
        "event": event.slug,
        "group": group.slug,
        "member_id": member.id,
        "registration_id": registration.id,
        "message_id": message.id,
        "email_id": mail.id,
        "code": registration.ticket_code,
        "category_id": event.categories[0].id,
        "question_id": question.id,
        "signature": "0" * 32,  # a personal feed's address, not this member's: a 404 like any other
    }


def _urls(app, world):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED or "token" in rule.arguments:
            continue
        values = {}
        for name in rule.arguments:
            if name == "slug":
                values[name] = (
                    world["group"]
                    if rule.endpoint.startswith("groups.") or "group" in rule.endpoint
                    else world["event"]
                )
            elif name == "fmt":
                values[name] = "csv"
            elif name == "announcement_id":
                values[name] = 1
            else:
                values[name] = world[name]
        with app.test_request_context():
            from flask import url_for

            yield url_for(rule.endpoint, **values)


def test_no_page_answers_a_garbled_query_string_with_a_server_error(app, client, world):
    login(client, world["admin"])
    urls = list(_urls(app, world))
    assert len(urls) > 40  # the pages of every domain, not a handful
    failures = []
    for url in urls:
        for params in GARBLED:
            response = client.get(url, query_string=params)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
    assert failures == []


def test_an_id_past_what_the_database_holds_is_a_404_not_an_overflow(app, client, world):
    login(client, world["admin"])
    huge = 99999999999999999999
    checked = 0
    for url in _urls(
        app,
        {**world, **{key: huge for key in ("member_id", "registration_id", "message_id", "email_id", "question_id")}},
    ):
        if str(huge) in url:
            checked += 1
            assert client.get(url).status_code == 404, url
    assert checked >= 5
