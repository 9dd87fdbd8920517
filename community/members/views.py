"""Member pages: sign-up, email proof, login and logout, password reset.

The signed-in member's own account (profile, password, email) is in account_views.py,
on the same blueprint."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from community.core.errors import attempt, under
from community.core.extensions import db, limiter
from community.core.forms import ButtonForm
from community.core.i18n import supported_language
from community.core.security import safe_next
from community.members import devices, services, throttle
from community.members.access import anyone, member_required
from community.members.forms import (
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    SignupForm,
)
from community.members.login import LoginRefused, authenticate
from community.members.tokens import TokenError

bp = Blueprint("members", __name__)
CHECK_EMAIL_KEY = "check_email_address"  # in the session: where the last message was sent


def address_and_account() -> str:
    """The venue's Wi-Fi is one address for hundreds of people: the tight limits count per
    client address and account (the email typed, else the member, else the link's token)."""
    account = request.form.get("email", "").strip().casefold()
    if not account:
        account = f"#{current_user.id}" if current_user.is_authenticated else (request.view_args or {}).get("token", "")
    return f"{get_remote_address()}|{account[:254]}"


def post_only(per_account: str, per_address: str):
    """Two limits on a form's POST, set in the config: per address and account, and a
    looser one per address alone, sized for a crowd behind one address."""

    def decorator(view):
        view = limiter.limit(_setting(per_address), methods=["POST"])(view)
        return limiter.limit(_setting(per_account), key_func=address_and_account, methods=["POST"])(view)

    return decorator


def _setting(name: str):
    return lambda: current_app.config[name]


# Members logging in (the failed passwords themselves are throttled in members/throttle.py).
AUTH_LIMIT = ("LOGIN_LIMIT", "LOGIN_ADDRESS_LIMIT")
# Pages that send a mail.
MAIL_LIMIT = ("MAIL_LIMIT", "MAIL_ADDRESS_LIMIT")


@bp.route("/members/signup", methods=["GET", "POST"])
@anyone
@post_only(*MAIL_LIMIT)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("members.profile"))
    form = SignupForm(language=request.args.get("lang") or _current_language())
    if form.validate_on_submit():
        _member, ok = attempt(
            lambda: services.sign_up(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                language=form.language.data,
            ),
            refused=under(form.email),
        )
        if ok:  # the same page whether the address was new or known: no enumeration
            return _check_your_mail(form.email.data)
    return render_template("members/signup.html", form=form)


def _check_your_mail(address: str):
    """To the page that says where the message went: the address is repeated there, so a typo shows."""
    session[CHECK_EMAIL_KEY] = address
    return redirect(url_for("members.check_email"))


@bp.get("/members/check-email")
@anyone
def check_email():
    return render_template("members/check_email.html", address=session.get(CHECK_EMAIL_KEY))


@bp.route("/members/confirm/<token>", methods=["GET", "POST"])
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
        return token_problem(error, "confirm")
    return render_template("members/confirm.html", form=form, member=member)


@bp.route("/members/confirm/new", methods=["POST"])
@anyone
@post_only(*MAIL_LIMIT)
def new_confirmation():
    """A fresh confirmation link for an address; the same answer whether it exists or not."""
    form = EmailOnlyForm()
    if form.validate_on_submit():
        member = services.find_by_email(form.email.data)
        if member is not None and not member.is_confirmed:
            services.send_confirmation(member)
            db.session.commit()
        return _check_your_mail(form.email.data)
    return render_template("members/token_error.html", reason="invalid", purpose="confirm", form=form), 400


@bp.route("/members/unconfirmed", methods=["GET", "POST"])
@member_required
@post_only(*MAIL_LIMIT)
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


@bp.route("/members/login", methods=["GET", "POST"])
@anyone
@post_only(*AUTH_LIMIT)
def login():
    target = safe_next(request.args.get("next"), url_for("members.profile"))
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        device = request.cookies.get(throttle.DEVICE_COOKIE)
        try:
            member = authenticate(form.email.data, form.password.data, request.remote_addr, device)
        except LoginRefused as error:
            db.session.commit()  # keep the count of failures
            flash(str(error), "danger")
        else:
            start_session(member, remember=form.remember.data)
            db.session.commit()
            return remember_device(redirect(target), member)
    return render_template("members/login.html", form=form)


def start_session(member, remember: bool) -> None:
    """A fresh session at login, so a planted session id is worthless, with a device
    session row of its own (the one it replaces ends). The caller commits."""
    devices.begin(member, request.user_agent.string, replacing=member.login_session)
    language = session.get("lang")
    session.clear()
    login_user(member, remember=remember)
    session["lang"] = language or member.language


def remember_device(response, member):
    """The signed device cookie: next time, this device logs in whatever others try."""
    config = current_app.config
    value = throttle.device_cookie(member, request.cookies.get(throttle.DEVICE_COOKIE))
    age = config["LOGIN_DEVICE_DAYS"] * 86400
    secure = config["SESSION_COOKIE_SECURE"]
    response.set_cookie(throttle.DEVICE_COOKIE, value, max_age=age, httponly=True, samesite="Lax", secure=secure)
    return response


@bp.before_app_request
def note_device_use():
    """When this device's session was last used, written at most once per few minutes."""
    if request.endpoint == "static":
        return  # no member to load for a stylesheet
    if current_user.is_authenticated and devices.touch(current_user.login_session):
        db.session.commit()


def has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


@bp.post("/members/logout")
@anyone
def logout():
    """Open to anyone: pressing "log out" in a second, stale tab is not an error."""
    form = ButtonForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            devices.log_out(current_user)  # copies of the session and remember cookies die with it
            db.session.commit()
        # Clear first: logout_user() leaves the order to delete the remember
        # cookie in the session, which clear() would throw away.
        session.clear()
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("pages.home"))


@bp.post("/members/logout-elsewhere")
@member_required
def logout_elsewhere():
    """Log out every other device; this one carries on with a fresh session."""
    if ButtonForm().validate_on_submit():
        services.end_other_sessions(current_user)
        start_session(current_user._get_current_object(), remember=has_remember_cookie())
        db.session.commit()
        flash(_("You are logged out on every other device."), "success")
    return redirect(url_for("members.profile"))


@bp.route("/members/forgot-password", methods=["GET", "POST"])
@anyone
@post_only(*MAIL_LIMIT)
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("members/reset_sent.html", minutes=current_app.config["RESET_TOKEN_MINUTES"])
    return render_template("members/forgot_password.html", form=form)


@bp.route("/members/reset/<token>", methods=["GET", "POST"])
@anyone
@post_only(*AUTH_LIMIT)
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
        return token_problem(error, "reset")
    return render_template("members/reset_password.html", form=form)


def token_problem(error: TokenError, purpose: str):
    """Expired, tampered or used links: say which, and offer a new one."""
    return render_template("members/token_error.html", reason=error.reason, purpose=purpose, form=EmailOnlyForm()), 400


def _current_language() -> str:
    from flask_babel import get_locale

    return supported_language(str(get_locale()))
