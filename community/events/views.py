"""Events pages: parse, authorize, call a service, commit once, redirect."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
import segno

from community.clock import as_utc, utcnow
from community.errors import DomainError, attempt
from community.events import capacity, dashboard, display, ics, manage, notify, permissions, services
from community.events.forms import EventForm, GuestRegistrationForm
from community.events.models import LIVE, Event, EventStatus, Registration, RegistrationStatus, Visibility
from community.extensions import db
from community.mail.outbox import external_url
from community.members import tokens
from community.members.access import anyone, confirmed_required, member_required, role_required
from community.members.models import Role
from community.security import safe_next

bp = Blueprint("events", __name__, url_prefix="/events")
display.register(bp)


def _me():
    return current_user if current_user.is_authenticated else None


def _visible_event(slug: str) -> Event:
    # A garbage slug (too long, NUL bytes PostgreSQL refuses) is simply not an event.
    if len(slug) > 120 or "\x00" in slug:
        abort(404)
    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None or not services.can_view(event, _me()):
        abort(404)
    return event


def _registration_from(token: str, purpose: str = notify.ACCESS) -> Registration:
    try:
        payload = tokens.read(purpose, token, notify.ACCESS_MAX_AGE)
    except tokens.TokenError:
        abort(404)
    # The signed ticket code names the registration (tokens are made before its row has an id).
    code = payload.get("c")
    registration = db.session.scalar(select(Registration).where(Registration.ticket_code == code)) if isinstance(code, str) else None
    if registration is None:
        abort(404)
    return registration


# ------------------------------------------------------------------ pages

@bp.get("/")
@anyone
def index():
    now = utcnow()
    shown = [EventStatus.PUBLISHED.value, EventStatus.CANCELLED.value]
    upcoming = db.session.scalars(
        select(Event).where(Event.status.in_(shown), Event.ends_at >= now).order_by(Event.starts_at)
    ).all()
    past = db.session.scalars(
        select(Event).where(Event.status.in_(shown), Event.ends_at < now).order_by(Event.starts_at.desc()).limit(30)
    ).all()
    me = _me()
    drafts = []
    if me is not None and me.is_organizer:
        drafts = db.session.scalars(select(Event).where(Event.status == EventStatus.DRAFT.value).order_by(Event.starts_at)).all()
    mine = {}
    if me is not None and upcoming:
        mine = {
            r.event_id: r.status
            for r in db.session.execute(
                select(Registration.event_id, Registration.status).where(
                    Registration.member_id == me.id, Registration.status.in_(LIVE),
                    Registration.event_id.in_([e.id for e in upcoming]),
                )
            )
        }
    return render_template("events/index.html", upcoming=upcoming, past=past, drafts=drafts, mine=mine)


@bp.get("/<slug>")
@anyone
def detail(slug):
    event = _visible_event(slug)
    me = _me()
    registration = position = None
    if me is not None:
        registration = services.live_registration(event.id, member_id=me.id)
        position = capacity.waiting_position(registration) if registration else None
    # Those who run the event see where it stands; the lists are on the dashboard.
    rights = permissions.rights(me, event)
    counts = dashboard.counts(event) if rights.manage else None
    problem = services.registration_problem(event, me)
    return render_template(
        "events/detail.html", event=event, registration=registration, position=position, problem=problem,
        manager=rights.manage, steward=rights.check_in, counts=counts, now=utcnow(), ticket_token=notify.access_token,
    )


@bp.get("/mine")
@member_required
def mine():
    registrations = db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .options(contains_eager(Registration.event))
        .where(Registration.member_id == current_user.id)
        .order_by(Event.starts_at.desc(), Registration.id.desc())
    ).unique().all()
    positions = _waiting_positions([r for r in registrations if r.status == RegistrationStatus.WAITING.value])
    return render_template(
        "events/mine.html", registrations=registrations, positions=positions, now=utcnow(), ticket_token=notify.access_token,
    )


def _waiting_positions(waiting: list[Registration]) -> dict[int, int]:
    """Positions of several waiting registrations in one query."""
    if not waiting:
        return {}
    other = db.aliased(Registration)
    rows = db.session.execute(
        select(Registration.id, func.count(other.id))
        .join(other, (other.event_id == Registration.event_id) & (other.status == RegistrationStatus.WAITING.value)
              & ((other.created_at < Registration.created_at)
                 | ((other.created_at == Registration.created_at) & (other.id <= Registration.id))))
        .where(Registration.id.in_([r.id for r in waiting]))
        .group_by(Registration.id)
    ).all()
    return dict(rows)


@bp.get("/<slug>/calendar.ics")
@anyone
def calendar(slug):
    event = _visible_event(slug)
    return Response(ics.event_ics(event), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'})


@bp.get("/feed.ics")
@anyone
def feed():
    events = db.session.scalars(
        select(Event).where(
            Event.status.in_([EventStatus.PUBLISHED.value, EventStatus.CANCELLED.value]),
            Event.visibility == Visibility.PUBLIC.value, Event.ends_at >= ics.feed_window(),
        ).order_by(Event.starts_at)
    ).all()
    return Response(ics.feed_ics(events, current_app.config["COMMUNITY_NAME"]), mimetype="text/calendar")


# ------------------------------------------------------------------ registering

@bp.post("/<slug>/register")
@confirmed_required
def register(slug):
    event = _visible_event(slug)

    def act():
        registration, created = services.register_member(event, current_user)
        return registration.status, created  # read now: the commit expires the objects

    outcome, ok = attempt(act)
    if ok:
        status, created = outcome
        if not created:
            flash(_("You are already registered for this event."), "info")
        elif status == RegistrationStatus.CONFIRMED.value:
            flash(_("You are registered. A confirmation with your ticket is on its way by email."), "success")
        else:
            flash(_("The event is full: you are on the waiting list."), "info")
    return redirect(url_for("events.detail", slug=slug))  # the slug the event was found by


@bp.route("/<slug>/guest", methods=["GET", "POST"])
@anyone
def guest(slug):
    event = _visible_event(slug)
    if _me() is not None:
        return redirect(url_for("events.detail", slug=event.slug))
    form = GuestRegistrationForm()
    problem = services.registration_problem(event, None)
    if form.validate_on_submit() and not problem:
        outcome, ok = attempt(lambda: services.register_guest(
            event, name=form.name.data, email=form.email.data, organization=form.organization.data,
            language=str(get_locale()),
        ))
        if ok:
            registration, _created = outcome
            if registration.status == RegistrationStatus.WAITING.value:
                flash(_("The event is full: you are on the waiting list. We sent you an email."), "info")
            else:
                flash(_("Almost done: follow the link we sent to %(email)s to confirm your seat.", email=registration.guest_email), "success")
            return redirect(url_for("events.detail", slug=event.slug))
    return render_template("events/guest.html", event=event, form=form, problem=problem), 200 if not form.errors else 400


@bp.post("/<slug>/leave")
@member_required
def leave(slug):
    event = _visible_event(slug)
    registration = services.live_registration(event.id, member_id=current_user.id)
    if registration is None:
        flash(_("You have no registration for this event."), "info")
    else:
        attempt(lambda: services.cancel_as(current_user, registration), _("Your registration is cancelled."))
    return redirect(safe_next(request.form.get("next"), url_for("events.detail", slug=event.slug)))


@bp.route("/registrations/<token>/cancel", methods=["GET", "POST"])
@anyone
def cancel_link(token):
    """From the mail, no login: a GET shows the button (mail scanners prefetch links), the POST cancels."""
    registration = _registration_from(token)
    if registration.status == RegistrationStatus.CANCELLED.value:
        return render_template("events/cancel_link.html", registration=registration, done=True)
    if request.method == "POST":
        attempt(lambda: services.cancel_registration(registration), _("Your registration is cancelled."))
        return redirect(url_for("events.cancel_link", token=token))
    return render_template("events/cancel_link.html", registration=registration, done=False)


@bp.route("/registrations/<token>/confirm", methods=["GET", "POST"])
@anyone
def guest_confirm(token):
    registration = _registration_from(token, notify.GUEST_CONFIRM)
    if request.method == "POST":
        _outcome, ok = attempt(lambda: services.confirm_guest(registration), _("Your seat is confirmed. See you there!"))
        if ok:
            return redirect(url_for("events.ticket", token=notify.access_token(registration)))
        return redirect(url_for("events.detail", slug=registration.event.slug))
    hold_active = registration.status == RegistrationStatus.HELD.value and as_utc(registration.hold_expires_at) > utcnow()
    return render_template("events/guest_confirm.html", registration=registration, hold_active=hold_active)


@bp.get("/tickets/<token>")
@anyone
def ticket(token):
    registration = _registration_from(token)
    qr = None
    if registration.status == RegistrationStatus.CONFIRMED.value:
        # The QR holds the scan URL: a staff phone's camera opens the check-in for this ticket.
        scan_url = external_url("checkin.scan", code=registration.ticket_code)
        qr = Markup(segno.make(scan_url, error="m").svg_inline(omitsize=True, light="#fff", title=_("Check-in code")))
    return render_template(
        "events/ticket.html", registration=registration, qr=qr, token=token,
        position=capacity.waiting_position(registration),
    )


# ------------------------------------------------------------------ organizers

@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def create():
    form = EventForm(groups=services.group_choices())
    if form.validate_on_submit():
        event, ok = attempt(lambda: manage.create_event(current_user, form.to_data()), _("Draft saved. Publish it when ready."))
        if ok:
            return redirect(url_for("events.detail", slug=event.slug))
    return render_template("events/form.html", form=form, event=None), 400 if form.errors else 200


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permissions.manager_required
def edit(event):
    slug = event.slug
    form = EventForm.for_event(event, groups=services.group_choices())
    if form.validate_on_submit():
        try:
            manage.update_event(current_user, event, form.to_data())
        except services.CapacityTooLow as error:
            db.session.rollback()
            form.capacity.errors.append(str(error))  # beside the field it is about
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Event saved."), "success")
            return redirect(url_for("events.detail", slug=event.slug))
        event = db.session.scalar(select(Event).where(Event.slug == slug))
    return render_template("events/form.html", form=form, event=event), 400 if form.errors else 200


@bp.post("/<slug>/publish")
@permissions.manager_required
def publish(event):
    attempt(lambda: manage.publish_event(current_user, event), _("The event is published."))
    return redirect(url_for("events.detail", slug=event.slug))


@bp.route("/<slug>/cancel", methods=["GET", "POST"])
@permissions.manager_required
def cancel_event(event):
    """A GET asks to confirm (hundreds of people get a mail); the POST cancels."""
    if request.method == "POST":
        attempt(lambda: manage.cancel_event(current_user, event), _("The event is cancelled; everyone registered is told by email."))
        return redirect(url_for("events.detail", slug=event.slug))
    if event.is_cancelled:
        return redirect(url_for("events.detail", slug=event.slug))
    told = db.session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == event.id, Registration.status.in_(LIVE))
    )
    return render_template("events/cancel_event.html", event=event, told=told)


@bp.route("/<slug>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@permissions.manager_required
def cancel_for(event, registration_id):
    """An organizer cancels someone's registration: a GET asks to confirm, the POST cancels and mails them.

    Both come back to the dashboard, where the lists of people are."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    back = safe_next(request.values.get("next"), url_for("dashboard.show", slug=event.slug))
    if not registration.is_live:
        flash(_("This registration is cancelled."), "info")
        return redirect(back)
    if request.method == "POST":
        name = registration.name
        attempt(lambda: services.cancel_as(current_user, registration),
                 _("The registration of %(name)s is cancelled; they are told by email.", name=name))
        return redirect(back)
    return render_template("events/cancel_for.html", event=event, registration=registration, back=back)
