"""Event forms. Times are typed in the community's zone (Europe/Paris by default)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, EmailField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, URL

from community.clock import from_local, to_local
from community.events.manage import EventData
from community.events.models import Visibility

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[DataRequired()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    online_url = URLField(_l("Online link"), validators=[Optional(), URL(), Length(max=500)])
    capacity = IntegerField(_l("Capacity (empty: unlimited)"), validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    registration_opens_at = DateTimeLocalField(_l("Registration opens (empty: on publication)"), format=LOCAL_FORMAT, validators=[Optional()])
    registration_closes_at = DateTimeLocalField(_l("Registration closes (empty: when the event starts)"), format=LOCAL_FORMAT, validators=[Optional()])
    visibility = SelectField(
        _l("Who may register"),
        choices=[
            SelectChoice(Visibility.PUBLIC.value, _l("Everyone, guests included")),
            SelectChoice(Visibility.MEMBERS.value, _l("Members only")),
            SelectChoice(Visibility.GROUP.value, _l("Members of a working group only")),
        ],
    )
    group_id = SelectField(_l("Working group"), coerce=lambda v: int(v) if v not in (None, "", "None") else None, validators=[Optional()])
    waitlist_enabled = BooleanField(_l("Waiting list when full"), default=True)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = [SelectChoice("", _l("None"))] + [SelectChoice(str(g_id), name) for g_id, name in groups]

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data < self.starts_at.data:
            from wtforms.validators import ValidationError

            raise ValidationError(_l("The event cannot end before it starts."))

    def to_data(self) -> EventData:
        def utc(value):
            return from_local(value) if value else None

        return EventData(
            title=self.title.data.strip(), description=self.description.data or "",
            starts_at=utc(self.starts_at.data), ends_at=utc(self.ends_at.data),
            venue=self.venue.data or "", address=self.address.data or "", online_url=self.online_url.data or "",
            capacity=self.capacity.data, registration_opens_at=utc(self.registration_opens_at.data),
            registration_closes_at=utc(self.registration_closes_at.data), visibility=self.visibility.data,
            group_id=self.group_id.data, waitlist_enabled=bool(self.waitlist_enabled.data),
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


class GuestRegistrationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    organization = StringField(_l("Organization (optional)"), validators=[Optional(), Length(max=160)])
