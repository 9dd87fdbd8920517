"""Attendees see and change their answers ("My answers") from "my registrations" and from
the ticket link in the mails (guests have no account), with the same checks as when they
registered, until registration closes; after that, and once cancelled, read-only."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.questions import answers
from community.questions.models import Choice
from community.registrations import mails, services
from community.registrations.models import Registration
from tests.conftest import login, post_form
from tests.questions.conftest import DIET, answer_form, fields


@pytest.fixture
def meetup(make_event, ask):
    event = make_event(capacity=10, title="Meetup")
    diet = ask(event, "choice", "Régime", label_en="Diet", required=True, choices=DIET)
    nights = ask(event, "number", "Nuits", label_en="Nights")
    return event, diet, nights


def register(event, diet, nights, member=None, **guest):
    sent = answer_form(**{f"q{diet.id}": diet.choices[0].id, f"q{nights.id}": "2"})
    if member is not None:
        registration, _ = services.register_member(event, member, submitted=sent)
    else:
        registration, _ = services.register_guest(event, name="Grace", email="grace@example.net", submitted=sent)
    db.session.commit()
    return registration


@pytest.fixture
def grace(meetup):
    """A guest who answered (the first diet, 2 nights) and has not followed her link yet: her registration, and the
    "My answers" page her ticket link opens."""
    registration = register(*meetup)
    return registration, f"/events/tickets/{mails.access_token(registration)}/answers"


def stored(registration) -> dict:
    db.session.expire_all()
    return answers.of_registrations([registration.id]).get(registration.id, {})


def test_a_member_changes_answers_from_my_registrations(client, meetup, make_member):
    event, diet, nights = meetup
    member = make_member(language="en")
    registration = register(event, diet, nights, member)
    login(client, member)
    mine = client.get("/events/mine").get_data(as_text=True)
    assert f'href="/events/{event.slug}/answers"' in mine

    path = f"/events/{event.slug}/answers"
    page = client.get(path).get_data(as_text=True)
    assert f'value="{diet.choices[0].id}" checked' in page and 'value="2"' in page
    response = post_form(client, path, {**fields(diet, diet.choices[2].id), **fields(nights, "")}, token_from=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert stored(registration) == {diet.id: str(diet.choices[2].id)}  # the number left empty is removed
    assert "Your answers are saved." in client.get(path).get_data(as_text=True)


def test_a_guest_changes_answers_from_the_ticket_link(english_client, meetup, grace):
    _event, diet, nights = meetup
    registration, path = grace
    services.confirm_guest(registration)
    db.session.commit()
    ticket = path.removesuffix("/answers")
    assert f'href="{path}"' in english_client.get(ticket).get_data(as_text=True)

    response = post_form(
        english_client, path, {**fields(diet, diet.choices[1].id), **fields(nights, "3,5")}, token_from=path
    )
    assert response.status_code == 302
    assert stored(registration) == {diet.id: str(diet.choices[1].id), nights.id: "3.5"}


def test_wrong_answers_are_refused_and_the_old_ones_stay(english_client, meetup, grace):
    _event, diet, nights = meetup
    registration, path = grace
    before = stored(registration)
    for crafted in ({}, {**fields(diet, "999999")}, {**fields(diet, diet.choices[1].id), **fields(nights, "x")}):
        response = post_form(english_client, path, crafted, token_from=path)
        assert response.status_code == 200
        assert "Some answers are missing or need a change" in response.get_data(as_text=True)
        assert stored(registration) == before


def test_after_registration_closes_the_answers_are_read_only(english_client, meetup, grace):
    event, diet, _nights = meetup
    registration, path = grace
    db.session.get(Event, event.id).registration_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = english_client.get(path).get_data(as_text=True)
    assert "Registration has closed: your answers can no longer change." in page
    assert "<dt>Diet</dt><dd>Vegetarian</dd>" in page and 'name="answer-' not in page

    response = post_form(english_client, path, fields(diet, diet.choices[1].id), token_from=path)
    assert response.status_code == 200 and "Registration has closed" in response.get_data(as_text=True)
    assert stored(registration)[diet.id] == str(diet.choices[0].id)


def test_a_cancelled_registration_cannot_change_its_answers(english_client, meetup, grace):
    _event, diet, _nights = meetup
    registration, path = grace
    services.cancel_registration(registration)
    db.session.commit()
    assert "This registration is cancelled" in english_client.get(path).get_data(as_text=True)
    post_form(english_client, path, fields(diet, diet.choices[1].id), token_from=path)
    assert stored(registration)[diet.id] == str(diet.choices[0].id)


def test_a_member_without_a_live_registration_is_sent_to_my_registrations(client, meetup, make_member):
    event, _diet, _nights = meetup
    login(client, make_member())
    response = client.get(f"/events/{event.slug}/answers")
    assert response.status_code == 302 and response.headers["Location"] == "/events/mine"
    assert client.get("/events/tickets/not-a-token/answers").status_code == 404


def test_a_choice_retired_after_it_was_chosen_stays_when_other_answers_change(english_client, meetup, grace):
    _event, diet, nights = meetup
    registration, path = grace
    veggie = diet.choices[0]
    db.session.get(Choice, veggie.id).retired = True
    db.session.commit()
    page = english_client.get(path).get_data(as_text=True)
    assert f'value="{veggie.id}" checked' in page and "(no longer offered)" in page
    post_form(english_client, path, {**fields(diet, veggie.id), **fields(nights, "4")}, token_from=path)
    assert stored(registration) == {diet.id: str(veggie.id), nights.id: "4"}
    assert db.session.scalar(select(Registration.status)) == "held"
