"""Membership of a working group: join, ask to join, leave; the leads approve, decline,
remove members and name other leads. Plain functions; the caller commits."""

from flask_babel import lazy_gettext as _l

from community.core import audit, locking
from community.core.clock import utcnow
from community.core.errors import NotAllowed
from community.core.extensions import db
from community.groups import queries
from community.groups.models import GroupMembership, GroupRole, MembershipStatus, WorkingGroup
from community.groups.services import (
    GroupError,
    membership_of,
    require_admin,
    require_moderator,
    require_open_for_members,
)
from community.mail.outbox import email_member, external_url
from community.members.models import Member


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
    require_open_for_members(member, group)
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
    require_open_for_members(member, group)
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
    for lead in queries.leads_of(group):
        email_member(
            lead,
            "group_request",
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


def _answerable(actor: Member, membership: GroupMembership) -> WorkingGroup:
    """The request's group, once the actor may answer it and it still waits for an answer."""
    group = membership.group
    require_moderator(actor, group)
    if not membership.is_pending:
        raise GroupError(_l("This request has already been answered."))
    return group


def _tell_requester(membership: GroupMembership, template: str, subject) -> None:
    group = membership.group
    url = external_url("groups.detail", slug=group.slug)
    email_member(membership.member, template, subject=subject, group=group, group_url=url)


def approve(actor: Member, membership: GroupMembership) -> None:
    group = _answerable(actor, membership)
    membership.status = MembershipStatus.ACTIVE.value
    membership.decided_at, membership.decided_by_id = utcnow(), actor.id
    audit.record(actor, "group.member_approved", group, member_id=membership.member_id)
    _tell_requester(membership, "group_approved", _l("Welcome to %(group)s", group=group.name))


def decline(actor: Member, membership: GroupMembership) -> None:
    """The request disappears, so the member may ask again later."""
    group = _answerable(actor, membership)
    _tell_requester(membership, "group_declined", _l("Your request to join %(group)s", group=group.name))
    audit.record(actor, "group.member_refused", group, member_id=membership.member_id)
    db.session.delete(membership)


def appoint_lead(actor: Member, group: WorkingGroup, member: Member) -> GroupMembership:
    """Admins appoint anyone confirmed; a lead appoints a co-lead among the group's members."""
    require_moderator(actor, group)
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
    require_admin(actor)
    membership = membership_of(member, group)
    if membership is None or not membership.is_lead:
        raise GroupError(_l("This member is not a lead of the group."))
    membership.role = GroupRole.MEMBER.value
    audit.record(actor, "group.lead_changed", group, member_id=member.id, lead=[True, False])


def remove_member(actor: Member, group: WorkingGroup, member: Member) -> None:
    require_moderator(actor, group)
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
