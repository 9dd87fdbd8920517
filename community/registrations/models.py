"""Registrations: a person's seat, held seat or place in line at one event."""

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_pgettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import as_utc, utcnow
from community.core.database import partial_index
from community.core.extensions import db
from community.events.models import Event
from community.tickets.models import Category, InvitationCode


class RegistrationStatus(str, enum.Enum):
    HELD = "held"  # a guest's seat, until they follow the mailed link
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"


HELD, CONFIRMED, WAITING, CANCELLED = (status.value for status in RegistrationStatus)
# Statuses that occupy a seat (counted in Event.confirmed_count).
SEATED = (HELD, CONFIRMED)
LIVE = (HELD, CONFIRMED, WAITING)

# Every change of status a registration may make (None: a new registration).
# Registration.move checks it; registrations/seats.py is its only caller.
TRANSITIONS = {
    None: {HELD, CONFIRMED, WAITING},
    HELD: {CONFIRMED, CANCELLED},  # the guest proves their email | the hold ran out or was given up
    WAITING: {CONFIRMED, HELD, CANCELLED},  # promoted (a guest still proves their email) | gave up
    CONFIRMED: {CANCELLED},
    CANCELLED: set(),
}


# What a status is called on the pages.
STATUS_LABELS = {
    CONFIRMED: lazy_pgettext("registration status", "Confirmed"),
    HELD: lazy_pgettext("registration status", "Seat held"),
    WAITING: lazy_pgettext("registration status", "Waiting list"),
    CANCELLED: lazy_pgettext("registration status", "Cancelled"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


class StatusChangeRefused(ValueError):
    """A status change the table does not allow: a bug in the caller, not a user's mistake."""


def new_ticket_code() -> str:
    return secrets.token_urlsafe(12)


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
        partial_index(
            "uq_registration_live_member",
            "event_id",
            "member_id",
            unique=True,
            where="status != 'cancelled' AND member_id IS NOT NULL",
        ),
        partial_index(
            "uq_registration_live_guest",
            "event_id",
            "guest_email",
            unique=True,
            where="status != 'cancelled' AND guest_email IS NOT NULL",
        ),
        # Partial indexes, one per question the seat engine asks on every click; each
        # serves only its question (status_is() below), so that no planner, with the
        # stale statistics of a table filling up in a rush, walks one of them to find
        # a member's registration (uq_registration_live_member's job).
        # The waiting list, in its order (first come, first served):
        partial_index("ix_registration_queue", "event_id", "line_number", where="status = 'waiting'"),
        # Guests' held seats, by when they run out:
        partial_index("ix_registration_holds", "event_id", "hold_expires_at", where="status = 'held'"),
        # No two people of an event ever have the same place number.
        partial_index(
            "uq_registration_line_number", "event_id", "line_number", unique=True, where="line_number IS NOT NULL"
        ),
        Index("ix_registration_member", "member_id", "status"),
        # A guest's unconfirmed registrations, by the client address they came from
        # (guest_holds.py caps them per address and event).
        partial_index("ix_registration_client", "event_id", "client_key", where="client_key IS NOT NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    # The ticket category asked for (and, once seated, the one whose seat it holds).
    # A category with registrations is never deleted (tickets/services.py refuses).
    category_id: Mapped[int] = mapped_column(ForeignKey("ticket_category.id"), index=True)
    # The invitation code it was made with; a use of the code while the registration is live.
    code_id: Mapped[int | None] = mapped_column(ForeignKey("invitation_code.id", ondelete="SET NULL"), index=True)
    # Account deletion must call services.forget_member() first (it frees the seats).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    guest_name: Mapped[str | None] = mapped_column(String(120))
    guest_email: Mapped[str | None] = mapped_column(String(254))
    guest_organization: Mapped[str] = mapped_column(String(160), default="")
    # The language mails to this person are written in (a guest has no profile).
    language: Mapped[str] = mapped_column(String(8), default="fr")
    # A guest's client address, as a keyed hash (guest_holds.client_key), never the address:
    # enough to count one connection's unconfirmed registrations. Erased with the guest's data.
    client_key: Mapped[str | None] = mapped_column(String(64))
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
    # The number the person took on joining the waiting list (Event.line_taken): the
    # list's order. Kept once they leave it; never given twice within the event.
    line_number: Mapped[int | None] = mapped_column()
    anonymized_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    # The check-in code held by the QR ticket; random, never derived from the id.
    ticket_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_ticket_code)

    # Loaded on use (a get by primary key, often from the identity map): the
    # registration path reads registrations without them; list pages ask for
    # them with selectinload / contains_eager.
    event: Mapped[Event] = relationship()
    category: Mapped[Category] = relationship()
    code: Mapped[InvitationCode | None] = relationship()
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

    def holds_seat_at(self, now: datetime) -> bool:
        """A guest's held seat that has not run out."""
        return self.status == HELD and as_utc(self.hold_expires_at) > now

    def start(self, status: str, now: datetime, hold_until: datetime | None = None) -> None:
        """The first status of a registration not committed yet, every stamp cleared (the
        seat engine may write it with one outcome and correct it under the lock)."""
        self._change(None, status, now, hold_until)

    def move(self, status: str, now: datetime, hold_until: datetime | None = None) -> None:
        """Change the status as TRANSITIONS allows, stamping when it happened."""
        self._change(self.status, status, now, hold_until)

    def _change(self, current: str | None, status: str, now: datetime, hold_until: datetime | None) -> None:
        if status not in TRANSITIONS[current]:
            raise StatusChangeRefused(f"a registration cannot go from {current} to {status}")
        if current is None:
            self.confirmed_at = self.hold_expires_at = self.waitlisted_at = self.promoted_at = None
            self.line_number = None
        elif current == WAITING and status != CANCELLED:
            self.promoted_at = now
        if status == CONFIRMED:
            self.confirmed_at = now
        elif status == HELD:
            self.hold_expires_at = hold_until
        elif status == WAITING:
            self.waitlisted_at = now
        else:
            self.cancelled_at = now
        self.status = status

    def __repr__(self) -> str:
        return f"<Registration {self.id} event={self.event_id} {self.status}>"


def written(status: str):
    """A status as SQL text, not a bound value: the partial indexes above serve only a query
    whose condition names their status (SQLite, and PostgreSQL's cached plans, cannot see
    through a bound value)."""
    if status not in STATUS_LABELS:
        raise ValueError(status)
    return literal_column(f"'{status}'")


def status_is(status: str, registrations=Registration):
    """`status = '<status>'`, written out (see written())."""
    return registrations.status == written(status)
