"""Announcements from a group's leads to its members, by mail, and the one-click unsubscribe.

Sent once per form (the idempotency key), through the outbox in each member's
language; the caller commits."""

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from community.core import audit, locking
from community.core.extensions import db
from community.groups.models import Announcement, GroupMembership, MembershipStatus, WorkingGroup
from community.groups.services import GroupError, require_moderator
from community.mail.outbox import email_member, external_url
from community.members import tokens
from community.members.models import Member

UNSUBSCRIBE = "group-unsubscribe"
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 24 * 3600  # an old mail's link should still work


def unsubscribe_token(member_id: int, group_id: int) -> str:
    return tokens.make(UNSUBSCRIBE, {"m": member_id, "g": group_id})


def read_unsubscribe_token(token: str) -> GroupMembership | None:
    """The membership the link was made for; None when the member has left since."""
    payload = tokens.read(UNSUBSCRIBE, token, UNSUBSCRIBE_MAX_AGE)
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.member_id == payload.get("m"),
            GroupMembership.group_id == payload.get("g"),
        )
    )


def unsubscribe(membership: GroupMembership) -> None:
    """The one-click link: no login, the signed token was the proof. Idempotent."""
    membership.announcements_opt_out = True


def _recipients(group: WorkingGroup):
    """Active members in good standing who have not opted out."""
    return (
        select(Member)
        .join(GroupMembership, GroupMembership.member_id == Member.id)
        .where(
            GroupMembership.group_id == group.id,
            GroupMembership.status == MembershipStatus.ACTIVE.value,
            GroupMembership.announcements_opt_out.is_(False),
            Member.suspended_at.is_(None),
            Member.confirmed_at.is_not(None),
        )
    )


def announcement_recipients(group: WorkingGroup) -> list[Member]:
    return list(db.session.scalars(_recipients(group).order_by(Member.id)))


def count_announcement_recipients(group: WorkingGroup) -> int:
    return db.session.scalar(select(func.count()).select_from(_recipients(group).subquery()))


def announce(
    actor: Member, group: WorkingGroup, *, subject: str, body: str, idempotency_key: str
) -> tuple[Announcement, bool]:
    """Archive the announcement and queue one mail per active member who has not opted out.

    Returns (announcement, created). A second submit with the same key returns the
    first announcement and queues nothing.
    """
    require_moderator(actor, group)
    if group.is_archived:
        raise GroupError(_l("This group is archived: it sends no announcements."))
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body or not idempotency_key:
        raise GroupError(_l("An announcement needs a subject and a text."))
    if len(subject) > 200 or len(idempotency_key) > 64:
        raise GroupError(_l("The subject is too long: 200 characters at most."))
    existing = db.session.scalar(select(Announcement).where(Announcement.idempotency_key == idempotency_key))
    if existing is not None:
        return existing, False
    # One statement, no savepoint (see _insert): the key's unique index decides between
    # two simultaneous submits, and the row commits or rolls back with its mails.
    locking.before_writes()
    statement = (
        locking.insert_ignoring_conflict(Announcement, index_elements=[Announcement.idempotency_key])
        .values(group_id=group.id, author_id=actor.id, subject=subject, body=body, idempotency_key=idempotency_key)
        .returning(Announcement)
    )
    announcement = db.session.scalars(statement).first()
    if announcement is None:
        # The other submit won the race; it sends the mail.
        return db.session.scalar(select(Announcement).where(Announcement.idempotency_key == idempotency_key)), False
    recipients = announcement_recipients(group)
    for member in recipients:
        _queue_announcement(announcement, group, member)
    announcement.recipients_count = len(recipients)
    audit.record(actor, "group.announcement_sent", group, announcement_id=announcement.id, recipients=len(recipients))
    return announcement, True


def _queue_announcement(announcement: Announcement, group: WorkingGroup, member: Member) -> None:
    unsubscribe_url = external_url("groups.unsubscribe", token=unsubscribe_token(member.id, group.id))
    email_member(
        member,
        "group_announcement",
        subject=lambda: f"[{group.name}] {announcement.subject}",
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<{group.slug}.groups.{_list_domain()}>",
        },
        dedupe_key=f"announcement:{announcement.id}:{member.id}",
        group=group,
        announcement=announcement,
        unsubscribe_url=unsubscribe_url,
        group_url=external_url("groups.detail", slug=group.slug),
    )


def _list_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
