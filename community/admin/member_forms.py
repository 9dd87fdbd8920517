"""Forms of the member administration and audit log pages.

The filter forms are read from the query string (GET, no CSRF: they change
nothing); a value that does not validate is reported on its field and ignored."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Form, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from community.core.text import clean
from community.members.models import Role

ROLE_CHOICES = [
    SelectChoice(Role.MEMBER.value, _l("Member")),
    SelectChoice(Role.ORGANIZER.value, _l("Organizer")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
]
YES_NO = [SelectChoice("", _l("All")), SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]


class _GetForm(Form):
    """A search form: the fields of the query string, never an error page."""

    # Field name -> the name of the search's argument, where they differ.
    arguments: dict[str, str] = {}

    def filters(self) -> dict:
        """The search's arguments from the fields that validated, by `arguments`' names; bad ones are left out."""
        self.validate()
        return {
            self.arguments.get(name, name): f.data
            for name, f in self._fields.items()
            if not f.errors and f.data not in (None, "")
        }


def _or_none(convert):
    """A select's coerce: its empty choice ("All") is None, another value `convert`ed (a ValueError
    reports it on the field)."""
    return lambda value: None if value in (None, "") else convert(value)


def _yes_no(value: str) -> bool:
    if value not in ("yes", "no"):
        raise ValueError(value)
    return value == "yes"


def _text(label):
    return StringField(label, filters=[clean], validators=[Length(max=100)])


def _date(label):
    return DateField(label, validators=[Optional()])


class MemberFilterForm(_GetForm):
    q = _text(_l("Name, email or organization"))
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("All"))] + ROLE_CHOICES, default="")
    confirmed = SelectField(_l("Email confirmed"), choices=YES_NO, default="", coerce=_or_none(_yes_no))
    group = SelectField(_l("Working group"), choices=[], default="", coerce=_or_none(int))
    joined_from = _date(_l("Joined from"))
    joined_to = _date(_l("Joined until"))
    suspended = SelectField(_l("Suspended"), choices=YES_NO, default="", coerce=_or_none(_yes_no))
    arguments = {"group": "group_id"}

    def set_groups(self, groups) -> None:
        self.group.choices = [SelectChoice("", _l("All groups"))] + [SelectChoice(str(g.id), g.name) for g in groups]


class AuditFilterForm(_GetForm):
    action = SelectField(_l("Action"), choices=[], default="")
    actor = _text(_l("Who (name or email)"))
    object_type = SelectField(_l("Object"), choices=[], default="")
    event = SelectField(_l("Event"), choices=[], default="", coerce=_or_none(int))
    date_from = _date(_l("From"))
    date_to = _date(_l("Until"))
    arguments = {"event": "event_id"}

    def set_choices(self, actions: dict, object_types: dict, events) -> None:
        every = SelectChoice("", _l("All"))
        self.action.choices = [every] + [SelectChoice(key, label) for key, label in actions.items()]
        self.object_type.choices = [every] + [SelectChoice(key, label) for key, label in object_types.items()]
        self.event.choices = [SelectChoice("", _l("All events"))] + [SelectChoice(str(e.id), e.title) for e in events]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
