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


@bp.get("/audit/")
@role_required(Role.ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    events = db.session.scalars(select(Event).order_by(Event.starts_at.desc(), Event.id.desc()))
    form.set_choices(audit.ACTIONS, log.words.OBJECT_TYPES, events)
    pagination, rows = log.search(log.Filters(**form.filters()), page=page_arg())
    return render_template("admin/audit/index.html", form=form, pagination=pagination, rows=rows, args=args_but_page())
