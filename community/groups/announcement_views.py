"""Announcements to a group's members: write, send, read, unsubscribe (on the groups blueprint)."""

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.errors import attempt
from community.core.extensions import csrf, db
from community.groups import announcements, services
from community.groups.forms import (
    AnnouncementForm,
)
from community.groups.models import Announcement
from community.groups.views import _group, _moderated_group, bp
from community.members.access import anyone, confirmed_required, member_required
from community.members.tokens import TokenError


@bp.get("/<slug>/announcements/<int:announcement_id>")
@member_required
def announcement(slug, announcement_id):
    group = _group(slug)
    item = db.get_or_404(Announcement, announcement_id)
    membership = services.membership_of(current_user, group)
    allowed = services.can_moderate(current_user, group) or (membership is not None and membership.is_active)
    if item.group_id != group.id or not allowed:
        abort(404)
    return render_template("groups/announcement.html", group=group, announcement=item)


# ------------------------------------------------------------------ announcements


def _sent(outcome):
    """What the lead is told: (text, category)."""
    item, created = outcome
    if created:
        return _("The announcement is on its way to %(count)d members.", count=item.recipients_count), "success"
    return _("This announcement was already sent; it was not sent again."), "info"


@bp.route("/<slug>/announce", methods=["GET", "POST"])
@confirmed_required
def announce(slug):
    group = _moderated_group(slug)
    form = AnnouncementForm()
    if form.validate_on_submit():
        key = form.idempotency_key.data
        sent, ok = attempt(
            lambda: announcements.announce(
                current_user, group, subject=form.subject.data, body=form.body.data, idempotency_key=key
            ),
            _sent,
        )
        if ok:
            return redirect(url_for("groups.announcement", slug=group.slug, announcement_id=sent[0].id))
    form.ensure_key()
    recipients = announcements.count_announcement_recipients(group)
    return render_template("groups/announce.html", group=group, form=form, recipients=recipients)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@anyone
@csrf.exempt
def unsubscribe(token):
    """GET shows a button (mail scanners open links); POST opts out.

    The POST is also what mail clients send for List-Unsubscribe-Post (RFC 8058),
    without a CSRF token: the signed token is the proof, hence the exemption.
    """
    try:
        membership = announcements.read_unsubscribe_token(token)
    except TokenError:
        return render_template("groups/unsubscribe.html", membership=None, invalid=True), 404
    done = False
    if request.method == "POST" and membership is not None:
        announcements.unsubscribe(membership)
        db.session.commit()
        done = True
    return render_template("groups/unsubscribe.html", membership=membership, done=done, invalid=False)
