"""The organizer's rules (questions/services.py): add, edit, move, remove a question and
its choices. Answers already given keep their meaning: an answered choice or question
is retired, never deleted, and an answered question's kind no longer changes."""

import pytest
from sqlalchemy import select

from community.core.audit import AuditEntry
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.questions import answers, services
from community.questions.models import Answer, Choice, Question
from community.questions.services import QuestionData
from community.registrations import services as registrations
from community.tickets.models import Category
from tests.questions.conftest import DIET, answer_form

pytestmark = pytest.mark.usefixtures("english")


def data_of(question, **changes) -> QuestionData:
    """The question as its edit form would send it back, with `changes`."""
    values = dict(
        kind=question.kind,
        label_fr=question.label_fr,
        label_en=question.label_en,
        required=question.required,
        role=question.role,
        category_id=question.category_id,
        choices=[(c.label_fr, c.label_en) for c in question.live_choices],
    )
    values.update(changes)
    return QuestionData(**values)


def register_with(event, member, **by_question):
    registration, _ = registrations.register_member(event, member, submitted=answer_form(**by_question))
    db.session.commit()
    return registration


def audit_actions():
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_a_question_is_added_last_with_its_choices_in_order_and_audited(event, ask):
    first = ask(event, "text", "Organisation", label_en="Organization", role="organization")
    diet = ask(event, "choice", "Régime", label_en="Diet", choices=DIET, sensitive=True, purpose_fr="Le traiteur")
    assert [q.id for q in answers.asked(event, None)] == [first.id, diet.id]
    assert [(c.label_fr, c.label_en, c.position) for c in diet.choices] == [
        ("Végétarien", "Vegetarian", 0),
        ("Végétalien", "Vegan", 1),
        ("Sans restriction", "No restriction", 2),
    ]
    assert audit_actions() == ["question.added", "question.added"]
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.object_type, entry.object_id, entry.event_id) == ("question", diet.id, event.id)


@pytest.mark.parametrize(
    "fields, reason",
    [
        (dict(kind="text", label_fr=" "), "Please write the question."),
        (dict(kind="essay", label_fr="Q"), "Choose the kind of question."),
        (dict(kind="choice", label_fr="Q", choices=[("Seul", "")]), "at least two choices"),
        (dict(kind="multiple", label_fr="Q"), "at least one choice"),
        (dict(kind="choice", label_fr="Q", choices=[("A", ""), ("a", "")]), "Two choices have the same text."),
        (dict(kind="text", label_fr="Q", choices=[("A", "")]), "Only a single or multiple choice question"),
        (dict(kind="long_text", label_fr="Santé", sensitive=True), "Say why you ask this sensitive question"),
        (dict(kind="yes_no", label_fr="Q", role="organization"), "is a short text question"),
        (dict(kind="text", label_fr="Q", role="shoe_size"), "This role does not exist."),
        (dict(kind="text", label_fr="Q" * 201), "at most 200 characters"),
        (dict(kind="text", label_fr="Q", category_id=999999), "does not exist for this event"),
    ],
)
def test_what_cannot_be_saved_is_refused_with_its_reason(event, organizer, fields, reason):
    with pytest.raises(DomainError, match=reason):
        services.add_question(organizer, event, QuestionData(**fields))
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Question)) == 0


def test_a_sensitive_question_with_its_purpose_in_one_language_is_enough(event, ask):
    health = ask(event, "long_text", "Accessibilité", sensitive=True, purpose_en="To plan the venue")
    assert (health.sensitive, health.purpose_en, health.purpose_fr) == (True, "To plan the venue", "")


def test_a_role_is_asked_once_per_event_among_live_questions(event, ask, organizer, make_event):
    org = ask(event, "text", "Organisation", role="organization")
    with pytest.raises(DomainError, match="“Organisation” already stands for organization"):
        services.add_question(organizer, event, QuestionData(kind="text", label_fr="Employeur", role="organization"))
    db.session.rollback()
    ask(make_event(), "text", "Organisation", role="organization")  # another event: its own
    # Editing the question itself keeps its role; once removed, the role is free again.
    services.edit_question(organizer, org, data_of(org, label_en="Organization"))
    services.remove_question(organizer, org)
    db.session.commit()
    assert ask(event, "text", "Employeur", role="organization").role == "organization"


def test_editing_a_question_keeps_the_answers_given(event, ask, organizer, make_member):
    diet = ask(event, "choice", "Régime", choices=DIET)
    veggie, vegan, _none = diet.choices
    registration = register_with(event, make_member(), **{f"q{diet.id}": veggie.id})

    # New words, a typo fixed in French only, an answered choice dropped, a new one, another order.
    services.edit_question(
        organizer,
        diet,
        data_of(
            diet,
            label_fr="Votre régime",
            required=True,
            choices=[("Végane", "Vegan"), ("Halal", "Halal"), ("Sans restriction", "No restriction")],
        ),
    )
    db.session.commit()
    db.session.expire_all()
    diet = db.session.get(Question, diet.id)
    assert diet.label_fr == "Votre régime" and diet.required
    assert db.session.get(Choice, vegan.id).label_fr == "Végane"  # matched on its English text: same choice
    assert db.session.get(Choice, veggie.id).retired  # answered: kept for that answer, no longer offered
    assert [c.label_fr for c in diet.live_choices] == ["Végane", "Halal", "Sans restriction"]
    stored = answers.of_registrations([registration.id])[registration.id]
    assert stored == {diet.id: str(veggie.id)}
    assert answers.shown(diet, stored[diet.id]) == "Vegetarian"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "question.changed")).one()
    assert entry.changes["label"] == ["Régime", "Votre régime"]
    assert (entry.changes["choices_added"], entry.changes["choices_retired"]) == (1, 1)


def test_a_choice_nobody_chose_is_deleted_and_a_retired_one_comes_back_when_repeated(event, ask, organizer):
    diet = ask(event, "choice", "Régime", choices=DIET)
    veggie = diet.choices[0]
    veggie.retired = True
    db.session.commit()
    services.edit_question(organizer, diet, data_of(diet, choices=[("Végétarien", ""), ("Végétalien", "Vegan")]))
    db.session.commit()
    assert [(c.id, c.retired) for c in diet.choices][0] == (veggie.id, False)
    assert len(diet.choices) == 2  # "Sans restriction", never chosen, is gone


def test_the_kind_of_an_answered_question_no_longer_changes(event, ask, organizer, make_member):
    nights, spare = ask(event, "number", "Nuits"), ask(event, "number", "Repas")
    register_with(event, make_member(), **{f"q{nights.id}": "2"})
    with pytest.raises(DomainError, match="its kind can no longer change"):
        services.edit_question(organizer, nights, data_of(nights, kind="text"))
    db.session.rollback()
    services.edit_question(organizer, spare, data_of(spare, kind="text"))  # no answers: it may
    db.session.commit()
    assert db.session.get(Question, spare.id).kind == "text"


def test_removing_retires_an_answered_question_and_deletes_one_without_answers(event, ask, organizer, make_member):
    asked, unanswered = ask(event, "text", "Organisation"), ask(event, "text", "Ville")
    registration = register_with(event, make_member(), **{f"q{asked.id}": "Inria"})
    assert services.remove_question(organizer, asked) is True
    assert services.remove_question(organizer, unanswered) is False
    db.session.commit()
    assert db.session.get(Question, unanswered.id) is None
    assert db.session.get(Question, asked.id).retired_at is not None
    assert answers.asked(event, None) == []  # no longer asked ...
    assert answers.of_registrations([registration.id]) == {registration.id: {asked.id: "Inria"}}  # ... answers kept
    with pytest.raises(DomainError, match="was removed"):
        services.edit_question(organizer, db.session.get(Question, asked.id), data_of(asked))
    db.session.rollback()
    assert audit_actions()[-2:] == ["question.removed", "question.removed"]


def test_questions_move_up_and_down_and_stay_put_at_either_end(event, ask, organizer):
    a, b, c = ask(event, "text", "A"), ask(event, "text", "B"), ask(event, "text", "C")

    def order():
        db.session.expire_all()
        return [q.label_fr for q in answers.asked(event, None)]

    assert services.move_question(organizer, c, -1) is True
    db.session.commit()
    assert order() == ["A", "C", "B"]
    assert services.move_question(organizer, db.session.get(Question, a.id), -1) is False  # first already
    assert services.move_question(organizer, db.session.get(Question, b.id), 1) is False  # last already
    services.move_question(organizer, db.session.get(Question, a.id), 1)
    db.session.commit()
    assert order() == ["C", "A", "B"]
    assert audit_actions().count("question.moved") == 2


def test_questions_of_a_category_are_asked_only_there(event, ask, organizer):
    speakers = Category(event_id=event.id, position=1, name_fr="Intervenant·es", name_en="Speakers", taken=0)
    db.session.add(speakers)
    db.session.commit()
    everyone = ask(event, "text", "Organisation")
    talk = ask(event, "long_text", "Votre intervention", category_id=speakers.id)
    general = event.categories[0]
    assert [q.id for q in answers.asked(event, general.id)] == [everyone.id]
    assert [q.id for q in answers.asked(event, speakers.id)] == [everyone.id, talk.id]
    assert [q.id for q in answers.asked_in_any(event, [general.id])] == [everyone.id]


def test_only_the_organizers_of_the_event_change_its_questions(event, ask, make_member):
    question = ask(event, "text", "Organisation")
    someone = make_member(role="organizer")  # an organizer, not of this event
    for change in (
        lambda: services.add_question(someone, event, QuestionData(kind="text", label_fr="Ville")),
        lambda: services.edit_question(someone, question, data_of(question, label_fr="Pirate")),
        lambda: services.move_question(someone, question, 1),
        lambda: services.remove_question(someone, question),
    ):
        with pytest.raises(NotAllowed):
            change()
        db.session.rollback()
    assert [q.label_fr for q in answers.asked(event, None)] == ["Organisation"]
    assert db.session.scalar(select(db.func.count()).select_from(Answer)) == 0


def test_a_role_given_at_the_same_moment_by_two_organizers_is_refused_not_a_500(event, ask, organizer, monkeypatch):
    """The check reads no other question with the role (the other organizer's is not committed
    yet); the unique index refuses the second, and the rule says why."""
    ask(event, "text", "Organisation", role="organization")
    monkeypatch.setattr(services, "_check_role", lambda *args: None)
    with pytest.raises(DomainError, match="already stands for organization"):
        services.add_question(organizer, event, QuestionData(kind="text", label_fr="Employeur", role="organization"))
    db.session.rollback()
    assert [q.label_fr for q in answers.asked(event, None)] == ["Organisation"]
