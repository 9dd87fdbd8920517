"""The attendee's pages: register (member or guest), leave, the links in the mails
(ticket, cancel, confirm a guest's seat) and "my registrations".

Registering answers the event's questions on the same form; the rules check the
answers and refuse with every problem at once (answers.AnswersRefused): the form
is then shown again with each problem beside its field, and nothing is written."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from community.checkin import ticket_qr
from community.core.clock import utcnow
from community.core.errors import DomainError, attempt
from community.core.security import safe_next
from community.events.permissions import visible_event
from community.members.access import anyone, confirmed_required, member_required
from community.questions import answers
from community.questions import queries as question_queries
from community.registrations import guest_holds, mails, queries, services, waiting_list
from community.registrations.models import RegistrationStatus
from community.tickets import codes, eligibility
from community.tickets.attempts import CODE_ATTEMPTS

bp = Blueprint("registrations", __name__, url_prefix="/events")
# How long a guest's seat is held at an event, for the pages that say so.
bp.add_app_template_filter(guest_holds.minutes, "guest_hold_minutes")
CONFIRMED, WAITING = RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value


def registration_from(token: str, purpose: str = mails.ACCESS):
    registration = mails.registration_from(token, purpose)
    if registration is None:
        abort(404)
    return registration


def event_page(slug: str):
    return redirect(url_for("events.detail", slug=slug))


@bp.get("/mine")
@member_required
def mine():
    registrations = queries.of_member(current_user)
    return render_template(
        "registrations/mine.html",
        registrations=registrations,
        now=utcnow(),
        ticket_token=mails.access_token,
        positions=waiting_list.positions([r for r in registrations if r.status == WAITING]),
        asked=question_queries.asked_of([r for r in registrations if r.is_live]),
    )


# ------------------------------------------------------------------ registering


def category_arg() -> int | None:
    """The category chosen on the page (none: the first open to the person)."""
    value = request.values.get("category", "")
    return int(value) if value.isdigit() else None


def invitation_typed(event):
    """(The invitation code the guest came with, why it cannot be used): (None, None) without one."""
    typed = request.values.get("code", "")
    if not typed:
        return None, None
    try:
        return codes.find(event, typed), None
    except DomainError as error:
        return None, str(error)


def _member_registered(outcome):
    """The message after a member's click: (text, category)."""
    status, created = outcome
    if not created:
        return _("You are already registered for this event."), "info"
    if status == CONFIRMED:
        return _("You are registered. A confirmation with your ticket is on its way by email."), "success"
    return _("The event is full: you are on the waiting list."), "info"


def keep_problems(problems: dict):
    """For attempt(): the answers refused are shown beside their fields (and the flash sums them up)."""

    def refused(error) -> bool:
        problems.update(getattr(error, "problems", {}))
        return False

    return refused


@bp.route("/<slug>/register", methods=["GET", "POST"])
@confirmed_required
@CODE_ATTEMPTS
def register(slug):
    """The POST registers (one click when the event asks nothing); the GET, and a POST whose
    answers were refused, show the questions asked in the category chosen."""
    event = visible_event(slug, *queries.registering())
    problems = {}
    if request.method == "POST":

        def act():
            registration, created = services.register_member(
                event,
                current_user,
                category_id=category_arg(),
                code=request.form.get("code", ""),
                submitted=request.form,
            )
            return registration.status, created  # read now: the commit expires the objects

        _outcome, ok = attempt(act, _member_registered, keep_problems(problems))
        if ok or not problems:
            return event_page(slug)  # the slug the event was found by
    return _questions_page(event, problems)


def _questions_page(event, problems: dict):
    """The member's form of the questions asked in the category chosen (prefilled from the
    profile), or the event page with the reason they cannot register there."""
    code, refusal = invitation_typed(event)
    if services.live_registration(event.id, member_id=current_user.id) is not None:
        refusal = _("You are already registered for this event.")
    if refusal is None:
        try:
            category = eligibility.choose(event, current_user, category_arg(), code)
        except DomainError as error:
            refusal = str(error)
    if refusal is not None:
        flash(refusal, "info")
        return event_page(event.slug)
    questions = answers.asked(event, category.id)
    if problems:
        values = answers.from_form(questions, request.form)
    else:
        values = answers.as_fields(questions, answers.prefilled(questions, current_user))
    return render_template(
        "registrations/register.html",
        event=event,
        category=category,
        code=code,
        questions=questions,
        values=values,
        problems=problems,
        problem=services.registration_problem(event, current_user),
    )


@bp.route("/<slug>/leave", methods=["GET", "POST"])
@member_required
def leave(slug):
    """A GET asks first (a seat at the summit is not given back at one Enter), the POST cancels."""
    event = visible_event(slug)
    registration = services.live_registration(event.id, member_id=current_user.id)
    back = safe_next(request.values.get("next"), url_for("events.detail", slug=event.slug))
    if registration is None:
        flash(_("You have no registration for this event."), "info")
    elif request.method == "GET":
        return render_template("registrations/cancel_link.html", registration=registration, done=False, back=back)
    else:
        attempt(lambda: services.cancel_as(current_user, registration), _("Your registration is cancelled."))
    return redirect(back)


# ------------------------------------------------------------------ the links in the mails


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
@anyone
def cancel_link(token):
    """From the mail, no login: a GET shows the button (mail scanners prefetch links), the POST cancels."""
    registration = registration_from(token)
    if registration.status == RegistrationStatus.CANCELLED.value:
        return render_template("registrations/cancel_link.html", registration=registration, done=True)
    if request.method == "POST":
        attempt(lambda: services.cancel_registration(registration), _("Your registration is cancelled."))
        return redirect(url_for("registrations.cancel_link", token=token))
    return render_template("registrations/cancel_link.html", registration=registration, done=False)


@bp.get("/tickets/<token>")
@anyone
def ticket(token):
    registration = registration_from(token)
    qr = None
    if registration.status == CONFIRMED:
        # The QR holds the scan URL: a staff phone's camera opens the check-in for this ticket.
        code = ticket_qr.make(registration.ticket_code)
        qr = Markup(code.svg_inline(omitsize=True, light="#fff", title=_("Check-in code")))
    return render_template(
        "registrations/ticket.html",
        registration=registration,
        qr=qr,
        token=token,
        position=waiting_list.position(registration),
        asked=registration.is_live and question_queries.asking(registration.event, [registration.category_id]),
    )
