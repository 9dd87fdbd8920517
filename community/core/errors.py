"""Domain errors and the error pages."""

from contextlib import suppress

from flask import current_app, flash, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError

from community.core.database import is_retryable, is_unavailable
from community.core.extensions import db, login_manager

# What a "busy, try again" answer (503) asks clients to wait, in seconds.
RETRY_AFTER_SECONDS = 5


class DomainError(Exception):
    """A rule refused the action; the message is safe to show to the user."""


class NotAllowed(DomainError):
    """The acting person may not do this."""


def attempt(action, success=None, refused=None):
    """Run a rule inside the request's transaction: commit once and flash `success`
    (a text, or a function of the result giving (text, category)), or roll back and
    flash why not (unless `refused(error)` shows it elsewhere and returns True).
    Returns (result, ok)."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        if not (refused and refused(error)):
            flash(str(error), "error")
        return None, False
    # Worded before the commit expires what the result holds.
    text, category = success(result) if callable(success) else (success, "success")
    db.session.commit()
    if text:
        flash(text, category)
    return result, True


def attempt_form(form, action, success=None) -> bool:
    """attempt() the rule once the form is sent and valid: True when it went through."""
    return form.validate_on_submit() and attempt(action, success)[1]


def form_status(form) -> int:
    """A form page shown again after attempt_form(): 400 once sent (it did not validate, or the
    rule refused it), 200 when first shown."""
    return 400 if form.is_submitted() else 200


def under(field):
    """A `refused` for attempt(): the reason shown under this form field instead of flashed."""

    def show(error: DomainError) -> bool:
        field.errors.append(str(error))
        return True

    return show


def _page(code: int, title: str, message: str):
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register(app):
    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_refused(_error):
        return _page(
            400,
            _("This form has expired"),
            _(
                "The form was too old or did not come from this site, so nothing was saved. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(403)
    def forbidden(_error):
        return _page(403, _("Access denied"), _("You do not have permission to open this page."))

    @app.errorhandler(404)
    def not_found(_error):
        return _page(404, _("Page not found"), _("This page does not exist or is no longer available."))

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return _page(405, _("Method not allowed"), _("This action is not available here."))

    @app.errorhandler(413)
    def too_large(_error):
        return _page(413, _("Request too large"), _("What you sent is too large."))

    @app.errorhandler(429)
    def too_many(_error):
        return _page(429, _("Too many attempts"), _("Too many attempts. Please wait a few minutes and try again."))

    @app.errorhandler(DBAPIError)
    def busy(error):
        with suppress(DBAPIError):  # a connection already lost has nothing left to roll back
            db.session.rollback()
        if is_unavailable(error):
            # The page's header asks who is logged in: with the database out of reach, nobody.
            g._login_user = login_manager.anonymous_user()
        elif not is_retryable(error):
            raise error
        page, code = _page(
            503,
            _("Busy, please try again"),
            _("Many people are doing the same thing right now. Nothing was saved: please try again in a moment."),
        )
        return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}

    @app.errorhandler(DataError)
    def refused_by_the_database(error):
        # A value PostgreSQL refuses outright (a NUL character, a number out of
        # range) came from the request: bad input, nothing saved. Logged, as a
        # parser that should have caught it may be missing.
        db.session.rollback()
        current_app.logger.warning("input refused by the database: %s", getattr(error, "orig", error))
        return _page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(500)
    def server_error(_error):
        db.session.rollback()
        return _page(
            500,
            _("Something went wrong"),
            _("An unexpected error occurred. The team has been told; please try again later."),
        )
