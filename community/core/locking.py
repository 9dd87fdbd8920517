"""Every difference between SQLite and PostgreSQL in how we write, in one place.

- Writers queue: SQLite has one writer at a time, so before its first write a
  transaction waits at the write gate (core/writegate.py, fair and bounded by
  LOCK_WAIT_SECONDS); PostgreSQL needs no gate (lock waits are bounded by its
  lock_timeout, set from the same setting in config.py).
- A row lock: PostgreSQL locks the row (FOR NO KEY UPDATE, which does not
  conflict with the KEY SHARE a foreign key insert takes); on SQLite any write
  takes the database's write lock, so a no-op UPDATE of the row does it.
- "Insert unless it exists": INSERT ... ON CONFLICT DO NOTHING, in each dialect's words.
- Claiming queued rows: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
  has no SKIP LOCKED (the caller's conditional UPDATE is the claim there).

Callers never test the dialect themselves."""

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from community.core import writegate
from community.core.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def writes_lock_the_database() -> bool:
    """True on SQLite: the first write of a transaction locks every row at once."""
    return _dialect() == "sqlite"


def before_writes() -> None:
    """Call before a transaction's first write (a no-op on PostgreSQL, or when already past the gate)."""
    writegate.enter(db.session)


def lock_row(model, row_id) -> None:
    """Keep this row from changing under us until the transaction ends (see the module's docstring)."""
    before_writes()
    table = model.__table__
    if writes_lock_the_database():
        # A plain column, set to itself: a key would make SQLite check the foreign keys, an index would be rewritten.
        column = next(c for c in table.c if not (c.primary_key or c.foreign_keys or c.unique or c.index))
        db.session.execute(
            update(table)
            .where(table.c.id == row_id)
            .values({column.key: column})
            .execution_options(synchronize_session=False)
        )
        return
    db.session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True))


def lock_for_update(query, of=None):
    """`query` (a SELECT) locking the rows it reads (of `of`), FOR NO KEY UPDATE; run it
    after before_writes(). On SQLite the FOR clause is dropped: the write lock covers it."""
    return query.with_for_update(of=of, key_share=True)


def refresh_locked(obj, *, shared: bool = False):
    """Re-read a row and keep it from changing until the transaction ends:
    FOR NO KEY UPDATE, or FOR SHARE when `shared` (readers that only need it to
    stay as it is, such as a check-in); on SQLite the write gate already holds it."""
    before_writes()
    db.session.refresh(obj, with_for_update={"read": True} if shared else {"key_share": True})
    return obj


def insert_ignoring_conflict(model, *, index_elements, index_where=None):
    """INSERT INTO model ... ON CONFLICT (index_elements) DO NOTHING: add `.values(...)` and
    `.returning(...)`; it returns no row when the unique index already holds one."""
    insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)


def skip_locked(query):
    """`query` skipping rows another transaction has locked, where the database can (PostgreSQL)."""
    if _dialect() == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query
