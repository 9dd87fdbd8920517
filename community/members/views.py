"""Member pages: sign-up, email proof, login, password reset, profile."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from community.core.errors import DomainError
from community.core.extensions import db, limiter
from community.core.i18n import supported_language
from community.core.security import safe_next
from community.members import services
from community.members.access import anyone, member_required
from community.members.forms import (
    ButtonForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    SignupForm,
)
from community.members.tokens import TokenError

bp = Blueprint("members", __name__, url_prefix="/members")

# Per client address; the per-account lock lives in services.authenticate.
AUTH_LIMIT = "10 per minute;50 per hour"
MAIL_LIMIT = "5 per minute;20 per hour"


def _post_only(limit):
    return limiter.limit(limit, methods=["POST"])


@bp.route("/signup", methods=["GET", "POST"])
@anyone
@_post_only(MAIL_LIMIT)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("members.profile"))
    form = SignupForm(language=request.args.get("lang") or _current_language())
    if form.validate_on_submit():
        try:
            services.sign_up(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                language=form.language.data,
            )
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            # The same page whether the address was new or known: no enumeration.
            return redirect(url_for("members.check_email"))
    return render_template("members/signup.html", form=form)


@bp.get("/check-email")
@anyone
def check_email():
    return render_template("members/check_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@anyone
def confirm(token):
    """GET shows a button (mail scanners open links); only the POST confirms."""
    form = ButtonForm()
    try:
        member = services.peek_confirm_token(token) if request.method == "GET" else None
        if form.validate_on_submit():
            member = services.confirm_email(token)
            db.session.commit()
            flash(_("Thank you, your email address is confirmed."), "success")
            if current_user.is_authenticated and current_user.id == member.id:
                return redirect(url_for("members.profile"))
            return redirect(url_for("members.login", email=member.email))
    except TokenError as error:
        db.session.rollback()
        return _token_problem(error, "confirm")
    return render_template("members/confirm.html", form=form, member=member)


@bp.route("/confirm/new", methods=["POST"])
@anyone
@_post_only(MAIL_LIMIT)
def new_confirmation():
    """A fresh confirmation link for an address; the same answer whether it exists or not."""
    form = EmailOnlyForm()
    if form.validate_on_submit():
        member = services.find_by_email(form.email.data)
        if member is not None and not member.is_confirmed:
            services.send_confirmation(member)
            db.session.commit()
        return redirect(url_for("members.check_email"))
    return render_template("members/token_error.html", reason="invalid", purpose="confirm", form=form), 400


@bp.route("/unconfirmed", methods=["GET", "POST"])
@member_required
@_post_only(MAIL_LIMIT)
def unconfirmed():
    if current_user.is_confirmed:
        return redirect(safe_next(request.args.get("next"), url_for("members.profile")))
    form = ButtonForm()
    if form.validate_on_submit():
        services.send_confirmation(current_user)
        db.session.commit()
        flash(_("We sent you a new confirmation link."), "success")
        return redirect(url_for("members.unconfirmed"))
    return render_template("members/unconfirmed.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@anyone
@_post_only(AUTH_LIMIT)
def login():
    target = safe_next(request.args.get("next"), url_for("members.profile"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        try:
            member = services.authenticate(form.email.data, form.password.data)
        except services.LoginRefused as error:
            db.session.commit()  # keep the failed-attempt counter
            flash(str(error), "danger")
        else:
            db.session.commit()
            _start_session(member, remember=form.remember.data)
            return redirect(target)
    return render_template("members/login.html", form=form)


def _start_session(member, remember: bool) -> None:
    """A fresh session at login, so a planted session id is worthless."""
    language = session.get("lang")
    session.clear()
    login_user(member, remember=remember)
    session["lang"] = language or member.language


def _has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@bp.post("/logout")
@anyone
def logout():
    """Open to anyone: pressing "log out" in a second, stale tab is not an error."""
    form = ButtonForm()
    if form.validate_on_submit():
        # Clear first: logout_user() leaves the order to delete the remember
        # cookie in the session, which clear() would throw away.
        session.clear()
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("pages.home"))


@bp.post("/logout-elsewhere")
@member_required
def logout_elsewhere():
    """Log out every other device; this one carries on with a fresh session."""
    if ButtonForm().validate_on_submit():
        services.end_other_sessions(current_user)
        db.session.commit()
        _start_session(current_user._get_current_object(), remember=_has_remember_cookie())
        flash(_("You are logged out on every other device."), "success")
    return redirect(url_for("members.profile"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@anyone
@_post_only(MAIL_LIMIT)
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("members/reset_sent.html", minutes=current_app.config["RESET_TOKEN_MINUTES"])
    return render_template("members/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@anyone
@_post_only(AUTH_LIMIT)
def reset_password(token):
    form = NewPasswordForm()
    try:
        services.member_for_reset(token)
        if form.validate_on_submit():
            member = services.reset_password(token, form.password.data)
            db.session.commit()
            logout_user()
            flash(_("Your password has been changed. You can log in with it now."), "success")
            return redirect(url_for("members.login", email=member.email))
    except TokenError as error:
        db.session.rollback()
        return _token_problem(error, "reset")
    return render_template("members/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
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
    return render_template("members/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@member_required
@_post_only(AUTH_LIMIT)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            # Other sessions ended with the change; this one carries on.
            _start_session(current_user._get_current_object(), remember=_has_remember_cookie())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("members.profile"))
    return render_template("members/change_password.html", form=form)


@bp.route("/email", methods=["GET", "POST"])
@member_required
@_post_only(MAIL_LIMIT)
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


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
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
        return _token_problem(error, "change_email")
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("pages.home"))
    return render_template("members/confirm_email_change.html", form=form, new_email=new_email)


def _token_problem(error: TokenError, purpose: str):
    """Expired, tampered or used links: say which, and offer a new one."""
    return render_template("members/token_error.html", reason=error.reason, purpose=purpose, form=EmailOnlyForm()), 400


def _current_language() -> str:
    from flask_babel import get_locale

    return supported_language(str(get_locale()))
