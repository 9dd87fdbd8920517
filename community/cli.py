"""Command-line tools: `flask --app app <command>`."""

import click
from flask_babel import force_locale

from community.core.extensions import db


def register(app) -> None:
    from community.privacy.retention import register_cli as register_retention_commands
    from community.registrations.cli import register_cli as register_event_commands

    register_event_commands(app)
    register_retention_commands(app)

    @app.cli.command("mail-worker")
    @click.option("--once", is_flag=True, help="Deliver what is due, then exit (for cron).")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds between polls.")
    def mail_worker(once, interval):
        """Deliver the mail outbox over SMTP (or to the log)."""
        from community.mail.delivery import run_worker

        if not run_worker(interval=interval, once=once):
            raise SystemExit(1)  # so cron sees a failed round

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


def _fill_in_english(message) -> None:
    """An English entry reads as its msgid (singular and plural alike)."""
    if isinstance(message.id, tuple):
        if not all(message.string):
            message.string = tuple(message.id[min(i, 1)] for i in range(len(message.string) or 2))
    elif not message.string:
        message.string = message.id
    message.flags.discard("fuzzy")
