"""Check-ins at the door."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.database import partial_index
from community.core.extensions import db
from community.registrations.models import Registration


class CheckIn(db.Model):
    """A person let in at the door. A row per check-in, not a flag: who let them
    in, when and at which gate; an undo keeps the row and stamps it. At most one
    check-in per registration is not undone (a unique index), so a double scan
    is harmless and can be reported."""

    __tablename__ = "check_in"
    __table_args__ = (
        partial_index("uq_check_in_active", "registration_id", unique=True, where="undone_at IS NULL"),
        Index("ix_check_in_event", "event_id", "undone_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    checked_in_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    checked_in_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The door or device, as the steward named it on the check-in page.
    gate: Mapped[str] = mapped_column(String(80), default="")
    undone_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    steward = relationship("Member", foreign_keys=[checked_in_by])
