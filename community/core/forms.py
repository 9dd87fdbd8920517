"""Forms every domain uses."""

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A one-button action: only the CSRF token."""
