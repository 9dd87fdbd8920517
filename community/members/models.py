"""Member accounts."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community.core.clock import utcnow
from community.core.extensions import db


class Role(str, enum.Enum):
    MEMBER = "member"
    ORGANIZER = "organizer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ["member", "organizer", "admin"].index(self.value)


class Member(UserMixin, db.Model):
    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("role IN ('member', 'organizer', 'admin')", name="role_known"),
        CheckConstraint("email = lower(trim(email))", name="email_normalized"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored trimmed and case-folded; unique on that form.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    organization: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    directory_visible: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    # Bumped on password change: old sessions and remember-me cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Failures older than LOGIN_LOCK_MINUTES are forgotten: a typo a week ago does not count.
    last_failed_login_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    suspended_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_active(self) -> bool:
        return self.suspended_at is None

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank

    @property
    def is_organizer(self) -> bool:
        return self.has_role(Role.ORGANIZER)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"
