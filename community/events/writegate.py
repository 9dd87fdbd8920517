"""SQLite only: writers of one process queue here, first come first served.

SQLite's busy handler is not fair: under a rush, 32 threads poll for the one
write lock and an unlucky one can wait past the busy timeout ("database is
locked"). Queueing a process's writers in FIFO order before their first write
leaves at most one of them polling SQLite per process, so lock waits stay short
and bounded. The gate is released when the transaction ends (commit, rollback,
or the connection going back to the pool). PostgreSQL needs none of this.
"""
import sqlite3
import threading
from collections import deque

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

KEY = "events_write_gate"
WAIT_SECONDS = 5.0


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


_gates: dict[str, FairLock] = {}
_gates_mutex = threading.Lock()


def _gate_for(engine) -> FairLock:
    key = str(engine.url)
    with _gates_mutex:
        if key not in _gates:
            _gates[key] = FairLock()
        if not event.contains(engine, "commit", _release_on_end):
            event.listen(engine, "commit", _release_on_end)
            event.listen(engine, "rollback", _release_on_end)
            event.listen(engine.pool, "checkin", _release_on_checkin)
        return _gates[key]


def _release(info: dict) -> None:
    gate = info.pop(KEY, None)
    if gate is not None:
        gate.release()


def _release_on_end(connection):
    _release(connection.info)


def _release_on_checkin(_dbapi_connection, record):
    if record is not None:
        _release(record.info)


def enter(session) -> None:
    """Call before the transaction's first write; a no-op on other databases or when held."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or KEY in connection.info:
        return
    gate = _gate_for(connection.engine)
    if not gate.acquire(WAIT_SECONDS):
        raise OperationalError("write gate", {}, sqlite3.OperationalError("database is locked"))
    connection.info[KEY] = gate
