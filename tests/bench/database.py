"""A bench's own database, made fresh and removed afterwards."""

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def fresh_database(admin_url: str | None, workdir: Path, name: str):
    """Yield the URL of an empty database: `name`.sqlite3 in `workdir`, or with `admin_url` (an admin
    connection to a PostgreSQL server) the database `name` made on that server; remove it afterwards."""
    if not admin_url:
        path = workdir / f"{name}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        return
    admin = make_url(admin_url)
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")

    def drop():
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    try:
        drop()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        engine.dispose()
