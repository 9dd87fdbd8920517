"""The rules of registration questions: the organizer adds, edits, moves and removes them
(an attendee's change of their answers is in answer_changes.py).

Plain functions: the caller commits once, or rolls back on DomainError (nothing
changes). Every organizer's change is checked (events.permissions.require_manager)
and audited. A question or a choice that has answers is retired, never deleted,
so the answers given keep their meaning; for the same reason the kind of an
answered question no longer changes ("yes" read as a number would mean nothing)."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community.core import audit
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.events.permissions import require_manager
from community.questions import answers, queries
from community.questions.models import KIND_LABELS, ROLE_LABELS, WITH_CHOICES, Answer, Choice, Kind, Question, Role

# The kinds a question may be for each role: a name or an organization is typed; a diet is typed or chosen.
ROLE_KINDS = {
    Role.FIRST_NAME.value: (Kind.TEXT.value,),
    Role.LAST_NAME.value: (Kind.TEXT.value,),
    Role.ORGANIZATION.value: (Kind.TEXT.value,),
    Role.DIET.value: (Kind.TEXT.value, Kind.CHOICE.value, Kind.MULTIPLE.value),
}
LIMITS = {"label": 200, "help": 500, "purpose": 300, "choice": 200}


@dataclass
class QuestionData:
    """What an organizer types; `choices` as (French, English) pairs, in order."""

    kind: str
    label_fr: str = ""
    label_en: str = ""
    help_fr: str = ""
    help_en: str = ""
    required: bool = False
    sensitive: bool = False
    purpose_fr: str = ""
    purpose_en: str = ""
    role: str | None = None
    category_id: int | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)


# ------------------------------------------------------------------ checks


def check(event: Event, data: QuestionData, question: Question | None = None) -> None:
    """Refuse what cannot be saved, with the reason; nothing is written."""
    if data.kind not in KIND_LABELS:
        raise DomainError(_l("Choose the kind of question."))
    if not (data.label_fr.strip() or data.label_en.strip()):
        raise DomainError(_l("Please write the question."))
    _check_lengths(data)
    if data.category_id is not None and data.category_id not in {c.id for c in event.categories}:
        raise DomainError(_l("This ticket category does not exist for this event."))
    if question is not None and question.kind != data.kind and queries.has_answers(question):
        raise DomainError(
            _l("This question has answers: its kind can no longer change. Remove it and add a new question instead.")
        )
    if data.sensitive and not (data.purpose_fr.strip() or data.purpose_en.strip()):
        raise DomainError(_l("Say why you ask this sensitive question, in French or in English."))
    _check_role(event, data, question)
    _check_choices(data)


def _check_lengths(data: QuestionData) -> None:
    texts = {
        "label": (data.label_fr, data.label_en),
        "help": (data.help_fr, data.help_en),
        "purpose": (data.purpose_fr, data.purpose_en),
        "choice": [label for pair in data.choices for label in pair],
    }
    for what, values in texts.items():
        if any(len(value.strip()) > LIMITS[what] for value in values):
            raise DomainError(_l("A text is too long: at most %(limit)d characters.", limit=LIMITS[what]))


def _check_role(event: Event, data: QuestionData, question: Question | None) -> None:
    if data.role is None:
        return
    if data.role not in ROLE_LABELS:
        raise DomainError(_l("This role does not exist."))
    if data.kind not in ROLE_KINDS[data.role]:
        kinds = ", ".join(str(KIND_LABELS[kind]).lower() for kind in ROLE_KINDS[data.role])
        raise DomainError(
            _l(
                "A question for %(role)s is a %(kinds)s question.",
                role=str(ROLE_LABELS[data.role]).lower(),
                kinds=kinds,
            )
        )
    taken = db.session.scalar(
        select(Question).where(
            Question.event_id == event.id,
            Question.role == data.role,
            Question.retired_at.is_(None),
            Question.id != (question.id if question is not None else -1),
        )
    )
    if taken is not None:
        raise DomainError(
            _l(
                "The question “%(label)s” already stands for %(role)s: an event asks it once.",
                label=taken.label,
                role=str(ROLE_LABELS[data.role]).lower(),
            )
        )


def _check_choices(data: QuestionData) -> None:
    if data.kind not in WITH_CHOICES:
        if data.choices:
            raise DomainError(_l("Only a single or multiple choice question has choices: empty the choices."))
        return
    least = 2 if data.kind == Kind.CHOICE.value else 1
    if len(data.choices) < least:
        raise DomainError(
            _l("Give at least two choices.") if least == 2 else _l("Give at least one choice, one a line.")
        )
    names = [(fr.strip() or en.strip()).casefold() for fr, en in data.choices]
    if len(set(names)) != len(names):
        raise DomainError(_l("Two choices have the same text."))


# ------------------------------------------------------------------ the organizer's changes


def _apply(question: Question, data: QuestionData) -> None:
    question.kind = data.kind
    question.label_fr = data.label_fr.strip() or data.label_en.strip()
    question.label_en = data.label_en.strip()
    question.help_fr, question.help_en = data.help_fr.strip(), data.help_en.strip()
    question.required, question.sensitive = data.required, data.sensitive
    # A purpose is said only for a sensitive question: it is shown only then.
    question.purpose_fr = data.purpose_fr.strip() if data.sensitive else ""
    question.purpose_en = data.purpose_en.strip() if data.sensitive else ""
    question.role, question.category_id = data.role, data.category_id


def _live(event: Event) -> list[Question]:
    return answers.of_event(event, include_retired=False)


def add_question(actor, event: Event, data: QuestionData) -> Question:
    """A new question, asked last."""
    require_manager(actor, event)
    check(event, data)
    question = Question(event_id=event.id, position=max((q.position for q in _live(event)), default=-1) + 1)
    _apply(question, data)
    db.session.add(question)
    _flush(data)
    _sync_choices(question, data.choices)
    audit.record(actor, "question.added", question, event_id=event.id, **_facts(question))
    return question


def edit_question(actor, question: Question, data: QuestionData) -> None:
    """Change a question; the answers already given stay (a choice removed with answers is retired)."""
    event = question.event
    require_manager(actor, event)
    _refuse_retired(question)
    check(event, data, question)
    before = _facts(question)
    _apply(question, data)
    _flush(data)
    choices = _sync_choices(question, data.choices)
    after = _facts(question)
    changed = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    audit.record(actor, "question.changed", question, event_id=event.id, **changed, **choices)


def move_question(actor, question: Question, step: int) -> bool:
    """Move a question one place up (-1) or down (+1) among those asked; False at either end."""
    event = question.event
    require_manager(actor, event)
    _refuse_retired(question)
    ordered = _live(event)
    at = ordered.index(question)
    if step not in (-1, 1) or not 0 <= at + step < len(ordered):
        return False
    ordered[at], ordered[at + step] = ordered[at + step], ordered[at]
    for position, each in enumerate(ordered):
        each.position = position  # renumbered: positions never tie
    audit.record(actor, "question.moved", question, event_id=event.id, position=[at + 1, at + step + 1])
    return True


def remove_question(actor, question: Question, now: datetime | None = None) -> bool:
    """No longer ask the question. With answers it is retired (its answers stay in the lists
    and exports); without, deleted. Returns whether it was retired."""
    event = question.event
    require_manager(actor, event)
    _refuse_retired(question)
    retired = queries.has_answers(question)
    audit.record(actor, "question.removed", question, event_id=event.id, label=question.label_fr, retired=retired)
    if retired:
        question.retired_at = now or utcnow()
    else:
        db.session.delete(question)
    db.session.flush()
    return retired


def _flush(data: QuestionData) -> None:
    """Write the question: the unique index keeps a role once per event when another organizer
    gave it to a question at the same moment (after the check above)."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        role = str(ROLE_LABELS.get(data.role, "")).lower()
        raise DomainError(_l("Another question of this event already stands for %(role)s.", role=role)) from exc


def _refuse_retired(question: Question) -> None:
    if question.retired_at is not None:
        raise DomainError(_l("This question was removed: it can no longer change."))


def _chosen(question: Question) -> set[int]:
    """The ids of the question's choices that some answer holds (one query)."""
    values = db.session.scalars(select(Answer.value).where(Answer.question_id == question.id))
    return {int(part) for value in values for part in value.split(",") if part.isdigit()}


def _sync_choices(question: Question, lines: list[tuple[str, str]]) -> dict:
    """Make the question's choices those of `lines`, in their order. A line keeps the choice
    whose French or English text it repeats (a typo fixed in one language keeps the answers),
    and brings a retired one back; a choice no line keeps is retired if answered, else deleted.
    Returns the counts for the audit log."""
    if question.kind not in WITH_CHOICES and not question.choices:
        return {}
    pool = sorted(question.choices, key=lambda choice: choice.retired)  # live ones match first
    kept, added = [], 0
    for position, (french, english) in enumerate(lines):
        french, english = french.strip() or english.strip(), english.strip()
        choice = next((c for c in pool if c not in kept and _same(c, french, english)), None)
        if choice is None:
            choice, added = Choice(), added + 1
            question.choices.append(choice)
        choice.label_fr, choice.label_en, choice.position, choice.retired = french, english, position, False
        kept.append(choice)
    gone = [choice for choice in pool if choice not in kept and not choice.retired]
    chosen = _chosen(question) if gone else set()
    for choice in gone:
        if choice.id in chosen:
            choice.retired = True
        else:
            question.choices.remove(choice)
    db.session.flush()
    retired = sum(1 for choice in gone if choice.retired)
    facts = {"choices_added": added, "choices_retired": retired, "choices_deleted": len(gone) - retired}
    return {key: value for key, value in facts.items() if value}


def _same(choice: Choice, french: str, english: str) -> bool:
    return choice.label_fr.casefold() == french.casefold() or bool(
        english and choice.label_en.casefold() == english.casefold()
    )


def _facts(question: Question) -> dict:
    return {
        "label": question.label_fr,
        "kind": question.kind,
        "required": question.required,
        "sensitive": question.sensitive,
        "role": question.role,
        "category_id": question.category_id,
    }
