"""Deleting an account: what is erased, what is kept anonymized for the counts and the
history, and the last admin who may not leave. Plain functions; the caller commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import delete, or_, select, update

from community.checkin.models import CheckIn
from community.core import audit
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event, EventStaff
from community.groups.models import GroupMembership
from community.mail import scrub
from community.mail.models import OutboxEmail
from community.members.models import Member, Role
from community.members.passwords import verify_password
from community.members.services import WrongPassword
from community.privacy.personal_data import mails_to, registrations_of
from community.questions import erasure
from community.registrations import services as events
from community.registrations.models import LIVE, Registration


class LastAdmin(DomainError):
    """The community would be left without anyone to run it."""


def admins_besides(member) -> int:
    """Active admins other than `member`; locked on PostgreSQL so two last admins cannot both leave."""
    others = db.session.scalars(
        select(Member.id)
        .where(Member.role == Role.ADMIN.value, Member.suspended_at.is_(None), Member.id != member.id)
        .with_for_update()
    ).all()
    return len(others)


def delete_account(member, password: str, now: datetime | None = None) -> dict:
    """Delete the account after checking the password; returns what was done (counts).

    Registrations of events that started, or already used at the door, are
    anonymized (counts and history stay right); later ones are given back and
    the waiting lists move; their answers to events' questions are erased as the
    retention purge erases them (a choice of a seat kept stays as a count); group
    memberships, event staff roles and the account go; mails to or about the
    member lose what names them (mail/scrub.py); the audit log keeps only ids."""
    if not verify_password(member.password_hash, password):
        raise WrongPassword(_l("This password is not correct: nothing was deleted."))
    if member.is_admin and admins_besides(member) == 0:
        raise LastAdmin(
            _l("You are the last administrator: make another member administrator before deleting your account.")
        )
    now = now or utcnow()
    member_id = member.id
    mails_about = _mails_about(member)  # before the rows that name them change
    # Their registrations, found before anonymizing them takes the link to the person away.
    theirs = Registration.id.in_(db.session.scalars(select(Registration.id).where(registrations_of(member))).all())
    done = {"registrations_anonymized": _anonymize(member, now, only=_kept_for_history(now))}
    done["registrations_cancelled"] = events.forget_member(member, now) + _cancel_guest_seats(member, now)
    done["registrations_anonymized"] += _anonymize(member, now)
    # After the cancellations: the answers of a seat given back count nowhere any more.
    done["answers_erased"] = erasure.erase(theirs)
    done["group_memberships_ended"] = _run(delete(GroupMembership).where(GroupMembership.member_id == member_id))
    done["event_staff_roles_ended"] = _run(delete(EventStaff).where(EventStaff.member_id == member_id))
    db.session.flush()  # mails queued above (promotions) are rows before the outbox is scrubbed
    to_them = scrub.forget(select(OutboxEmail.id).where(mails_to(member)), recipient=True)
    about_them = scrub.forget(mails_about, recipient=False)
    done["mails_purged"] = to_them["purged"] + about_them["purged"]
    done["mails_deleted"] = to_them["deleted"] + about_them["deleted"]
    # The id names no one once the row is gone, and ties the entries that
    # already carry it (role changes ...) to the deletion.
    audit.record(None, "member.deleted", member, **done)
    db.session.delete(member)
    db.session.flush()
    return done


def _run(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def _mails_about(member) -> list[int]:
    """Mails to others that name the member (a lead told of their request, an announcement they signed)."""
    needles = [member.email, member.display_name, str(escape(member.display_name))]
    return scrub.mentioning(list(dict.fromkeys(needles)), besides=select(OutboxEmail.id).where(mails_to(member)))


def _kept_for_history(now: datetime):
    """Registrations that stay, anonymized: of events that started, or checked in at the
    door (early: a checked-in registration cannot be cancelled)."""
    return or_(
        Registration.event_id.in_(select(Event.id).where(Event.starts_at <= now)),
        Registration.id.in_(select(CheckIn.registration_id).where(CheckIn.undone_at.is_(None))),
    )


def _anonymize(member, now: datetime, only=None) -> int:
    """Registrations of the member (those matching `only`, when given) keep their
    status and times but no longer name anyone."""
    where = [registrations_of(member)]
    if only is not None:
        where.append(only)
    return _run(
        update(Registration)
        .where(*where)
        .values(
            member_id=None, guest_name=None, guest_email=None, guest_organization="", client_key=None, anonymized_at=now
        )
    )


def _cancel_guest_seats(member, now: datetime) -> int:
    """Live guest registrations made with their (proved) address, for events to come."""
    if not member.is_confirmed:
        return 0
    live = db.session.scalars(
        select(Registration).where(
            Registration.member_id.is_(None),
            Registration.guest_email == member.email,
            Registration.status.in_(LIVE),
        )
    ).all()
    for registration in live:
        events.cancel_registration(registration, now)
    return len(live)
