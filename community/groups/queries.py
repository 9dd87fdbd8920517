"""What the group pages read. Each function runs a fixed number of queries,
however many members a group has (tests/groups/test_query_counts.py holds it to that)."""

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from community.core.clock import utcnow
from community.core.extensions import db
from community.core.search import alphabetical, contains, fold
from community.events.models import Event, EventStatus
from community.groups.models import Announcement, GroupMembership, GroupRole, MembershipStatus, WorkingGroup
from community.members.models import Member

DIRECTORY_PAGE_SIZE = 30
ANNOUNCEMENTS_SHOWN = 20

_active = GroupMembership.status == MembershipStatus.ACTIVE.value


def _listed_member():
    """Members who chose to appear, and whose account is in good standing."""
    return (Member.directory_visible.is_(True), Member.confirmed_at.is_not(None), Member.suspended_at.is_(None))


def member_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(GroupMembership.group_id, func.count()).where(_active).group_by(GroupMembership.group_id)
    )
    return dict(rows.all())


def memberships_by_group(member) -> dict[int, GroupMembership]:
    """The viewer's memberships (active or pending), keyed by group id."""
    if member is None or not member.is_authenticated:
        return {}
    rows = db.session.scalars(select(GroupMembership).where(GroupMembership.member_id == member.id))
    return {m.group_id: m for m in rows}


def all_groups() -> list[WorkingGroup]:
    """Active groups first, then archived ones, each by name (a community has dozens, not thousands)."""
    groups = db.session.scalars(select(WorkingGroup))
    return sorted(groups, key=lambda g: (g.archived_at is not None, fold(g.name)))


@dataclass
class GroupPage:
    group: WorkingGroup
    leads: list = field(default_factory=list)
    visible_members: list = field(default_factory=list)
    member_count: int = 0
    hidden_count: int = 0
    announcements: list = field(default_factory=list)
    pending: list = field(default_factory=list)


def leads_of(group: WorkingGroup) -> list[Member]:
    return list(
        db.session.scalars(
            select(Member)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .where(GroupMembership.group_id == group.id, _active, GroupMembership.role == GroupRole.LEAD.value)
            .order_by(alphabetical(Member.display_name))
        )
    )


def group_page(group: WorkingGroup, *, with_pending: bool, with_announcements: bool) -> GroupPage:
    page = GroupPage(group=group)
    page.leads = leads_of(group)
    page.visible_members = list(
        db.session.scalars(
            select(Member)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .where(
                GroupMembership.group_id == group.id,
                _active,
                GroupMembership.role == GroupRole.MEMBER.value,
                *_listed_member(),
            )
            .order_by(alphabetical(Member.display_name))
        )
    )
    page.member_count = db.session.scalar(
        select(func.count()).select_from(GroupMembership).where(GroupMembership.group_id == group.id, _active)
    )
    # Leads are shown by their role; the others only when they chose the directory.
    page.hidden_count = page.member_count - len(page.leads) - len(page.visible_members)
    if with_announcements:
        page.announcements = list(
            db.session.scalars(
                select(Announcement)
                .where(Announcement.group_id == group.id)
                .order_by(Announcement.created_at.desc(), Announcement.id.desc())
                .limit(ANNOUNCEMENTS_SHOWN)
            )
        )
    if with_pending:
        page.pending = pending_requests(group)
    return page


def pending_requests(group: WorkingGroup) -> list[GroupMembership]:
    return list(
        db.session.scalars(
            select(GroupMembership)
            .options(joinedload(GroupMembership.member))
            .where(GroupMembership.group_id == group.id, GroupMembership.status == MembershipStatus.PENDING.value)
            .order_by(GroupMembership.created_at, GroupMembership.id)
        )
    )


def active_memberships(group: WorkingGroup) -> list[GroupMembership]:
    """Everyone in the group, for the leads' management page."""
    return list(
        db.session.scalars(
            select(GroupMembership)
            .options(joinedload(GroupMembership.member))
            .join(Member, GroupMembership.member_id == Member.id)
            .where(GroupMembership.group_id == group.id, _active)
            .order_by(GroupMembership.role.desc(), alphabetical(Member.display_name))
        )
    )


def my_memberships(member) -> list[GroupMembership]:
    return list(
        db.session.scalars(
            select(GroupMembership)
            .options(joinedload(GroupMembership.group))
            .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
            .where(GroupMembership.member_id == member.id)
            .order_by(alphabetical(WorkingGroup.name))
        )
    )


def directory(*, q: str = "", group_slug: str = "", page: int = 1):
    """Members who opted in, filtered by name, organization or group name, and by one group.

    Returns the pagination and, for the members on the page, their groups.
    """
    query = select(Member).where(*_listed_member())
    if q:
        in_named_group = (
            select(GroupMembership.id)
            .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
            .where(GroupMembership.member_id == Member.id, _active, contains(WorkingGroup.name, q))
            .exists()
        )
        query = query.where(or_(contains(Member.display_name, q), contains(Member.organization, q), in_named_group))
    if group_slug:
        in_group = (
            select(GroupMembership.id)
            .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
            .where(GroupMembership.member_id == Member.id, _active, WorkingGroup.slug == group_slug)
            .exists()
        )
        query = query.where(in_group)
    query = query.order_by(alphabetical(Member.display_name), Member.id)
    pagination = db.paginate(query, page=page, per_page=DIRECTORY_PAGE_SIZE, error_out=False)
    return pagination, groups_of([m.id for m in pagination.items])


def groups_of(member_ids: list[int]) -> dict[int, list[WorkingGroup]]:
    """Active groups of these members, in one query."""
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(GroupMembership.member_id, WorkingGroup)
        .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.member_id.in_(member_ids), _active, WorkingGroup.archived_at.is_(None))
        .order_by(alphabetical(WorkingGroup.name))
    )
    found: dict[int, list[WorkingGroup]] = {}
    for member_id, group in rows:
        found.setdefault(member_id, []).append(group)
    return found


def upcoming_events(group: WorkingGroup, limit: int = 5) -> list[Event]:
    """The group's published events that have not ended yet, soonest first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.group_id == group.id, Event.status == EventStatus.PUBLISHED.value, Event.ends_at >= utcnow())
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def is_active_member(member, group_id) -> bool:
    """For the events domain: may this member see and register for a group-only event?"""
    if member is None or not getattr(member, "is_authenticated", False) or group_id is None:
        return False
    return (
        db.session.scalar(
            select(GroupMembership.id).where(
                GroupMembership.member_id == member.id,
                GroupMembership.group_id == group_id,
                _active,
            )
        )
        is not None
    )


def group_choices() -> list[tuple[int, str]]:
    """For the events domain's form: groups an event may belong to."""
    rows = db.session.execute(
        select(WorkingGroup.id, WorkingGroup.name)
        .where(WorkingGroup.archived_at.is_(None))
        .order_by(alphabetical(WorkingGroup.name))
    )
    return [(group_id, name) for group_id, name in rows]


def active_group_ids(member) -> set[int]:
    """For the ticket categories: the groups this member is an active member of, in one query."""
    if member is None or not getattr(member, "is_authenticated", False):
        return set()
    return set(
        db.session.scalars(select(GroupMembership.group_id).where(GroupMembership.member_id == member.id, _active))
    )
