"""Erasing answers while keeping what they add up to.

The retention purge (sensitive answers some days after the event, a guest's answers
with their name), and account deletion, erase answers the same way: an answer that
counts on the dashboard (questions/counts.py: a choice, yes/no or number answer of a
seated registration) is detached from its registration, so the count stays and names
nobody; every other answer (typed text, a date, an answer of a cancelled or waiting
registration, which counts nowhere) is deleted. Two statements whatever the number of
answers; an answer already detached is never selected again, so a second run erases
nothing more. Nothing here commits."""

from sqlalchemy import delete, select, update

from community.core.extensions import db
from community.questions.counts import KEPT_AS_COUNTS
from community.questions.models import Answer, Question
from community.registrations.models import SEATED, Registration


def erase(registrations, questions=None) -> int:
    """Erase the answers of the registrations matching `registrations` (a condition on
    Registration), to the questions matching `questions` (a condition on Question, or all);
    returns how many were detached or deleted."""
    theirs = [Answer.registration_id.in_(select(Registration.id).where(registrations))]
    if questions is not None:
        theirs.append(Answer.question_id.in_(select(Question.id).where(questions)))
    detached = _run(
        update(Answer)
        .where(
            *theirs,
            Answer.question_id.in_(select(Question.id).where(Question.kind.in_(KEPT_AS_COUNTS))),
            Answer.registration_id.in_(select(Registration.id).where(Registration.status.in_(SEATED))),
        )
        .values(registration_id=None)
    )
    # Those left attached: nothing that counts.
    return detached + _run(delete(Answer).where(*theirs))


def _run(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
