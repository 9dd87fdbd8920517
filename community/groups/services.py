"""Working group rules. Plain functions: they take the acting member, never commit,
and raise DomainError (or NotAllowed) with a message fit to show. Moderation and
announcements are recorded in the audit log, in the caller's transaction."""

import re
import unicodedata
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from community.core import audit, locking
from community.core.clock import utcnow
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.core.search import alphabetical
from community.groups.models import (
    Announcement,
    GroupMembership,
    GroupRole,
    JoinPolicy,
    MembershipStatus,
    WorkingGroup,
)
from community.mail.outbox import external_url, queue_email
from community.members import tokens
from community.members.models import Member

UNSUBSCRIBE = "group-unsubscribe"
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 24 * 3600  # an old mail's link should still work
# Paths under /groups/ that are pages, not groups.
RESERVED_SLUGS = {"new", "mine", "directory", "unsubscribe", "members-directory"}


class GroupError(DomainError):
    pass


# ------------------------------------------------------------------ lookups


def membership_of(member: Member | None, group: WorkingGroup) -> GroupMembership | None:
    if member is None or not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(GroupMembership).where(GroupMembership.group_id == group.id, GroupMembership.member_id == member.id)
    )


def is_lead(member: Member | None, group: WorkingGroup) -> bool:
    """Asked of the database every time, so a removed lead loses powers at once."""
    if member is None or not getattr(member, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.group_id == group.id,
                GroupMembership.member_id == member.id,
                GroupMembership.status == MembershipStatus.ACTIVE.value,
                GroupMembership.role == GroupRole.LEAD.value,
            )
        )
        is not None
    )


def can_moderate(member: Member | None, group: WorkingGroup) -> bool:
    """Admins and the group's leads approve, remove, announce and edit the description."""
    if member is None or not getattr(member, "is_authenticated", False) or not member.is_active:
        return False
    return member.is_admin or is_lead(member, group)


def _require_moderator(actor: Member, group: WorkingGroup) -> None:
    if not can_moderate(actor, group):
        raise NotAllowed(_l("Only the group's leads and the administrators can do this."))


def _require_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can do this."))


def _require_open_for_members(member: Member, group: WorkingGroup) -> None:
    if not member.is_confirmed:
        raise GroupError(_l("Please confirm your email address before joining a group."))
    if group.is_archived:
        raise GroupError(_l("This group is archived: it accepts no new members."))


# ------------------------------------------------------------------ groups


def slugify(text: str) -> str:
    """'Juridique & éthique' -> 'juridique-ethique'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def _check_slug(slug: str, group: WorkingGroup | None = None) -> str:
    slug = slugify(slug)
    if not slug or slug in RESERVED_SLUGS:
        raise GroupError(_l("Please choose another short name for the address."))
    taken = db.session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == slug))
    if taken is not None and (group is None or taken != group.id):
        raise GroupError(_l("Another group already uses this address."))
    return slug


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise GroupError(_l("A group needs a name of at most 120 characters."))
    return name


def _check_policy(policy: str) -> str:
    if policy not in {p.value for p in JoinPolicy}:
        raise GroupError(_l("Unknown join policy."))
    return policy


def create_group(
    actor: Member,
    *,
    name: str,
    slug: str = "",
    summary: str = "",
    description: str = "",
    join_policy: str = JoinPolicy.OPEN.value,
) -> WorkingGroup:
    _require_admin(actor)
    name = _check_name(name)
    group = WorkingGroup(
        name=name,
        slug=_check_slug(slug or name),
        summary=summary.strip()[:300],
        description=description.strip(),
        join_policy=_check_policy(join_policy),
    )
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "group.created", group)
    return group


def update_group(
    actor: Member,
    group: WorkingGroup,
    *,
    summary: str,
    description: str,
    name: str | None = None,
    slug: str | None = None,
    join_policy: str | None = None,
) -> None:
    """Leads edit the summary and description; name, address and policy are the admins'."""
    _require_moderator(actor, group)
    if (name is not None or slug is not None or join_policy is not None) and not actor.is_admin:
        raise NotAllowed(_l("Only administrators can change a group's name, address or join policy."))
    before = {"name": group.name, "slug": group.slug, "join_policy": group.join_policy, "summary": group.summary}
    old_description = group.description
    group.summary, group.description = summary.strip()[:300], description.strip()
    if name is not None:
        group.name = _check_name(name)
    if slug is not None:
        group.slug = _check_slug(slug, group)
    if join_policy is not None:
        group.join_policy = _check_policy(join_policy)
    # Short fields before and after; the description, which may be long, only "changed".
    changes = {key: [old, getattr(group, key)] for key, old in before.items() if getattr(group, key) != old}
    if group.description != old_description:
        changes["description_changed"] = True
    if changes:
        audit.record(actor, "group.updated", group, **changes)


def archive_group(actor: Member, group: WorkingGroup) -> None:
    """An archived group stays readable and accepts no new members."""
    _require_admin(actor)
    if group.archived_at is None:
        group.archived_at = utcnow()
        audit.record(actor, "group.updated", group, archived=[False, True])


def unarchive_group(actor: Member, group: WorkingGroup) -> None:
    _require_admin(actor)
    if group.archived_at is not None:
        group.archived_at = None
        audit.record(actor, "group.updated", group, archived=[True, False])


# ------------------------------------------------------------------ membership


def _insert(**values) -> GroupMembership:
    """Add the membership unless the member already has one in the group.

    The unique constraint (group_id, member_id) decides between two simultaneous
    clicks, in one statement: INSERT ... ON CONFLICT DO NOTHING waits for the other
    transaction (PostgreSQL), or the write gate queues it (SQLite). No savepoint: on
    SQLite the driver opens no transaction before SAVEPOINT, so RELEASE would commit
    the membership even if the caller's transaction later rolls back."""
    locking.before_writes()
    statement = (
        locking.insert_ignoring_conflict(
            GroupMembership,
            index_elements=[GroupMembership.group_id, GroupMembership.member_id],
        )
        .values(**values)
        .returning(GroupMembership)
    )
    membership = db.session.scalars(statement).first()
    if membership is None:
        raise GroupError(_l("You are already a member of this group or have already asked to join."))
    return membership


def join(member: Member, group: WorkingGroup) -> GroupMembership:
    _require_open_for_members(member, group)
    if group.is_moderated:
        raise GroupError(_l("This group is moderated: send a request to join it."))
    existing = membership_of(member, group)
    if existing is not None:
        if existing.is_active:
            raise GroupError(_l("You are already a member of this group."))
        # The group opened while the request waited: let them in.
        existing.status, existing.decided_at = MembershipStatus.ACTIVE.value, utcnow()
        return existing
    return _insert(group_id=group.id, member_id=member.id, status=MembershipStatus.ACTIVE.value)


def request_to_join(member: Member, group: WorkingGroup, message: str = "") -> GroupMembership:
    _require_open_for_members(member, group)
    if not group.is_moderated:
        raise GroupError(_l("This group is open: join it directly."))
    existing = membership_of(member, group)
    if existing is not None:
        if existing.is_active:
            raise GroupError(_l("You are already a member of this group."))
        raise GroupError(_l("Your request is already waiting for a lead's answer."))
    membership = _insert(
        group_id=group.id,
        member_id=member.id,
        status=MembershipStatus.PENDING.value,
        message=message.strip(),
    )
    _tell_leads_of_request(group, member, membership)
    return membership


def _tell_leads_of_request(group: WorkingGroup, member: Member, membership: GroupMembership) -> None:
    for lead in leads_of(group):
        queue_email(
            "group_request",
            to=lead.email,
            to_name=lead.display_name,
            language=lead.language,
            member=lead,
            subject=_l("A request to join %(group)s", group=group.name),
            group=group,
            requester=member,
            message=membership.message,
            review_url=external_url("groups.detail", slug=group.slug, _anchor="requests"),
            dedupe_key=f"group-request:{membership.id}:{lead.id}",
        )


def leave(member: Member, group: WorkingGroup) -> None:
    """Leave the group, or withdraw a pending request."""
    membership = membership_of(member, group)
    if membership is None:
        raise GroupError(_l("You are not a member of this group."))
    db.session.delete(membership)


def _pending(membership: GroupMembership) -> None:
    if not membership.is_pending:
        raise GroupError(_l("This request has already been answered."))


def approve(actor: Member, membership: GroupMembership) -> None:
    group = membership.group
    _require_moderator(actor, group)
    _pending(membership)
    membership.status = MembershipStatus.ACTIVE.value
    membership.decided_at, membership.decided_by_id = utcnow(), actor.id
    audit.record(actor, "group.member_approved", group, member_id=membership.member_id)
    member = membership.member
    queue_email(
        "group_approved",
        to=member.email,
        to_name=member.display_name,
        language=member.language,
        member=member,
        subject=_l("Welcome to %(group)s", group=group.name),
        group=group,
        group_url=external_url("groups.detail", slug=group.slug),
    )


def decline(actor: Member, membership: GroupMembership) -> None:
    """The request disappears, so the member may ask again later."""
    group = membership.group
    _require_moderator(actor, group)
    _pending(membership)
    member = membership.member
    queue_email(
        "group_declined",
        to=member.email,
        to_name=member.display_name,
        language=member.language,
        member=member,
        subject=_l("Your request to join %(group)s", group=group.name),
        group=group,
        group_url=external_url("groups.detail", slug=group.slug),
    )
    audit.record(actor, "group.member_refused", group, member_id=membership.member_id)
    db.session.delete(membership)


def appoint_lead(actor: Member, group: WorkingGroup, member: Member) -> GroupMembership:
    """Admins appoint anyone confirmed; a lead appoints a co-lead among the group's members."""
    _require_moderator(actor, group)
    if not member.is_confirmed:
        raise GroupError(_l("A lead must have confirmed their email address."))
    membership = membership_of(member, group)
    if membership is None or not membership.is_active:
        if not actor.is_admin:
            raise GroupError(_l("Only an active member of the group can become a co-lead."))
        if membership is None:
            membership = _insert(group_id=group.id, member_id=member.id)
        membership.status, membership.decided_at, membership.decided_by_id = (
            MembershipStatus.ACTIVE.value,
            utcnow(),
            actor.id,
        )
    if membership.role != GroupRole.LEAD.value:
        membership.role = GroupRole.LEAD.value
        audit.record(actor, "group.lead_changed", group, member_id=member.id, lead=[False, True])
    return membership


def remove_lead(actor: Member, group: WorkingGroup, member: Member) -> None:
    """The lead stays a member; their powers end with this transaction."""
    _require_admin(actor)
    membership = membership_of(member, group)
    if membership is None or not membership.is_lead:
        raise GroupError(_l("This member is not a lead of the group."))
    membership.role = GroupRole.MEMBER.value
    audit.record(actor, "group.lead_changed", group, member_id=member.id, lead=[True, False])


def remove_member(actor: Member, group: WorkingGroup, member: Member) -> None:
    _require_moderator(actor, group)
    membership = membership_of(member, group)
    if membership is None or not membership.is_active:
        raise GroupError(_l("This person is not a member of the group."))
    if membership.is_lead and not actor.is_admin:
        raise NotAllowed(_l("Only administrators can remove a lead."))
    audit.record(actor, "group.member_removed", group, member_id=member.id)
    db.session.delete(membership)


def set_announcement_opt_out(member: Member, group: WorkingGroup, opt_out: bool) -> None:
    membership = membership_of(member, group)
    if membership is None or not membership.is_active:
        raise GroupError(_l("You are not a member of this group."))
    membership.announcements_opt_out = opt_out


def leads_of(group: WorkingGroup) -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .where(
                GroupMembership.group_id == group.id,
                GroupMembership.status == MembershipStatus.ACTIVE.value,
                GroupMembership.role == GroupRole.LEAD.value,
            )
            .order_by(alphabetical(Member.display_name))
        )
    )


# ------------------------------------------------------------------ announcements


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
    _require_moderator(actor, group)
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
    queue_email(
        "group_announcement",
        to=member.email,
        to_name=member.display_name,
        language=member.language,
        member=member,
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
