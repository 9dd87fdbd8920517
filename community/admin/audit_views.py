"""The audit log page: who did what, on which object, and when."""

from flask import render_template, request
from sqlalchemy import select

from community.admin import audit_log as log
from community.admin.member_forms import AuditFilterForm
from community.admin.views import bp
from community.core import audit
from community.core.extensions import db
from community.core.query_args import args_but_page, page_arg
from community.events.models import Event
from community.members.access import role_required
from community.members.models import Role


def _filters(form: AuditFilterForm) -> log.Filters:
    values = form.filters()
    return log.Filters(
        action=values.get("action", ""),
        actor=values.get("actor", ""),
        object_type=values.get("object_type", ""),
        event_id=int(values["event"]) if "event" in values else None,
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
    )


@bp.get("/audit/")
@role_required(Role.ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id.desc()))
    form.set_choices(audit.ACTIONS, log.words.OBJECT_TYPES, events)
    pagination, rows = log.search(_filters(form), page=page_arg())
    return render_template("admin/audit/index.html", form=form, pagination=pagination, rows=rows, args=args_but_page())
