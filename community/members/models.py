"""Member accounts."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, text
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
    # Raised to give the personal calendar feed a new address (members/calendar_link.py).
    calendar_key: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    suspended_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    # The device session of this request (members/devices.py), and its token in clear:
    # set at login and by the user loader, never stored on the member's row.
    login_session = None
    login_token = ""

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and signs into the remember-me cookie:
        both stop working when the password changes (session_version) or when this
        device's session ends (its token no longer matches a row of login_session)."""
        return f"{self.id}:{self.session_version}:{self.login_token}"

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


class LoginSession(db.Model):
    """One device's login: its session and remember-me cookie carry the token, the row
    keeps only its SHA-256. Deleting the row ends both for good (members/devices.py)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # An approximate name ("Firefox on Linux"), never the whole User-Agent.
    browser: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)


class LoginThrottle(db.Model):
    """Failed logins of one account since `window_started_at`: from one client (an address,
    or a device that logged in before), or from everywhere (client "*"). members/throttle.py"""

    __tablename__ = "login_throttle"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    last_failed_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
