"""The organizer's pages of an event's ticket categories: the list with its figures,
add, edit, delete, and moving one registration to another category.

Views parse, call tickets/services.py, commit once and redirect with a message;
a refused change rolls back and the form is shown again with the reason."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.clock import utcnow
from community.core.errors import attempt, attempt_form, form_status
from community.core.extensions import db
from community.events.permissions import manager_required
from community.events.queries import of_event_or_404
from community.groups.queries import group_choices
from community.registrations import seats
from community.registrations.models import status_label
from community.registrations.queries import registration_or_404
from community.tickets import queries, services
from community.tickets.forms import CategoryForm, MoveForm
from community.tickets.models import ADMITS_LABELS, Category, palette_colour

bp = Blueprint("tickets", __name__, url_prefix="/events")


def category_or_404(event, category_id: int) -> Category:
    return of_event_or_404(Category, category_id, event)


def _list(event):
    return redirect(url_for("tickets.index", slug=event.slug))


@bp.route("/<slug>/categories", methods=["GET", "POST"])
@manager_required
def index(event):
    if request.method == "GET" and seats.release_due(event, utcnow()):
        db.session.commit()  # the page shows the seats as they are now
    # A new category takes the palette's next colour unless one is chosen.
    form = CategoryForm(groups=group_choices(), colour=palette_colour(len(event.categories)))
    if attempt_form(form, lambda: services.add_category(current_user, event, form.to_data()), _("Category added.")):
        return _list(event)
    queries.load_groups(event)
    return render_template(
        "tickets/index.html",
        event=event,
        form=form,
        counts=queries.counts_by_category(event),
        codes=queries.codes_by_category(event),
        admits_label=ADMITS_LABELS,
    ), form_status(form)


@bp.route("/<slug>/categories/<int:category_id>", methods=["GET", "POST"])
@manager_required
def edit(event, category_id):
    category = category_or_404(event, category_id)
    form = CategoryForm.for_category(category, groups=group_choices())
    if attempt_form(form, lambda: services.edit_category(current_user, category, form.to_data()), _("Category saved.")):
        return _list(event)
    return render_template(
        "tickets/edit.html", event=event, category=category, form=form, deletable=services.deletable(category)
    ), form_status(form)


@bp.post("/<slug>/categories/<int:category_id>/delete")
@manager_required
def delete(event, category_id):
    category = category_or_404(event, category_id)
    name = category.name
    attempt(lambda: services.delete_category(current_user, category), _("Category %(name)s deleted.", name=name))
    return _list(event)


@bp.route("/<slug>/registrations/<int:registration_id>/category", methods=["GET", "POST"])
@manager_required
def move(event, registration_id):
    """A select of the event's categories; a move over a full category asks to confirm first."""
    registration = registration_or_404(event, registration_id)
    form = MoveForm(categories=event.categories, data={"category_id": registration.category_id})
    full = False
    if form.validate_on_submit():
        _raised, ok = attempt(
            lambda: services.move_registration(
                current_user, registration, form.category_id.data, over_quota=form.over_quota.data
            ),
            _("Registration moved to another category."),
        )
        if ok:
            return redirect(url_for("dashboard.show", slug=event.slug))
        full = True
    return render_template(
        "tickets/move.html", event=event, registration=registration, form=form, full=full, status_label=status_label
    ), 400 if form.errors or full else 200
