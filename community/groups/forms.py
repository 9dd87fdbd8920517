"""Working group forms. Labels and messages are lazy so they follow the reader's language."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from community.groups.models import JoinPolicy
from community.members.forms import email_field

FORMAT_HINT = _l("Blank lines separate paragraphs; lines starting with “- ” make a list; web addresses become links.")


class DescriptionForm(FlaskForm):
    """What a lead may edit."""

    summary = StringField(_l("Short description"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)], description=FORMAT_HINT)

    def changes(self, group) -> dict:
        """What groups.services.update_group takes from this form."""
        return {"summary": self.summary.data or "", "description": self.description.data or ""}


class GroupForm(DescriptionForm):
    """What an admin edits: everything."""

    def changes(self, group) -> dict:
        slug = self.slug.data or group.name
        return {**super().changes(group), "name": self.name.data, "slug": slug, "join_policy": self.join_policy.data}

    name = StringField(_l("Name"), validators=[DataRequired(_l("A group needs a name.")), Length(max=120)])
    slug = StringField(
        _l("Short name in the address"),
        validators=[Optional(), Length(max=80)],
        description=_l("Lowercase letters, digits and dashes; made from the name when left empty."),
    )
    join_policy = RadioField(
        _l("Who may join"),
        default=JoinPolicy.OPEN.value,
        choices=[
            SelectChoice(JoinPolicy.OPEN.value, _l("Open: any confirmed member joins in one click")),
            SelectChoice(JoinPolicy.MODERATED.value, _l("Moderated: members ask, a lead or an admin decides")),
        ],
    )


class JoinRequestForm(FlaskForm):
    message = TextAreaField(_l("A message for the leads (optional)"), validators=[Length(max=2000)])


class AnnouncementForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Please write a subject.")), Length(max=200)])
    body = TextAreaField(
        _l("Message"),
        validators=[DataRequired(_l("Please write a message.")), Length(max=20000)],
        description=FORMAT_HINT,
    )
    # Fixed when the form is first shown: submitting it twice sends once.
    idempotency_key = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

    def ensure_key(self) -> None:
        if not self.idempotency_key.data:
            self.idempotency_key.data = secrets.token_urlsafe(24)


class AppointLeadForm(FlaskForm):
    email = email_field(
        _l("Email address of the new lead"),
        _l("Please enter an email address."),
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
    )
