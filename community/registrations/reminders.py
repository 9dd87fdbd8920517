"""Reminders before an event, mailed once to each confirmed attendee."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event, EventStatus
from community.registrations import mails
from community.registrations.models import CONFIRMED, Registration


def send_reminders(now: datetime | None = None, hours: float | None = None) -> int:
    """Mail confirmed attendees of events starting within `hours`, once each (safe to rerun)."""
    now = now or utcnow()
    hours = current_app.config.get("EVENT_REMINDER_HOURS", 48) if hours is None else hours
    due = db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .options(contains_eager(Registration.event), selectinload(Registration.member))
        .where(
            Registration.status == CONFIRMED,
            Registration.reminded_at.is_(None),
            Event.status == EventStatus.PUBLISHED.value,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=hours),
        )
        .order_by(Registration.id)
    ).all()
    for registration in due:
        mails.reminder(registration)
        registration.reminded_at = now
    return len(due)
