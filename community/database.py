"""Engine settings that keep SQLite honest: WAL, foreign keys, a bounded lock wait."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the single writer.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def is_lock_timeout(error: Exception) -> bool:
    """True for 'database is locked' (SQLite) and lock_timeout (PostgreSQL)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "lock timeout" in text
