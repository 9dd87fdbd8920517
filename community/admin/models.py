"""The audit log: who did what to which object, and when."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.clock import utcnow
from community.extensions import db


class AuditEntry(db.Model):
    """One organizer or admin action. Entries name people by id, never by name
    or email: deleting an account leaves no personal data here, and the log page
    looks the names up while they exist."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_action_created", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, index=True)
    # NULL: the system (a cron command) or an account deleted since.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[int | None] = mapped_column()
    # Lets an event's page show its history (manual promotions, capacity changes ...).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    # {"field": [before, after]} or plain facts ({"format": "csv", "status": "confirmed"}).
    changes: Mapped[dict] = mapped_column(db.JSON, default=dict)

    actor = relationship("Member", foreign_keys=[actor_id])
