"""Backups that restore: one taken in the middle of a registration rush loads into an
empty database with every invariant holding; a restore never overwrites data."""

import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from community import create_app
from community.backups import BackupError, backup, restore
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.registrations.models import Registration
from tests.conftest import make_config
from tests.factories import assert_invariants
from tests.registrations.test_capacity_race import app_config, register, run_in_threads  # noqa: F401 (a connection per thread)

THREADS = 16


@pytest.fixture
def empty_database(database_url, tmp_path):
    """The URL of a new, empty database of the same kind (dropped afterwards on PostgreSQL)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restored"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def counts():
    registrations = db.session.scalar(select(func.count()).select_from(Registration))
    return registrations, db.session.scalar(select(func.count()).select_from(OutboxEmail))


def test_a_backup_taken_during_a_rush_restores_whole_transactions_only(
    app, make_event, bulk_members, smtp_server, empty_database, tmp_path
):
    event = make_event(capacity=120)
    member_ids = bulk_members(400)
    file = tmp_path / "community.backup"
    taken = {}

    def take_backup_midway():
        with app.app_context():
            while counts()[0] < 150:  # well into the rush: seats gone, the line growing
                db.session.rollback()
                threading.Event().wait(0.01)
            taken["before"] = counts()[0]
            backup(file)
            taken["after"] = counts()[0]
            db.session.remove()

    backer = threading.Thread(target=take_backup_midway)
    backer.start()
    outcomes, errors = run_in_threads(app, member_ids, register(event.id), threads=THREADS)
    backer.join()
    assert errors == [] and len(outcomes) == 400
    assert taken["before"] < 400, "the backup must run during the rush"

    restored = create_app(make_config(empty_database, smtp_server.port))
    with restored.app_context():
        restore(file)
        registrations, mails = counts()
        # A snapshot of whole transactions, taken while the rush went on.
        assert taken["before"] <= registrations <= taken["after"]
        assert mails == registrations  # each registration with its one mail, none half written
        without_mail = db.session.scalar(
            select(func.count())
            .select_from(Registration)
            .where(~select(OutboxEmail.id).where(OutboxEmail.dedupe_key.contains(Registration.ticket_code)).exists())
        )
        assert without_mail == 0
        assert_invariants(db.session.scalar(select(Event.id)))
        db.session.remove()
        db.engine.dispose()


def test_a_restore_refuses_a_database_that_holds_data_and_a_file_it_cannot_read(app, tmp_path, database_url):
    file = tmp_path / "community.backup"
    backup(file)
    with pytest.raises(BackupError, match="not empty"):
        restore(file)  # into the live database: refused, nothing touched
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup")
    with pytest.raises(BackupError, match="unknown kind"):
        restore(garbage)
    with pytest.raises(BackupError, match="no such file"):
        restore(tmp_path / "missing.backup")
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if database_url.startswith("sqlite") else b"SQLite format 3\x00")
    with pytest.raises(BackupError, match="backup; this site's database is"):
        restore(other)


def test_the_commands_back_up_and_restore_and_say_why_they_refuse(
    app, tmp_path, make_event, smtp_server, empty_database
):
    make_event(capacity=3, title="Sommet")
    file = tmp_path / "nightly.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.stat().st_size > 0 and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    refused = app.test_cli_runner().invoke(args=["restore", str(file)])
    assert refused.exit_code == 1 and "not empty" in refused.output

    restored = create_app(make_config(empty_database, smtp_server.port))
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["restore", str(file)])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(Event.title)) == "Sommet"
        db.session.remove()
        db.engine.dispose()
