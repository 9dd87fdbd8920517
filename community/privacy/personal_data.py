"""Everything the community holds about a member, as the download "My data" gives it.

What belongs to a member: rows that point at their account, and, once they proved
their address, the guest registrations and mails made with that address (an
unconfirmed account has proved nothing, so it gets neither: anyone can sign up
with someone else's address). Nine queries whatever the amounts."""

from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from community.checkin.models import CheckIn
from community.core import audit
from community.core.audit import AuditEntry
from community.core.clock import as_utc, utcnow
from community.core.extensions import db
from community.events.models import Event, EventStaff
from community.groups.models import GroupMembership, WorkingGroup
from community.mail.models import OutboxEmail
from community.members import devices
from community.members.models import Member
from community.questions import answers
from community.questions.models import Answer, Question
from community.registrations.models import Registration
from community.tickets.models import Category, InvitationCode


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC: '2031-05-04T07:30:00+00:00'."""
    return as_utc(moment).astimezone(UTC).isoformat() if moment is not None else None


def registrations_of(member):
    mine = Registration.member_id == member.id
    if member.is_confirmed:
        mine = or_(mine, and_(Registration.member_id.is_(None), Registration.guest_email == member.email))
    return mine


def mails_to(member):
    mine = OutboxEmail.member_id == member.id
    if member.is_confirmed:
        mine = or_(mine, OutboxEmail.to_address == member.email)
    return mine


def personal_data(member) -> dict:
    """Everything the community holds about `member`, JSON-ready; nine queries whatever the amounts."""
    memberships = db.session.execute(
        select(GroupMembership, WorkingGroup)
        .join(WorkingGroup, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.member_id == member.id)
        .order_by(GroupMembership.created_at, GroupMembership.id)
    ).all()
    return {
        "generated_at": iso(utcnow()),
        "profile": _profile(member),
        "consents": _consents(member, memberships),
        "working_groups": [_membership(m, g) for m, g in memberships],
        "registrations": _registrations(member),
        "answers": _answers(member),
        "check_ins": _check_ins(member),
        "event_staff": _staff(member),
        "mails": _mails(member),
        "audit_log": _audit(member),
        "logged_in_devices": [
            {"browser": record.browser, "since": iso(record.created_at), "last_used_at": iso(record.last_used_at)}
            for record in devices.active(member)
        ],
    }


def _profile(member) -> dict:
    return {
        "email": member.email,
        "display_name": member.display_name,
        "organization": member.organization,
        "bio": member.bio,
        "language": member.language,
        "shown_in_member_directory": member.directory_visible,
        "role": member.role,
        "created_at": iso(member.created_at),
        "confirmed_at": iso(member.confirmed_at),
        "password_changed_at": iso(member.password_changed_at),
        "suspended_at": iso(member.suspended_at),
    }


def _consents(member, memberships) -> dict:
    return {
        "privacy_notice_accepted_at": iso(member.consent_at),
        "shown_in_member_directory": member.directory_visible,
        "group_announcements": [
            {"group": group.name, "receives": not membership.announcements_opt_out}
            for membership, group in memberships
            if membership.is_active
        ],
    }


def _membership(membership, group) -> dict:
    return {
        "group": group.name,
        "status": membership.status,
        "lead": membership.is_lead,
        "requested_or_joined_at": iso(membership.created_at),
        "decided_at": iso(membership.decided_at),
        "request_message": membership.message,
        "receives_announcements": not membership.announcements_opt_out,
    }


def _event(event) -> dict:
    return {"title": event.title, "starts_at": iso(event.starts_at), "ends_at": iso(event.ends_at)}


def _registrations(member) -> list[dict]:
    rows = db.session.execute(
        select(Registration, Event, Category.name_fr, InvitationCode.code)
        .join(Event, Registration.event_id == Event.id)
        .join(Category, Registration.category_id == Category.id)
        .outerjoin(InvitationCode, Registration.code_id == InvitationCode.id)
        .where(registrations_of(member))
        .order_by(Registration.created_at, Registration.id)
    ).all()
    return [
        {
            "event": _event(event),
            "as_guest": registration.member_id is None,
            "guest_name": registration.guest_name,
            "guest_organization": registration.guest_organization or None,
            "status": registration.status,
            "ticket_category": category,
            "invitation_code": code,
            "registered_at": iso(registration.created_at),
            "confirmed_at": iso(registration.confirmed_at),
            "waitlisted_at": iso(registration.waitlisted_at),
            "promoted_at": iso(registration.promoted_at),
            "cancelled_at": iso(registration.cancelled_at),
            "reminded_at": iso(registration.reminded_at),
            "ticket_code": registration.ticket_code,
        }
        for registration, event, category, code in rows
    ]


def _per_event(statement, fields) -> list[dict]:
    """Rows of (item, Event), each as its event and then `fields(item)`."""
    return [{"event": _event(event), **fields(item)} for item, event in db.session.execute(statement).all()]


def _answers(member) -> list[dict]:
    """Their answers to the events' questions, as the pages show them (two queries: the answers
    with their questions, the questions' choices)."""
    return _per_event(
        select(Answer, Event)
        .join(Answer.question)
        .join(Registration, Answer.registration_id == Registration.id)
        .join(Event, Registration.event_id == Event.id)
        .where(registrations_of(member))
        .options(contains_eager(Answer.question).selectinload(Question.choices))
        .order_by(Registration.created_at, Registration.id, Question.position, Question.id),
        lambda answer: {
            "question": answer.question.label,
            "answer": answers.shown(answer.question, answer.value),
            "sensitive": answer.question.sensitive,
            "answered_at": iso(answer.updated_at),
        },
    )


def _check_ins(member) -> list[dict]:
    return _per_event(
        select(CheckIn, Event)
        .join(Registration, CheckIn.registration_id == Registration.id)
        .join(Event, CheckIn.event_id == Event.id)
        .where(registrations_of(member))
        .order_by(CheckIn.checked_in_at, CheckIn.id),
        lambda check_in: {
            "checked_in_at": iso(check_in.checked_in_at),
            "gate": check_in.gate,
            "undone_at": iso(check_in.undone_at),
        },
    )


def _staff(member) -> list[dict]:
    return _per_event(
        select(EventStaff, Event)
        .join(Event, EventStaff.event_id == Event.id)
        .where(EventStaff.member_id == member.id)
        .order_by(EventStaff.created_at, EventStaff.id),
        lambda staff: {"role": staff.role, "since": iso(staff.created_at)},
    )


def _mails(member) -> list[dict]:
    rows = db.session.execute(
        select(
            OutboxEmail.created_at,
            OutboxEmail.sent_at,
            OutboxEmail.to_address,
            OutboxEmail.subject,
            OutboxEmail.status,
            OutboxEmail.body_text,
        )
        .where(mails_to(member))
        .order_by(OutboxEmail.created_at, OutboxEmail.id)
    ).all()
    return [
        {
            "created_at": iso(row.created_at),
            "sent_at": iso(row.sent_at),
            "to": row.to_address,
            "subject": row.subject,
            "status": row.status,
            "text": row.body_text,
        }
        for row in rows
    ]


def _audit(member) -> list[dict]:
    """Entries recording what they did, or what was done to their account or registrations."""
    theirs = select(Registration.id).where(registrations_of(member)).scalar_subquery()
    about = or_(
        and_(AuditEntry.object_type == Member.__tablename__, AuditEntry.object_id == member.id),
        and_(AuditEntry.object_type == Registration.__tablename__, AuditEntry.object_id.in_(theirs)),
        # Group moderation names the member in its facts: {"member_id": 42}.
        AuditEntry.changes["member_id"].as_integer() == member.id,
    )
    rows = db.session.execute(
        select(AuditEntry.action, AuditEntry.created_at, AuditEntry.actor_id)
        .where(or_(AuditEntry.actor_id == member.id, about))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()
    return [
        {
            "action": row.action,
            "label": audit.label(row.action),
            "at": iso(row.created_at),
            "by_you": row.actor_id == member.id,
        }
        for row in rows
    ]


def summary(data: dict) -> dict:
    """How many items of each kind the download holds (for the page that offers it)."""
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}
