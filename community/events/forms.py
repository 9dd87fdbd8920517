"""Event forms. Times are typed in the community's zone (Europe/Paris by default).

Every rule an organizer or a guest can break has an inline message here, so a
bad form is shown again with its errors and nothing is written."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from community.core.clock import from_local, to_local
from community.core.text import clean
from community.events.models import HOLD_MINUTES_MAX, HOLD_MINUTES_MIN, Visibility
from community.events.services import EventData

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def parsed(_form, field):
    """A value that did not parse already says so; the range checks would only add noise."""
    if field.data is None and field.errors:
        raise StopValidation()


def _group_id(value):
    return int(value) if value not in (None, "", "None") else None


class SeatsAndDatesForm(FlaskForm):
    """The capacity and the registration window: in the event's form and on the dashboard."""

    capacity = IntegerField(
        _l("Capacity (empty: unlimited)"),
        validators=[
            Optional(),
            parsed,
            NumberRange(min=0, message=_l("The capacity cannot be negative.")),
            NumberRange(max=1_000_000),
        ],
    )
    registration_opens_at = DateTimeLocalField(
        _l("Registration opens (empty: on publication)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes (empty: when the event starts)"), format=LOCAL_FORMAT, validators=[Optional()]
    )

    def validate_registration_closes_at(self, field):
        opens = self.registration_opens_at.data
        if opens and field.data and field.data <= opens:
            raise ValidationError(_l("Registration must close after it opens."))


class EventForm(SeatsAndDatesForm):
    title = StringField(
        _l("Title"), filters=[clean], validators=[DataRequired(_l("Please give the event a title.")), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), filters=[clean], validators=[Optional(), Length(max=20000)])
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=LOCAL_FORMAT,
        validators=[
            # InputRequired, not DataRequired: a date that does not parse keeps its own message.
            InputRequired(_l("Please give the start date and time."))
        ],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), format=LOCAL_FORMAT, validators=[InputRequired(_l("Please give the end date and time."))]
    )
    venue = StringField(_l("Name of the place"), filters=[clean], validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), filters=[clean], validators=[Optional(), Length(max=300)])
    online_url = URLField(
        _l("Online link"),
        filters=[clean],
        validators=[
            Optional(),
            URL(message=_l("Please enter a full web address, starting with https://")),
            Length(max=500),
        ],
    )
    visibility = SelectField(
        _l("Who may register"),
        choices=[
            SelectChoice(Visibility.PUBLIC.value, _l("Everyone, guests included")),
            SelectChoice(Visibility.MEMBERS.value, _l("Members only")),
            SelectChoice(Visibility.GROUP.value, _l("Members of a working group only")),
        ],
    )
    group_id = SelectField(_l("Working group"), coerce=_group_id)  # no Optional(): it would skip validate_group_id
    waitlist_enabled = BooleanField(_l("Waiting list when full"), default=True)
    guest_hold_minutes = IntegerField(
        _l("Minutes a guest's seat is held until they confirm by mail"),
        validators=[
            Optional(),
            parsed,
            NumberRange(
                min=HOLD_MINUTES_MIN,
                max=HOLD_MINUTES_MAX,
                message=_l("A guest's seat is held between %(min)s and %(max)s minutes."),
            ),
        ],
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice("", _l("None"))] + [
            SelectChoice(str(g_id), name) for g_id, name in groups
        ]

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            raise ValidationError(_l("The event cannot end before it starts."))

    def validate_registration_opens_at(self, field):
        if self.starts_at.data and field.data and field.data >= self.starts_at.data:
            raise ValidationError(_l("Registration must open before the event starts."))

    def validate_group_id(self, field):
        if self.visibility.data == Visibility.GROUP.value and field.data is None:
            raise ValidationError(_l("Choose the working group this event is reserved for."))

    def to_data(self) -> EventData:
        def utc(value):
            return from_local(value) if value else None

        return EventData(
            title=self.title.data,
            description=self.description.data or "",
            starts_at=utc(self.starts_at.data),
            ends_at=utc(self.ends_at.data),
            venue=self.venue.data or "",
            address=self.address.data or "",
            online_url=self.online_url.data or "",
            capacity=self.capacity.data,
            registration_opens_at=utc(self.registration_opens_at.data),
            registration_closes_at=utc(self.registration_closes_at.data),
            visibility=self.visibility.data,
            group_id=self.group_id.data,
            waitlist_enabled=bool(self.waitlist_enabled.data),
            guest_hold_minutes=self.guest_hold_minutes.data,
        )

    @classmethod
    def for_event(cls, event, **kwargs):
        def local(value):
            return to_local(value).replace(tzinfo=None) if value else None

        form = cls(obj=event, **kwargs)
        if not form.is_submitted():
            for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
                getattr(form, name).data = local(getattr(event, name))
        return form
