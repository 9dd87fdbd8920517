"""Events and registrations.

`Event.confirmed_count` is the number of seats taken: confirmed registrations
plus held guest seats. It only moves through events/services.py, by conditional
UPDATE statements, and a CHECK keeps it within the capacity whatever happens.
"""
import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.clock import as_utc, utcnow
from community.extensions import db


class EventStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Visibility(str, enum.Enum):
    PUBLIC = "public"    # guests may register
    MEMBERS = "members"  # confirmed members only
    GROUP = "group"      # members of one working group only


class RegistrationStatus(str, enum.Enum):
    """held -> confirmed (guest proves email) | cancelled (hold expired or given up)
    waiting -> confirmed (member promoted) | held (guest promoted) | cancelled
    confirmed -> cancelled"""

    HELD = "held"
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


# Statuses that occupy a seat (counted in Event.confirmed_count).
SEATED = (RegistrationStatus.HELD.value, RegistrationStatus.CONFIRMED.value)
LIVE = (RegistrationStatus.HELD.value, RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value)


def new_ticket_code() -> str:
    return secrets.token_urlsafe(12)


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="within_capacity"),
        CheckConstraint("confirmed_count >= 0", name="count_not_negative"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status_known"),
        CheckConstraint("visibility IN ('public', 'members', 'group')", name="visibility_known"),
        CheckConstraint("visibility != 'group' OR group_id IS NOT NULL", name="group_given"),
        Index("ix_event_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    # NULL means unlimited.
    capacity: Mapped[int | None] = mapped_column()
    confirmed_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    registration_opens_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    # Groups are archived, never deleted, so no ON DELETE action.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"), index=True)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.DRAFT.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    @property
    def seats_left(self) -> int | None:
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed_count >= self.capacity

    @property
    def is_published(self) -> bool:
        return self.status == EventStatus.PUBLISHED.value

    @property
    def is_draft(self) -> bool:
        return self.status == EventStatus.DRAFT.value

    @property
    def is_cancelled(self) -> bool:
        return self.status == EventStatus.CANCELLED.value

    def is_past(self, now: datetime) -> bool:
        return as_utc(self.ends_at) < now

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.slug}>"


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (
        CheckConstraint("status IN ('held', 'confirmed', 'waiting', 'cancelled')", name="status_known"),
        # An anonymized registration (account deleted, guest data purged) keeps
        # its place in the counts and history without naming anyone.
        CheckConstraint(
            "member_id IS NOT NULL OR guest_email IS NOT NULL OR anonymized_at IS NOT NULL", name="has_person"
        ),
        CheckConstraint("status != 'held' OR hold_expires_at IS NOT NULL", name="hold_has_expiry"),
        # One live registration per person and event: a double click is harmless.
        Index(
            "uq_registration_live_member", "event_id", "member_id", unique=True,
            sqlite_where=text("status != 'cancelled' AND member_id IS NOT NULL"),
            postgresql_where=text("status != 'cancelled' AND member_id IS NOT NULL"),
        ),
        Index(
            "uq_registration_live_guest", "event_id", "guest_email", unique=True,
            sqlite_where=text("status != 'cancelled' AND guest_email IS NOT NULL"),
            postgresql_where=text("status != 'cancelled' AND guest_email IS NOT NULL"),
        ),
        # The waiting list is read in this order (first come, first served).
        Index("ix_registration_queue", "event_id", "status", "created_at", "id"),
        Index("ix_registration_member", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    # Account deletion must call services.forget_member() first (it frees the seats).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    guest_organization: Mapped[str] = mapped_column(String(160), default="")
    # The language mails to this person are written in (a guest has no profile).
    language: Mapped[str] = mapped_column(String(8), default="fr")
    status: Mapped[str] = mapped_column(String(16))
    hold_expires_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # When the person joined the waiting list and when they left it for a seat:
    # the dashboard's chart of the waiting list over time is drawn from these.
    waitlisted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    promoted_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    anonymized_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The check-in code held by the QR ticket; random, never derived from the id.
    ticket_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_ticket_code)

    # Loaded on use (a get by primary key, often from the identity map): the
    # registration path reads registrations without them; list pages ask for
    # them with selectinload / contains_eager.
    event: Mapped[Event] = relationship()
    member = relationship("Member")

    @property
    def name(self) -> str:
        return self.member.display_name if self.member is not None else (self.guest_name or "")

    @property
    def email(self) -> str:
        return self.member.email if self.member is not None else (self.guest_email or "")

    @property
    def is_guest(self) -> bool:
        return self.member_id is None

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def is_seated(self) -> bool:
        return self.status in SEATED

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


class StaffRole(str, enum.Enum):
    ORGANIZER = "organizer"  # runs this event like its creator does
    STEWARD = "steward"      # checks people in at the door, nothing else


class EventStaff(db.Model):
    """Someone an organizer named for one event (events/permissions.py reads it)."""

    __tablename__ = "event_staff"
    __table_args__ = (
        CheckConstraint("role IN ('organizer', 'steward')", name="role_known"),
        Index("uq_event_staff_member", "event_id", "member_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    member = relationship("Member", foreign_keys=[member_id])


class CheckIn(db.Model):
    """A person let in at the door. A row per check-in, not a flag: who let them
    in, when and at which gate; an undo keeps the row and stamps it. At most one
    check-in per registration is not undone (a unique index), so a double scan
    is harmless and can be reported."""

    __tablename__ = "check_in"
    __table_args__ = (
        Index(
            "uq_check_in_active", "registration_id", unique=True,
            sqlite_where=text("undone_at IS NULL"), postgresql_where=text("undone_at IS NULL"),
        ),
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


class MessageAudience(str, enum.Enum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"


class EventMessage(db.Model):
    """A message an organizer sent to some of an event's people, kept on the dashboard."""

    __tablename__ = "event_message"
    __table_args__ = (
        CheckConstraint(
            "audience IN ('confirmed', 'waiting', 'checked_in', 'not_checked_in')", name="audience_known"
        ),
    )

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
