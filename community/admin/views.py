"""Admin pages: the landing page and the exports.

Each export is recorded in the audit log (with its purpose, and the questions whose
answers it carries) and committed before the file starts streaming: a download cut
halfway still left its trace. What a file carries is decided before that commit; the
questions are read again after it, to write the rows."""

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community.admin import exports, presets, spreadsheets
from community.core import audit
from community.core.clock import utcnow
from community.core.extensions import db
from community.core.text import slug_may_exist
from community.events import permissions
from community.events.models import Event
from community.groups.models import WorkingGroup
from community.members.access import role_required
from community.members.models import Role
from community.questions import answers

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
    separator = spreadsheets.SEPARATORS.get(request.args.get("sep", "semicolon"))
    if separator is None:
        abort(400)
    return separator


def _record(action: str, obj=None, **facts) -> None:
    """The export's audit entry, committed before any row is read or sent."""
    audit.record(current_user, action, obj, **facts)
    db.session.commit()


def _send(separator: str | None, name: str, sheet_title: str, header, rows, **xlsx):
    """A CSV streamed as rows are read, or an XLSX built in a temporary file then sent;
    `heading` rows (and for an XLSX its `purpose` and column `widths`) come before the header."""
    if separator is None:
        output = spreadsheets.write_xlsx(header, rows, sheet_title, **xlsx)
        return send_file(output, mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    return Response(
        stream_with_context(spreadsheets.csv_chunks(header, rows, separator, xlsx.get("heading", ()))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _statuses() -> list[str]:
    statuses = request.args.getlist("status")
    if any(status not in exports.STATUSES for status in statuses):
        abort(400)
    return statuses


@bp.get("/events/<slug>/attendees.<any(csv, xlsx):fmt>")
@permissions.manager_required
def attendees(event, fmt):
    """For the event's organizers (a co-organizer named for it too) and admins: the header
    first, then a row per registration with a column per question (the sensitive ones for
    the event's own organizers only)."""
    statuses = _statuses()
    separator = _separator(fmt)
    reads_sensitive = permissions.may_read_sensitive(current_user, event)
    columns = presets.columns(presets.FULL, answers.of_event(event), (), reads_sensitive)
    column_ids, facts = [question.id for question in columns], presets.facts(columns)
    _record("export.attendees", event, event_id=event.id, format=fmt, status=", ".join(statuses), **facts)
    file = presets.build(presets.FULL, event, answers.of_event(event), column_ids, utcnow(), statuses)
    return _send(separator, f"attendees-{event.slug}", _("Attendees"), file.header, file.rows)


def _chosen(name: str, among) -> set[int]:
    """The ids a form's checkboxes sent, each one of `among` (else 400)."""
    offered = {str(question.id): question.id for question in among}
    values = request.args.getlist(name)
    if any(value not in offered for value in values):
        abort(400)
    return {offered[value] for value in values}


def _columns(event, preset) -> list:
    """The questions the file carries; 403 when one is sensitive and this reader may not see it."""
    questions = answers.of_event(event)
    reads_sensitive = permissions.may_read_sensitive(current_user, event)
    identity = _chosen("identity", presets.identity_choices(questions)) if preset is presets.SECURITY else set()
    columns = presets.columns(preset, questions, identity, reads_sensitive)
    if any(question.sensitive for question in columns) and not reads_sensitive:
        abort(403)
    return columns


@bp.get("/events/<slug>/export")
@permissions.manager_required
def export(event):
    """A file chosen by purpose on the dashboard's form (admin/presets.py): the venue's
    security list, catering, the full list. A file that would carry raw sensitive answers
    is for the event's own organizers only (403 for an admin who is not one of them)."""
    if "preset" not in request.args:  # the address alone: the form that fills it in
        return redirect(url_for("dashboard.show", slug=event.slug) + "#export")
    preset, fmt = presets.PRESETS.get(request.args["preset"]), request.args.get("format", "")
    if preset is None or fmt not in ("csv", "xlsx"):
        abort(400)
    separator, statuses = _separator(fmt), _statuses()
    columns = _columns(event, preset)
    column_ids, now = [question.id for question in columns], utcnow()
    _record(preset.action, event, event_id=event.id, format=fmt, purpose=preset.key, **presets.facts(columns))
    file = presets.build(preset, event, answers.of_event(event), column_ids, now, statuses)
    xlsx = {"heading": file.heading, "purpose": str(preset.purpose), "widths": file.widths}
    return _send(separator, file.name, str(preset.name), file.header, file.rows, **xlsx)


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
