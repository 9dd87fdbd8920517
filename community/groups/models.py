"""Working groups, their memberships and their announcements."""

import enum
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.extensions import db
from community.core.text import render_text
from community.members.models import Member


class JoinPolicy(str, enum.Enum):
    OPEN = "open"  # a confirmed member joins in one click
    MODERATED = "moderated"  # a member asks; a lead or an admin decides


class MembershipStatus(str, enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"


class GroupRole(str, enum.Enum):
    MEMBER = "member"
    LEAD = "lead"


class WorkingGroup(db.Model):
    __tablename__ = "working_group"
    __table_args__ = (CheckConstraint("join_policy IN ('open', 'moderated')", name="join_policy_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    # Plain text with light formatting; only ever shown through render_text().
    description: Mapped[str] = mapped_column(Text, default="")
    join_policy: Mapped[str] = mapped_column(String(16), default=JoinPolicy.OPEN.value)
    archived_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_moderated(self) -> bool:
        return self.join_policy == JoinPolicy.MODERATED.value

    @property
    def description_html(self) -> Markup:
        return render_text(self.description)

    def __repr__(self) -> str:
        return f"<WorkingGroup {self.slug}>"


class GroupMembership(db.Model):
    __tablename__ = "group_membership"
    __table_args__ = (
        # One membership (pending or active) per member and group: a double click is harmless.
        UniqueConstraint("group_id", "member_id", name="uq_group_membership_group_member"),
        CheckConstraint("status IN ('pending', 'active')", name="status_known"),
        CheckConstraint("role IN ('member', 'lead')", name="role_known"),
        # A lead is always an active member.
        CheckConstraint("role = 'member' OR status = 'active'", name="lead_is_active"),
        db.Index("ix_group_membership_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE.value)
    role: Mapped[str] = mapped_column(String(16), default=GroupRole.MEMBER.value)
    message: Mapped[str] = mapped_column(Text, default="")
    announcements_opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    group: Mapped[WorkingGroup] = relationship()
    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_active(self) -> bool:
        return self.status == MembershipStatus.ACTIVE.value

    @property
    def is_pending(self) -> bool:
        return self.status == MembershipStatus.PENDING.value

    @property
    def is_lead(self) -> bool:
        return self.is_active and self.role == GroupRole.LEAD.value


class Announcement(db.Model):
    __tablename__ = "group_announcement"
    __table_args__ = (db.Index("ix_group_announcement_group", "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_group.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    recipients_count: Mapped[int] = mapped_column(default=0)
    # Carried by the form: a second submit of the same form finds it and sends nothing.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)

    group: Mapped[WorkingGroup] = relationship()
    author: Mapped[Member | None] = relationship()

    @property
    def body_html(self) -> Markup:
        return render_text(self.body)
