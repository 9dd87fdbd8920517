"""Events and the people named to run them.

`Event.confirmed_count` is the number of seats taken: confirmed registrations
plus held guest seats; `Event.reserved_count` the seats held back for reserved
ticket categories (tickets/models.py), not taken yet. Only the seat engine moves
them (registrations/seats.py, through the conditional UPDATEs of seat_count.py),
and a CHECK keeps both together within the capacity.

`Event.waiting_count` is the number of people on the waiting list and
`Event.line_taken` the last place number given in it (it only grows): a
newcomer's place in line is read from the UPDATE that moves both, never counted.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from community.core.clock import as_utc, utcnow
from community.core.database import not_negative, one_of
from community.core.extensions import db
from community.tickets.models import Category


class EventStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Visibility(str, enum.Enum):
    PUBLIC = "public"  # guests may register
    MEMBERS = "members"  # confirmed members only
    GROUP = "group"  # members of one working group only


# The bounds of a guest's hold an organizer may set: long enough to open a mail, short
# enough that an unproven address cannot keep a seat from others for long.
HOLD_MINUTES_MIN, HOLD_MINUTES_MAX = 5, 24 * 60


class Event(db.Model):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint("capacity IS NULL OR confirmed_count <= capacity", name="within_capacity"),
        not_negative("confirmed_count", "count_not_negative"),
        CheckConstraint("capacity IS NULL OR confirmed_count + reserved_count <= capacity", name="within_reserve"),
        not_negative("reserved_count", "reserve_not_negative"),
        not_negative("waiting_count", "waiting_not_negative"),
        not_negative("capacity", "capacity_not_negative", nullable=True),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        one_of("status", EventStatus, name="status_known"),
        one_of("visibility", Visibility, name="visibility_known"),
        CheckConstraint("visibility != 'group' OR group_id IS NOT NULL", name="group_given"),
        CheckConstraint(
            f"guest_hold_minutes IS NULL OR guest_hold_minutes BETWEEN {HOLD_MINUTES_MIN} AND {HOLD_MINUTES_MAX}",
            name="guest_hold_minutes_range",
        ),
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
    reserved_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    waiting_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    line_taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # The calendar entry's SEQUENCE: raised by one at each change a calendar shows, never lowered.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    registration_opens_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    registration_closes_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC.value)
    # Groups are archived, never deleted, so no ON DELETE action.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("working_group.id"), index=True)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    # How long a guest's seat is held for them to confirm by mail; None: GUEST_HOLD_MINUTES.
    guest_hold_minutes: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.DRAFT.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))

    categories: Mapped[list[Category]] = relationship(
        order_by=(Category.position, Category.id),
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="event",
    )
    # Whether the event asks questions at registration, when read with it (questions/answers.py:
    # asks_any(), one query less per registration); None when not read.
    asks_questions: Mapped[bool | None] = query_expression()

    def __init__(self, **fields):
        fields.setdefault("confirmed_count", 0)
        fields.setdefault("reserved_count", 0)
        fields.setdefault("waiting_count", 0)
        fields.setdefault("line_taken", 0)
        fields.setdefault("calendar_sequence", 0)
        super().__init__(**fields)
        if not self.categories:  # every event has a category to register in
            self.categories.append(Category.general())

    @property
    def has_categories(self) -> bool:
        """More than one ticket category: the pages then say which one each person has."""
        return len(self.categories) > 1

    def category_name(self, category_id: int) -> str:
        """The name of one of its categories, read from the list loaded once (no query per row)."""
        return next((category.name for category in self.categories if category.id == category_id), "")

    @property
    def seats_left(self) -> int | None:
        """Seats open to everyone: neither taken nor held back for a reserved category."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed_count - self.reserved_count, 0)

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0

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


class StaffRole(str, enum.Enum):
    ORGANIZER = "organizer"  # runs this event like its creator does
    STEWARD = "steward"  # checks people in at the door, nothing else


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
