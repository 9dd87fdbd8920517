"""Member administration: the rules and the reads behind /admin/members.

Plain functions: they take the acting admin, never commit, record their audit
entry in the caller's transaction, and raise DomainError with a message fit to show."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from community.admin import audit_log
from community.core import audit
from community.core.clock import from_local, utcnow
from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.core.newest import latest, newest_first
from community.core.search import alphabetical, contains
from community.groups.models import GroupMembership, MembershipStatus, WorkingGroup
from community.members import services as member_services
from community.members.models import Member, Role
from community.registrations.models import Registration

PER_PAGE = 50


class MemberAdminError(DomainError):
    pass


# ------------------------------------------------------------------ reads


@dataclass
class MemberPage:
    """One page of the member list, with each listed member's group memberships."""

    pagination: object
    memberships: dict[int, list[GroupMembership]] = field(default_factory=dict)

    @property
    def items(self) -> list[Member]:
        return self.pagination.items


def _local_day_start(day: date) -> datetime:
    return from_local(datetime.combine(day, time()))


def matching(
    q: str = "",
    role: str | None = None,
    confirmed: bool | None = None,
    group_id: int | None = None,
    joined_from: date | None = None,
    joined_to: date | None = None,
    suspended: bool | None = None,
):
    """The SELECT of members that pass these filters (None or empty: no filter)."""
    query = select(Member)
    if q:
        query = query.where(
            or_(*(contains(column, q.strip()) for column in (Member.display_name, Member.email, Member.organization)))
        )
    if role:
        query = query.where(Member.role == role)
    if confirmed is not None:
        query = query.where(Member.confirmed_at.is_not(None) if confirmed else Member.confirmed_at.is_(None))
    if suspended is not None:
        query = query.where(Member.suspended_at.is_not(None) if suspended else Member.suspended_at.is_(None))
    if group_id is not None:
        query = query.where(
            select(GroupMembership.id)
            .where(
                GroupMembership.member_id == Member.id,
                GroupMembership.group_id == group_id,
                GroupMembership.status == MembershipStatus.ACTIVE.value,
            )
            .exists()
        )
    # Dates are days in the community's zone; "to" includes its whole day.
    if joined_from is not None:
        query = query.where(Member.created_at >= _local_day_start(joined_from))
    if joined_to is not None:
        query = query.where(Member.created_at < _local_day_start(joined_to + timedelta(days=1)))
    return query


def search(page: int = 1, per_page: int = PER_PAGE, **filters) -> MemberPage:
    """Newest members first, filtered as `matching` takes them. Three queries whatever
    the size: count, page, groups of the page."""
    query = matching(**filters)
    query = query.order_by(*newest_first(Member))
    pagination = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    return MemberPage(pagination, memberships_of([m.id for m in pagination.items]))


def memberships_of(member_ids: list[int]) -> dict[int, list[GroupMembership]]:
    """Memberships (active and pending) with their group, in one query."""
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(GroupMembership, WorkingGroup)
        .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.member_id.in_(member_ids))
        .order_by(alphabetical(WorkingGroup.name))
    )
    found: dict[int, list[GroupMembership]] = {}
    for membership, _group in rows:
        found.setdefault(membership.member_id, []).append(membership)
    return found


def registration_summary(member: Member) -> dict[str, int]:
    """How many of the member's registrations are in each status."""
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.member_id == member.id)
        .group_by(Registration.status)
    )
    return dict(rows.all())


def recent_registrations(member: Member, limit: int = 10) -> list[Registration]:
    return latest(
        Registration, Registration.member_id == member.id, limit=limit, options=[joinedload(Registration.event)]
    )


@dataclass
class MemberDetail:
    """What a member's admin page shows besides the account itself."""

    memberships: list[GroupMembership]
    summary: dict[str, int]
    registrations: list[Registration]
    history: list[audit_log.Row]


def detail(member: Member) -> MemberDetail:
    return MemberDetail(
        memberships=memberships_of([member.id]).get(member.id, []),
        summary=registration_summary(member),
        registrations=recent_registrations(member),
        history=audit_log.about_member(member.id),
    )


# ------------------------------------------------------------------ rules


def _require_admin(actor: Member) -> None:
    if actor is None or not actor.is_admin or not actor.is_active:
        raise NotAllowed(_l("Only administrators can do this."))


def _lock_admin_rows() -> None:
    """PostgreSQL: hold the admin rows until commit, so two admins demoting each other
    at the same moment are decided one after the other (a no-op on SQLite, where the
    write below takes the database's single write lock instead)."""
    with db.session.no_autoflush:
        db.session.execute(
            select(Member.id).where(Member.role == Role.ADMIN.value).order_by(Member.id).with_for_update()
        )


def _active_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Member).where(Member.role == Role.ADMIN.value, Member.suspended_at.is_(None))
    )


def change_role(actor: Member, member: Member, role: str) -> None:
    """Counted after the write, inside the transaction: a guard read before it could
    miss another admin's demotion committed in between."""
    _require_admin(actor)
    try:
        new_role = Role(role)
    except ValueError as exc:
        raise MemberAdminError(_l("Unknown role.")) from exc
    before = member.role
    if before == new_role.value:
        raise MemberAdminError(_l("This member already has this role."))
    if before == Role.ADMIN.value:
        _lock_admin_rows()
    member_services.set_role(member, new_role)
    db.session.flush()
    if before == Role.ADMIN.value and _active_admins() == 0:
        member.role = before  # the caller rolls back; the object should not say otherwise meanwhile
        raise MemberAdminError(_l("This is the last administrator: name another administrator first."))
    audit.record(actor, "member.role_changed", member, role=[before, new_role.value])


def suspend(actor: Member, member: Member) -> None:
    """A suspended member cannot log in, and their open sessions end now."""
    _require_admin(actor)
    if member.id == actor.id:
        raise MemberAdminError(_l("You cannot suspend your own account."))
    if member.suspended_at is not None:
        raise MemberAdminError(_l("This account is already suspended."))
    member.suspended_at = utcnow()
    member.session_version += 1
    audit.record(actor, "member.suspended", member)


def reactivate(actor: Member, member: Member) -> None:
    _require_admin(actor)
    if member.suspended_at is None:
        raise MemberAdminError(_l("This account is not suspended."))
    member.suspended_at = None
    audit.record(actor, "member.reactivated", member)


def resend_confirmation(actor: Member, member: Member) -> None:
    """The sign-up confirmation mail again, for a member who lost it."""
    _require_admin(actor)
    if member.is_confirmed:
        raise MemberAdminError(_l("This member has already confirmed their email address."))
    member_services.send_confirmation(member)
    audit.record(actor, "member.confirmation_resent", member)
