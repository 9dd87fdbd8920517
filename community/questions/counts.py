"""How an event's questions were answered, counted: how many chose each answer of a
choice or yes/no question, how many answered the others. The dashboard shows them to
whoever may see it (sensitive questions included: a count names nobody), the
caterer's export starts with the diet question's.

Counted: the answers of the people with a seat (confirmed or held), and the answers
the retention purge detached from their registration (registration_id NULL). The
purge detaches only the answers that count, the choices, yes/no and numbers of seated
registrations, and deletes the others (questions/erasure.py), so those counts read
the same before and after it; a typed sensitive answer (text, date) is deleted, and
how many gave one with it. One query whatever the number of registrations."""

from dataclasses import dataclass, field

from sqlalchemy import String, case, func, literal, or_, select

from community.core.extensions import db
from community.questions.answers import NO, YES, shown
from community.questions.models import Answer, Kind, Question
from community.registrations.models import SEATED, Registration

# Counted answer by answer; the other kinds count who answered.
BY_ANSWER = (Kind.CHOICE.value, Kind.MULTIPLE.value, Kind.YES_NO.value)
# The answers that keep a count once the purge took them from their person (erasure.py).
KEPT_AS_COUNTS = (*BY_ANSWER, Kind.NUMBER.value)


@dataclass
class Line:
    label: str
    count: int


@dataclass
class Tally:
    question: Question
    answered: int = 0
    lines: list[Line] = field(default_factory=list)  # one per answer offered (choice and yes/no questions)


def counted_answers():
    """The answers that count: of a seated registration, or detached by the purge (join Registration outer)."""
    return or_(Registration.status.in_(SEATED), Answer.registration_id.is_(None))


def of_event(event, questions: list[Question]) -> list[Tally]:
    """A tally per question, in the questions' order (none when there are no questions)."""
    if not questions:
        return []
    value = case((Question.kind.in_(BY_ANSWER), Answer.value), else_=literal(None, String))
    answers = (
        select(Answer.question_id.label("question_id"), value.label("value"))
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(Registration, Registration.id == Answer.registration_id)
        .where(Question.event_id == event.id, counted_answers())
        .subquery()
    )
    groups = db.session.execute(
        select(answers.c.question_id, answers.c.value, func.count()).group_by(answers.c.question_id, answers.c.value)
    ).all()
    found: dict[int, dict[str | None, int]] = {}
    for question_id, stored, count in groups:
        found.setdefault(question_id, {})[stored] = count
    return [_tally(question, found.get(question.id, {})) for question in questions]


def _tally(question: Question, groups: dict[str | None, int]) -> Tally:
    tally = Tally(question, answered=sum(groups.values()))
    if question.kind == Kind.YES_NO.value:
        tally.lines = [Line(shown(question, answer), groups.get(answer, 0)) for answer in (YES, NO)]
    elif question.kind in BY_ANSWER:
        chosen: dict[str, int] = {}
        for stored, count in groups.items():
            for part in (stored or "").split(","):
                chosen[part] = chosen.get(part, 0) + count
        # The choices offered, and a retired one while answers still name it.
        tally.lines = [
            Line(choice.label, chosen.get(str(choice.id), 0))
            for choice in question.choices
            if not choice.retired or chosen.get(str(choice.id))
        ]
    return tally
