"""Exports: rows read from the database in a stream (the writers that turn them into
CSV or XLSX files are in spreadsheets.py).

Each row generator runs one SELECT (working groups, and the answers to each of
the event's questions, are folded into it by correlated subqueries) and reads it
in batches, so an export of any size costs a constant number of queries and holds
one batch in memory. Rows hold moments as local datetimes, statuses, roles and
answers in the reader's language: the CSV writes a moment as text, the XLSX as a
date cell. A file may open with heading rows (what it is for, when it was made:
admin/presets.py) before its header.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import and_, case, func, select

from community.admin.member_forms import ROLE_CHOICES
from community.checkin.models import CheckIn
from community.core.clock import to_local
from community.core.extensions import db
from community.core.search import fold
from community.events.models import Event
from community.groups.models import GroupMembership, GroupRole, MembershipStatus, WorkingGroup
from community.members.models import Member
from community.questions.answers import shown
from community.questions.models import Answer, Question
from community.registrations.models import STATUS_LABELS, Registration, RegistrationStatus

# Rows fetched from the database cursor at a time.
BATCH = 500
# Group names are joined in SQL with a separator no name holds, then sorted here.
GROUP_SEPARATOR = "\x1f"
STATUSES = tuple(status.value for status in RegistrationStatus)

# Statuses and roles in the reader's language, as the pages write them.
ROLE_LABELS = {choice.value: choice.label for choice in ROLE_CHOICES}
GROUP_ROLE_LABELS = {
    GroupRole.MEMBER.value: lazy_pgettext("role in a group", "Member"),
    GroupRole.LEAD.value: lazy_pgettext("role in a group", "Lead"),
}
MEMBERSHIP_LABELS = {
    MembershipStatus.ACTIVE.value: lazy_pgettext("membership of a group", "Accepted"),
    MembershipStatus.PENDING.value: lazy_pgettext("membership of a group", "Asked to join"),
}

ATTENDEE_HEADER = (
    _l("Name"),
    _l("Email"),
    _l("Organization"),
    _l("Status"),
    _l("Category"),
    _l("Registered at"),
    _l("Checked in at"),
    _l("Working groups"),
)
MEMBER_HEADER = (
    _l("Name"),
    _l("Email"),
    _l("Organization"),
    _l("Role"),
    _l("Confirmed at"),
    _l("Joined at"),
    _l("Working groups"),
)
GROUP_MEMBER_HEADER = (
    _l("Name"),
    _l("Email"),
    _l("Organization"),
    _l("Role in the group"),
    _l("Status"),
    _l("Joined at"),
)


# ------------------------------------------------------------------ rows


def when(moment: datetime | None) -> datetime | None:
    """A moment in the community's local time, to the minute, without its zone (spreadsheets
    have none)."""
    if moment is None:
        return None
    return to_local(moment).replace(tzinfo=None, second=0, microsecond=0)


def _label(labels: dict, value: str) -> str:
    return str(labels.get(value, value))


def _groups_of(member_id_column):
    """The names of the active groups of a member, folded into one column of the row."""
    return (
        select(func.aggregate_strings(WorkingGroup.name, GROUP_SEPARATOR))
        .select_from(GroupMembership)
        .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.member_id == member_id_column,
            GroupMembership.status == MembershipStatus.ACTIVE.value,
            WorkingGroup.archived_at.is_(None),
        )
        .scalar_subquery()
    )


def _group_names(joined: str | None) -> str:
    return ", ".join(sorted(joined.split(GROUP_SEPARATOR), key=fold)) if joined else ""


def answer_header(questions: Sequence[Question]) -> list[str]:
    """A column title per question: its label in the reader's language, marked when it is no longer asked."""
    return [
        _("%(label)s (no longer asked)", label=question.label) if question.retired_at else question.label
        for question in questions
    ]


def answer_of(question: Question):
    """The registration's stored answer to one question, folded into the row (one index lookup)."""
    return (
        select(Answer.value)
        .where(Answer.registration_id == Registration.id, Answer.question_id == question.id)
        .scalar_subquery()
    )


def stream(statement) -> Iterator:
    # yield_per streams from a server-side cursor on PostgreSQL, in batches on SQLite.
    yield from db.session.execute(statement.execution_options(yield_per=BATCH))


def attendee_rows(event: Event, statuses: Sequence[str] = (), questions: Sequence[Question] = ()) -> Iterator[tuple]:
    """One row per registration to the event, guests included, oldest first; "checked in at"
    is the check-in that is not undone (at most one, a unique index says so); then the
    answers to `questions` (their choices already loaded), as the pages show them."""
    statement = (
        select(
            func.coalesce(Member.display_name, Registration.guest_name),
            func.coalesce(Member.email, Registration.guest_email),
            organization_of(),
            Registration.status,
            Registration.category_id,
            Registration.created_at,
            CheckIn.checked_in_at,
            _groups_of(Registration.member_id),
            *(answer_of(question) for question in questions),
        )
        .select_from(Registration)
        .outerjoin(Member, Member.id == Registration.member_id)
        .outerjoin(CheckIn, and_(CheckIn.registration_id == Registration.id, CheckIn.undone_at.is_(None)))
        .where(Registration.event_id == event.id)
        .order_by(Registration.created_at, Registration.id)
    )
    if statuses:
        statement = statement.where(Registration.status.in_(statuses))
    # Named now: the rows are streamed after the view has returned.
    return _attendees(statement, {category.id: category.name for category in event.categories}, list(questions))


def organization_of():
    """A registration's organization as SQL: the member's profile, else what the guest typed (join Member)."""
    return case((Registration.member_id.is_not(None), Member.organization), else_=Registration.guest_organization)


def _attendees(statement, category_names: dict, questions: list[Question]) -> Iterator[tuple]:
    for row in stream(statement):
        name, email, organization, status, category_id, registered_at, checked_in_at, groups, *values = row
        category = category_names.get(category_id, "")
        yield (
            name,
            email,
            organization,
            _label(STATUS_LABELS, status),
            category,
            when(registered_at),
            when(checked_in_at),
            _group_names(groups),
            *(shown(question, value) for question, value in zip(questions, values)),
        )


def member_rows() -> Iterator[tuple]:
    """Every member account, oldest first."""
    statement = select(
        Member.display_name,
        Member.email,
        Member.organization,
        Member.role,
        Member.confirmed_at,
        Member.created_at,
        _groups_of(Member.id),
    ).order_by(Member.created_at, Member.id)
    for name, email, organization, role, confirmed_at, joined_at, groups in stream(statement):
        yield (
            name,
            email,
            organization,
            _label(ROLE_LABELS, role),
            when(confirmed_at),
            when(joined_at),
            _group_names(groups),
        )


def group_member_rows(group: WorkingGroup) -> Iterator[tuple]:
    """The members of one group, pending requests included, oldest first."""
    statement = (
        select(
            Member.display_name,
            Member.email,
            Member.organization,
            GroupMembership.role,
            GroupMembership.status,
            GroupMembership.created_at,
        )
        .select_from(GroupMembership)
        .join(Member, Member.id == GroupMembership.member_id)
        .where(GroupMembership.group_id == group.id)
        .order_by(GroupMembership.created_at, GroupMembership.id)
    )
    for name, email, organization, role, status, joined_at in stream(statement):
        role, status = _label(GROUP_ROLE_LABELS, role), _label(MEMBERSHIP_LABELS, status)
        yield (name, email, organization, role, status, when(joined_at))
