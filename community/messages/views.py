"""Mail from organizers to an event's people: write, preview, send, archive."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_login import current_user

from community.core.errors import DomainError
from community.core.extensions import db
from community.core.security import safe_next
from community.core.text import render_text
from community.events.permissions import manager_required
from community.messages import services as messages
from community.messages.forms import MessageForm

bp = Blueprint("messages", __name__, url_prefix="/events")
bp.add_app_template_filter(messages.audience_label, "audience_label")
# Messages listed on the archive page (the dashboard shows the default of archive()).
ARCHIVE_SHOWN = 100


@bp.route("/<slug>/messages/new", methods=["GET", "POST"])
@manager_required
def new(event):
    """GET: the form. POST action=preview: the mail as sent, nothing written;
    action=edit: back to the form; action=send: send, then the archive."""
    counts = messages.counts(event)
    form = MessageForm(counts=counts)
    action = request.form.get("action", "preview")
    if request.method == "GET" or action == "edit" or not form.validate_on_submit():
        status = 400 if form.errors else 200
        return render_template("messages/new.html", event=event, form=form, counts=counts), status
    fields = dict(audience=form.audience.data, subject=form.subject.data, body=form.body.data)
    if action == "send":
        return _send(event, form, fields, counts)
    return _preview(event, form, fields, counts)


def _preview(event, form, fields, counts):
    """The mail as a recipient would get it; nothing is written."""
    try:
        mail, body_html = messages.preview(current_user, event, language=str(get_locale()), **fields)
    except DomainError as error:
        return _refused(event, form, counts, error)
    recipients = counts.get(form.audience.data, 0)
    return render_template(
        "messages/preview.html", event=event, form=form, mail=mail, body_html=body_html, recipients=recipients
    )


def _send(event, form, fields, counts):
    try:
        message = messages.send(current_user, event, submission_key=form.submission_key.data, **fields)
    except DomainError as error:
        db.session.rollback()
        return _refused(event, form, counts, error)
    db.session.commit()
    flash(
        ngettext("Message sent to %(num)d person.", "Message sent to %(num)d people.", message.recipient_count),
        "success",
    )
    return redirect(safe_next(request.args.get("next"), url_for("messages.index", slug=event.slug)))


def _refused(event, form, counts, error):
    """The form again, its text kept, with the reason on top; nothing was written."""
    return render_template("messages/new.html", event=event, form=form, counts=counts, refused=str(error)), 400


@bp.get("/<slug>/messages")
@manager_required
def index(event):
    return render_template(
        "messages/index.html",
        event=event,
        event_messages=messages.archive(event, limit=ARCHIVE_SHOWN),
    )


@bp.get("/<slug>/messages/<int:message_id>")
@manager_required
def detail(event, message_id):
    message = messages.message_of(event, message_id)
    if message is None:
        abort(404)
    return render_template("messages/detail.html", event=event, message=message, body_html=render_text(message.body))
