"""Admin pages: the landing page and the exports.

Each export is recorded in the audit log and committed before the file starts
streaming: a download cut halfway still left its trace."""

from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community.admin import exports
from community.core import audit
from community.core.extensions import db
from community.core.text import slug_may_exist
from community.events import permissions
from community.events.models import Event
from community.groups.models import WorkingGroup
from community.members.access import role_required
from community.members.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id)).all()
    groups = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.name, WorkingGroup.id)).all()
    return render_template("admin/index.html", events=events, groups=groups, statuses=exports.STATUSES)


def _by_slug(model, slug: str):
    if not slug_may_exist(slug):
        abort(404)
    found = db.session.scalar(select(model).where(model.slug == slug))
    if found is None:
        abort(404)
    return found


def _separator(fmt: str) -> str | None:
    """The CSV separator asked for (400 when unknown); None for an XLSX."""
    if fmt == "xlsx":
        return None
    separator = exports.SEPARATORS.get(request.args.get("sep", "semicolon"))
    if separator is None:
        abort(400)
    return separator


def _record(action: str, obj=None, **facts) -> None:
    """The export's audit entry, committed before any row is read or sent."""
    audit.record(current_user, action, obj, **facts)
    db.session.commit()


def _send(separator: str | None, name: str, sheet_title: str, header, rows):
    """A CSV streamed as rows are read, or an XLSX built in a temporary file then sent."""
    if separator is None:
        output = exports.write_xlsx(header, rows, sheet_title)
        return send_file(output, mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    return Response(
        stream_with_context(exports.csv_chunks(header, rows, separator)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/events/<slug>/attendees.<any(csv, xlsx):fmt>")
@permissions.manager_required
def attendees(event, fmt):
    """For the event's organizers (a co-organizer named for it too) and admins."""
    statuses = request.args.getlist("status")
    if any(status not in exports.STATUSES for status in statuses):
        abort(400)
    separator = _separator(fmt)
    _record("export.attendees", event, event_id=event.id, format=fmt, status=", ".join(statuses))
    rows = exports.attendee_rows(event, statuses)
    return _send(separator, f"attendees-{event.slug}", _("Attendees"), exports.ATTENDEE_HEADER, rows)


@bp.get("/members.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN)
def members(fmt):
    separator = _separator(fmt)
    _record("export.members", format=fmt)
    return _send(separator, "members", _("Members"), exports.MEMBER_HEADER, exports.member_rows())


@bp.get("/groups/<slug>/members.<any(csv, xlsx):fmt>")
@role_required(Role.ADMIN)
def group_members(slug, fmt):
    group = _by_slug(WorkingGroup, slug)
    separator = _separator(fmt)
    _record("export.group_members", group, format=fmt)
    rows = exports.group_member_rows(group)
    return _send(separator, f"group-{group.slug}", _("Members"), exports.GROUP_MEMBER_HEADER, rows)
