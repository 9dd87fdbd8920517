"""The outbox: every mail is a row written in the transaction that causes it."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.extensions import db


class MailStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # permanent failure, or retried for too long


class OutboxEmail(db.Model):
    __tablename__ = "outbox_email"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        db.Index("ix_outbox_email_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(120), default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    # The event a mail is about: its organizers see how delivery went.
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    template: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(db.JSON, default=dict)
    # A caller-chosen key that makes queueing idempotent (double submit, reruns of cron).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        back_populates="email", cascade="all, delete-orphan", lazy="selectin"
    )
    delivery_attempts: Mapped[list["DeliveryAttempt"]] = relationship(
        back_populates="email", cascade="all, delete-orphan", order_by="DeliveryAttempt.id"
    )


class OutboxAttachment(db.Model):
    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbox_email.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    email: Mapped[OutboxEmail] = relationship(back_populates="attachments")


class DeliveryAttempt(db.Model):
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(ForeignKey("outbox_email.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    ok: Mapped[bool]
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(100), default="")

    email: Mapped[OutboxEmail] = relationship(back_populates="delivery_attempts")
