"""The organizer's question pages: who may open them, and the list, add, edit, move and
remove (after a confirmation page) through the forms."""

import pytest
from sqlalchemy import func, select

from community.core.extensions import db
from community.events.models import EventStaff
from community.questions import answers
from community.questions.models import Question
from tests.conftest import login, post_form
from tests.questions.conftest import DIET


@pytest.fixture
def setup(make_event, make_member, ask):
    creator = make_member("creator@example.org", role="organizer", language="en")
    event = make_event(capacity=10, created_by=creator.id)
    question = ask(event, "choice", "Régime", label_en="Diet", choices=DIET)
    return event, question, creator


PAGES = ["", "/{q}", "/{q}/remove"]


@pytest.mark.parametrize("who", ["anonymous", "member", "steward", "organizer elsewhere", "creator", "named", "admin"])
def test_the_question_pages_open_to_the_event_s_organizers_and_admins_only(client, setup, make_member, make_event, who):
    event, question, creator = setup
    people = {
        "member": make_member(),
        "steward": make_member(),
        "organizer elsewhere": make_member(role="organizer"),
        "creator": creator,
        "named": make_member(),
        "admin": make_member(role="admin"),
    }
    make_event(created_by=people["organizer elsewhere"].id)
    db.session.add_all(
        [
            EventStaff(event_id=event.id, member_id=people["steward"].id, role="steward"),
            EventStaff(event_id=event.id, member_id=people["named"].id, role="organizer"),
        ]
    )
    db.session.commit()
    if who != "anonymous":
        login(client, people[who])
    base = f"/events/{event.slug}/dashboard/questions"
    for page in PAGES:
        response = client.get(base + page.format(q=question.id))
        if who == "anonymous":
            assert response.status_code == 302 and "/members/login" in response.headers["Location"]
        elif who in ("creator", "named", "admin"):
            assert response.status_code == 200, page
        else:
            assert response.status_code == 403, (who, page)
    if who not in ("creator", "named", "admin"):
        post_form(client, f"{base}/{question.id}/remove", token_from="/events/")
        assert db.session.get(Question, question.id) is not None


def test_the_organizer_adds_edits_moves_and_removes_questions(english_client, setup):
    event, diet, creator = setup
    login(english_client, creator)
    base = f"/events/{event.slug}/dashboard/questions"
    dashboard = english_client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    assert f'href="{base}"' in dashboard
    assert f'href="{base}"' in english_client.get(f"/events/{event.slug}/categories").get_data(as_text=True)

    added = post_form(
        english_client,
        base,
        {"kind": "yes_no", "label_fr": "Cocktail ?", "label_en": "Reception?", "required": "y", "category_id": ""},
        token_from=base,
    )
    assert added.status_code == 302
    reception = db.session.scalar(select(Question).where(Question.label_fr == "Cocktail ?"))
    assert (reception.kind, reception.required, reception.category_id) == ("yes_no", True, None)

    refused = post_form(
        english_client, base, {"kind": "long_text", "label_fr": "Santé", "sensitive": "y"}, token_from=base
    )
    assert refused.status_code == 400
    assert "Say why you ask this sensitive question" in refused.get_data(as_text=True)

    edit = f"{base}/{diet.id}"
    form = english_client.get(edit).get_data(as_text=True)
    assert "Végétarien | Vegetarian\nVégétalien | Vegan" in form
    saved = post_form(
        english_client,
        edit,
        {"kind": "choice", "label_fr": "Régime", "label_en": "Diet", "choices": "Végétarien | Vegetarian\nHalal"},
        token_from=edit,
    )
    assert saved.status_code == 302
    assert [c.label_fr for c in db.session.get(Question, diet.id).live_choices] == ["Végétarien", "Halal"]

    moved = post_form(english_client, f"{base}/{reception.id}/move", {"direction": "up"}, token_from=base)
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#question-{reception.id}")
    assert [q.id for q in answers.asked(event, None)] == [reception.id, diet.id]

    confirm = english_client.get(f"{base}/{reception.id}/remove").get_data(as_text=True)
    assert "Nobody answered it yet: it will be deleted." in confirm
    post_form(english_client, f"{base}/{reception.id}/remove", token_from=base)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 1
    page = english_client.get(base).get_data(as_text=True)
    assert "Question “Reception?” deleted." in page


def test_a_role_taken_twice_is_refused_with_its_reason_on_the_page(english_client, setup, ask):
    event, _diet, creator = setup
    ask(event, "text", "Organisation", role="organization")
    login(english_client, creator)
    base = f"/events/{event.slug}/dashboard/questions"
    response = post_form(
        english_client, base, {"kind": "text", "label_fr": "Employeur", "role": "organization"}, token_from=base
    )
    assert response.status_code == 400
    assert "“Organisation” already stands for organization" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 2


def test_another_event_s_question_is_not_found_here(english_client, setup, make_event, ask):
    event, _diet, creator = setup
    other = ask(make_event(created_by=creator.id), "text", "Ailleurs")
    login(english_client, creator)
    assert english_client.get(f"/events/{event.slug}/dashboard/questions/{other.id}").status_code == 404
