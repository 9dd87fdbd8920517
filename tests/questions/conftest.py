"""Events with registration questions, made through the organizer's rules (questions/services.py)."""

import pytest
from werkzeug.datastructures import MultiDict

from community.core.extensions import db
from community.questions import services
from community.questions.answers import field_name
from community.questions.services import QuestionData
from tests.questions.care_setup import Care, build


@pytest.fixture
def organizer(make_member):
    return make_member("orga@example.org", role="admin", language="en")  # manages every event


@pytest.fixture
def ask(app, organizer):
    """ask(event, kind, label, **fields) -> Question, committed (choices as [("fr", "en"), ...])."""

    def _ask(event, kind, label, **fields):
        with app.test_request_context():
            question = services.add_question(organizer, event, QuestionData(kind=kind, label_fr=label, **fields))
            db.session.commit()
        return question

    return _ask


def answer_form(**by_question) -> MultiDict:
    """The form a browser sends: answer_form(q12="x", q15=["3", "4"]) -> answer-12=x, answer-15=3, answer-15=4."""
    pairs = []
    for key, value in by_question.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((f"answer-{key[1:]}", str(one)))
    return MultiDict(pairs)


def fields(question, value) -> dict:
    """{answer-<id>: value} for a POST with the test client."""
    return {field_name(question): value}


DIET = [("Végétarien", "Vegetarian"), ("Végétalien", "Vegan"), ("Sans restriction", "No restriction")]


@pytest.fixture
def care(make_member) -> Care:
    return build(make_member)


@pytest.fixture
def english(app):
    """Rules called outside a page, in English (their messages are read in the tests)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def event(make_event):
    return make_event(capacity=10)
