"""Working group pages: the list, the directory, one group, and the admin's create, edit,
archive. Membership pages are in membership_views.py, announcements in
announcement_views.py, all on this blueprint."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from community.core.errors import attempt, under
from community.core.extensions import db
from community.core.forms import ButtonForm
from community.core.query_args import page_arg
from community.events import ics
from community.events import queries as event_queries
from community.groups import queries, services
from community.groups.forms import (
    DescriptionForm,
    GroupForm,
    JoinRequestForm,
)
from community.groups.models import WorkingGroup
from community.members.access import anyone, confirmed_required, member_required, role_required
from community.members.models import Role

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


@bp.get("/<slug>/feed.ics")
@anyone
def feed(slug):
    """The group's public events, for a calendar program to subscribe to."""
    group = _group(slug)
    since = ics.feed_window()
    version, last_modified = event_queries.feed_version(since, group.id)
    name = f"{current_app.config['COMMUNITY_NAME']} · {group.name}"
    return ics.conditional_feed(
        f"{version}-{group.name}", last_modified, lambda: ics.feed_ics(event_queries.public_feed(since, group.id), name)
    )


# ------------------------------------------------------------------ admin: groups


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    form = GroupForm()
    if form.validate_on_submit():
        group, ok = attempt(
            lambda: services.create_group(
                current_user,
                name=form.name.data,
                slug=form.slug.data or "",
                summary=form.summary.data or "",
                description=form.description.data or "",
                join_policy=form.join_policy.data,
            ),
            _("The group is created."),
            refused=under(form.slug),
        )
        if ok:
            return _detail(group)
    return render_template("groups/form.html", form=form, group=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@confirmed_required
def edit(slug):
    group = _moderated_group(slug)
    full = current_user.is_admin
    form = (GroupForm if full else DescriptionForm)(obj=group)
    if form.validate_on_submit():
        _done, ok = attempt(
            lambda: services.update_group(current_user, group, **form.changes(group)),
            _("The group is updated."),
            refused=under(form.slug if full else form.description),
        )
        if ok:
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
