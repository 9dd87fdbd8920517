"""Command-line tools: `flask --app app <command>`."""

import signal
import threading
from pathlib import Path

import click
from flask_babel import force_locale

from community.core.extensions import db


def register(app) -> None:
    from community.privacy.retention import register_cli as register_retention_commands
    from community.registrations.cli import register_cli as register_event_commands

    register_event_commands(app)
    register_retention_commands(app)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due and run the jobs due, then exit.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between rounds.")
    def worker(once, interval):
        """Deliver the mail outbox and run the scheduled jobs (reminders, seats due back, retention)."""
        from community.jobs.schedule import ScheduleError, schedule
        from community.jobs.worker import run

        try:
            schedule()
        except ScheduleError as error:
            raise click.ClickException(f"JOB_SCHEDULE: {error}") from error
        if not run(interval=interval, once=once, stop=_stopped_by_signals()):
            raise SystemExit(1)

    @app.cli.command("mail-worker")
    @click.option("--once", is_flag=True, help="Deliver what is due, then exit (for cron).")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
    def mail_worker(once, interval):
        """Deliver the mail outbox only (the scheduled jobs then need the worker or cron)."""
        from community.jobs.worker import run

        if not run(interval=interval, once=once, scheduled=False, stop=_stopped_by_signals()):
            raise SystemExit(1)  # so cron sees a failed round

    @app.cli.command("jobs")
    def list_jobs():
        """The scheduled jobs: when each runs, its last run and outcome, when it is next due."""
        from community.core.clock import to_local
        from community.jobs import runner, schedule

        timing = schedule.schedule()
        with force_locale("en"):
            for job, row in runner.state():
                last = (
                    "never run"
                    if row is None or row.last_started_at is None
                    else (
                        f"last {to_local(row.last_started_at):%Y-%m-%d %H:%M} {row.last_outcome or 'running'}"
                        f" ({row.last_count if row.last_count is not None else row.last_error})"
                    )
                )
                due = "due at the worker's start" if row is None else f"next {to_local(row.due_at):%Y-%m-%d %H:%M}"
                click.echo(f"{job.name:<10} {schedule.describe(timing[job.name]):<16} {last}; {due}")

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(file):
        """Copy the whole database into FILE while the site serves (SQLite's backup API, or pg_dump)."""
        from community.backups import backup

        _backup_step(backup, file, f"backup written: {file}")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def restore_command(file):
        """Load a backup made by `backup` into the configured database, which must be empty."""
        from community.backups import restore

        _backup_step(restore, file, f"restored from {file}; run `flask --app app db upgrade` if the code is newer")

    @app.cli.command("check-production")
    @click.option("--workers", type=int, default=3, show_default=True, help="Web server processes to be started.")
    def check_production(workers):
        """Refuse a configuration unsafe in production (what `community serve --production` runs first)."""
        from community.production import problems

        found = problems(app.config, workers)
        for problem in found:
            click.echo(f"refused: {problem}", err=True)
        if found:
            raise SystemExit(2)
        click.echo("configuration fit for production")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default=None, help="Display name (default: the part before @).")
    @click.option(
        "--password", default=None, help="Asked for when omitted for a new account; an existing member keeps theirs."
    )
    def create_admin(email, name, password):
        """Create a confirmed admin account, or make an existing member admin."""
        from community.core.errors import DomainError
        from community.members import services

        if password is None and services.find_by_email(email) is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        # No request here: messages are shown in English.
        with force_locale("en"):
            try:
                member = services.make_admin(email, name=name, password=password)
            except DomainError as error:
                raise click.ClickException(str(error)) from error
        db.session.commit()
        click.echo(f"admin: {member.email}")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Fill an empty database with a clearly labelled demo community."""
        from community import demo

        message = demo.seed()
        db.session.commit()
        click.echo(message)

    @app.cli.command("fill-english-catalog")
    def fill_english_catalog():
        """Our msgids are English: copy each into the English catalog so it is complete."""
        from pathlib import Path

        from babel.messages.pofile import read_po, write_po

        path = Path(app.root_path) / "translations" / "en" / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            catalog = read_po(f, locale="en")
        for message in catalog:
            if message.id:
                _fill_in_english(message)
        with path.open("wb") as f:
            write_po(f, catalog, width=100)
        click.echo(f"English catalog complete: {len(catalog)} messages")


def _stopped_by_signals() -> threading.Event:
    """Set by SIGTERM or Ctrl-C: the worker finishes its round (the mail being sent) and exits."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _backup_step(step, file, done: str) -> None:
    """Run backup or restore; a mistake a person can fix is told in one line, exit status 1."""
    from community.backups import BackupError

    try:
        step(file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(done)


def _fill_in_english(message) -> None:
    """An English entry reads as its msgid (singular and plural alike)."""
    if isinstance(message.id, tuple):
        if not all(message.string):
            message.string = tuple(message.id[min(i, 1)] for i in range(len(message.string) or 2))
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
