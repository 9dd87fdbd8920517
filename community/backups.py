"""Backups that restore: `flask --app app backup FILE` while the site serves, `restore FILE`
into an empty database.

SQLite: the online backup API copies a consistent snapshot of the live database
(in WAL mode, writers go on meanwhile). PostgreSQL: pg_dump in its custom format,
which reads one snapshot (REPEATABLE READ) of the whole database. Either way the
copy holds whole transactions only: a registration is there with its seat and its
mail, or not at all. A restore refuses a database that already holds tables, and
a file of the other database's kind."""

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from community.core.extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """Something a person can fix: the text says what."""


def _is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _sqlite_path() -> str:
    return make_url(str(db.engine.url)).database


def _libpq_url() -> str:
    """The database URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(target: Path) -> None:
    """A consistent copy of the whole database into `target` (written aside, then moved into place)."""
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    if _is_sqlite():
        source, copy = sqlite3.connect(_sqlite_path()), sqlite3.connect(partial)
        try:
            with copy:
                source.backup(copy)  # every page in one step: one read snapshot
        finally:
            copy.close()
            source.close()
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", _libpq_url()])
    os.replace(partial, target)


def restore(source: Path) -> None:
    """Load a backup into the configured database, which must be empty."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    kind = _kind(source)
    wanted = "sqlite" if _is_sqlite() else "postgresql"
    if kind != wanted:
        raise BackupError(f"{source} is a {kind or 'unknown kind of'} backup; this site's database is {wanted}")
    with db.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables): restore into a new, empty database")
    db.engine.dispose()  # no connection of ours stays open on the database being replaced
    if kind == "sqlite":
        backup_copy, live = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(_sqlite_path())
        try:
            with live:
                backup_copy.backup(live)
        finally:
            live.close()
            backup_copy.close()
    else:
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={_libpq_url()}", str(source)]
        )


def _kind(path: Path) -> str | None:
    with open(path, "rb") as f:
        start = f.read(len(SQLITE_MAGIC))
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
