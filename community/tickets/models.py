"""Ticket categories: the kinds of seat an event hands out ("Grand public", "Intervenant·e", "Presse"...).

Every event has at least one category (events/models.py gives a new event its
first). The event's capacity stays the hard total; a category may add its own
quota within it, and may hold its seats back ("reserve" them) until a release
date, so that only those it admits can take them.

The counters are moved by the seat engine only (registrations/seat_count.py):
- `taken`: seats of this category taken (confirmed or held for a guest);
- `reserving`: the unused seats of the quota are held back right now, counted
  in Event.reserved_count; false once released.
CHECK constraints keep `taken` within the quota.
"""

import enum
import re
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import CheckConstraint

from community.core.clock import as_utc, utcnow
from community.core.database import not_negative, one_of
from community.core.extensions import db
from community.core.i18n import in_reader_language


class Admits(str, enum.Enum):
    EVENT = "event"  # anyone the event admits (guests too, on a public event)
    MEMBERS = "members"  # confirmed members
    GROUPS = "groups"  # active members of the chosen working groups
    CODE = "code"  # holders of an invitation code


ADMITS_LABELS = {
    Admits.EVENT.value: _l("Anyone the event admits"),
    Admits.MEMBERS.value: _l("Confirmed members"),
    Admits.GROUPS.value: _l("Members of chosen working groups"),
    Admits.CODE.value: _l("Holders of an invitation code"),
}


# A category's colour on badges and the door list, written #rrggbb; a new category takes the
# next of these by its position, distinct from its neighbours and readable under black or white text.
PALETTE = ("#1f6feb", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#6e7781")
COLOUR = re.compile(r"#[0-9a-f]{6}")


def palette_colour(position: int) -> str:
    return PALETTE[position % len(PALETTE)]


def is_colour(text: str) -> bool:
    return COLOUR.fullmatch(text or "") is not None


def _colour_by_position(context) -> str:
    """The column's default on INSERT: the palette's colour at the category's position."""
    return palette_colour(context.get_current_parameters().get("position") or 0)


category_groups = Table(
    "ticket_category_group",
    db.metadata,
    Column("category_id", ForeignKey("ticket_category.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("working_group.id"), primary_key=True),
)


class Category(db.Model):
    __tablename__ = "ticket_category"
    __table_args__ = (
        not_negative("quota", "quota_not_negative", nullable=True),
        not_negative("taken", "taken_not_negative"),
        CheckConstraint("quota IS NULL OR taken <= quota", name="within_quota"),
        one_of("admits", Admits, name="admits_known"),
        CheckConstraint("NOT reserving OR quota IS NOT NULL", name="reserve_has_quota"),
        Index("uq_ticket_category_name", "event_id", "name_fr", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name_fr: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    colour: Mapped[str] = mapped_column(String(7), default=_colour_by_position)
    description_fr: Mapped[str] = mapped_column(String(300), default="")
    description_en: Mapped[str] = mapped_column(String(300), default="")
    # NULL: no limit of its own, only the event's capacity.
    quota: Mapped[int | None] = mapped_column()
    taken: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Listed on the event page, or hidden: reachable with an invitation code only.
    listed: Mapped[bool] = mapped_column(default=True)
    admits: Mapped[str] = mapped_column(String(16), default=Admits.EVENT.value)
    reserving: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # When the reserved seats not taken go back to everyone; NULL: when registration closes.
    reserved_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    event = relationship("Event", back_populates="categories")
    groups = relationship("WorkingGroup", secondary=category_groups, order_by="WorkingGroup.name")

    @classmethod
    def general(cls, position: int = 0) -> "Category":
        """The category every new event starts with: everyone the event admits, no quota of its own."""
        return cls(name_fr="Entrée générale", name_en="General admission", position=position, taken=0)

    @property
    def name(self) -> str:
        return in_reader_language(self.name_fr, self.name_en)

    @property
    def description(self) -> str:
        return in_reader_language(self.description_fr, self.description_en)

    @property
    def held_back(self) -> int:
        """Seats of the quota held back for this category now (its share of Event.reserved_count)."""
        return max(self.quota - self.taken, 0) if self.reserving else 0

    def seats_left(self, event) -> int | None:
        """Seats still open in this category: its quota, and the event's free seats unless
        they are held back for it. None: no limit."""
        limits = []
        if self.quota is not None:
            limits.append(self.quota - self.taken)
        if not self.reserving and event.capacity is not None:
            limits.append(event.capacity - event.confirmed_count - event.reserved_count)
        return max(min(limits), 0) if limits else None

    def __repr__(self) -> str:
        return f"<Category {self.id} event={self.event_id} {self.name_fr!r}>"


# Letters and digits read aloud and typed without mistakes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    """12 random characters in three groups (31^12, about 2^59: unguessable, attempts are rate-limited)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalized_code(typed: str) -> str:
    """What a person typed, as stored: capitals, the groups separated by dashes, spaces ignored."""
    chars = "".join(c for c in (typed or "").upper() if c.isalnum())[:12]
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


class InvitationCode(db.Model):
    """A code that lets its holder register in one category, `uses_allowed` times.

    `uses` is moved by the seat engine only (registrations/seat_count.py): taken
    with the registration in one transaction, given back when it is cancelled.
    Revoking a code stops new uses; registrations made with it stay."""

    __tablename__ = "invitation_code"
    __table_args__ = (
        CheckConstraint("uses_allowed >= 1", name="allows_a_use"),
        not_negative("uses", "uses_not_negative"),
        CheckConstraint("uses <= uses_allowed", name="within_uses"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("ticket_category.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, default=new_code)
    uses_allowed: Mapped[int] = mapped_column(default=1)
    uses: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    expires_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The address it was mailed to from the dashboard, if it was.
    sent_to: Mapped[str] = mapped_column(String(254), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)

    category = relationship(Category)

    @property
    def uses_left(self) -> int:
        return max(self.uses_allowed - self.uses, 0)

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and as_utc(self.expires_at) <= now

    def __repr__(self) -> str:
        return f"<InvitationCode {self.code} category={self.category_id} {self.uses}/{self.uses_allowed}>"
