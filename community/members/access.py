"""Who may use a route. Every view is wrapped in exactly one of these."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.extensions import login_manager
from community.members import devices
from community.members.models import Role


@login_manager.user_loader
def load_member(identity: str):
    """The member of a session or remember-me cookie (Member.get_id()), if that login still stands."""
    member_id, version, token = [*identity.split(":", 2), "", ""][:3]
    if not member_id.isdigit() or not version.isdigit():
        return None
    found = devices.find(int(member_id), token)
    if found is None:
        return None  # logged out, ended from the profile, or unused too long
    member, record = found
    if member.session_version != int(version) or not member.is_active:
        return None
    member.login_session, member.login_token = record, token
    return member


@login_manager.unauthorized_handler
def _unauthorized():
    flash(_("Please log in to open this page."), "info")
    return redirect(url_for("members.login", next=_come_back_to()))


def _come_back_to() -> str | None:
    """Where to land after logging in. A refused POST (a session that ran out while
    a form was open) comes back to the page that held the form: going back to its
    URL with a GET would only meet "method not allowed"."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return None


def anyone(view):
    """Open to visitors and members alike."""
    view.access = "anyone"
    return view


def member_required(view):
    """Any logged-in member, confirmed or not."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.access = "member"
    return wrapped


def confirmed_required(view):
    """A logged-in member who proved their email: the ones who may act."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_confirmed:
            flash(_("Please confirm your email address first: we sent you a link."), "warning")
            return redirect(url_for("members.unconfirmed", next=_come_back_to()))
        return view(*args, **kwargs)

    wrapped.access = "confirmed"
    return wrapped


def role_required(role: Role):
    """An organizer or admin (ranks include those above)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = role.value
        return wrapped

    return decorator
