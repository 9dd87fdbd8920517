"""Engine settings that keep SQLite honest: WAL, foreign keys, a bounded lock wait."""

import enum

from sqlalchemy import CheckConstraint, Index, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import IntegerConverter

from community.core import search
from community.core.extensions import db


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
        # Case- and accent-blind search (community/search.py).
        dbapi_connection.create_function(search.SQLITE_FUNCTION, 1, search.sqlite_fold, deterministic=True)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows `where` holds, on SQLite and PostgreSQL alike: each takes the
    condition under its own keyword, and one left without it indexes every row."""
    condition = text(where)
    return Index(name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition)


def one_of(column: str, values: type[enum.Enum], name: str, *, nullable: bool = False) -> CheckConstraint:
    """A CHECK that `column` holds one of the enum's values, in the enum's order ("status IN
    ('a', 'b')"), or NULL when `nullable`. A value added to the enum needs a migration."""
    known = f"{column} IN ({', '.join(repr(member.value) for member in values)})"
    return CheckConstraint(f"{column} IS NULL OR {known}" if nullable else known, name=name)


def not_negative(column: str, name: str, *, nullable: bool = False) -> CheckConstraint:
    """A CHECK that a counter or a limit is never below zero ("taken >= 0"), or NULL when `nullable`."""
    return CheckConstraint(f"{column} IS NULL OR {column} >= 0" if nullable else f"{column} >= 0", name=name)


# PostgreSQL error codes worth a "try again": class 40 (serialization failure,
# deadlock detected: the transaction was rolled back) and lock_not_available.
RETRYABLE_SQLSTATE_CLASSES = ("40",)
RETRYABLE_SQLSTATES = ("55P03",)


def is_lock_timeout(error: Exception) -> bool:
    """True for 'database is locked' (SQLite) and lock_timeout (PostgreSQL)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "lock timeout" in text


def is_retryable(error: Exception) -> bool:
    """Nothing was saved and the same request may well succeed in a moment:
    a lock wait that ran out, a deadlock or a serialization failure."""
    sqlstate = getattr(getattr(error, "orig", error), "sqlstate", None) or ""
    return is_lock_timeout(error) or sqlstate[:2] in RETRYABLE_SQLSTATE_CLASSES or sqlstate in RETRYABLE_SQLSTATES


# PostgreSQL out of reach for a moment (restarted, failing over): a connection exception
# (class 08), or the server shutting down or starting up (admin/crash shutdown, cannot connect now).
UNAVAILABLE_SQLSTATE_CLASSES = ("08",)
UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_unavailable(error: Exception) -> bool:
    """The database cannot be reached right now: nothing was saved, and it may well be back in a
    moment (the pool drops the dead connections and opens new ones on the next request)."""
    if getattr(error, "connection_invalidated", False):
        return True
    orig = getattr(error, "orig", error)
    sqlstate = getattr(orig, "sqlstate", None) or ""
    if sqlstate[:2] in UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in UNAVAILABLE_SQLSTATES:
        return True
    # psycopg names no SQLSTATE when the server refuses the connection itself.
    return type(orig).__module__.startswith("psycopg") and str(orig).startswith("connection failed")


def close_sessions_whatever_happened(app) -> None:
    """At the end of each request, give the session's connection back even when the database
    went away after the last query (a restart): the rollback on the dead connection would raise
    in the teardown, past every error page, and turn an answered page into a 500. The dead
    connection is invalidated instead; the pool opens a new one for the next request."""

    @app.teardown_appcontext
    def _close(_error):
        try:
            db.session.close()
        except DBAPIError:
            db.session().invalidate()  # the request's own Session (the scoped proxy has no invalidate)


# The id columns' range (INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route: a number the id columns can hold. A larger one is a
    404 like any unknown id, instead of an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
