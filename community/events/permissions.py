"""Who may run which event: the one rule, used by views, templates and exports.

- manage (dashboard, edit, waiting list, mail to attendees, exports, staff):
  admins, the organizer who created the event, and people named organizer of it;
- check in: those, and the stewards named for it (nothing else);
- read raw answers to sensitive questions (diet, health, identity documents): only
  the organizer who created the event and people named organizer of it; not
  admins as such, not stewards, not the organizers of other events (the others
  who manage the event see counts);
- see: a draft only those who may manage events; published and cancelled events are public pages.
"""

from functools import wraps
from typing import NamedTuple

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from community.core.errors import NotAllowed
from community.core.extensions import db, login_manager
from community.events.models import Event, EventStaff, StaffRole
from community.events.queries import by_slug
from community.members.models import Role


def staff_role(member, event: Event) -> str | None:
    """The member's EventStaff role for this event, or None (one query)."""
    if member is None or not getattr(member, "is_authenticated", False):
        return None
    return db.session.scalar(
        select(EventStaff.role).where(EventStaff.event_id == event.id, EventStaff.member_id == member.id)
    )


class Rights(NamedTuple):
    manage: bool
    check_in: bool


def rights(member, event: Event) -> Rights:
    """Both answers at once, for pages that show links to both (at most one query)."""
    if member is None or not getattr(member, "is_authenticated", False):
        return Rights(False, False)
    if member.has_role(Role.ADMIN) or event.created_by == member.id:
        return Rights(True, True)
    role = staff_role(member, event)
    return Rights(role == StaffRole.ORGANIZER.value, role in (StaffRole.ORGANIZER.value, StaffRole.STEWARD.value))


def may_manage(member, event: Event) -> bool:
    return rights(member, event).manage


def may_check_in(member, event: Event) -> bool:
    return rights(member, event).check_in


def may_read_sensitive(member, event: Event) -> bool:
    """Special-category data (GDPR art. 9) goes to the fewest people who need it: the
    event's own organizers. An admin reads it only when one of them (at most one query)."""
    if member is None or not getattr(member, "is_authenticated", False):
        return False
    return event.created_by == member.id or staff_role(member, event) == StaffRole.ORGANIZER.value


def can_view(event: Event, member) -> bool:
    if event.is_draft:
        return member is not None and member.is_authenticated and member.is_organizer
    return True


def require_manager(actor, event: Event) -> None:
    """For the rules an event's organizers run: NotAllowed for anyone else."""
    if not may_manage(actor, event):
        raise NotAllowed(_l("Only the organizers of this event can do this."))


def current_member():
    """The logged-in member, or None for a visitor."""
    return current_user if current_user.is_authenticated else None


def visible_event(slug: str, *options) -> Event:
    """The event a page names (read with these loader options), if the person asking may see it; else 404."""
    event = by_slug(slug, *options)
    if event is None or not can_view(event, current_member()):
        abort(404)
    return event


def event_access(may, access: str):
    """A view of one event, named by the route's `slug`: logged in (else the login
    page), the event exists (else 404), `may(current_user, event)` (else 403).
    The view receives the Event instead of the slug."""

    def decorator(view):
        @wraps(view)
        def wrapped(slug, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            event = by_slug(slug)
            if event is None:
                abort(404)
            if not may(current_user, event):
                abort(403)
            return view(event, **kwargs)

        wrapped.access = access
        return wrapped

    return decorator


manager_required = event_access(may_manage, "organizer:event")
steward_required = event_access(may_check_in, "steward:event")
