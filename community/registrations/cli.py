"""Cron-friendly event commands: `flask --app app send-reminders`, `flask --app app expire-holds`."""

import click

from community.core.extensions import db


def register_cli(app) -> None:
    @app.cli.command("send-reminders")
    @click.option(
        "--hours",
        type=float,
        default=None,
        help="Events starting within this many hours (default EVENT_REMINDER_HOURS).",
    )
    def send_reminders(hours):
        """Mail confirmed attendees before their event, once each (safe to rerun)."""
        from community.registrations import reminders

        count = reminders.send_reminders(hours=hours)
        db.session.commit()
        click.echo(f"reminders queued: {count}")

    @app.cli.command("expire-holds")
    def expire_holds():
        """Free the seats of guests who did not confirm in time, and reserved seats past their
        release date; the waiting list moves up."""
        from community.core.clock import utcnow
        from community.registrations import seats

        count = seats.expire_holds(utcnow())
        db.session.commit()
        click.echo(f"holds expired: {count}")
