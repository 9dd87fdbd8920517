"""An attendee changes the answers they gave at registration, until registration closes,
with the same checks as when they registered. The caller commits once, or rolls back
on DomainError (nothing changes)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from community.core import locking
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.questions import answers
from community.questions.models import Question


def answers_problem(registration, now: datetime | None = None) -> str | None:
    """Why this registration's answers can no longer change, as a sentence; None while they can."""
    now = now or utcnow()
    event = registration.event
    if not registration.is_live:
        return _l("This registration is cancelled: its answers can no longer change.")
    if event.is_cancelled:
        return _l("This event was cancelled.")
    closes = event.registration_closes_at or event.starts_at
    if now >= as_utc(closes):
        return _l("Registration has closed: your answers can no longer change.")
    return None


def change_answers(registration, questions: list[Question], submitted, now: datetime | None = None) -> None:
    """The attendee changes their answers to `questions` (those asked of their category), with
    the same checks as when they registered. The registration's row is locked first: a
    cancellation at the same moment is either seen here or comes after."""
    locking.refresh_locked(registration)
    problem = answers_problem(registration, now)
    if problem:
        raise DomainError(problem)
    stored = answers.of_registrations([registration.id]).get(registration.id, {})
    answers.save(registration, answers.checked(questions, submitted, stored))
