"""The organizer's rules for ticket categories: add, edit, delete, move a registration.

Plain functions: the caller commits once, or rolls back on DomainError (nothing
changes). Seats move in registrations/seats.py (a quota or a reservation in
registrations/limits.py): a quota, a reservation or a move is a change of seats,
made under the event's lock; each change is audited."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from community.core import audit
from community.core.clock import as_utc, utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.events.permissions import require_manager
from community.groups.models import WorkingGroup
from community.registrations import limits, seats_by_hand
from community.registrations.models import Registration
from community.tickets.models import Admits, Category, is_colour, palette_colour


@dataclass
class CategoryData:
    """What an organizer types; the release date already in UTC."""

    name_fr: str
    name_en: str = ""
    colour: str = ""  # #rrggbb; empty: the category's colour stays (a new one takes the palette's)
    description_fr: str = ""
    description_en: str = ""
    quota: int | None = None
    listed: bool = True
    admits: str = Admits.EVENT.value
    group_ids: list[int] = field(default_factory=list)
    reserving: bool = False
    reserved_until: datetime | None = None


def check(event: Event, data: CategoryData, category: Category | None = None, now: datetime | None = None) -> None:
    """Refuse what cannot be saved, with the reason; nothing is written."""
    now = now or utcnow()
    if not (data.name_fr.strip() or data.name_en.strip()):
        raise DomainError(_l("Please give the category a name."))
    names = {data.name_fr.strip().casefold(), data.name_en.strip().casefold()} - {""}
    for other in event.categories:
        if other is not category and names & {other.name_fr.casefold(), other.name_en.casefold()}:
            raise DomainError(_l("This event already has a category named %(name)s.", name=other.name))
    if data.colour and not is_colour(data.colour.lower()):
        raise DomainError(_l("Write the colour as # and six hexadecimal digits, like #1f6feb."))
    if data.quota is not None and data.quota < 0:
        raise DomainError(_l("A quota cannot be negative."))
    if data.quota is not None and event.capacity is not None and data.quota > event.capacity:
        raise DomainError(_l("The quota cannot be above the event's capacity (%(capacity)d).", capacity=event.capacity))
    if data.admits not in {admits.value for admits in Admits}:
        raise DomainError(_l("Choose who may take this category."))
    if data.admits == Admits.GROUPS.value and not data.group_ids:
        raise DomainError(_l("Choose at least one working group."))
    if data.reserving:
        _check_reservation(event, data, category, now)


def _check_reservation(event: Event, data: CategoryData, category: Category | None, now: datetime) -> None:
    if event.capacity is None:
        raise DomainError(_l("Seats can be reserved only when the event has a capacity."))
    if data.quota is None:
        raise DomainError(_l("Seats can be reserved only within a quota: say how many."))
    if data.reserved_until is not None and as_utc(data.reserved_until) <= now:
        raise DomainError(_l("The release date has passed: choose a later one, or stop reserving the seats."))


def _groups(data: CategoryData) -> list[WorkingGroup]:
    if data.admits != Admits.GROUPS.value:
        return []
    groups = db.session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(data.group_ids))).all()
    if len(groups) != len(set(data.group_ids)):
        raise DomainError(_l("One of the chosen working groups does not exist."))
    return list(groups)


def _apply(category: Category, data: CategoryData) -> None:
    """The fields that are not seats (those go through limits.reshape_category)."""
    category.name_fr = data.name_fr.strip() or data.name_en.strip()
    category.name_en = data.name_en.strip()
    category.colour = data.colour.lower() or category.colour or palette_colour(category.position)
    category.description_fr, category.description_en = data.description_fr.strip(), data.description_en.strip()
    category.listed, category.admits = data.listed, data.admits
    category.groups = _groups(data)
    category.reserved_until = data.reserved_until if data.reserving else None
    if data.reserving:
        category.released_at = None


def add_category(actor, event: Event, data: CategoryData, now: datetime | None = None) -> Category:
    now = now or utcnow()
    require_manager(actor, event)
    check(event, data, now=now)
    category = Category(position=len(event.categories), taken=0, quota=None, reserving=False)
    _apply(category, data)
    event.categories.append(category)
    db.session.flush()
    limits.reshape_category(event, category, quota=data.quota, reserving=data.reserving, now=now)
    audit.record(actor, "category.added", category, event_id=event.id, **_facts(category))
    return category


def edit_category(actor, category: Category, data: CategoryData, now: datetime | None = None) -> list[Registration]:
    """Returns who was promoted when the change made room (a quota raised, seats given back)."""
    now = now or utcnow()
    event = category.event
    require_manager(actor, event)
    check(event, data, category, now)
    before = _facts(category)
    _apply(category, data)
    promoted = limits.reshape_category(event, category, quota=data.quota, reserving=data.reserving, now=now)
    after = _facts(category)
    changed = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    audit.record(actor, "category.changed", category, event_id=event.id, promoted=len(promoted), **changed)
    return promoted


def _has_registrations(category: Category) -> bool:
    return db.session.scalar(select(exists().where(Registration.category_id == category.id)))


def deletable(category: Category) -> bool:
    """Whether delete_category would accept it (the page offers the button only then)."""
    return len(category.event.categories) > 1 and not _has_registrations(category)


def delete_category(actor, category: Category) -> None:
    event = category.event
    require_manager(actor, event)
    if len(event.categories) == 1:
        raise DomainError(_l("An event keeps at least one category."))
    if _has_registrations(category):
        raise DomainError(_l("This category has registrations: move them to another category first."))
    audit.record(actor, "category.deleted", category, event_id=event.id, name=category.name_fr)
    limits.reshape_category(event, category, quota=category.quota, reserving=False, now=utcnow())
    event.categories.remove(category)
    db.session.flush()


def move_registration(
    actor, registration: Registration, category_id: int, over_quota: bool = False, now: datetime | None = None
) -> dict:
    """Move a registration to another category of its event (seats_by_hand.move_to_category), audited."""
    event = registration.event
    require_manager(actor, event)
    category = db.session.get(Category, category_id)
    if category is None or category.event_id != event.id:
        raise DomainError(_l("This ticket category does not exist for this event."))
    was = registration.category.name_fr
    raised = seats_by_hand.move_to_category(registration, category, now or utcnow(), over_quota)
    facts = {limit: list(change) for limit, change in raised.items()}
    audit.record(
        actor, "registration.category_moved", registration, event_id=event.id, was=was, now=category.name_fr, **facts
    )
    return raised


def _facts(category: Category) -> dict:
    until = category.reserved_until
    return {
        "name": category.name_fr,
        "colour": category.colour,
        "quota": category.quota,
        "listed": category.listed,
        "admits": category.admits,
        "reserving": category.reserving,
        "reserved_until": as_utc(until).isoformat() if until else None,
    }
