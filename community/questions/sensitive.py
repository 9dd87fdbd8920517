"""What sets the answers to sensitive questions apart (GDPR art. 9: diet, accessibility,
health, identity documents): how long they are kept, said where they are asked, and
which of an event's questions a reader sees the answers of. Who may read them is
`events.permissions.may_read_sensitive`; the purge that erases them is in privacy/retention.py."""

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import ngettext

from community.core.clock import as_utc
from community.questions.models import Question


def retention_days() -> int:
    """Days after its event ends that a sensitive answer is erased (SENSITIVE_ANSWER_RETENTION_DAYS)."""
    return int(current_app.config["SENSITIVE_ANSWER_RETENTION_DAYS"])


def how_long_kept() -> str:
    """The sentence a registration form shows beside a sensitive question (a template global
    of the same name), in the reader's language."""
    return ngettext(
        "Your answer is erased %(num)d day after the event.",
        "Your answer is erased %(num)d days after the event.",
        retention_days(),
    )


def past_retention(event, now: datetime) -> bool:
    """The event ended long enough ago that the purge erases its sensitive answers (typed ones
    are gone then: a count of them reads zero, and the dashboard says why)."""
    return event.ends_at is not None and as_utc(event.ends_at) + timedelta(days=retention_days()) < now


def readable(questions: list[Question], reads_sensitive: bool) -> list[Question]:
    """The questions whose raw answers this reader sees: all of them for the event's
    organizers (`may_read_sensitive`), the others for everyone else who manages it."""
    return [question for question in questions if reads_sensitive or not question.sensitive]


def hidden(questions: list[Question], reads_sensitive: bool) -> int:
    """How many questions' answers this reader does not see (to say so on the page)."""
    return 0 if reads_sensitive else sum(1 for question in questions if question.sensitive)


def visible(values: dict[int, str], questions: list[Question], reads_sensitive: bool) -> dict[int, str]:
    """A registration's answers (question id -> stored value) without those this reader may not
    see: what a page holds is only what it may show."""
    shown = {question.id for question in readable(questions, reads_sensitive)}
    return {question_id: value for question_id, value in values.items() if question_id in shown}


def asked_of(questions: list[Question], registration, values: dict[int, str]) -> list[Question]:
    """The questions one registration answered, or is asked now (of every category, or of its own)."""
    return [
        question
        for question in questions
        if question.id in values
        or (question.retired_at is None and question.category_id in (None, registration.category_id))
    ]
