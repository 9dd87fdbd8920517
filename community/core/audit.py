"""The audit log: who did what to which object, and when.

Call `record` inside the transaction of the action, so the entry and the change
commit or roll back together. Pass ids and facts, never names or emails."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.core.clock import utcnow
from community.core.extensions import db


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


# Every action the log knows, with the label its page shows.
ACTIONS = {
    "member.role_changed": _l("Role changed"),
    "member.suspended": _l("Account suspended"),
    "member.reactivated": _l("Account reactivated"),
    "member.confirmation_resent": _l("Confirmation mail sent again"),
    "member.deleted": _l("Account deleted"),
    "event.created": _l("Event created"),
    "event.updated": _l("Event edited"),
    "event.published": _l("Event published"),
    "event.cancelled": _l("Event cancelled"),
    "event.capacity_changed": _l("Capacity changed"),
    "event.staff_added": _l("Event staff named"),
    "event.staff_removed": _l("Event staff removed"),
    "event.message_sent": _l("Message sent to attendees"),
    "event.holds_released": _l("Unconfirmed guest holds released"),
    "category.added": _l("Ticket category added"),
    "category.changed": _l("Ticket category edited"),
    "category.deleted": _l("Ticket category deleted"),
    "category.released": _l("Reserved seats released"),
    "question.added": _l("Registration question added"),
    "question.changed": _l("Registration question edited"),
    "question.moved": _l("Registration question moved"),
    "question.removed": _l("Registration question removed"),
    "codes.created": _l("Invitation codes made"),
    "code.revoked": _l("Invitation code withdrawn"),
    "registration.category_moved": _l("Registration moved to another category"),
    "registration.cancelled_by_organizer": _l("Registration cancelled by an organizer"),
    "registration.promoted_by_hand": _l("Waiting person promoted by hand"),
    "registration.added_by_hand": _l("Person added by hand"),
    "registration.confirmation_resent": _l("Confirmation sent again"),
    "checkin.undone": _l("Check-in undone"),
    "group.created": _l("Group created"),
    "group.updated": _l("Group edited"),
    "group.member_approved": _l("Group member approved"),
    "group.member_refused": _l("Group request refused"),
    "group.member_removed": _l("Group member removed"),
    "group.lead_changed": _l("Group lead changed"),
    "group.announcement_sent": _l("Announcement sent"),
    "export.attendees": _l("Attendee list exported"),
    "export.security_list": _l("Venue security list exported"),
    "export.catering": _l("Catering list exported"),
    "export.members": _l("Member list exported"),
    "export.group_members": _l("Group member list exported"),
    "export.door_list": _l("Door list printed as PDF"),
    "export.badges": _l("Badges printed as PDF"),
    "mail.retried": _l("Mail retried"),
    "mail.retried_in_bulk": _l("Failed mails retried"),
    "data.purged": _l("Old personal data purged"),
}


def record(actor, action: str, obj=None, *, event_id: int | None = None, **changes) -> AuditEntry:
    """Add one entry for `actor` (a Member, or None for the system) doing `action` on `obj`.

    `obj` is a model instance with an id (flush first if it is new), or None.
    `changes` are JSON-able facts: {"capacity": [450, 460]}, format="csv" ..."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS")
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=obj.id if obj is not None else None,
        event_id=event_id,
        changes=changes,
    )
    db.session.add(entry)
    return entry


def label(action: str) -> str:
    return str(ACTIONS.get(action, action))
