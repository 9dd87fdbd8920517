"""A visitor registers as a guest (no account): the form, with the event's questions, and the
link in the mail that confirms the held seat. Routes on the registrations blueprint.

The guest picks the category on the form: it shows the questions of every category
offered, each marked with its own, and the rule checks those of the category chosen."""

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from community.core.clock import clock_time, utcnow
from community.core.errors import attempt
from community.core.extensions import limiter
from community.events.permissions import current_member, visible_event
from community.members.access import anyone
from community.questions import answers
from community.questions.models import Role
from community.registrations import guest_holds, mails, queries, services
from community.registrations.forms import GuestRegistrationForm
from community.registrations.models import WAITING
from community.registrations.views import (
    bp,
    category_arg,
    event_page,
    invitation_typed,
    keep_problems,
    registration_from,
)
from community.tickets import eligibility
from community.tickets.attempts import CODE_ATTEMPTS

# The guest form's POSTs, limited per client address and per event (whatever the
# address), in the limiter's storage: with Redis, every process counts the same POSTs.
GUEST_POSTS_PER_ADDRESS = limiter.limit(
    lambda: current_app.config["GUEST_REGISTRATION_LIMIT"], methods=["POST"], scope="guest-registration"
)
GUEST_POSTS_PER_EVENT = limiter.limit(
    lambda: current_app.config["GUEST_REGISTRATION_EVENT_LIMIT"],
    key_func=lambda: "event:" + str(request.view_args.get("slug")),
    methods=["POST"],
    scope="guest-registration-event",
)


def _guest_registered(outcome):
    registration, _created = outcome
    _remember_guest(registration)
    if registration.status == WAITING:
        return _("The event is full: you are on the waiting list. We sent you an email."), "info"
    return _(
        "Almost done: follow the link we sent to %(email)s within %(minutes)d minutes to confirm your seat.",
        email=registration.guest_email,
        minutes=guest_holds.minutes(registration.event),
    ), "success"


def _remember_guest(registration) -> None:
    """This browser's guest registrations, so the event page tells them where they stand (a seat
    held until a time, or a place in line) instead of offering to register again."""
    until = registration.hold_expires_at
    mine = dict(session.get(guest_holds.SESSION_KEY, {}))
    mine[str(registration.event_id)] = {
        "email": registration.guest_email,
        "status": registration.status,
        "until": until.timestamp() if until else None,
        "until_text": clock_time(until) if until else "",
    }
    session[guest_holds.SESSION_KEY] = mine


@bp.route("/<slug>/guest", methods=["GET", "POST"])
@anyone
@CODE_ATTEMPTS
@GUEST_POSTS_PER_ADDRESS
@GUEST_POSTS_PER_EVENT
def guest(slug):
    event = visible_event(slug, *queries.registering())
    if current_member() is not None:
        return event_page(event.slug)
    code, problem = invitation_typed(event)
    offers = [code.category] if code else eligibility.open_to(event, None)
    form, questions = _guest_form(event, offers)
    problem, problems = problem or services.registration_problem(event, None), {}
    if form.validate_on_submit() and not problem:
        _outcome, ok = attempt(lambda: _register_guest(event, form, code), _guest_registered, keep_problems(problems))
        if ok:
            return event_page(event.slug)
        questions = answers.asked_in_any(event, [category.id for category in offers])  # the rollback expired them
    elif form.is_submitted() and not problem:  # every problem at once: the form's and the answers'
        problems = _answer_problems(form, offers, questions)
    return _page(event, form, code, offers, questions, problem, problems)


def _page(event, form, code, offers, questions, problem, problems):
    """The guest form, with what was typed and every problem beside its field."""
    return render_template(
        "registrations/guest.html",
        **dict(event=event, form=form, problem=problem, offers=offers, code=code, questions=questions),
        values=answers.from_form(questions, request.form) if form.is_submitted() else {},
        problems=problems,
        category_names={category.id: category.name for category in offers} if form.category else None,
    ), 400 if form.errors else 200


def _guest_form(event, offers):
    """The guest form and the questions it shows (those of every category offered)."""
    form = GuestRegistrationForm(categories=offers, data={"category": category_arg()})
    questions = answers.asked_in_any(event, [category.id for category in offers])
    if any(question.role == Role.ORGANIZATION.value for question in questions):
        del form.organization  # the event's own question asks it
    return form, questions


def _answer_problems(form, offers, questions) -> dict:
    """The answers' problems of a form refused for its own fields, in the category chosen."""
    chosen = form.category.data if form.category else offers[0].id if offers else None
    return answers.read([q for q in questions if q.category_id in (None, chosen)], request.form)[1]


def _register_guest(event, form, code):
    return services.register_guest(
        event,
        name=form.name.data,
        email=form.email.data,
        organization=form.organization.data if form.organization else "",
        language=str(get_locale()),
        category_id=form.category.data if form.category else None,
        code=code.code if code else "",
        client=request.remote_addr,
        submitted=request.form,
    )


@bp.route("/registrations/<token>/confirm", methods=["GET", "POST"])
@anyone
def guest_confirm(token):
    registration = registration_from(token, mails.GUEST_CONFIRM)
    if request.method == "POST":
        _outcome, ok = attempt(
            lambda: services.confirm_guest(registration), _("Your seat is confirmed. See you there!")
        )
        if ok:
            _remember_guest(registration)
            return redirect(url_for("registrations.ticket", token=mails.access_token(registration)))
        return event_page(registration.event.slug)
    return render_template(
        "registrations/guest_confirm.html", registration=registration, hold_active=registration.holds_seat_at(utcnow())
    )
