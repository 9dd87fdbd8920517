"""The audit log page: who did what, on which object, and when."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from community.admin import audit_log
from community.admin.member_forms import AuditFilterForm
from community.core import audit
from community.core.extensions import db
from community.core.query_args import page_arg
from community.events.models import Event
from community.members.access import role_required
from community.members.models import Role

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _filters(form: AuditFilterForm) -> audit_log.Filters:
    values = form.filters()
    return audit_log.Filters(
        action=values.get("action", ""),
        actor=values.get("actor", ""),
        object_type=values.get("object_type", ""),
        event_id=int(values["event"]) if "event" in values else None,
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
    )


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    form = AuditFilterForm(request.args)
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id.desc()))
    form.set_choices(audit.ACTIONS, audit_log.OBJECT_TYPES, events)
    pagination, rows = audit_log.search(_filters(form), page=page_arg())
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit/index.html", form=form, pagination=pagination, rows=rows, args=args)
