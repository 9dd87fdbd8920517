"""PostgreSQL restarted in the middle of a registration rush, with real processes: a server of
our own (initdb into a temporary folder, on a free port), gunicorn in front of it, clients
registering and reading the event page while `pg_ctl restart` runs. During the outage every
answer is the "busy, try again" page (503 with Retry-After), never a 500; afterwards the same
gunicorn serves again, and nothing is half written.

The test's own server, not the suite's: the other test processes keep theirs while this one
goes down."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.bench import registration_rush as rush
from tests.bench import sessions as logins
from tests.bench.load import Http, drive, free_port
from tests.test_faults import _rows, seeded_gunicorn

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
REGISTRANTS, SEATS, CLIENTS = 300, 80, 6

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or PG_BIN is None,
    reason="needs PostgreSQL's programs (the suite's PostgreSQL run, TEST_DATABASE_URL)",
)


def _as_postgres(*command: str) -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres account then."""
    command = [str(PG_BIN / command[0]), *command[1:]]
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def own_postgresql():
    """A PostgreSQL server of this test's own on 127.0.0.1; yields (admin URL, pg_ctl command)."""
    home = Path(tempfile.mkdtemp(prefix="community-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, "postgres", "postgres")
    data, port = home / "data", free_port()
    subprocess.run(
        _as_postgres("initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = _as_postgres("pg_ctl", "-D", str(data), "-l", str(home / "server.log"), "-o", options, "-w")
    subprocess.run([*pg_ctl, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", pg_ctl
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


class Outage:
    """Stops the server once a quarter of the people are in, waits until the clients have met the
    outage, then starts it again; records what the clients were told meanwhile."""

    def __init__(self, app, pg_ctl):
        self.app, self.pg_ctl = app, pg_ctl
        self.down = threading.Event()
        self.answers_while_down: list[tuple[int, str | None]] = []
        self.seconds = 0.0

    def run(self) -> None:
        deadline = time.monotonic() + 60
        while _rows(self.app)[0] < REGISTRANTS // 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run([*self.pg_ctl, "-m", "fast", "stop"], check=True, capture_output=True)
        stopped = time.monotonic()
        self.down.set()
        while len(self.answers_while_down) < 20 and time.monotonic() < stopped + 10:
            time.sleep(0.05)
        subprocess.run([*self.pg_ctl, "start"], check=True, capture_output=True)
        self.down.clear()
        self.seconds = time.monotonic() - stopped

    def register_then_look(self, http: Http, session: dict) -> dict:
        """A registration, then the events page as the person would reload it."""
        status, cookie, _body = http.send(
            "POST",
            f"/events/{rush.SLUG}/register",
            cookie=session["cookie"],
            form={"csrf_token": session["csrf_token"]},
        )
        answers = [(status, http.last_headers.get("Retry-After"))]
        answers.append((http.send("GET", "/events/")[0], http.last_headers.get("Retry-After")))
        if self.down.is_set():
            self.answers_while_down.extend(answers)
        return {"status": status, "cookie": cookie, "answers": answers, "after_restart": self.seconds > 0}


def test_postgresql_restarted_mid_rush_gets_busy_pages_never_a_500(tmp_path):
    with own_postgresql() as (url, pg_ctl):  # the server is the test's own: its first database will do
        with seeded_gunicorn(url, tmp_path, REGISTRANTS, SEATS, workers=2) as (app, emails, port, server):
            sessions = logins.forge(app, emails)
            outage = Outage(app, pg_ctl)
            restarter = threading.Thread(target=outage.run)
            restarter.start()
            results, _started = drive(port, sessions, CLIENTS, outage.register_then_look, 120)
            restarter.join()
            # The same gunicorn, never restarted, serves again.
            assert server.poll() is None
            http = Http(port)
            assert http.send("GET", "/events/")[0] == 200
            http.close()

        serializer = app.session_interface.get_signing_serializer(app)
        outcomes = [rush.outcome_of(result, serializer) for result in results]
        registrations, mails, counted, seated, without_one_mail, live = _rows(app)

    answers = [answer for result in results for answer in result.get("answers", [])]
    statuses = sorted({status for status, _retry in answers})
    busy = [retry for status, retry in answers if status == 503]
    failed = sum(status == 500 for status, _retry in answers)
    print(
        f"\nPostgreSQL down {outage.seconds:.1f} s: {len(answers)} answers {statuses}, {len(busy)} busy pages, "
        f"{failed} server errors, "
        f"{registrations} registrations written, {seated} seated"
    )
    assert all(not result.get("error") for result in results), [r["error"] for r in results if r.get("error")][:3]
    assert 500 not in statuses and set(statuses) <= {200, 302, 503}, statuses
    assert outage.answers_while_down and busy, "the clients must have met the outage"
    assert all(retry and int(retry) > 0 for retry in busy)  # each says when to try again
    # Registrations went on after the restart, and nothing is half written.
    assert any(result["after_restart"] and result["status"] == 302 for result in results)
    assert without_one_mail == 0 and mails == registrations
    assert counted == seated <= SEATS
    for email, outcome in zip(emails, outcomes):
        if outcome in ("confirmed", "waiting"):
            assert (email, outcome) in live, email
