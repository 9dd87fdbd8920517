"""The outbox page: mail delivery you can see.

Admins see every mail (bodies included) and retry failed ones; organizers see
how the mails of their own event went, without bodies."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from community.admin.views import bp
from community.core.database import MAX_ID
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.query_args import page_arg
from community.core.security import safe_next
from community.events.permissions import manager_required
from community.mail import queries
from community.mail.outbox import retry as retry_mail
from community.mail.outbox import retry_failed as retry_failed_mails
from community.members.access import role_required
from community.members.models import Role

bp.add_app_template_global(queries.failed_count, "failed_mail_count")

TABS = (queries.ALL, *queries.STATUSES)
# The HTML body is shown in a frame of its own: no script, no request out, no form;
# its inline styles (mail layout) still apply. Only our own pages may frame it.
BODY_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)


def _status() -> str:
    status = request.args.get("status", queries.ALL)
    if status not in TABS:
        abort(400)
    return status


def _log_only() -> bool:
    """No MAIL_SERVER: mail is written to the log and marked sent, readable here."""
    return not current_app.config.get("MAIL_SERVER")


def _filters(values) -> dict:
    """The search, kind of mail and event of the outbox page (query string or form)."""
    event_id = values.get("event", type=int)
    if values.get("event") and not (event_id and 0 < event_id <= MAX_ID):
        abort(400)
    return {
        "q": values.get("q", "").strip()[:200],
        "template": values.get("template", "").strip()[:80],
        "event_id": event_id,
    }


@bp.get("/outbox/")
@role_required(Role.ADMIN)
def outbox():
    status = _status()
    filters = _filters(request.args)
    result = queries.outbox_page(status, page=page_arg(), **filters)
    events = queries.events_with_mail()
    return render_template(
        "admin/outbox.html",
        result=result,
        status=status,
        **filters,
        tabs=TABS,
        templates=queries.templates_in_use(),
        events=events,
        event_titles={event.id: event.title for event in events},
        log_only=_log_only(),
    )


def _mail_or_404(email_id: int):
    email = queries.mail(email_id)
    if email is None:
        abort(404)
    return email


@bp.get("/outbox/<int:email_id>")
@role_required(Role.ADMIN)
def outbox_mail(email_id):
    email = _mail_or_404(email_id)
    return render_template(
        "admin/outbox_mail.html", email=email, detail=queries.mail_detail(email), log_only=_log_only()
    )


@bp.get("/outbox/<int:email_id>/body.html")
@role_required(Role.ADMIN)
def outbox_body(email_id):
    """The HTML body alone, for the sandboxed frame of the mail page."""
    email = _mail_or_404(email_id)
    response = current_app.response_class(email.body_html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = BODY_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/outbox/<int:email_id>/retry")
@role_required(Role.ADMIN)
def outbox_retry(email_id):
    email = _mail_or_404(email_id)
    target = safe_next(request.form.get("next"), url_for("admin.outbox_mail", email_id=email.id))
    try:
        retry_mail(current_user, email)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("The mail is back in the queue: it will be sent in a moment."), "success")
    return redirect(target)


@bp.post("/outbox/retry-failed")
@role_required(Role.ADMIN)
def outbox_retry_failed():
    """Every failed mail the page's filters match, back in the queue."""
    filters = _filters(request.form)
    requeued = retry_failed_mails(current_user, **filters)
    db.session.commit()
    if requeued:
        flash(
            ngettext(
                "%(num)d mail is back in the queue: it will be sent in a moment.",
                "%(num)d mails are back in the queue: they will be sent in a moment.",
                requeued,
            ),
            "success",
        )
    else:
        flash(_("No failed mail matches these filters: nothing was retried."), "info")
    args = {"q": filters["q"] or None, "template": filters["template"] or None, "event": filters["event_id"]}
    return redirect(url_for("admin.outbox", status="pending" if requeued else "failed", **args))


@bp.get("/outbox/events/<slug>")
@manager_required
def outbox_event(event):
    status = _status()
    result = queries.outbox_page(status, event_id=event.id, page=page_arg())
    return render_template(
        "admin/outbox_event.html", event=event, result=result, status=status, tabs=TABS, log_only=_log_only()
    )
