"""Member forms. Labels and messages are lazy so they follow the reader's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from community.core.text import clean

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]
PASSWORD_MIN = 10


def email_field(label, missing, filters=(clean,), **options) -> EmailField:
    """A required email address (`missing` says it is not there), well-formed, of 254 characters at most."""
    return EmailField(
        label,
        filters=list(filters),
        validators=[DataRequired(missing), Email(_l("This email address is not valid.")), Length(max=254)],
        **options,
    )


def _email_field(label):
    return email_field(
        label,
        _l("Please enter your email address."),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def _new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Please choose a password.")),
            Length(min=PASSWORD_MIN, max=200, message=_l("Use at least %(min)d characters.", min=PASSWORD_MIN)),
        ],
    )


class SignupForm(FlaskForm):
    email = _email_field(_l("Email address"))
    display_name = StringField(
        _l("Name shown to others"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)]
    )
    password = _new_password_field(_l("Password"))
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)
    consent = BooleanField(
        _l("I have read the privacy notice and agree to it"),
        validators=[DataRequired(_l("You must accept the privacy notice to create an account."))],
    )


class LoginForm(FlaskForm):
    email = _email_field(_l("Email address"))
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Remember me on this device"))


class EmailOnlyForm(FlaskForm):
    email = _email_field(_l("Email address"))


class NewPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )
    password = _new_password_field(_l("New password"))


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("New email address"))
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name shown to others"), validators=[DataRequired(_l("Please enter a name.")), Length(max=120)]
    )
    organization = StringField(_l("Organization"), validators=[Length(max=160)])
    bio = TextAreaField(_l("A few words about you"), validators=[Length(max=1000)])
    directory_visible = BooleanField(_l("Show me in the member directory"))
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
