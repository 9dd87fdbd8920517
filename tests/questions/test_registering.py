"""Answering at registration: a member on the page the event's button opens (prefilled
from the profile), a guest on the guest form, a person joining the waiting list on the
same form. Required answers cannot be skipped by a crafted POST: it writes nothing (no
registration, no answer) and answers with the form and the reasons, never a 500."""

import re

import pytest
from sqlalchemy import func, select

from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.questions import answers
from community.questions.models import Answer
from community.registrations import services
from community.registrations.models import Registration
from community.tickets.models import Category
from tests.conftest import csrf_token, login, post_form
from tests.factories import assert_invariants
from tests.questions.conftest import DIET, answer_form, fields


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def nothing_written():
    return count(Registration) == 0 and count(Answer) == 0 and count(OutboxEmail) == 0


@pytest.fixture
def summit(make_event, ask):
    """An event asking one question of each kind, two of them required."""
    event = make_event(capacity=2, title="Sommet")
    questions = {
        "organization": ask(event, "text", "Organisation", label_en="Organization", role="organization"),
        "needs": ask(event, "long_text", "Besoins", label_en="Needs", sensitive=True, purpose_fr="Accueil"),
        "diet": ask(event, "choice", "Régime", label_en="Diet", required=True, choices=DIET),
        "topics": ask(event, "multiple", "Sujets", label_en="Topics", choices=[("Corpus", "Corpora"), ("Éval", "")]),
        "reception": ask(event, "yes_no", "Cocktail ?", label_en="Reception?", required=True),
        "nights": ask(event, "number", "Nuits", label_en="Nights"),
        "arrival": ask(event, "date", "Arrivée", label_en="Arrival"),
    }
    return event, questions


def good_answers(q) -> dict:
    return {
        **fields(q["organization"], "Inria"),
        **fields(q["needs"], "Une rampe\r\nd'accès"),
        **fields(q["diet"], q["diet"].choices[1].id),
        f"answer-{q['topics'].id}": [str(c.id) for c in q["topics"].choices],
        **fields(q["reception"], "yes"),
        **fields(q["nights"], "1,5"),
        **fields(q["arrival"], "2031-06-01"),
    }


def test_the_event_page_opens_the_questions_and_the_profile_fills_the_organization(client, summit, make_member):
    event, q = summit
    member = make_member(organization="Données Ouvertes", language="en")
    login(client, member)
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert re.search(rf'<form method="get" action="/events/{event.slug}/register"', page)

    form = client.get(f"/events/{event.slug}/register")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert f'name="answer-{q["organization"].id}"' in html and 'value="Données Ouvertes"' in html
    assert 'autocomplete="organization"' in html
    assert 'Diet <span class="required">(required)</span>' in html
    assert f'inputmode="decimal" autocomplete="off" id="answer-{q["nights"].id}"' in html and 'type="date"' in html
    # Why a sensitive answer is asked, who reads it and how long it is kept.
    assert (
        "Why we ask: Accueil<br>Only the organizers read your answer. Your answer is erased 30 days after the event."
        in html
    )
    assert nothing_written()


def test_a_member_registers_with_every_kind_of_answer_in_one_transaction(client, summit, make_member):
    event, q = summit
    member = make_member(language="en")
    login(client, member)
    path = f"/events/{event.slug}/register"
    response = post_form(client, path, good_answers(q), token_from=path)
    assert response.status_code == 302 and response.headers["Location"] == f"/events/{event.slug}"

    registration = db.session.scalar(select(Registration))
    assert (registration.member_id, registration.status) == (member.id, "confirmed")
    stored = answers.of_registrations([registration.id])[registration.id]
    topics = ",".join(str(c.id) for c in q["topics"].choices)
    assert stored == {
        q["organization"].id: "Inria",
        q["needs"].id: "Une rampe\nd'accès",
        q["diet"].id: str(q["diet"].choices[1].id),
        q["topics"].id: topics,
        q["reception"].id: "yes",
        q["nights"].id: "1.5",
        q["arrival"].id: "2031-06-01",
    }
    assert_invariants(event.id)


@pytest.mark.parametrize(
    "crafted",
    [
        pytest.param(lambda q: {}, id="no answer field at all"),
        pytest.param(lambda q: {**good_answers(q), f"answer-{q['diet'].id}": ""}, id="a required answer empty"),
        pytest.param(lambda q: {**good_answers(q), f"answer-{q['diet'].id}": "999999"}, id="an unknown choice"),
        pytest.param(
            lambda q: {**good_answers(q), f"answer-{q['diet'].id}": str(q["topics"].choices[0].id)},
            id="another question's choice",
        ),
        pytest.param(lambda q: {**good_answers(q), f"answer-{q['nights'].id}": "9e999999"}, id="a huge number"),
        pytest.param(lambda q: {**good_answers(q), f"answer-{q['needs'].id}": "x" * 5000}, id="a text too long"),
    ],
)
def test_a_crafted_member_post_writes_nothing_and_shows_the_form_again(client, summit, make_member, crafted):
    event, q = summit
    login(client, make_member(language="en"))
    path = f"/events/{event.slug}/register"
    response = post_form(client, path, crafted(q), token_from=f"/events/{event.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Some answers are missing or need a change" in html
    assert 'class="error" id="answer-' in html and 'aria-invalid="true"' in html
    assert nothing_written()
    assert_invariants(event.id)


def test_what_the_member_typed_stays_in_the_form_beside_the_problem(client, summit, make_member):
    event, q = summit
    login(client, make_member(language="en"))
    path = f"/events/{event.slug}/register"
    sent = {**good_answers(q), f"answer-{q['reception'].id}": ""}
    html = post_form(client, path, sent, token_from=path).get_data(as_text=True)
    assert f'id="answer-{q["reception"].id}-error">Please answer this question.' in html
    assert 'value="Inria"' in html and "d&#39;accès</textarea>" in html
    assert f'value="{q["diet"].choices[1].id}" checked' in html


def test_without_questions_the_button_still_registers_in_one_click(client, make_event, make_member):
    event = make_event(capacity=5)
    login(client, make_member())
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert f'<form method="post" action="/events/{event.slug}/register"' in page
    response = post_form(client, f"/events/{event.slug}/register", {}, token_from=f"/events/{event.slug}")
    assert response.status_code == 302
    assert db.session.scalar(select(Registration.status)) == "confirmed"


def test_a_guest_answers_on_the_guest_form(english_client, summit):
    event, q = summit
    path = f"/events/{event.slug}/guest"
    page = english_client.get(path).get_data(as_text=True)
    assert f'name="answer-{q["diet"].id}"' in page
    assert 'name="organization"' not in page  # the event's own question asks it
    assert "Your name, address, organization and answers serve this registration only" in page

    sent = {"name": "Grace Hopper", "email": "grace@example.net", **good_answers(q)}
    response = post_form(english_client, path, sent, token_from=path)
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert (registration.guest_name, registration.status, registration.guest_organization) == (
        "Grace Hopper",
        "held",
        "Inria",
    )
    assert answers.of_registrations([registration.id])[registration.id][q["reception"].id] == "yes"


@pytest.mark.parametrize("name", ["Grace Hopper", ""])
def test_a_crafted_guest_post_writes_nothing_and_shows_every_problem(english_client, summit, name):
    event, q = summit
    path = f"/events/{event.slug}/guest"
    sent = {"name": name, "email": "grace@example.net", **fields(q["diet"], "999999")}
    response = post_form(english_client, path, sent, token_from=path)
    assert response.status_code == (200 if name else 400)
    html = response.get_data(as_text=True)
    assert f'id="answer-{q["diet"].id}-error">Please choose among the answers offered.' in html
    assert f'id="answer-{q["reception"].id}-error">Please answer this question.' in html
    assert nothing_written()


def test_a_guest_picking_a_category_answers_only_its_questions(english_client, make_event, ask):
    event = make_event(capacity=10)
    students = Category(event_id=event.id, position=1, name_fr="Étudiant·es", name_en="Students", taken=0)
    db.session.add(students)
    db.session.commit()
    general = event.categories[0]
    card = ask(
        event,
        "text",
        "Numéro de carte étudiante",
        label_en="Student card number",
        required=True,
        category_id=students.id,
    )
    path = f"/events/{event.slug}/guest"
    page = english_client.get(path).get_data(as_text=True)
    assert "Student card number" in page and "Only for the category Students" in page

    # The general category does not ask for the card; the students' does, on the server.
    base = {"name": "Ada", "email": "ada@example.net"}
    refused = post_form(english_client, path, {**base, "category": students.id}, token_from=path)
    assert refused.status_code == 200 and nothing_written()
    taken = post_form(english_client, path, {**base, "category": general.id}, token_from=path)
    assert taken.status_code == 302
    assert db.session.scalar(select(Registration.category_id)) == general.id
    assert count(Answer) == 0
    assert card.category_id == students.id


def test_a_person_joining_the_waiting_list_answers_and_is_promoted_with_nothing_more(
    client, summit, make_member, mailbox
):
    event, q = summit
    seated = [
        services.register_member(
            event,
            make_member(),
            submitted=answer_form(**{f"q{q['diet'].id}": q["diet"].choices[0].id, f"q{q['reception'].id}": "no"}),
        )
        for _ in range(2)
    ]
    db.session.commit()
    waiting_member = make_member(language="en")
    login(client, waiting_member)
    form = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert "The event is full: you will join the waiting list." in form and "Join the waiting list" in form

    path = f"/events/{event.slug}/register"
    post_form(client, path, good_answers(q), token_from=path)
    waiting = db.session.scalar(select(Registration).where(Registration.member_id == waiting_member.id))
    assert waiting.status == "waiting"
    assert len(answers.of_registrations([waiting.id])[waiting.id]) == 7

    services.cancel_registration(db.session.get(Registration, seated[0][0].id))
    db.session.commit()
    db.session.expire_all()
    promoted = db.session.get(Registration, waiting.id)
    assert promoted.status == "confirmed"
    assert answers.of_registrations([waiting.id])[waiting.id][q["nights"].id] == "1.5"
    assert_invariants(event.id)


def test_a_guest_joining_the_waiting_list_answers_on_the_same_form(english_client, summit, make_member):
    event, q = summit
    event = db.session.get(Event, event.id)
    event.capacity = 0
    db.session.commit()
    path = f"/events/{event.slug}/guest"
    assert "you will join the waiting list" in english_client.get(path).get_data(as_text=True)
    sent = {"name": "Grace", "email": "grace@example.net", **good_answers(q)}
    assert post_form(english_client, path, sent, token_from=path).status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.status == "waiting"
    assert count(Answer) == 7


def test_a_member_with_an_invitation_code_answers_its_category_s_questions(client, make_event, ask, make_member):
    from community.tickets import codes

    event = make_event(capacity=10)
    officials = Category(event_id=event.id, position=1, name_fr="Officiels", taken=0, admits="code", listed=False)
    db.session.add(officials)
    db.session.commit()
    badge = ask(event, "text", "Fonction", required=True, category_id=officials.id)
    organizer = make_member(role="admin")
    (code,) = codes.create(organizer, officials, count=1)
    db.session.commit()
    login(client, make_member())
    invitation = client.get(f"/events/{event.slug}/invitation?code={code.code}").get_data(as_text=True)
    assert f'<form method="get" action="/events/{event.slug}/register">' in invitation
    page = client.get(f"/events/{event.slug}/register?code={code.code}&category={officials.id}")
    assert f'name="answer-{badge.id}"' in page.get_data(as_text=True)
    path = f"/events/{event.slug}/register"
    sent = {"code": code.code, "category": officials.id, **fields(badge, "Ministre")}
    assert post_form(client, path, sent, token_from=path).status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.category_id == officials.id
    assert answers.of_registrations([registration.id])[registration.id] == {badge.id: "Ministre"}


def test_the_register_page_sends_back_those_already_registered_or_anonymous(client, summit, make_member):
    event, q = summit
    anonymous = client.get(f"/events/{event.slug}/register")
    assert anonymous.status_code == 302 and "/members/login" in anonymous.headers["Location"]
    member = make_member()
    services.register_member(
        event,
        member,
        submitted=answer_form(**{f"q{q['diet'].id}": q["diet"].choices[0].id, f"q{q['reception'].id}": "no"}),
    )
    db.session.commit()
    login(client, member)
    again = client.get(f"/events/{event.slug}/register")
    assert again.status_code == 302 and again.headers["Location"] == f"/events/{event.slug}"
    assert csrf_token(client, f"/events/{event.slug}")
