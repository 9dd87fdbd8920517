"""Working group rules: who may moderate, and the groups themselves (create, edit, archive).

Plain functions: they take the acting member, never commit, and raise DomainError
(or NotAllowed) with a message fit to show. Memberships are in memberships.py,
announcements in announcements.py; moderation is recorded in the audit log, in
the caller's transaction."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.core import audit
from community.core.clock import utcnow
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.core.text import slugify
from community.groups.models import GroupMembership, GroupRole, JoinPolicy, MembershipStatus, WorkingGroup
from community.members.models import Member

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


def require_moderator(actor: Member, group: WorkingGroup) -> None:
    if not can_moderate(actor, group):
        raise NotAllowed(_l("Only the group's leads and the administrators can do this."))


def require_admin(actor: Member) -> None:
    if not actor.is_admin:
        raise NotAllowed(_l("Only administrators can do this."))


def require_open_for_members(member: Member, group: WorkingGroup) -> None:
    if not member.is_confirmed:
        raise GroupError(_l("Please confirm your email address before joining a group."))
    if group.is_archived:
        raise GroupError(_l("This group is archived: it accepts no new members."))


# ------------------------------------------------------------------ groups


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
    require_admin(actor)
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
    require_moderator(actor, group)
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
    require_admin(actor)
    if group.archived_at is None:
        group.archived_at = utcnow()
        audit.record(actor, "group.updated", group, archived=[False, True])


def unarchive_group(actor: Member, group: WorkingGroup) -> None:
    require_admin(actor)
    if group.archived_at is not None:
        group.archived_at = None
        audit.record(actor, "group.updated", group, archived=[True, False])
