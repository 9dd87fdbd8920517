"""Forms of the organizer's dashboard. Times are typed in the community's zone."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional, ValidationError

from community.core.text import clean
from community.events.forms import SeatsAndDatesForm
from community.events.models import StaffRole
from community.members.forms import LANGUAGE_CHOICES, email_field


class AddPersonForm(FlaskForm):
    kind = RadioField(
        _l("Who"),
        default="member",
        choices=[
            SelectChoice("member", _l("A member (by their email)")),
            SelectChoice("guest", _l("A guest (name and email)")),
        ],
    )
    email = email_field(_l("Email"), _l("Please enter an email address."))
    name = StringField(_l("Name (guests)"), filters=[clean], validators=[Optional(), Length(max=120)])
    organization = StringField(
        _l("Organization (guests, optional)"), filters=[clean], validators=[Optional(), Length(max=160)]
    )
    # A member's mails follow their profile; a guest has none, so the organizer says.
    language = SelectField(_l("Mail language (guests)"), choices=LANGUAGE_CHOICES, default="fr")
    over_capacity = BooleanField(_l("If the event is full, add them anyway over capacity (the capacity grows by one)"))
    # Any of the event's categories, hidden ones too: the organizer vouches for the person.
    category_id = SelectField(
        _l("Ticket category"), coerce=lambda value: int(value) if value else None, validate_choice=False
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [(category.id, category.name) for category in categories]

    def person(self) -> dict:
        """Who to add, as dashboard.services.add_by_hand takes them."""
        if self.kind.data != "guest":
            return {"member_email": self.email.data}
        return {
            "guest_name": self.name.data,
            "guest_email": self.email.data,
            "guest_organization": self.organization.data,
            "guest_language": self.language.data,
        }

    def validate_name(self, field):
        if self.kind.data == "guest" and not field.data:
            raise ValidationError(_l("Please give the guest's name."))


class SettingsForm(SeatsAndDatesForm):
    """Capacity and registration dates, from the dashboard."""


class StaffForm(FlaskForm):
    email = email_field(
        _l("Member's email"),
        _l("Please enter an email address."),
        id="staff-email",  # the add-by-hand form on the same page has its own "email"
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(StaffRole.STEWARD.value, _l("Steward (checks people in)")),
            SelectChoice(StaffRole.ORGANIZER.value, _l("Co-organizer (runs the event)")),
        ],
    )


def first_error(form) -> str:
    """The first problem of a refused form, as one line to flash."""
    for field in form:
        if field.errors:
            return f"{field.label.text}: {field.errors[0]}"
    return str(_l("The form could not be read. Please try again."))
