"""The organizers' pages of an event: create, edit, publish, cancel (on the events blueprint)."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.errors import attempt
from community.events import services
from community.events.forms import EventForm
from community.events.permissions import manager_required
from community.events.views import bp
from community.groups import queries as groups
from community.members.access import role_required
from community.members.models import Role
from community.registrations import queries as registrations
from community.registrations.errors import CapacityTooLow


def _detail(event):
    return redirect(url_for("events.detail", slug=event.slug))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def create():
    form = EventForm(groups=groups.group_choices())
    if form.validate_on_submit():
        event, ok = attempt(
            lambda: services.create_event(current_user, form.to_data()), _("Draft saved. Publish it when ready.")
        )
        if ok:
            return _detail(event)
    return render_template("events/form.html", form=form, event=None), 400 if form.errors else 200


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@manager_required
def edit(event):
    form = EventForm.for_event(event, groups=groups.group_choices())
    if form.validate_on_submit():
        _result, ok = attempt(
            lambda: services.update_event(current_user, event, form.to_data()),
            _("Event saved."),
            refused=lambda error: _beside_capacity(form, error),
        )
        if ok:
            return _detail(event)
    return render_template("events/form.html", form=form, event=event), 400 if form.errors else 200


def _beside_capacity(form, error) -> bool:
    """A capacity below the seats taken is said beside the field it is about."""
    if isinstance(error, CapacityTooLow):
        form.capacity.errors.append(str(error))
        return True
    return False


@bp.post("/<slug>/publish")
@manager_required
def publish(event):
    attempt(lambda: services.publish_event(current_user, event), _("The event is published."))
    return _detail(event)


@bp.route("/<slug>/cancel", methods=["GET", "POST"])
@manager_required
def cancel_event(event):
    """A GET asks to confirm (hundreds of people get a mail); the POST cancels."""
    if request.method == "POST":
        attempt(
            lambda: services.cancel_event(current_user, event),
            _("The event is cancelled; everyone registered is told by email."),
        )
        return _detail(event)
    if event.is_cancelled:
        return _detail(event)
    return render_template("events/cancel_event.html", event=event, told=registrations.live_count(event))
