"""Registration rules: who may register, register, confirm, cancel, forget a member.

Plain functions; the caller commits (once) or rolls back on DomainError. Every
change of seats or status is a verb of seats.py, the seat engine. The answers to
the event's questions are checked before anything is written and saved with the
registration, in its transaction (questions/answers.py): a person on the waiting
list has answered too, so a promotion needs nothing more from them."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.core import audit
from community.core.clock import as_utc, utcnow
from community.core.errors import NotAllowed
from community.core.extensions import db
from community.events import permissions
from community.events.dates import moment
from community.events.models import Event, Visibility
from community.groups import queries as group_queries
from community.members.services import check_email
from community.questions import answers
from community.questions.models import Role
from community.registrations import guest_holds, mails, seats
from community.registrations.errors import RegistrationRefused
from community.registrations.models import HELD, LIVE, Registration
from community.registrations.queries import live_registration
from community.tickets import codes, eligibility


def registration_problem(event: Event, member, now: datetime | None = None) -> str | None:
    """Why this person may not register now, as a message to show; None when they may.

    `member` is None for a visitor (guest registration)."""
    now = now or utcnow()
    if event.is_cancelled:
        return _l("This event was cancelled.")
    if not event.is_published:
        return _l("Registration opens once the event is published.")
    if as_utc(event.starts_at) <= now:
        return _l("This event has started: registration is closed.")
    if event.registration_opens_at and now < as_utc(event.registration_opens_at):
        return _l("Registration opens on %(when)s.", when=moment(event.registration_opens_at))
    if event.registration_closes_at and now >= as_utc(event.registration_closes_at):
        return _l("Registration closed on %(when)s.", when=moment(event.registration_closes_at))
    if member is None:
        if event.visibility != Visibility.PUBLIC.value:
            return _l("This event is open to members only: log in or sign up to register.")
        return None
    if not member.is_confirmed:
        return _l("Please confirm your email address first: we sent you a link.")
    if event.visibility == Visibility.GROUP.value and not (
        member.is_organizer or group_queries.is_active_member(member, event.group_id)
    ):
        return _l("This event is reserved for the members of its working group.")
    return None


# ------------------------------------------------------------------ registering


def register_member(
    event: Event,
    member,
    now: datetime | None = None,
    category_id: int | None = None,
    code: str = "",
    submitted=None,
) -> tuple[Registration, bool]:
    """One click: a confirmed seat, or a place on the waiting list, in the category chosen
    (or the first open to the member). `submitted`, the form with the answers to the
    questions asked in that category (answers.AnswersRefused when one is wrong or missing).

    Returns (registration, created); registering twice returns the live one."""
    now = now or utcnow()
    problem = registration_problem(event, member, now)
    if problem:
        raise RegistrationRefused(problem)
    existing = live_registration(event.id, member_id=member.id)
    if existing is not None:
        return existing, False
    invitation = codes.find(event, code, now) if code else None
    category = eligibility.choose(event, member, category_id, invitation)
    values = answers.checked(answers.asked(event, category.id), submitted)
    registration = Registration(
        event=event, category=category, member=member, member_id=member.id, language=member.language
    )
    registration.code_id = invitation.id if invitation else None
    seats.place(event, registration, now)
    answers.save(registration, values, new=True)
    return registration, True


def register_guest(
    event: Event,
    *,
    name: str,
    email: str,
    organization: str = "",
    language: str = "fr",
    category_id: int | None = None,
    code: str = "",
    client: str | None = None,
    now: datetime | None = None,
    submitted=None,
) -> tuple[Registration, bool]:
    """A visitor on a public event: a seat held until they follow the mailed link, or the waiting list.

    `client` is the address the request came from: an address may hold only a few
    unconfirmed seats per event, and an email address whose hold ran out waits a
    while before holding again (guest_holds.py). `submitted` holds the answers, as
    for a member; an organization question, when asked, gives the guest's organization."""
    now = now or utcnow()
    problem = registration_problem(event, None, now)
    if problem:
        raise RegistrationRefused(problem)
    email = check_email(email)
    name = (name or "").strip()
    if not name:
        raise RegistrationRefused(_l("Please give your name."))
    existing = live_registration(event.id, guest_email=email)
    if existing is not None and existing.status == HELD and not existing.holds_seat_at(now):
        seats.expire_holds(now, event.id)  # their hold ran out: it is freed, not handed back
    elif existing is not None:
        return existing, False
    client_key = guest_holds.client_key(client)
    problem = guest_holds.problem(event, email, client_key, now)
    if problem:
        raise RegistrationRefused(problem)
    invitation = codes.find(event, code, now) if code else None
    category = eligibility.choose(event, None, category_id, invitation)
    questions = answers.asked(event, category.id)
    values = answers.checked(questions, submitted)
    organization = organization or _answer_for(Role.ORGANIZATION, questions, values)
    registration = Registration(
        client_key=client_key,
        event=event,
        category=category,
        code_id=invitation.id if invitation else None,
        guest_name=name[:120],
        guest_email=email,
        guest_organization=(organization or "").strip()[:160],
        language=language,
    )
    seats.place(event, registration, now)
    answers.save(registration, values, new=True)
    return registration, True


def _answer_for(role: Role, questions, values: dict) -> str:
    """The answer to the question that stands for `role`, if one was asked and answered."""
    return next((values.get(q.id) or "" for q in questions if q.role == role.value), "")


def confirm_guest(registration: Registration, now: datetime | None = None) -> Registration:
    """The guest followed the mailed link: the held seat becomes theirs."""
    return seats.confirm_hold(registration, now or utcnow())


# ------------------------------------------------------------------ cancelling


def cancel_registration(registration: Registration, now: datetime | None = None) -> list[Registration]:
    """The attendee (or an organizer) gives the seat or the place in line back.

    Cancelling twice is harmless. Returns who was promoted to the freed seat."""
    _cancelled, promoted = seats.release(registration, now or utcnow())
    return promoted


def cancel_as(actor, registration: Registration, now: datetime | None = None) -> list[Registration]:
    """A logged-in person cancels: their own registration, or anyone's as an organizer of the event.

    A person whose registration an organizer cancelled is told by mail."""
    own = registration.member_id is not None and registration.member_id == actor.id
    if not own and not permissions.may_manage(actor, registration.event):
        raise NotAllowed(_l("This registration is not yours."))
    was = registration.status
    cancelled, promoted = seats.release(registration, now or utcnow())
    if cancelled and not own:
        mails.removed_by_organizer(registration)
        audit.record(
            actor,
            "registration.cancelled_by_organizer",
            registration,
            event_id=registration.event_id,
            was=was,
            promoted=len(promoted),
        )
    return promoted


def forget_member(member, now: datetime | None = None) -> int:
    """Before an account is deleted: give back every live registration (seats go to the waiting list)."""
    live = db.session.scalars(
        select(Registration).where(Registration.member_id == member.id, Registration.status.in_(LIVE))
    ).all()
    for registration in live:
        cancel_registration(registration, now)
    return len(live)
