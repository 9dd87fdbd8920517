"""Two app servers behind deploy/'s nginx, as a community outgrowing one machine would run
them: two `community serve` (each with its web server and its worker) on two ports, over one
PostgreSQL and one Redis. The summit's rush of 2,000 members for 450 seats, split by nginx
across both, ends with exact counts and every mail delivered once; the rate limits are
shared (Redis). The proxy's cost is measured in the same run on the event page, read
through nginx and then straight from the two servers."""

import http.client
import itertools
import os
import shutil
import ssl
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from tests.bench import registration_rush as rush
from tests.bench import sessions as logins
from tests.bench.load import Http, drive, free_port
from tests.conftest import redis_up
from tests.test_deploy import HOST, behind_nginx, nginx_conf, wait_until_serving

REGISTRANTS, SEATS, CLIENTS = 2000, 450, 16
PAGES = 600  # event pages read through nginx, then straight from the servers
REDIS = "redis://127.0.0.1:6379/13"  # a database of its own, emptied first


pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or not shutil.which("nginx") or not redis_up(),
    reason="needs the suite's PostgreSQL run (TEST_DATABASE_URL), nginx and Redis",
)


class ThroughNginx(Http):
    """The rush's client over HTTPS to nginx, as a browser on the site (Flask-WTF checks the
    Referer of a form sent over HTTPS)."""

    headers = {"Host": HOST, "Referer": f"https://{HOST}/events/"}

    def __init__(self, port: int, timeout: float = 30):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throwaway certificate
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=timeout)


def _direct_to(ports):
    """Connections straight to the app servers, one server after the other (as nginx spreads them)."""
    turn, lock = itertools.cycle(ports), threading.Lock()

    def connect(_port):
        with lock:
            return Http(next(turn))

    return connect


def _register_at(slug):
    def register(http, session):
        form = {"csrf_token": session["csrf_token"]}
        status, cookie, _body = http.send("POST", f"/events/{slug}/register", cookie=session["cookie"], form=form)
        return {"status": status, "cookie": cookie}

    return register


def _counts(app, slug):
    """(confirmed, waiting, the event's own count, other statuses, the outbox's Message-IDs and statuses)."""
    from community.core.extensions import db
    from community.mail.mime import message_id
    from community.mail.models import OutboxEmail

    with app.app_context():
        by_status, event_confirmed_count = rush.registrations_by_status(slug)
        mails = {message_id(mail): mail.status for mail in db.session.scalars(select(OutboxEmail))}
        found = (by_status.pop("confirmed", 0), by_status.pop("waiting", 0), event_confirmed_count, by_status, mails)
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.fixture
def two_servers(tmp_path, smtp_server):
    """2,000 members and the event in PostgreSQL; two `community serve` behind nginx. Yields
    (the bench app for reading rows, nginx's HTTPS port, the two app ports)."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    with rush.fresh_database(os.environ["TEST_DATABASE_URL"], tmp_path, "two_servers") as url:
        app = rush.bench_app(url, f"https://{HOST}")
        rush.build_schema(app)
        emails, _extra = rush.seed(app, REGISTRANTS, SEATS)
        http_port, https_port, app_ports = free_port(), free_port(), [free_port(), free_port()]
        conf = nginx_conf(tmp_path, http_port, https_port, app_ports)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": rush.SECRET_KEY,
            "BASE_URL": f"https://{HOST}",
            "SESSION_COOKIE_SECURE": "true",
            "TRUSTED_PROXIES": "1",
            "RATELIMIT_STORAGE_URI": REDIS,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
        }
        with behind_nginx(conf, tmp_path, env, app_ports, workers=2):
            for port in app_ports:
                wait_until_serving(lambda port=port: Http(port), _events_page_answers, 90)
            wait_until_serving(lambda: ThroughNginx(https_port), _events_page_answers, 90)
            yield app, emails, https_port, app_ports


def _events_page_answers(client) -> bool:
    return client.send("GET", "/events/")[0] == 200


def _rush(app, port, sessions) -> tuple[list[str], float]:
    """Each member registers once, through nginx; the outcomes and the registrations per second
    until the seats were gone."""
    results, started = drive(port, sessions, CLIENTS, _register_at(rush.SLUG), 300, connection=ThroughNginx)
    serializer = app.session_interface.get_signing_serializer(app)
    outcomes = [rush.outcome_of(result, serializer) for result in results]
    ends = sorted(r["ended"] for r, outcome in zip(results, outcomes) if outcome == "confirmed")
    return outcomes, (SEATS / (ends[SEATS - 1] - started) if len(ends) >= SEATS else 0.0)


def _pages_per_s(port, connection) -> float:
    def read(http, _job):
        return {"status": http.send("GET", f"/events/{rush.SLUG}")[0]}

    results, started = drive(port, list(range(PAGES)), CLIENTS, read, 120, connection=connection)
    assert {result["status"] for result in results} == {200}
    return PAGES / (max(result["ended"] for result in results) - started)


def test_two_servers_behind_nginx_share_the_rush_the_mail_and_the_limits(two_servers, mailbox):
    app, emails, https_port, app_ports = two_servers
    sessions = logins.forge(app, emails)

    outcomes, per_s = _rush(app, https_port, sessions)
    confirmed, waiting, counted, others, _mails = _counts(app, rush.SLUG)
    nginx_pages, direct_pages = _pages_per_s(https_port, ThroughNginx), _pages_per_s(None, _direct_to(app_ports))
    print(
        f"\n2,000 for 450 across two servers through nginx: {per_s:.0f} registrations/s until sold out; "
        f"event page {nginx_pages:.0f}/s through nginx, {direct_pages:.0f}/s straight from the servers"
    )

    # Exact counts, whoever served whom; every answer a success.
    assert Counter(outcomes) == {"confirmed": SEATS, "waiting": REGISTRANTS - SEATS}
    assert (confirmed, waiting, counted, others) == (SEATS, REGISTRANTS - SEATS, SEATS, {})

    # The two workers deliver every mail, each once (the Message-ID is the outbox row's).
    deadline = time.monotonic() + 240
    while (mails := _counts(app, rush.SLUG)[4]) and set(mails.values()) != {"sent"}:
        assert time.monotonic() < deadline, Counter(mails.values())
        time.sleep(1)
    received = Counter(message["Message-ID"] for message in mailbox.wait_for(len(mails), timeout=30))
    assert len(mails) == REGISTRANTS and set(received) == set(mails) and set(received.values()) == {1}

    # The invitation-code limit (5 a minute per client) counts across both servers: nginx sends
    # each request to the next server, and both read the same Redis.
    client = ThroughNginx(https_port)
    try:
        statuses = [client.send("GET", f"/events/{rush.SLUG}/invitation?code=NOPE{n}")[0] for n in range(8)]
    finally:
        client.close()
    assert statuses == [400] * 5 + [429] * 3, statuses
