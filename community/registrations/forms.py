"""The form a visitor registers with."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from community.core.errors import DomainError
from community.core.text import clean
from community.members.forms import email_field
from community.members.services import check_email


class GuestRegistrationForm(FlaskForm):
    name = StringField(
        _l("Your name"), filters=[clean], validators=[DataRequired(_l("Please give your name.")), Length(max=120)]
    )
    email = email_field(_l("Email"), _l("Please enter your email address."))
    organization = StringField(_l("Organization (optional)"), filters=[clean], validators=[Optional(), Length(max=160)])
    # Shown when the event offers guests more than one ticket category.
    category = RadioField(_l("Ticket category"), coerce=lambda value: int(value) if value else None)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(category.id, category.name) for category in categories]
        if len(self.category.choices) < 2:
            del self.category  # nothing to choose

    def validate_category(self, field):
        if field.data is None:
            raise ValidationError(_l("Please choose a ticket category."))

    def validate_email(self, field):
        # The same check the service makes, shown beside the field rather than as a banner.
        if field.errors:
            return
        try:
            check_email(field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from error
