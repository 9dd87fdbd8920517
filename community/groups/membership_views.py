"""A group's membership pages: join, ask, leave, the leads' approvals and member tools (on the groups blueprint)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.extensions import db
from community.core.forms import ButtonForm
from community.groups import memberships, queries, services
from community.groups.forms import (
    AppointLeadForm,
    JoinRequestForm,
)
from community.groups.models import GroupMembership, WorkingGroup
from community.groups.views import _apply, _detail, _group, _moderated_group, bp
from community.members.access import confirmed_required, member_required, role_required
from community.members.models import Member, Role
from community.members.services import find_by_email

# ------------------------------------------------------------------ membership


@bp.post("/<slug>/join")
@confirmed_required
def join(slug):
    group = _group(slug)
    return _apply(lambda: memberships.join(current_user, group), _("Welcome to the group!"), _detail(group))


@bp.post("/<slug>/request")
@confirmed_required
def request_to_join(slug):
    group = _group(slug)
    form = JoinRequestForm()
    if not form.validate():
        flash(_("Your message is too long."), "danger")
        return _detail(group)
    return _apply(
        lambda: memberships.request_to_join(current_user, group, form.message.data or ""),
        _("Your request is sent: a lead will answer it soon."),
        _detail(group),
    )


@bp.post("/<slug>/leave")
@member_required
def leave(slug):
    group = _group(slug)
    membership = services.membership_of(current_user, group)
    message = (
        _("Your request is withdrawn.")
        if membership is not None and membership.is_pending
        else _("You left the group.")
    )
    return _apply(lambda: memberships.leave(current_user, group), message, _detail(group))


@bp.post("/<slug>/announcements/subscription")
@member_required
def subscription(slug):
    group = _group(slug)
    opt_out = request.form.get("receive") != "yes"
    message = (
        _("You will no longer receive this group's announcements.")
        if opt_out
        else _("You will receive this group's announcements.")
    )
    return _apply(lambda: memberships.set_announcement_opt_out(current_user, group, opt_out), message, _detail(group))


def _answer(slug: str, membership_id: int, rule, success: str):
    """A lead's answer to a request of their group (another group's is not found), then back to the requests."""
    group = _moderated_group(slug)
    membership = db.get_or_404(GroupMembership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    return _apply(lambda: rule(current_user, membership), success, _detail(group, "requests"))


@bp.post("/<slug>/requests/<int:membership_id>/approve")
@confirmed_required
def approve(slug, membership_id):
    return _answer(slug, membership_id, memberships.approve, _("The request is approved."))


@bp.post("/<slug>/requests/<int:membership_id>/decline")
@confirmed_required
def decline(slug, membership_id):
    return _answer(slug, membership_id, memberships.decline, _("The request is declined."))


# ------------------------------------------------------------------ leads' tools


@bp.get("/<slug>/members")
@confirmed_required
def members(slug):
    group = _moderated_group(slug)
    return render_template(
        "groups/members.html",
        group=group,
        memberships=queries.active_memberships(group),
        pending=queries.pending_requests(group),
        form=ButtonForm(),
        lead_form=AppointLeadForm(),
    )


def _member_of(group: WorkingGroup, member_id: int) -> Member:
    member = db.get_or_404(Member, member_id)
    if services.membership_of(member, group) is None:
        abort(404)
    return member


def _manage(group):
    return redirect(url_for("groups.members", slug=group.slug))


def _on_member(group: WorkingGroup, member: Member, rule, success: str):
    """One of the members page's tools applied to a member of the group, then back to that page."""
    return _apply(lambda: rule(current_user, group, member), success, _manage(group))


def _appoint(group: WorkingGroup, member: Member):
    return _on_member(
        group, member, memberships.appoint_lead, _("%(name)s now leads the group.", name=member.display_name)
    )


@bp.post("/<slug>/members/<int:member_id>/remove")
@confirmed_required
def remove_member(slug, member_id):
    group = _moderated_group(slug)
    member = _member_of(group, member_id)
    return _on_member(group, member, memberships.remove_member, _("The member is removed from the group."))


@bp.post("/<slug>/members/<int:member_id>/lead")
@confirmed_required
def appoint_lead(slug, member_id):
    group = _moderated_group(slug)
    return _appoint(group, _member_of(group, member_id))


@bp.post("/<slug>/members/<int:member_id>/unlead")
@role_required(Role.ADMIN)
def remove_lead(slug, member_id):
    group = _group(slug)
    member = _member_of(group, member_id)
    return _on_member(
        group, member, memberships.remove_lead, _("%(name)s no longer leads the group.", name=member.display_name)
    )


@bp.post("/<slug>/leads")
@role_required(Role.ADMIN)
def appoint_lead_by_email(slug):
    """Admins appoint anyone, member of the group or not yet."""
    group = _group(slug)
    form = AppointLeadForm()
    member = find_by_email(form.email.data or "") if form.validate() else None
    if member is None:
        flash(_("No member has this email address."), "danger")
        return _manage(group)
    return _appoint(group, member)
