"""Member administration: list, roles, suspension, confirmation mails."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.admin import members
from community.admin.member_forms import ROLE_CHOICES, MemberFilterForm, RoleForm
from community.admin.views import bp
from community.core.errors import attempt
from community.core.extensions import db
from community.core.forms import ButtonForm
from community.core.query_args import args_but_page, page_arg
from community.groups import queries
from community.members.access import role_required
from community.members.models import Member, Role
from community.registrations.models import STATUS_LABELS


@bp.context_processor
def _labels():
    return {"role_labels": {choice.value: choice.label for choice in ROLE_CHOICES}, "status_labels": STATUS_LABELS}


def _member(member_id: int) -> Member:
    return db.get_or_404(Member, member_id)


@bp.get("/members/")
@role_required(Role.ADMIN)
def member_list():
    form = MemberFilterForm(request.args)
    form.set_groups(queries.all_groups())
    result = members.search(**form.filters(), page=page_arg())
    return render_template("admin/members/index.html", form=form, result=result, args=args_but_page())


@bp.get("/members/<int:member_id>")
@role_required(Role.ADMIN)
def member_detail(member_id):
    member = _member(member_id)
    detail, role_form = members.detail(member), RoleForm(role=member.role)
    return render_template("admin/members/detail.html", member=member, detail=detail, role_form=role_form)


def _act(action, success: str, member: Member):
    """Run a rule (see errors.attempt), then back to the member's page."""
    attempt(action, success)
    return redirect(url_for("admin.member_detail", member_id=member.id))


@bp.post("/members/<int:member_id>/role")
@role_required(Role.ADMIN)
def member_role(member_id):
    member = _member(member_id)
    form = RoleForm()
    if not form.validate():
        flash(_("Please choose a role from the list."), "danger")
        return redirect(url_for("admin.member_detail", member_id=member.id))
    return _act(
        lambda: members.change_role(current_user, member, form.role.data),
        _("The role of %(name)s is changed.", name=member.display_name),
        member,
    )


def _confirmed_step(member_id: int, action: str, rule, success):
    """GET asks "are you sure?"; the POST (with its CSRF token) acts, then says `success`
    with the member's name for %(name)s."""
    member = _member(member_id)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        return _act(lambda: rule(current_user, member), success % {"name": member.display_name}, member)
    return render_template("admin/members/confirm.html", member=member, action=action, form=form)


@bp.route("/members/<int:member_id>/suspend", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def member_suspend(member_id):
    success = _l("The account of %(name)s is suspended; their sessions have ended.")
    return _confirmed_step(member_id, "suspend", members.suspend, success)


@bp.route("/members/<int:member_id>/reactivate", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def member_reactivate(member_id):
    return _confirmed_step(member_id, "reactivate", members.reactivate, _l("The account of %(name)s is active again."))


@bp.post("/members/<int:member_id>/confirmation")
@role_required(Role.ADMIN)
def member_resend_confirmation(member_id):
    member = _member(member_id)
    if not ButtonForm().validate():
        abort(400)
    return _act(
        lambda: members.resend_confirmation(current_user, member),
        _("A new confirmation link is on its way to %(email)s.", email=member.email),
        member,
    )
