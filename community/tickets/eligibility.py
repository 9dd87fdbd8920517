"""Who may take which ticket category of an event.

The event's own rules (published, open for registration, who it admits) come
first, in registrations/services.registration_problem; a category then admits
anyone the event admits, confirmed members, members of its working groups, or
holders of an invitation code. Hidden categories are never offered on the page."""

from flask_babel import lazy_gettext as _l

from community.core.errors import DomainError
from community.groups import queries as group_queries
from community.tickets.models import Admits, Category


class CategoryRefused(DomainError):
    """The chosen category is not one this person may take: the text says why."""


def problem(category: Category, member, group_ids: set[int] | None = None) -> str | None:
    """Why this person may not take the category, or None. `member` is None for a guest;
    `group_ids` their active groups when already read."""
    if category.admits == Admits.EVENT.value:
        return None
    if category.admits == Admits.CODE.value:
        return _l("This category is open with an invitation code only.")
    if member is None:
        return _l("This category is open to members only: log in or sign up to take it.")
    if category.admits == Admits.GROUPS.value:
        mine = group_queries.active_group_ids(member) if group_ids is None else group_ids
        if not mine & {group.id for group in category.groups}:
            return _l("This category is reserved for the members of its working groups.")
    return None


def open_to(event, member) -> list[Category]:
    """The listed categories of the event this person may take, in the event's order."""
    return list(_open(event, member))


def _open(event, member):
    """open_to() one by one, reading the member's groups only when a category asks for them
    (taking the first, usually the general category, needs no query)."""
    group_ids = None
    for category in event.categories:
        if not category.listed:
            continue
        if category.admits == Admits.GROUPS.value and member is not None and group_ids is None:
            group_ids = group_queries.active_group_ids(member)
        if problem(category, member, group_ids) is None:
            yield category


def seats_open(event, offered: list[Category]) -> int | None:
    """The most seats one of these categories still has (what the page tells this person);
    None: no limit."""
    left = [category.seats_left(event) for category in offered]
    if any(n is None for n in left):
        return None
    return max(left, default=0)


def choose(event, member, category_id: int | None, code=None) -> Category:
    """The category a person registers in: the one they chose (it must be open to them), or
    the first open to them; with an invitation code, the code's category, whoever it admits.
    Raises CategoryRefused with the reason."""
    if code is not None:
        if category_id not in (None, code.category_id):
            raise CategoryRefused(_l("Your invitation code opens another category."))
        return code.category
    if category_id is None:
        first = next(_open(event, member), None)
        if first is None:
            raise CategoryRefused(_l("No ticket category of this event is open to you."))
        return first
    chosen = next((c for c in event.categories if c.id == category_id), None)
    if chosen is None or not chosen.listed:  # a hidden one is reached with its code only
        raise CategoryRefused(_l("This ticket category does not exist for this event."))
    reason = problem(chosen, member)
    if reason:
        raise CategoryRefused(reason)
    return chosen
