"""The attendee's pages: register (member or guest), leave, the links in the mails
(ticket, cancel, confirm a guest's seat) and "my registrations"."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from community.checkin import ticket_qr
from community.core.clock import clock_time, utcnow
from community.core.errors import DomainError, attempt
from community.core.extensions import limiter
from community.core.security import safe_next
from community.events.permissions import current_member, visible_event
from community.members.access import anyone, confirmed_required, member_required
from community.registrations import guest_holds, mails, queries, services, waiting_list
from community.registrations.forms import GuestRegistrationForm
from community.registrations.models import RegistrationStatus
from community.tickets import codes, eligibility
from community.tickets.attempts import CODE_ATTEMPTS

bp = Blueprint("registrations", __name__, url_prefix="/events")
GUEST_KEY = "guest_registrations"  # in the session: {event id: what this browser's guest registered}
# How long a guest's seat is held at an event, for the pages that say so.
bp.add_app_template_filter(guest_holds.minutes, "guest_hold_minutes")

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
CONFIRMED, WAITING = RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value


def _registration_from(token: str, purpose: str = mails.ACCESS):
    registration = mails.registration_from(token, purpose)
    if registration is None:
        abort(404)
    return registration


def _detail(slug: str):
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
    )


# ------------------------------------------------------------------ registering


def _category_arg() -> int | None:
    """The category chosen on the page (none: the first open to the person)."""
    value = request.values.get("category", "")
    return int(value) if value.isdigit() else None


def _invitation(event):
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


@bp.post("/<slug>/register")
@confirmed_required
@CODE_ATTEMPTS
def register(slug):
    event = visible_event(slug)

    def act():
        registration, created = services.register_member(
            event, current_user, category_id=_category_arg(), code=request.form.get("code", "")
        )
        return registration.status, created  # read now: the commit expires the objects

    attempt(act, _member_registered)
    return _detail(slug)  # the slug the event was found by


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
    mine = dict(session.get(GUEST_KEY, {}))
    mine[str(registration.event_id)] = {
        "email": registration.guest_email,
        "status": registration.status,
        "until": until.timestamp() if until else None,
        "until_text": clock_time(until) if until else "",
    }
    session[GUEST_KEY] = mine


@bp.route("/<slug>/guest", methods=["GET", "POST"])
@anyone
@CODE_ATTEMPTS
@GUEST_POSTS_PER_ADDRESS
@GUEST_POSTS_PER_EVENT
def guest(slug):
    event = visible_event(slug)
    if current_member() is not None:
        return _detail(event.slug)
    code, problem = _invitation(event)
    offers = [code.category] if code else eligibility.open_to(event, None)
    form = GuestRegistrationForm(categories=offers, data={"category": _category_arg()})
    problem = problem or services.registration_problem(event, None)
    if form.validate_on_submit() and not problem:
        guest = dict(name=form.name.data, email=form.email.data, organization=form.organization.data)
        guest["category_id"] = form.category.data if form.category else None
        guest["code"], guest["client"] = (code.code if code else ""), request.remote_addr
        _outcome, ok = attempt(
            lambda: services.register_guest(event, language=str(get_locale()), **guest), _guest_registered
        )
        if ok:
            return _detail(event.slug)
    return render_template(
        "registrations/guest.html", event=event, form=form, problem=problem, offers=offers, code=code
    ), 400 if form.errors else 200


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
    registration = _registration_from(token)
    if registration.status == RegistrationStatus.CANCELLED.value:
        return render_template("registrations/cancel_link.html", registration=registration, done=True)
    if request.method == "POST":
        attempt(lambda: services.cancel_registration(registration), _("Your registration is cancelled."))
        return redirect(url_for("registrations.cancel_link", token=token))
    return render_template("registrations/cancel_link.html", registration=registration, done=False)


@bp.route("/registrations/<token>/confirm", methods=["GET", "POST"])
@anyone
def guest_confirm(token):
    registration = _registration_from(token, mails.GUEST_CONFIRM)
    if request.method == "POST":
        _outcome, ok = attempt(
            lambda: services.confirm_guest(registration), _("Your seat is confirmed. See you there!")
        )
        if ok:
            _remember_guest(registration)
            return redirect(url_for("registrations.ticket", token=mails.access_token(registration)))
        return _detail(registration.event.slug)
    return render_template(
        "registrations/guest_confirm.html", registration=registration, hold_active=registration.holds_seat_at(utcnow())
    )


@bp.get("/tickets/<token>")
@anyone
def ticket(token):
    registration = _registration_from(token)
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
    )
