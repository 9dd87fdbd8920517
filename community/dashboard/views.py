"""The organizer's dashboard of one event: counts, chart, lists, actions on registrations
(its settings and staff in settings_views.py).

Views parse, call events/services.py, commit once and redirect back to the dashboard
with a message; a refused action rolls back and changes nothing."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from community.admin import presets
from community.core import audit
from community.core.clock import to_local, utcnow
from community.core.errors import attempt
from community.core.extensions import db
from community.core.query_args import page_arg
from community.core.security import safe_next
from community.core.text import clean
from community.dashboard import chart, counts, people, services, timeline
from community.dashboard import history as event_history
from community.dashboard.forms import AddPersonForm, SettingsForm, StaffForm, first_error
from community.events import queries as event_queries
from community.events.permissions import manager_required, may_read_sensitive
from community.messages import services as messages
from community.paper.badges import LAYOUTS as BADGE_LAYOUTS
from community.questions import answers, sensitive
from community.questions import counts as answer_counts
from community.registrations import seats
from community.registrations import services as registrations
from community.registrations.models import CONFIRMED, WAITING, status_label
from community.registrations.queries import registration_or_404

bp = Blueprint("dashboard", __name__, url_prefix="/events")


def _text_arg(name: str) -> str:
    return clean(request.args.get(name, ""))[:100]


def _choice_arg(name: str, allowed) -> str:
    value = request.args.get(name, "")
    return value if value in allowed else next(iter(allowed))


def _list_state() -> dict:
    """The lists' search, sort, filter and page, from the query string; bad values fall back."""
    return {
        "aq": _text_arg("aq"),
        "asort": _choice_arg("asort", people.ATTENDEE_SORTS),
        "astatus": _choice_arg("astatus", people.ATTENDEE_FILTERS),
        "apage": page_arg("apage"),
        "wq": _text_arg("wq"),
        "wsort": _choice_arg("wsort", people.WAITING_SORTS),
        "wpage": page_arg("wpage"),
    }


def back_to_dashboard(event):
    """Where an action returns: the dashboard as the organizer left it (lists, page)."""
    return redirect(safe_next(request.form.get("next"), url_for("dashboard.show", slug=event.slug)))


def _lists(event, state: dict) -> dict:
    """The lists of people, as the query string asks for them, and the unconfirmed holds."""
    attendees = people.of_event(
        event,
        statuses=people.ATTENDEE_FILTERS[state["astatus"]],
        q=state["aq"],
        sort=state["asort"],
        page=state["apage"],
    )
    waiting = people.of_event(event, statuses=(WAITING,), q=state["wq"], sort=state["wsort"], page=state["wpage"])

    def list_url(**changes):
        values = {key: value for key, value in {**state, **changes}.items() if value not in ("", None, 1)}
        return url_for("dashboard.show", slug=event.slug, **values)

    holds = people.unconfirmed_holds(event)
    return {"attendees": attendees, "waiting": waiting, "holds": holds, "state": state, "list_url": list_url}


def _answers(event, lists: dict, now) -> dict:
    """The event's questions: counts for everyone who sees the dashboard, the answers of the
    people listed (those to sensitive questions for the event's own organizers only), what
    the export form offers. Four queries at most, whatever the number of registrations."""
    questions = answers.of_event(event)
    reads_sensitive = may_read_sensitive(current_user, event)
    readable = sensitive.readable(questions, reads_sensitive)
    listed = [row.registration.id for page in (lists["attendees"], lists["waiting"]) for row in page.rows]
    values = answers.of_registrations(listed) if readable else {}
    return {
        "tallies": answer_counts.of_event(event, questions),
        "row_answers": {
            "questions": readable,
            "given": {key: sensitive.visible(theirs, questions, reads_sensitive) for key, theirs in values.items()},
            "shown": answers.shown,
        },
        "hidden_questions": sensitive.hidden(questions, reads_sensitive),
        "sensitive_days": sensitive.retention_days(),
        "sensitive_erased": sensitive.past_retention(event, now),
        "presets": list(presets.PRESETS.values()),
        "identity_choices": sensitive.readable(presets.identity_choices(questions), reads_sensitive),
    }


def _forms(event) -> dict:
    """The dashboard's forms, empty (the capacity and dates as they are)."""
    settings = SettingsForm(
        formdata=None,
        capacity=event.capacity,
        registration_opens_at=_local(event.registration_opens_at),
        registration_closes_at=_local(event.registration_closes_at),
    )
    add = AddPersonForm(formdata=None, language=str(get_locale()), categories=event.categories)
    return {"add_form": add, "settings_form": settings, "staff_form": StaffForm(formdata=None)}


def _seats_due_freed(event):
    """Now, once the seats due back are freed (guest holds run out, reserved seats past their
    release date), so that the counts and lists show only live holds."""
    now = utcnow()
    if seats.release_due(event, now):
        db.session.commit()
    return now


def _chart(event, now) -> dict:
    series = timeline.series(event, now)
    return {
        "series": series,
        "chart_svg": chart.render(series, capacity=event.capacity, name_of=event.category_name),
        "chart_label": chart.label,
        "band_colour": chart.band_colour,
    }


@bp.get("/<slug>/dashboard")
@manager_required
def show(event):
    now = _seats_due_freed(event)
    lists = _lists(event, _list_state())
    return render_template(
        "dashboard/index.html",
        event=event,
        counts=counts.of_event(event),
        here=request.full_path.rstrip("?"),
        staff=event_queries.staff(event),
        history=event_history.latest(event),
        audit_label=audit.label,
        status_label=status_label,
        event_messages=messages.archive(event),
        badge_layouts=BADGE_LAYOUTS.values(),
        **_chart(event, now),
        **lists,
        **_answers(event, lists, now),
        **_forms(event),
    )


@bp.get("/<slug>/dashboard/registrations/<int:registration_id>/answers")
@manager_required
def registration_answers(event, registration_id):
    """One person's answers to the event's questions: those to sensitive questions for the
    event's own organizers only, the others for everyone who manages the event."""
    registration = registration_or_404(event, registration_id)
    questions = answers.of_event(event)
    reads_sensitive = may_read_sensitive(current_user, event)
    theirs = answers.of_registrations([registration.id]).get(registration.id, {})
    values = sensitive.visible(theirs, questions, reads_sensitive)
    return render_template(
        "dashboard/answers.html",
        event=event,
        registration=registration,
        questions=sensitive.asked_of(sensitive.readable(questions, reads_sensitive), registration, values),
        values=values,
        shown=answers.shown,
        hidden_answers=len(theirs) - len(values),
        back=safe_next(request.args.get("next"), url_for("dashboard.show", slug=event.slug) + "#attendees"),
    )


@bp.route("/<slug>/dashboard/holds/release", methods=["GET", "POST"])
@manager_required
def release_holds(event):
    """Every seat held for a guest not confirmed yet: a GET asks to confirm, the POST releases
    them all (the waiting list moves) and comes back to the dashboard."""
    if request.method == "GET":
        holds = people.unconfirmed_holds(event)
        return render_template("dashboard/release_holds.html", event=event, holds=holds)
    attempt(
        lambda: services.release_holds(current_user, event),
        lambda released: (
            ngettext("%(num)d held seat released.", "%(num)d held seats released.", len(released)),
            "success",
        ),
    )
    return redirect(url_for("dashboard.show", slug=event.slug) + "#holds")


@bp.get("/<slug>/dashboard/history")
@manager_required
def history(event):
    """The whole history of the event, 50 entries a page (the dashboard shows the latest)."""
    pagination, entries = event_history.page(event, page_arg())
    return render_template(
        "dashboard/history.html", event=event, pagination=pagination, history=entries, audit_label=audit.label
    )


def _local(value):
    return to_local(value).replace(tzinfo=None) if value else None


@bp.route("/<slug>/dashboard/registrations/<int:registration_id>/promote", methods=["GET", "POST"])
@manager_required
def promote(event, registration_id):
    """POST promotes when a seat is free. When the event is full, the GET page asks
    to confirm going over capacity, and only its form (over_capacity=1) does it."""
    registration = registration_or_404(event, registration_id)
    if request.method == "GET":
        return _confirm_over_capacity(event, registration)
    over = request.form.get("over_capacity") == "1"
    name = registration.name
    _result, done = attempt(
        lambda: services.promote_by_hand(current_user, registration, over_capacity=over),
        _("%(name)s has a seat now; they are told by email.", name=name),
    )
    if not done and not over and registration.status == WAITING and event.is_full:
        back = request.form.get("next")
        return redirect(url_for("dashboard.promote", slug=event.slug, registration_id=registration_id, next=back))
    return back_to_dashboard(event)


def _confirm_over_capacity(event, registration):
    """The page that asks to confirm promoting someone over capacity."""
    if registration.status != WAITING:
        flash(_("This person is not on the waiting list any more."), "info")
        return redirect(url_for("dashboard.show", slug=event.slug))
    back = safe_next(request.args.get("next"), url_for("dashboard.show", slug=event.slug))
    return render_template(
        "dashboard/promote.html",
        event=event,
        registration=registration,
        new_capacity=seats.capacity_over(event),
        next=back,
    )


@bp.post("/<slug>/dashboard/registrations/<int:registration_id>/resend")
@manager_required
def resend(event, registration_id):
    registration = registration_or_404(event, registration_id)
    name, email = registration.name, registration.email
    attempt(
        lambda: services.resend_confirmation(current_user, registration),
        _("The confirmation is sent again to %(name)s (%(email)s).", name=name, email=email),
    )
    return back_to_dashboard(event)


def _added(registration):
    """What an organizer is told once a person is added: (text, category)."""
    if registration.status == CONFIRMED:
        return _("%(name)s is registered; a confirmation is on its way by email.", name=registration.name), "success"
    return _("The event is full: %(name)s is on the waiting list and told by email.", name=registration.name), "info"


@bp.post("/<slug>/dashboard/add")
@manager_required
def add(event):
    form = AddPersonForm(categories=event.categories)
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_dashboard(event)
    person = form.person() | {"category_id": form.category_id.data}
    attempt(lambda: services.add_by_hand(current_user, event, over_capacity=form.over_capacity.data, **person), _added)
    return back_to_dashboard(event)


@bp.route("/<slug>/registrations/<int:registration_id>/cancel", methods=["GET", "POST"])
@manager_required
def cancel_registration(event, registration_id):
    """An organizer cancels someone's registration: a GET asks to confirm, the POST cancels and mails them.

    Both come back to the dashboard, where the lists of people are."""
    registration = registration_or_404(event, registration_id)
    back = safe_next(request.values.get("next"), url_for("dashboard.show", slug=event.slug))
    if not registration.is_live:
        flash(_("This registration is cancelled."), "info")
        return redirect(back)
    if request.method == "POST":
        name = registration.name
        attempt(
            lambda: registrations.cancel_as(current_user, registration),
            _("The registration of %(name)s is cancelled; they are told by email.", name=name),
        )
        return redirect(back)
    return render_template("dashboard/cancel_registration.html", event=event, registration=registration, back=back)
