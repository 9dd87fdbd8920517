"""Answers: read from a submitted form, checked, written, and read back for the lists.

A form names each question's field `answer-<question id>` (several values for a
multiple choice). `read()` turns what was submitted into stored values and the
problems to show beside each field; the server checks every answer, required
ones included, whatever the browser did. Nothing here commits.
"""

import re
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, or_, select
from sqlalchemy.orm import selectinload, with_expression

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.text import paragraphs
from community.events.models import Event
from community.questions.models import WITH_CHOICES, Answer, Kind, Question, Role

TEXT_LIMITS = {Kind.TEXT.value: 200, Kind.LONG_TEXT.value: 2000}
NUMBER_LIMIT = 20  # characters: a number, not a text in disguise
# Digits with an optional sign and decimal part ("3", "-1", "2.5", "2,5"): no exponent, so
# that "9e999999" cannot make a number a million digits long when it is written out.
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
YES, NO = "yes", "no"


def field_name(question: Question) -> str:
    return f"answer-{question.id}"


def _asks_any(event_id):
    """Whether the event asks a question (one not retired)."""
    return exists().where(Question.event_id == event_id, Question.retired_at.is_(None))


# Built once: every registration asks it, and most events ask nothing (a plain row, no ORM).
_ASKS_ANY = select(_asks_any(bindparam("event_id")))


def asks_any():
    """The same, read with the event: a loader option of its query that fills Event.asks_questions
    (made when called: at import time it would configure the mappers before every model is loaded)."""
    return with_expression(Event.asks_questions, _asks_any(Event.id))


def asked(event, category_id: int | None) -> list[Question]:
    """The questions a registration in this category answers, in order, with their choices
    (two queries whatever their number; one when the event asks nothing, none when it was
    read with asks_any()). `category_id` None: every question of the event."""
    asks = event.asks_questions
    if asks is None:
        asks = db.session.scalar(_ASKS_ANY, {"event_id": event.id})
    if not asks:
        return []
    query = (
        select(Question)
        .options(selectinload(Question.choices))
        .where(Question.event_id == event.id, Question.retired_at.is_(None))
        .order_by(Question.position, Question.id)
    )
    if category_id is not None:
        query = query.where(or_(Question.category_id.is_(None), Question.category_id == category_id))
    return list(db.session.scalars(query))


def asked_in_any(event, category_ids) -> list[Question]:
    """The questions asked of someone who chooses among these categories on the same form
    (the guest form shows them all, each marked with its category), in order."""
    ids = set(category_ids)
    return [question for question in asked(event, None) if question.category_id in ids | {None}]


def of_event(event, include_retired: bool = True) -> list[Question]:
    """Every question of the event, retired ones too by default (their answers are still listed)."""
    query = select(Question).options(selectinload(Question.choices)).where(Question.event_id == event.id)
    if not include_retired:
        query = query.where(Question.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(Question.position, Question.id)))


class Refused(ValueError):
    """An answer that cannot be stored; its text is for the person who typed it."""


class AnswersRefused(DomainError):
    """Answers missing or wrong: nothing is written, the form is shown again with
    `problems` (question id -> what is wrong) beside the fields."""

    def __init__(self, problems: dict[int, str]):
        super().__init__(_l("Some answers are missing or need a change: see the questions below."))
        self.problems = problems


def parse(question: Question, submitted: list[str], kept: str | None = None) -> str | None:
    """The stored value of what was submitted for one question (None: no answer), or Refused.
    `kept`, the value stored before, lets a person keep a choice that is no longer offered."""
    submitted = [value for value in (paragraphs(value) for value in submitted) if value]
    if not submitted:
        if question.required:
            raise Refused(_("Please answer this question."))
        return None
    kind = question.kind
    if kind in TEXT_LIMITS:
        return _text(submitted[0], TEXT_LIMITS[kind], keep_lines=kind == Kind.LONG_TEXT.value)
    if kind in WITH_CHOICES:
        return _choices(question, submitted, kept)
    if kind == Kind.YES_NO.value:
        if submitted[0] not in (YES, NO):
            raise Refused(_("Please answer yes or no."))
        return submitted[0]
    if kind == Kind.NUMBER.value:
        return _number(submitted[0])
    return _date(submitted[0])


def _text(value: str, limit: int, keep_lines: bool) -> str:
    if not keep_lines:
        value = " ".join(value.split())
    if len(value) > limit:
        raise Refused(_("Please keep this answer under %(limit)d characters.", limit=limit))
    return value


def _choices(question: Question, submitted: list[str], kept: str | None) -> str:
    offered = {str(choice.id) for choice in question.live_choices} | set((kept or "").split(",")) - {""}
    chosen = sorted(set(submitted), key=lambda value: int(value) if value.isdigit() else 0)
    if not set(chosen) <= offered:
        raise Refused(_("Please choose among the answers offered."))
    if question.kind == Kind.CHOICE.value and len(chosen) > 1:
        raise Refused(_("Please choose one answer only."))
    return ",".join(chosen)


def _number(value: str) -> str:
    # Spaces group digits in French ("1 500", a narrow no-break space from some keyboards).
    digits = value.replace(" ", "").replace("\u202f", "").replace("\xa0", "")
    if len(value) > NUMBER_LIMIT or not NUMBER.fullmatch(digits):
        raise Refused(_("Please enter a number, such as 3 or 2.5."))
    return format(Decimal(digits.replace(",", ".")).normalize(), "f")


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise Refused(_("Please enter a date, such as 2027-03-01.")) from None


def read(questions: list[Question], form, stored: dict[int, str] | None = None):
    """(question id -> stored value or None, question id -> what is wrong) from a submitted
    form (None: nothing submitted); `stored`, the answers given before, when they change."""
    values, problems, stored = {}, {}, stored or {}
    for question in questions:
        try:
            values[question.id] = parse(question, sent(form, question), stored.get(question.id))
        except Refused as refused:
            problems[question.id] = str(refused)
    return values, problems


def checked(questions: list[Question], form, stored: dict[int, str] | None = None) -> dict[int, str | None]:
    """The values to save, or AnswersRefused with every problem at once."""
    values, problems = read(questions, form, stored)
    if problems:
        raise AnswersRefused(problems)
    return values


def sent(form, question: Question) -> list[str]:
    """What the form sent for one question (nothing when there is no form)."""
    return form.getlist(field_name(question)) if form is not None else []


def as_fields(questions: list[Question], stored: dict[int, str]) -> dict[int, list[str]]:
    """Stored values as the form submits them (a multiple choice's ids apart), to fill the fields."""
    return {
        question.id: stored[question.id].split(",") if question.kind in WITH_CHOICES else [stored[question.id]]
        for question in questions
        if stored.get(question.id)
    }


def from_form(questions: list[Question], form) -> dict[int, list[str]]:
    """What was submitted for each question, to show it again beside the problems."""
    return {question.id: sent(form, question) for question in questions}


def save(registration, values: dict[int, str | None], new: bool = False) -> None:
    """Write a registration's answers: a new value replaces the old one, None removes it.
    One query to read what is there, whatever the number of questions; none for a `new`
    registration (it has no answers yet: the seat engine's lock is held, keep it short),
    nothing at all without questions."""
    if not values:
        return
    if registration.id is None:
        db.session.flush()
    existing = {}
    if not new:
        existing = {
            answer.question_id: answer
            for answer in db.session.scalars(
                select(Answer).where(Answer.registration_id == registration.id, Answer.question_id.in_(list(values)))
            )
        }
    now = utcnow()
    for question_id, value in values.items():
        answer = existing.get(question_id)
        if value is None:
            if answer is not None:
                db.session.delete(answer)
        elif answer is None:
            db.session.add(
                Answer(registration_id=registration.id, question_id=question_id, value=value, updated_at=now)
            )
        elif answer.value != value:
            answer.value, answer.updated_at = value, now


def of_registrations(registration_ids) -> dict[int, dict[int, str]]:
    """registration id -> {question id -> stored value}, in one query."""
    found: dict[int, dict[int, str]] = {}
    ids = list(registration_ids)
    if not ids:
        return found
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value).where(Answer.registration_id.in_(ids))
    )
    for registration_id, question_id, value in rows:
        found.setdefault(registration_id, {})[question_id] = value
    return found


def prefilled(questions: list[Question], member) -> dict[int, str]:
    """What a member's profile already says, for the questions whose role it knows."""
    if member is None:
        return {}
    first, _space, last = (member.display_name or "").strip().partition(" ")
    known = {Role.ORGANIZATION.value: member.organization, Role.FIRST_NAME.value: first, Role.LAST_NAME.value: last}
    return {question.id: known[question.role] for question in questions if known.get(question.role)}


def shown(question: Question, value: str | None) -> str:
    """A stored value as the reader reads it ("Oui", a choice's label, "Végétarien, Sans gluten")."""
    if value is None or value == "":
        return ""
    if question.kind in WITH_CHOICES:
        labels = {str(choice.id): choice.label for choice in question.choices}
        return ", ".join(labels.get(part, "?") for part in value.split(","))
    if question.kind == Kind.YES_NO.value:
        return _("Yes") if value == YES else _("No")
    return value
