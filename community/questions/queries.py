"""What the pages read about questions, a fixed number of queries whatever their number."""

from sqlalchemy import func, or_, select

from community.core.extensions import db
from community.questions.models import Answer, Question


def answer_counts(event) -> dict[int, int]:
    """question id -> how many registrations answered it, for the organizer's list (one query)."""
    return dict(
        db.session.execute(
            select(Answer.question_id, func.count())
            .join(Question, Question.id == Answer.question_id)
            .where(Question.event_id == event.id)
            .group_by(Answer.question_id)
        ).all()
    )


def has_answers(question: Question) -> bool:
    return db.session.scalar(select(select(Answer.id).where(Answer.question_id == question.id).exists()))


def asking(event, category_ids) -> bool:
    """Whether the event asks a question of someone registering in one of these categories (one query)."""
    live = select(Question.id).where(Question.event_id == event.id, Question.retired_at.is_(None))
    live = live.where(or_(Question.category_id.is_(None), Question.category_id.in_(list(category_ids))))
    return db.session.scalar(select(live.exists()))


def asked_of(registrations) -> set[int]:
    """The ids of these registrations whose event asks them a question (one query, none without any)."""
    registrations = list(registrations)
    if not registrations:
        return set()
    rows = db.session.execute(
        select(Question.event_id, Question.category_id)
        .where(Question.event_id.in_({r.event_id for r in registrations}), Question.retired_at.is_(None))
        .distinct()
    ).all()
    return {
        r.id
        for r in registrations
        if any(event_id == r.event_id and category_id in (None, r.category_id) for event_id, category_id in rows)
    }
