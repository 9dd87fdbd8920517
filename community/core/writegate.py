"""SQLite only: the app's seat writers queue here instead of in SQLite's busy handler.

SQLite's busy handler sleeps in growing steps (1, 2, 5, 10 ... 100 ms) while it
waits for the write lock, and is not fair: under a rush the lock sits idle while
writers sleep, and an unlucky one can wait past the busy timeout ("database is
locked"). So, before its first write, a transaction takes
- the process's FairLock: its threads in arrival order, the lock passed directly
  to the next one in line;
- then a file lock (flock) on `<database>-writegate`, shared by every process
  using the file (gunicorn workers): the one thread per process at the head of
  its queue polls it every millisecond or less, so a freed lock is taken at once.
Both are released when the connection goes back to the pool, that is after the
COMMIT or ROLLBACK has run (releasing on SQLAlchemy's "commit" event would let
the next writer in before the commit, straight into SQLite's busy handler).
Waits are bounded (LOCK_WAIT_SECONDS): past it the request fails with "database is
locked", which the app answers with "busy, try again". PostgreSQL needs none of this.
"""

import fcntl
import os
import sqlite3
import threading
import time
from collections import deque

from flask import current_app
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

KEY = "events_write_gate"
POLL_SECONDS = (0.0002, 0.001)  # first and longest pause between two tries of the file lock


class FairLock:
    """A lock handed to waiters in arrival order."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # the lock passes directly to the next in line
            else:
                self._held = False


class FileLock:
    """flock on a file beside the database: one holder among the processes.

    Only the holder of the process's FairLock uses it, so one descriptor per
    process is enough (flock belongs to the open file, not to a thread). It is
    reopened after a fork: a descriptor inherited from the parent would share its lock."""

    def __init__(self, path: str | None):
        self._path = path
        self._fd = None
        self._pid = None

    def _descriptor(self) -> int:
        if self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self, deadline: float) -> bool:
        if self._path is None:  # an in-memory database lives in one process
            return True
        fd = self._descriptor()
        pause, longest = POLL_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, longest)

    def release(self) -> None:
        if self._path is not None:
            fcntl.flock(self._descriptor(), fcntl.LOCK_UN)


class Gate:
    def __init__(self, path: str | None):
        self.threads = FairLock()
        self.processes = FileLock(path)

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout):
            return False
        if self.processes.acquire(deadline):
            return True
        self.threads.release()
        return False

    def release(self) -> None:
        try:
            self.processes.release()
        finally:
            self.threads.release()


_gates: dict[str, Gate] = {}
_gates_mutex = threading.Lock()


def _lock_path(url) -> str | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{os.path.abspath(database)}-writegate"


def _gate_for(engine) -> Gate:
    key = str(engine.url)
    with _gates_mutex:
        if key not in _gates:
            _gates[key] = Gate(_lock_path(engine.url))
        if not event.contains(engine, "checkin", _release_on_checkin):
            event.listen(engine, "checkin", _release_on_checkin)
            event.listen(engine, "invalidate", _release_on_invalidate)
        return _gates[key]


def _release(info: dict) -> None:
    gate = info.pop(KEY, None)
    if gate is not None:
        gate.release()


def _release_on_checkin(_dbapi_connection, record):
    # The pool has rolled back whatever was left open: the transaction is over.
    if record is not None:
        _release(record.info)


def _release_on_invalidate(_dbapi_connection, record, _exception):
    if record is not None:
        _release(record.info)


def enter(session) -> None:
    """Call before the transaction's first write; a no-op on other databases or when held."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or KEY in connection.info:
        return
    gate = _gate_for(connection.engine)
    if not gate.acquire(float(current_app.config["LOCK_WAIT_SECONDS"])):
        raise OperationalError("write gate", {}, sqlite3.OperationalError("database is locked"))
    connection.info[KEY] = gate
