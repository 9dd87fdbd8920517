"""Export presets: the attendee file an organizer downloads, chosen by what it is for.

- the venue's security list: last name, first name, organization, the identity
  questions the organizer ticks, category; the people with a seat, sorted by last
  name with accents ignored; no email;
- catering: how many chose each diet answer, then each person with a seat and their
  diet answer, nothing else;
- the full list: the attendee export (every registration) with a column per question.

Each file opens with a line saying what it is for and when it was made, and its name
holds the preset's; the view records each download with its purpose in the audit log.
Raw answers to sensitive questions go to the event's own organizers only
(`may_read_sensitive`): `columns()` says which answers a file carries for a reader,
the full list leaves the sensitive ones out for others, the catering file keeps its
counts and leaves out who eats what, and the view refuses (403) a security list that
would carry one. A constant number of queries whatever the number of registrations."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select

from community.admin import exports, spreadsheets
from community.core.clock import to_local
from community.core.search import alphabetical, fold
from community.core.templating import localdate, localdatetime
from community.core.text import slugify
from community.events.models import Event
from community.members.models import Member
from community.questions import counts, sensitive
from community.questions.answers import shown
from community.questions.models import Question, Role
from community.registrations.models import SEATED, Registration


@dataclass(frozen=True)
class Preset:
    key: str
    action: str  # its entry in the audit log
    name: str
    purpose: str  # on the file's first line
    contents: str  # on the form that offers it


SECURITY = Preset(
    "security",
    "export.security_list",
    _l("Venue security list"),
    _l("For the venue's security staff, who check who comes in."),
    _l(
        "Last name, first name, organization, the identity questions you tick, category; "
        "the people with a seat, by last name; no email."
    ),
)
CATERING = Preset(
    "catering",
    "export.catering",
    _l("Catering"),
    _l("For the caterer: how many meals of each kind, and who eats what."),
    _l("The counts of each answer to the diet question, then each person with a seat and their answer, nothing else."),
)
FULL = Preset(
    "full",
    "export.attendees",
    _l("Full attendee list"),
    _l("For the event's organizers: every registration, with its answers."),
    _l("Every registration with its status, email, category, check-in and working groups, and a column per question."),
)
PRESETS = {preset.key: preset for preset in (SECURITY, CATERING, FULL)}
# What the security list always holds, in its order.
NAME_ROLES = (Role.LAST_NAME.value, Role.FIRST_NAME.value, Role.ORGANIZATION.value)
# Column widths in an XLSX, in characters (the last repeats).
SECURITY_WIDTHS = (24, 24, 30, 24)
CATERING_WIDTHS = (34, 40)


def with_role(questions: Sequence[Question], role: str) -> Question | None:
    """The event's question with this role: the one asked now, else one no longer asked."""
    found = [question for question in questions if question.role == role]
    return next((question for question in found if question.retired_at is None), found[0] if found else None)


def identity_choices(questions: Sequence[Question]) -> list[Question]:
    """The questions an organizer may add to the security list: all but the names and
    organization it always holds."""
    return [question for question in questions if question.role not in NAME_ROLES]


def columns(preset: Preset, questions: Sequence[Question], identity_ids, reads_sensitive: bool) -> list[Question]:
    """The questions whose raw answers the file carries, in its order."""
    if preset is FULL:
        return sensitive.readable(list(questions), reads_sensitive)
    if preset is SECURITY:
        named = [question for question in (with_role(questions, role) for role in NAME_ROLES) if question]
        return named + [question for question in identity_choices(questions) if question.id in identity_ids]
    diet = with_role(questions, Role.DIET.value)
    return [diet] if diet is not None and (reads_sensitive or not diet.sensitive) else []


def facts(columns: Sequence[Question]) -> dict:
    """What the audit entry says about the answers a file carries (ids, never answers)."""
    if not columns:
        return {}
    carried = {"questions": ", ".join(str(question.id) for question in columns)}
    if any(question.sensitive for question in columns):
        carried["sensitive_questions"] = ", ".join(str(question.id) for question in columns if question.sensitive)
    return carried


@dataclass
class File:
    preset: Preset
    name: str  # without its extension
    heading: list[tuple]
    header: list
    rows: Iterable[tuple]
    widths: Sequence[int] = field(default=spreadsheets.XLSX_WIDTHS)


def title_line(preset: Preset, event: Event, now: datetime) -> str:
    """What the file is for and when it was made, in the reader's language."""
    return _(
        "%(list)s · %(event)s (%(date)s) · %(purpose)s · Exported on %(moment)s",
        list=preset.name,
        event=event.title,
        date=localdate(event.starts_at),
        purpose=preset.purpose,
        moment=localdatetime(now),
    )


def build(
    preset: Preset,
    event: Event,
    questions: Sequence[Question],
    column_ids: Sequence[int],
    now: datetime,
    statuses: Sequence[str] = (),
) -> File:
    """The file of a preset, its rows read as they are written. `column_ids` come from
    `columns()`, decided before the view's commit; `questions` are loaded after it."""
    by_id = {question.id: question for question in questions}
    chosen = [by_id[question_id] for question_id in column_ids if question_id in by_id]
    heading = [(title_line(preset, event, now),), ()]
    stem = f"{slugify(str(preset.name), preset.key)}-{event.slug}-{to_local(now).date().isoformat()}"
    if preset is SECURITY:
        return _security(event, questions, chosen, File(preset, stem, heading, [], (), SECURITY_WIDTHS))
    if preset is CATERING:
        return _catering(event, questions, chosen, File(preset, stem, heading, [], (), CATERING_WIDTHS))
    header = [*exports.ATTENDEE_HEADER, *exports.answer_header(chosen)]
    return File(preset, stem, heading, header, exports.attendee_rows(event, statuses, chosen))


def _person_name():
    return func.coalesce(Member.display_name, Registration.guest_name, literal("", String))


def _seated(event: Event, *columns):
    return (
        select(*columns)
        .select_from(Registration)
        .outerjoin(Member, Member.id == Registration.member_id)
        .where(Registration.event_id == event.id, Registration.status.in_(SEATED))
    )


def _security(event: Event, questions: Sequence[Question], chosen: list[Question], file: File) -> File:
    named = [with_role(questions, role) for role in NAME_ROLES]
    extra = [question for question in chosen if question.role not in NAME_ROLES]
    file.header = [_("Last name"), _("First name"), _("Organization"), *exports.answer_header(extra), _("Category")]
    nothing = literal(None, String)
    statement = _seated(
        event,
        Registration.id,
        _person_name(),
        exports.organization_of(),
        Registration.category_id,
        *(exports.answer_of(question) if question else nothing for question in named),
        *(exports.answer_of(question) for question in extra),
    )
    file.rows = _security_rows(statement, named, extra, {category.id: category.name for category in event.categories})
    return file


def _security_rows(statement, named, extra, category_names: dict) -> Iterator[tuple]:
    """Sorted here by the same folding the database searches with: the last name falls back
    to the person's name (its words after the first), which SQL cannot split the same way on
    both databases. A list of the people with a seat at one event fits in memory."""
    rows = []
    for registration_id, name, organization, category_id, *values in exports.stream(statement):
        last_value, first_value, organization_value = (
            shown(question, value) if question else "" for question, value in zip(named, values[:3])
        )
        given, _space, family = (name or "").strip().partition(" ")
        last = last_value or (family or given)
        first = first_value or (given if family else "")
        answers = [shown(question, value) for question, value in zip(extra, values[3:])]
        row = (last, first, organization_value or organization, *answers, category_names.get(category_id, ""))
        rows.append(((fold(last), fold(first), registration_id), row))
    rows.sort(key=lambda keyed: keyed[0])
    for _key, row in rows:
        yield row


def _catering(event: Event, questions: Sequence[Question], chosen: list[Question], file: File) -> File:
    """The counts of the diet question first (in the heading rows), then who eats what."""
    diet = with_role(questions, Role.DIET.value)
    seats = event.confirmed_count or 0  # the people with a seat: whom the caterer feeds
    if diet is None:
        file.heading += [(_("No question about diet is asked at this event."),)]
    else:
        (tally,) = counts.of_event(event, [diet])
        lines = [(line.label, line.count) for line in tally.lines] or [(_("Answered"), tally.answered)]
        file.heading += [(diet.label, _("People")), *lines, (_("No answer"), max(seats - tally.answered, 0))]
    file.heading += [(_("People with a seat"), seats), ()]
    if diet is not None and diet not in chosen:
        file.heading += [(_("Who eats what goes to the event's own organizers only: this answer is sensitive."),)]
        return file
    file.header = [_("Name"), diet.label] if diet else [_("Name")]
    value = exports.answer_of(diet) if diet else literal(None, String)
    statement = _seated(event, _person_name(), value).order_by(alphabetical(_person_name()), Registration.id)
    file.rows = ((name, shown(diet, stored)) if diet else (name,) for name, stored in exports.stream(statement))
    return file
