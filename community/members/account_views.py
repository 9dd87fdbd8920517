"""The signed-in member's own account: profile, password, email address (on the members blueprint)."""

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from community.core.errors import DomainError
from community.core.extensions import db
from community.core.forms import ButtonForm
from community.members import calendar_link, devices, services
from community.members.access import anyone, member_required
from community.members.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ProfileForm,
)
from community.members.tokens import TokenError
from community.members.views import (
    AUTH_LIMIT,
    MAIL_LIMIT,
    bp,
    has_remember_cookie,
    post_only,
    start_session,
    token_problem,
)


@bp.route("/members/profile", methods=["GET", "POST"])
@member_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            display_name=form.display_name.data,
            organization=form.organization.data or "",
            bio=form.bio.data or "",
            directory_visible=form.directory_visible.data,
            language=form.language.data,
        )
        db.session.commit()
        session["lang"] = current_user.language
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("members.profile"))
    sessions = [(record, devices.label(record)) for record in devices.active(current_user)]
    return render_template("members/profile.html", form=form, sessions=sessions)


@bp.post("/members/sessions/<int:session_id>/end")
@member_required
def end_session(session_id):
    """End one device's session (its cookies open nothing any more)."""
    if ButtonForm().validate_on_submit():
        try:
            devices.end(current_user, session_id)
        except devices.NoSuchSession:
            db.session.rollback()
        else:
            db.session.commit()
        flash(_("That session is ended."), "success")
    return redirect(url_for("members.profile"))


@bp.post("/members/calendar/reset")
@member_required
def reset_calendar_feed():
    """A new secret address for the personal calendar feed; the old one stops working."""
    if ButtonForm().validate_on_submit():
        calendar_link.reset(current_user)
        db.session.commit()
        flash(_("Your calendar feed has a new address: the old one no longer works."), "success")
    return redirect(url_for("members.profile", _anchor="calendar"))


@bp.route("/members/password", methods=["GET", "POST"])
@member_required
@post_only(*AUTH_LIMIT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            # Other sessions ended with the change; this one carries on.
            start_session(current_user._get_current_object(), remember=has_remember_cookie())
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("members.profile"))
    return render_template("members/change_password.html", form=form)


@bp.route("/members/email", methods=["GET", "POST"])
@member_required
@post_only(*MAIL_LIMIT)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.email.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            field = form.password if isinstance(error, services.WrongPassword) else form.email
            field.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you follow it.",
                    email=services.normalize_email(form.email.data),
                ),
                "info",
            )
            return redirect(url_for("members.profile"))
    return render_template("members/change_email.html", form=form)


@bp.route("/members/email/confirm/<token>", methods=["GET", "POST"])
@anyone
def confirm_email_change(token):
    form = ButtonForm()
    try:
        _member, new_email = services.email_change_payload(token)
        if form.validate_on_submit():
            services.confirm_email_change(token)
            try:
                db.session.commit()
            except IntegrityError as error:  # another account took the address a moment ago
                raise services.EmailTaken(_("Another account already uses this address.")) from error
            flash(_("Your email address is now %(email)s.", email=new_email), "success")
            return redirect(url_for("members.profile" if current_user.is_authenticated else "members.login"))
    except TokenError as error:
        db.session.rollback()
        return token_problem(error, "change_email")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("pages.home"))
    return render_template("members/confirm_email_change.html", form=form, new_email=new_email)
