"""Who may run which event: the one rule, used by views, templates and exports.

- manage (dashboard, edit, waiting list, mail to attendees, exports, staff):
  admins, the organizer who created the event, and people named organizer of it;
- check in: those, and the stewards named for it (nothing else).
"""
from functools import wraps
from typing import NamedTuple

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from community.events.models import Event, EventStaff, StaffRole
from community.extensions import db, login_manager
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


def event_access(may, access: str):
    """A view of one event, named by the route's `slug`: logged in (else the login
    page), the event exists (else 404), `may(current_user, event)` (else 403).
    The view receives the Event instead of the slug."""

    def decorator(view):
        @wraps(view)
        def wrapped(slug, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            # A garbage slug (too long, NUL bytes PostgreSQL refuses) is simply not an event.
            if len(slug) > 120 or "\x00" in slug:
                abort(404)
            event = db.session.scalar(select(Event).where(Event.slug == slug))
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
