"""The dashboard's forms for the event itself: capacity and registration dates, and its
staff (organizers and stewards named for it). Routes on the dashboard blueprint; each
comes back to the dashboard with a message, a refused change rolled back."""

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from community.core.clock import from_local
from community.core.errors import attempt
from community.dashboard import services
from community.dashboard.forms import SettingsForm, StaffForm, first_error
from community.dashboard.views import back_to_dashboard, bp
from community.events.models import EventStaff
from community.events.permissions import manager_required
from community.events.queries import of_event_or_404


@bp.post("/<slug>/dashboard/settings")
@manager_required
def settings(event):
    form = SettingsForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_dashboard(event)
    opens, closes = form.registration_opens_at.data, form.registration_closes_at.data
    attempt(
        lambda: services.change_settings(
            current_user,
            event,
            new_capacity=form.capacity.data,
            opens_at=from_local(opens) if opens else None,
            closes_at=from_local(closes) if closes else None,
        ),
        _("Capacity and registration dates saved."),
    )
    return back_to_dashboard(event)


@bp.post("/<slug>/dashboard/staff")
@manager_required
def add_staff(event):
    form = StaffForm()
    if not form.validate():
        flash(first_error(form), "error")
        return back_to_dashboard(event)
    attempt(
        lambda: services.name_staff(current_user, event, form.email.data, form.role.data),
        _("%(email)s is on the event's staff now.", email=form.email.data),
    )
    return back_to_dashboard(event)


@bp.post("/<slug>/dashboard/staff/<int:staff_id>/remove")
@manager_required
def remove_staff(event, staff_id):
    staff = of_event_or_404(EventStaff, staff_id, event)
    name = staff.member.display_name
    attempt(lambda: services.remove_staff(current_user, staff), _("%(name)s is off the event's staff.", name=name))
    return back_to_dashboard(event)
