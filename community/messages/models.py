"""Messages from an event's organizers to its people."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.database import one_of
from community.core.extensions import db


class MessageAudience(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"


class EventMessage(db.Model):
    """A message an organizer sent to some of an event's people, kept on the dashboard."""

    __tablename__ = "event_message"
    __table_args__ = (one_of("audience", MessageAudience, name="audience_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    audience: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # The form's one-time key: a double submit finds it taken and sends nothing more.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    author = relationship("Member", foreign_keys=[author_id])
