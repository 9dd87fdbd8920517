"""The form an organizer writes a message to attendees with.

The field checks give inline messages; events/messages.clean() is the rule and
checks everything again (the service is what a double or forged submit meets)."""

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from community.core.text import one_line, paragraphs
from community.groups.forms import FORMAT_HINT
from community.messages.services import AUDIENCES, BODY_MAX, KEY_MAX, SUBJECT_MAX


class MessageForm(FlaskForm):
    # An unknown audience is refused by the service, with its own message.
    audience = SelectField(_l("Send to"), validate_choice=False)
    subject = StringField(
        _l("Subject"),
        filters=[one_line],
        validators=[
            DataRequired(_l("Please write a subject.")),
            Length(
                max=SUBJECT_MAX, message=_l("The subject is too long: %(max)d characters at most.", max=SUBJECT_MAX)
            ),
        ],
    )
    body = TextAreaField(
        _l("Message"),
        filters=[paragraphs],
        description=FORMAT_HINT,
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(max=BODY_MAX, message=_l("The message is too long: %(max)d characters at most.", max=BODY_MAX)),
        ],
    )
    # Fixed when the form is first shown and carried through the preview: a double submit sends once.
    submission_key = HiddenField(validators=[Length(max=KEY_MAX)])

    def __init__(self, *args, counts: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.audience.choices = [
            SelectChoice(value, _l("%(audience)s (%(count)d)", audience=label, count=counts.get(value, 0)))
            for value, label in AUDIENCES.items()
        ]
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(24)
