"""The door list and the badges as PDF files.

The door list is for whoever may check people in at the event (its stewards too); the
badges for its organizers and admins. Each download is recorded in the audit log and
committed before the file is drawn: a download cut halfway still left its trace. The
PDF is drawn into a temporary file (rows streamed from the cursor), then sent."""

import tempfile

from flask import Blueprint, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.core import audit
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.query_args import id_arg
from community.events.permissions import manager_required, steward_required
from community.paper import badges as badge_sheets
from community.paper import door_list as door
from community.paper import fonts, people

bp = Blueprint("paper", __name__, url_prefix="/events")


@bp.errorhandler(fonts.FontsMissing)
def fonts_missing(error):
    current_app.logger.error("PDF fonts missing (Debian package %s): %s", fonts.PACKAGE, error)
    message = _(
        "The fonts the PDF files are written in (Debian's %(package)s) are not installed on this server:"
        " please tell its administrator.",
        package=fonts.PACKAGE,
    )
    return _refused(503, _("PDF files are not available"), message)


def _refused(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def _record(action: str, event, **facts) -> None:
    """The download's audit entry, committed before any row is read."""
    audit.record(current_user, action, event, event_id=event.id, **facts)
    db.session.commit()


def _send(draw, name: str):
    """draw(file) writes the PDF into a temporary file, which is then sent (and closed once sent)."""
    output = tempfile.TemporaryFile()
    try:
        draw(output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    response = send_file(output, mimetype="application/pdf", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"  # names: not for the browser's cache
    return response


@bp.get("/<slug>/door-list.pdf")
@steward_required
def door_list(event):
    fonts.check()
    _record("export.door_list", event)
    rows, looks = people.confirmed(event), people.categories(event)
    return _send(lambda output: door.write(event, rows, looks, utcnow(), output), f"door-list-{event.slug}.pdf")


def _badge_args(event):
    """The layout, and the category or person asked for, from the query string; DomainError says what is wrong."""
    layout = badge_sheets.LAYOUTS.get(request.args.get("layout") or badge_sheets.DEFAULT_LAYOUT)
    try:
        category_id, registration_id = id_arg("category"), id_arg("registration")
    except ValueError:
        layout = None
    if layout is None:
        raise DomainError(_l("Choose a layout (2x4, 2x5 or single) and, if you like, a category or a person."))
    badge_sheets.check_selection(event, category_id, registration_id)
    return layout, category_id, registration_id


@bp.get("/<slug>/badges.pdf")
@manager_required
def badges(event):
    try:
        layout, category_id, registration_id = _badge_args(event)
    except DomainError as error:
        return _refused(400, _("These badges cannot be printed"), str(error))
    fonts.check()
    _record("export.badges", event, layout=layout.key, category=category_id, registration=registration_id)
    rows, looks = people.confirmed(event, category_id, registration_id), people.categories(event)
    return _send(
        lambda output: badge_sheets.write(event, layout, rows, looks, output), f"badges-{event.slug}-{layout.key}.pdf"
    )
