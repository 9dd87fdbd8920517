"""Admin pages: the landing page and the exports.

Exports are not yet recorded in an audit log (it does not exist yet)."""
from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community.admin import exports
from community.events import permissions
from community.events.models import Event
from community.extensions import db
from community.groups.models import WorkingGroup
from community.members.access import role_required
from community.members.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Slugs longer than the column are not slugs (and PostgreSQL refuses NUL bytes).
MAX_SLUG = 120


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id)).all()
    groups = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.name, WorkingGroup.id)).all()
    return render_template("admin/index.html", events=events, groups=groups, statuses=exports.STATUSES)


def _by_slug(model, slug: str):
    if len(slug) > MAX_SLUG or "\x00" in slug:
        abort(404)
    found = db.session.scalar(select(model).where(model.slug == slug))
    if found is None:
        abort(404)
    return found


def _send(fmt: str, name: str, sheet_title: str, header, rows):
    """A CSV streamed as rows are read, or an XLSX built in a temporary file then sent."""
    if fmt == "xlsx":
        output = exports.write_xlsx(header, rows, sheet_title)
        return send_file(output, mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    separator = exports.SEPARATORS.get(request.args.get("sep", "semicolon"))
    if separator is None:
        abort(400)
    return Response(
        stream_with_context(exports.csv_chunks(header, rows, separator)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/events/<slug>/attendees.<any(csv, xlsx):fmt>")
@role_required(Role.ORGANIZER)
def attendees(slug, fmt):
    event = _by_slug(Event, slug)
    if not permissions.may_manage(current_user, event):
        abort(404)
    statuses = request.args.getlist("status")
    if any(status not in exports.STATUSES for status in statuses):
        abort(400)
    rows = exports.attendee_rows(event, statuses)
    return _send(fmt, f"attendees-{event.slug}", _("Attendees"), exports.ATTENDEE_HEADER, rows)


@bp.get("/members.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN)
def members(fmt):
    return _send(fmt, "members", _("Members"), exports.MEMBER_HEADER, exports.member_rows())


@bp.get("/groups/<slug>/members.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN)
def group_members(slug, fmt):
    group = _by_slug(WorkingGroup, slug)
    rows = exports.group_member_rows(group)
    return _send(fmt, f"group-{group.slug}", _("Members"), exports.GROUP_MEMBER_HEADER, rows)
