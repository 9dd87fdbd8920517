"""The organizer's form of a ticket category. The release date is typed in the community's zone."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    ColorField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from community.core.clock import from_local, to_local
from community.core.text import clean
from community.events.forms import LOCAL_FORMAT, parsed
from community.members.forms import LANGUAGE_CHOICES
from community.tickets.models import ADMITS_LABELS, Admits, is_colour
from community.tickets.services import CategoryData


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (the working groups of a category)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _lower(text: str | None) -> str:
    return (text or "").strip().lower()


class CategoryForm(FlaskForm):
    name_fr = StringField(_l("Name in French"), filters=[clean], validators=[Optional(), Length(max=80)])
    name_en = StringField(_l("Name in English"), filters=[clean], validators=[Optional(), Length(max=80)])
    colour = ColorField(_l("Colour on badges and the door list"), filters=[_lower])
    description_fr = StringField(
        _l("Short description in French"), filters=[clean], validators=[Optional(), Length(max=300)]
    )
    description_en = StringField(
        _l("Short description in English"), filters=[clean], validators=[Optional(), Length(max=300)]
    )
    quota = IntegerField(
        _l("Quota (empty: only the event's capacity)"),
        validators=[Optional(), parsed, NumberRange(min=0, message=_l("A quota cannot be negative."))],
    )
    admits = SelectField(
        _l("Who may take it"), choices=[SelectChoice(value, label) for value, label in ADMITS_LABELS.items()]
    )
    group_ids = CheckboxesField(_l("Working groups"), coerce=int, validate_choice=False)
    listed = BooleanField(
        _l("Listed on the event page (otherwise reachable with an invitation code only)"), default=True
    )
    reserving = BooleanField(_l("Hold these seats back for those it admits"))
    reserved_until = DateTimeLocalField(
        _l("Release the seats not taken on (empty: keep them until registration closes)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_ids.choices = [(group_id, name) for group_id, name in groups]

    def validate_name_fr(self, field):
        if not (field.data or self.name_en.data):
            raise ValidationError(_l("Please give the category a name."))

    def validate_colour(self, field):
        if field.data and not is_colour(field.data):
            raise ValidationError(_l("Write the colour as # and six hexadecimal digits, like #1f6feb."))

    def validate_group_ids(self, field):
        if self.admits.data == Admits.GROUPS.value and not field.data:
            raise ValidationError(_l("Choose at least one working group."))

    def validate_reserving(self, field):
        if field.data and self.quota.data is None:
            raise ValidationError(_l("Seats can be reserved only within a quota: say how many."))

    def to_data(self) -> CategoryData:
        until = self.reserved_until.data
        return CategoryData(
            name_fr=self.name_fr.data or "",
            name_en=self.name_en.data or "",
            colour=self.colour.data or "",
            description_fr=self.description_fr.data or "",
            description_en=self.description_en.data or "",
            quota=self.quota.data,
            listed=bool(self.listed.data),
            admits=self.admits.data,
            group_ids=list(self.group_ids.data or []) if self.admits.data == Admits.GROUPS.value else [],
            reserving=bool(self.reserving.data),
            reserved_until=from_local(until) if until else None,
        )

    @classmethod
    def for_category(cls, category, **kwargs):
        form = cls(obj=category, **kwargs)
        if not form.is_submitted():
            form.group_ids.data = [group.id for group in category.groups]
            until = category.reserved_until
            form.reserved_until.data = to_local(until).replace(tzinfo=None) if until else None
        return form


class MoveForm(FlaskForm):
    category_id = SelectField(_l("Category"), coerce=int)
    over_quota = BooleanField(_l("Go over the category's limit (its quota or the capacity grows by one)"))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [(category.id, category.name) for category in categories]


class _CodeLimits(FlaskForm):
    """The fields a new code is made with: how many uses, until when (the two code forms share them)."""

    uses_allowed = IntegerField(
        _l("Uses of each code"),
        default=1,
        validators=[
            InputRequired(_l("Say how many times each code may be used.")),
            parsed,
            NumberRange(min=1, max=10_000),
        ],
    )
    expires_at = DateTimeLocalField(_l("Valid until (empty: no end)"), format=LOCAL_FORMAT, validators=[Optional()])

    def limits(self) -> dict:
        expires = self.expires_at.data
        return {"uses_allowed": self.uses_allowed.data, "expires_at": from_local(expires) if expires else None}


class CodeForm(_CodeLimits):
    count = IntegerField(
        _l("How many codes"),
        default=1,
        validators=[InputRequired(_l("Say how many codes to make.")), parsed, NumberRange(min=1, max=500)],
    )
    submit = SubmitField(_l("Make the codes"))


class SendCodesForm(_CodeLimits):
    addresses = TextAreaField(
        _l("Email addresses (one code each)"),
        validators=[DataRequired(_l("Please give at least one email address.")), Length(max=50_000)],
    )
    language = SelectField(_l("Language of the mail to those who have no account"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Send the invitations"))
