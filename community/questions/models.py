"""Registration questions and their answers.

An event's organizers ask questions (optionally for one ticket category only);
each registration answers them, one row per question. An answer is stored as
text whatever the kind (see `Kind`); `answers.py` reads, checks and writes it.

Changing a question keeps the answers already given: a choice or a question
that has answers is retired (hidden from the forms, still in the lists and
exports), never deleted.

Sensitive questions (diet, accessibility, health, identity documents) hold
special-category data: the form says why they are asked, only the event's
organizers read the answers, and the retention purge erases them some days
after the event. A purged choice answer is detached from its registration
(`registration_id` NULL) so that the counts survive without naming anyone; a
purged text answer is deleted.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.database import one_of, partial_index
from community.core.extensions import db
from community.core.i18n import in_reader_language


class Kind(str, enum.Enum):
    TEXT = "text"  # the text as typed
    LONG_TEXT = "long_text"  # the text as typed, line breaks kept
    CHOICE = "choice"  # the chosen choice's id: "12"
    MULTIPLE = "multiple"  # the chosen choices' ids, comma-separated in ascending order: "12,15"
    YES_NO = "yes_no"  # "yes" or "no"
    NUMBER = "number"  # a decimal number: "3", "1.5"
    DATE = "date"  # an ISO date: "2027-03-01"


KIND_LABELS = {
    Kind.TEXT.value: _l("Short text"),
    Kind.LONG_TEXT.value: _l("Long text"),
    Kind.CHOICE.value: _l("Single choice"),
    Kind.MULTIPLE.value: _l("Multiple choice"),
    Kind.YES_NO.value: _l("Yes or no"),
    Kind.NUMBER.value: _l("Number"),
    Kind.DATE.value: _l("Date"),
}
WITH_CHOICES = (Kind.CHOICE.value, Kind.MULTIPLE.value)


class Role(str, enum.Enum):
    """What an answer means to the app: the profile prefills it, the venue's
    security list and the caterer's list place it. At most one question per role and event."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    ORGANIZATION = "organization"
    DIET = "diet"


ROLE_LABELS = {
    Role.FIRST_NAME.value: _l("First name (as on an identity document)"),
    Role.LAST_NAME.value: _l("Last name (as on an identity document)"),
    Role.ORGANIZATION.value: _l("Organization"),
    Role.DIET.value: _l("Diet"),
}


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        one_of("kind", Kind, name="kind_known"),
        one_of("role", Role, name="role_known", nullable=True),
        partial_index(
            "uq_question_role", "event_id", "role", where="role IS NOT NULL AND retired_at IS NULL", unique=True
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    # NULL: asked of every category.
    category_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_category.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(16))
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    help_fr: Mapped[str] = mapped_column(String(500), default="")
    help_en: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(default=False)
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Why a sensitive answer is asked, shown beside the question.
    purpose_fr: Mapped[str] = mapped_column(String(300), default="")
    purpose_en: Mapped[str] = mapped_column(String(300), default="")
    role: Mapped[str | None] = mapped_column(String(16))
    # Removed after answers were given: no longer asked, the answers kept.
    retired_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    choices: Mapped[list["Choice"]] = relationship(
        order_by="Choice.position, Choice.id", cascade="all, delete-orphan", back_populates="question"
    )
    event = relationship("Event")
    category = relationship("Category")

    @property
    def label(self) -> str:
        return in_reader_language(self.label_fr, self.label_en)

    @property
    def help(self) -> str:
        return in_reader_language(self.help_fr, self.help_en)

    @property
    def purpose(self) -> str:
        return in_reader_language(self.purpose_fr, self.purpose_en)

    @property
    def live_choices(self) -> list["Choice"]:
        return [choice for choice in self.choices if not choice.retired]

    def __repr__(self) -> str:
        return f"<Question {self.id} event={self.event_id} {self.kind}>"


class Choice(db.Model):
    __tablename__ = "question_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label_fr: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200), default="")
    # No longer offered; the answers that chose it still read its label.
    retired: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    question: Mapped[Question] = relationship(back_populates="choices")

    @property
    def label(self) -> str:
        return in_reader_language(self.label_fr, self.label_en)


class Answer(db.Model):
    __tablename__ = "answer"
    __table_args__ = (Index("uq_answer", "registration_id", "question_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    # NULL once the purge detached a sensitive choice from its person (the count stays).
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    question: Mapped[Question] = relationship()
