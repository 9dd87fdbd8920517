"""The organizer's form of a registration question.

The choices are typed one a line, "français | English" (the English part may be
left out); editing keeps a choice whose French or English text a line repeats."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from community.core.text import clean, paragraphs
from community.questions.models import KIND_LABELS, ROLE_LABELS, WITH_CHOICES
from community.questions.services import LIMITS, QuestionData

SEPARATOR = "|"
ALL_CATEGORIES = ""


def choice_lines(text: str) -> list[tuple[str, str]]:
    """'Végétarien | Vegetarian' one a line -> [("Végétarien", "Vegetarian")], empty lines skipped."""
    pairs = []
    for line in (text or "").splitlines():
        french, _bar, english = line.partition(SEPARATOR)
        if french.strip() or english.strip():
            pairs.append((" ".join(french.split()), " ".join(english.split())))
    return pairs


def _optional_int(value):
    return int(value) if value not in (None, "", ALL_CATEGORIES) and str(value).isdigit() else None


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Kind of answer"), choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()]
    )
    # No Optional() where an inline check follows: an empty field would stop the chain before it.
    label_fr = StringField(_l("Question in French"), filters=[clean], validators=[Length(max=LIMITS["label"])])
    label_en = StringField(
        _l("Question in English"), filters=[clean], validators=[Optional(), Length(max=LIMITS["label"])]
    )
    help_fr = StringField(_l("Help in French"), filters=[clean], validators=[Optional(), Length(max=LIMITS["help"])])
    help_en = StringField(_l("Help in English"), filters=[clean], validators=[Optional(), Length(max=LIMITS["help"])])
    choices = TextAreaField(
        _l("Choices, one a line: français | English"), filters=[paragraphs], validators=[Length(max=20_000)]
    )
    required = BooleanField(_l("An answer is required"))
    category_id = SelectField(_l("Asked of"), coerce=_optional_int, validate_choice=False)
    role = SelectField(_l("What the answer stands for"), coerce=lambda value: value or None, validate_choice=False)
    sensitive = BooleanField(_l("Sensitive (diet, health, accessibility, identity): only the organizers read it"))
    purpose_fr = StringField(
        _l("Why you ask it, in French"), filters=[clean], validators=[Length(max=LIMITS["purpose"])]
    )
    purpose_en = StringField(
        _l("Why you ask it, in English"), filters=[clean], validators=[Optional(), Length(max=LIMITS["purpose"])]
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(ALL_CATEGORIES, _l("Every ticket category"))] + [
            SelectChoice(category.id, category.name) for category in categories
        ]
        self.role.choices = [SelectChoice("", _l("Nothing in particular"))] + [
            SelectChoice(value, label) for value, label in ROLE_LABELS.items()
        ]

    def validate_label_fr(self, field):
        if not (field.data or self.label_en.data):
            raise ValidationError(_l("Please write the question."))

    def validate_choices(self, field):
        lines = choice_lines(field.data)
        if self.kind.data in WITH_CHOICES and not lines:
            raise ValidationError(_l("Give the choices, one a line."))
        if any(len(label) > LIMITS["choice"] for pair in lines for label in pair):
            raise ValidationError(_l("A choice is too long: at most %(limit)d characters.", limit=LIMITS["choice"]))

    def validate_purpose_fr(self, field):
        if self.sensitive.data and not (field.data or self.purpose_en.data):
            raise ValidationError(_l("Say why you ask this sensitive question, in French or in English."))

    def to_data(self) -> QuestionData:
        return QuestionData(
            kind=self.kind.data,
            label_fr=self.label_fr.data or "",
            label_en=self.label_en.data or "",
            help_fr=self.help_fr.data or "",
            help_en=self.help_en.data or "",
            required=bool(self.required.data),
            sensitive=bool(self.sensitive.data),
            purpose_fr=self.purpose_fr.data or "",
            purpose_en=self.purpose_en.data or "",
            role=self.role.data,
            category_id=self.category_id.data,
            # Choices typed for a kind without them are dropped: the page says they are for choices only.
            choices=choice_lines(self.choices.data) if self.kind.data in WITH_CHOICES else [],
        )

    @classmethod
    def for_question(cls, question, **kwargs):
        form = cls(obj=question, **kwargs)
        if not form.is_submitted():
            form.choices.data = "\n".join(
                f"{choice.label_fr} {SEPARATOR} {choice.label_en}" if choice.label_en else choice.label_fr
                for choice in question.live_choices
            )
            form.category_id.data = question.category_id
            form.role.data = question.role or ""
        return form
