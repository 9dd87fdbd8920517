"""Working group pages: parse, authorize, call a service, commit once, redirect."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community.core.errors import DomainError, attempt
from community.core.extensions import csrf, db
from community.core.query_args import page_arg
from community.groups import queries, services
from community.groups.forms import (
    AnnouncementForm,
    AppointLeadForm,
    ButtonForm,
    DescriptionForm,
    GroupForm,
    JoinRequestForm,
)
from community.groups.models import Announcement, GroupMembership, WorkingGroup
from community.members.access import anyone, confirmed_required, member_required, role_required
from community.members.models import Member, Role
from community.members.services import find_by_email
from community.members.tokens import TokenError

bp = Blueprint("groups", __name__, url_prefix="/groups")


def _group(slug: str) -> WorkingGroup:
    return db.one_or_404(select(WorkingGroup).where(WorkingGroup.slug == slug))


def _moderated_group(slug: str) -> WorkingGroup:
    """The group, when the current member leads it or is an admin; 403 otherwise."""
    group = _group(slug)
    if not services.can_moderate(current_user, group):
        abort(403)
    return group


def _detail(group: WorkingGroup, anchor: str | None = None):
    return redirect(url_for("groups.detail", slug=group.slug, _anchor=anchor))


def _apply(action, success: str, target):
    """Run a service call (see errors.attempt), then go to `target`."""
    attempt(action, success)
    return target


# ------------------------------------------------------------------ reading


@bp.get("/")
@anyone
def index():
    return render_template(
        "groups/index.html",
        groups=queries.all_groups(),
        counts=queries.member_counts(),
        mine=queries.memberships_by_group(current_user),
    )


@bp.get("/directory")
@member_required
def directory():
    q = request.args.get("q", "").strip()[:100]
    group_slug = request.args.get("group", "").strip()[:80]
    pagination, groups_by_member = queries.directory(q=q, group_slug=group_slug, page=page_arg())
    return render_template(
        "groups/directory.html",
        pagination=pagination,
        groups_by_member=groups_by_member,
        q=q,
        group_slug=group_slug,
        groups=queries.all_groups(),
    )


@bp.get("/mine")
@member_required
def mine():
    return render_template("groups/mine.html", memberships=queries.my_memberships(current_user), form=ButtonForm())


@bp.get("/<slug>")
@anyone
def detail(slug):
    group = _group(slug)
    membership = services.membership_of(current_user, group)
    moderator = services.can_moderate(current_user, group)
    sees_announcements = moderator or (membership is not None and membership.is_active)
    page = queries.group_page(group, with_pending=moderator, with_announcements=sees_announcements)
    return render_template(
        "groups/detail.html",
        page=page,
        group=group,
        membership=membership,
        moderator=moderator,
        sees_announcements=sees_announcements,
        request_form=JoinRequestForm(),
        form=ButtonForm(),
        upcoming_events=queries.upcoming_events(group),
    )


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


# ------------------------------------------------------------------ admin: groups


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = services.create_group(
                current_user,
                name=form.name.data,
                slug=form.slug.data or "",
                summary=form.summary.data or "",
                description=form.description.data or "",
                join_policy=form.join_policy.data,
            )
        except DomainError as error:
            db.session.rollback()
            form.slug.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The group is created."), "success")
            return _detail(group)
    return render_template("groups/form.html", form=form, group=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@confirmed_required
def edit(slug):
    group = _moderated_group(slug)
    full = current_user.is_admin
    form = (GroupForm if full else DescriptionForm)(obj=group)
    if form.validate_on_submit():
        extra = (
            dict(name=form.name.data, slug=form.slug.data or group.name, join_policy=form.join_policy.data)
            if full
            else {}
        )
        try:
            services.update_group(
                current_user, group, summary=form.summary.data or "", description=form.description.data or "", **extra
            )
        except DomainError as error:
            db.session.rollback()
            (form.slug if full else form.description).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The group is updated."), "success")
            return _detail(group)
    return render_template("groups/form.html", form=form, group=group)


@bp.post("/<slug>/archive")
@role_required(Role.ADMIN)
def archive(slug):
    group = _group(slug)
    return _apply(lambda: services.archive_group(current_user, group), _("The group is archived."), _detail(group))


@bp.post("/<slug>/unarchive")
@role_required(Role.ADMIN)
def unarchive(slug):
    group = _group(slug)
    return _apply(
        lambda: services.unarchive_group(current_user, group), _("The group is active again."), _detail(group)
    )


# ------------------------------------------------------------------ membership


@bp.post("/<slug>/join")
@confirmed_required
def join(slug):
    group = _group(slug)
    return _apply(lambda: services.join(current_user, group), _("Welcome to the group!"), _detail(group))


@bp.post("/<slug>/request")
@confirmed_required
def request_to_join(slug):
    group = _group(slug)
    form = JoinRequestForm()
    if not form.validate():
        flash(_("Your message is too long."), "danger")
        return _detail(group)
    return _apply(
        lambda: services.request_to_join(current_user, group, form.message.data or ""),
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
    return _apply(lambda: services.leave(current_user, group), message, _detail(group))


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
    return _apply(lambda: services.set_announcement_opt_out(current_user, group, opt_out), message, _detail(group))


def _pending_request(group: WorkingGroup, membership_id: int) -> GroupMembership:
    membership = db.get_or_404(GroupMembership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    return membership


@bp.post("/<slug>/requests/<int:membership_id>/approve")
@confirmed_required
def approve(slug, membership_id):
    group = _moderated_group(slug)
    membership = _pending_request(group, membership_id)
    return _apply(
        lambda: services.approve(current_user, membership), _("The request is approved."), _detail(group, "requests")
    )


@bp.post("/<slug>/requests/<int:membership_id>/decline")
@confirmed_required
def decline(slug, membership_id):
    group = _moderated_group(slug)
    membership = _pending_request(group, membership_id)
    return _apply(
        lambda: services.decline(current_user, membership), _("The request is declined."), _detail(group, "requests")
    )


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


@bp.post("/<slug>/members/<int:member_id>/remove")
@confirmed_required
def remove_member(slug, member_id):
    group = _moderated_group(slug)
    member = _member_of(group, member_id)
    return _apply(
        lambda: services.remove_member(current_user, group, member),
        _("The member is removed from the group."),
        _manage(group),
    )


@bp.post("/<slug>/members/<int:member_id>/lead")
@confirmed_required
def appoint_lead(slug, member_id):
    group = _moderated_group(slug)
    member = _member_of(group, member_id)
    return _apply(
        lambda: services.appoint_lead(current_user, group, member),
        _("%(name)s now leads the group.", name=member.display_name),
        _manage(group),
    )


@bp.post("/<slug>/members/<int:member_id>/unlead")
@role_required(Role.ADMIN)
def remove_lead(slug, member_id):
    group = _group(slug)
    member = _member_of(group, member_id)
    return _apply(
        lambda: services.remove_lead(current_user, group, member),
        _("%(name)s no longer leads the group.", name=member.display_name),
        _manage(group),
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
    return _apply(
        lambda: services.appoint_lead(current_user, group, member),
        _("%(name)s now leads the group.", name=member.display_name),
        _manage(group),
    )


# ------------------------------------------------------------------ announcements


@bp.route("/<slug>/announce", methods=["GET", "POST"])
@confirmed_required
def announce(slug):
    group = _moderated_group(slug)
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            item, created = services.announce(
                current_user,
                group,
                subject=form.subject.data,
                body=form.body.data,
                idempotency_key=form.idempotency_key.data,
            )
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
        else:
            db.session.commit()
            if created:
                flash(_("The announcement is on its way to %(count)d members.", count=item.recipients_count), "success")
            else:
                flash(_("This announcement was already sent; it was not sent again."), "info")
            return redirect(url_for("groups.announcement", slug=group.slug, announcement_id=item.id))
    form.ensure_key()
    recipients = services.count_announcement_recipients(group)
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
        membership = services.read_unsubscribe_token(token)
    except TokenError:
        return render_template("groups/unsubscribe.html", membership=None, invalid=True), 404
    done = False
    if request.method == "POST" and membership is not None:
        services.unsubscribe(membership)
        db.session.commit()
        done = True
    return render_template("groups/unsubscribe.html", membership=membership, done=done, invalid=False)
