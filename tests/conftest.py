"""Shared fixtures: a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL
is set), a real SMTP server (aiosmtpd), and plain factories."""

import contextvars
import email
import email.policy
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from community import create_app
from community.core.extensions import db

PASSWORD = "correct horse battery staple"
# make_event, bulk_members and the seat checks, for every domain's tests.
pytest_plugins = ["tests.factories"]

# --------------------------------------------------------------------- databases


DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """Every test that uses the app runs once per database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return _worker_database(os.environ["TEST_DATABASE_URL"])


def _worker_database(url: str) -> str:
    """`make test` runs the tests in parallel processes (pytest-xdist); each gets a
    PostgreSQL database of its own, <name>_<worker>, made on the same server if missing."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    url = make_url(url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


_schema_ready: set[str] = set()


def redis_up() -> bool:
    """Redis answers on 127.0.0.1:6379 (where .ci/run starts it)."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
needs_redis = pytest.mark.skipif(not redis_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def apps_sharing_redis(app, database_url, smtp_server):
    """Two apps standing for two gunicorn workers, their limits counted in Redis under a
    fresh key prefix: `make(**settings)` gives one test client of each. `make.written()`
    is what they wrote in Redis; it is deleted afterwards."""
    import uuid

    import redis

    store = redis.Redis.from_url(REDIS)
    before = set(store.keys("*"))
    workers = []

    def make(**settings):
        config = make_config(
            database_url,
            smtp_server.port,
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=REDIS,
            RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
            **settings,
        )
        pair = [create_app(config), create_app(config)]
        for worker in pair:
            worker.test_client_class = app.test_client_class
        workers.extend(pair)
        return [worker.test_client() for worker in pair]

    make.written = lambda: set(store.keys("*")) - before
    yield make
    if written := make.written():
        store.delete(*written)
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_config(database_url, smtp_port, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": "http://community.test",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_DEFAULT_SENDER": "community@community.test",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": True,
    }
    config.update(overrides)
    return config


def threaded_config(database_url, smtp_port, threads: int, **overrides):
    """make_config for a test whose threads really run side by side: a connection each
    (and some to spare), and a pool that waits for one rather than fail."""
    pool = {"pool_size": threads + 4, "max_overflow": 8, "pool_timeout": 60}
    return make_config(database_url, smtp_port, SQLALCHEMY_ENGINE_OPTIONS=pool, **overrides)


def reset_database():
    """Empty every table; the schema is created once per database and session."""
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app_config(database_url, smtp_server):
    """Override in a test module (or call make_config) to change settings."""
    return make_config(database_url, smtp_server.port)


class IsolatedClient(FlaskClient):
    """Each request runs in an app context of its own, as in production (fresh `g`,
    fresh database session); afterwards the test's own session re-reads what changed."""

    def open(self, *args, **kwargs):
        # Buffered: a streamed body must be read inside the request's own context.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        if url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(url)
        reset_database()
        yield app
        db.session.remove()
        reset_database()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def english_client(app):
    """A visitor whose browser asks for English (a member's own language wins once logged in)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# ---------------------------------------------------------------------- mail


def strict_problem(raw: bytes) -> str | None:
    """What Python's email package in its strict policy finds wrong with a mail, or None."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.strict)
        defects = [repr(defect) for part in message.walk() for defect in part.defects]
        headers = [value for part in message.walk() for value in part.values()]  # each header parsed
        defects += [f"{value.name}: {defect!r}" for value in headers for defect in getattr(value, "defects", ())]
    except Exception as error:  # noqa: BLE001 - reported with the mail's subject
        defects, headers = [repr(error)], []
    if not defects:
        return None
    subject = re.search(rb"^Subject: ([^\r\n]*)", raw, re.M)
    return f"{subject.group(1).decode() if subject else '?'}: {defects}; {len(headers)} headers"


@dataclass
class Mailbox:
    """Mails the real SMTP server received, parsed."""

    messages: list = field(default_factory=list)
    raw: list = field(default_factory=list)  # (recipient, the bytes as received), for header checks
    malformed: list = field(default_factory=list)  # what the strict parser found wrong, per mail
    lock: threading.Lock = field(default_factory=threading.Lock)
    refuse_with: str | None = None  # e.g. "451 try later": the server answers that

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_with:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        problem = strict_problem(envelope.content)
        with self.lock:
            if problem:
                self.malformed.append(problem)
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, parsed))
                self.raw.append((rcpt, envelope.content))
        return "250 Message accepted"

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.raw.clear()
            self.malformed.clear()
        self.refuse_with = None

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == address]

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return [m for _r, m in self.messages]
            time.sleep(0.02)
        with self.lock:
            return [m for _r, m in self.messages]


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller

    def stop(self):
        self.controller.stop()

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    server = SmtpServer(port=port, mailbox=mailbox, controller=controller)
    yield server
    server.controller.stop()


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.mailbox.clear()
    yield smtp_server.mailbox
    malformed = list(smtp_server.mailbox.malformed)
    smtp_server.mailbox.clear()
    assert malformed == [], "mails the strict parser refuses"


def mail_text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def mail_html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def missing_from(page: str, *words: str) -> list[str]:
    """The words the page does not hold, in the order given: [] when it holds them all."""
    return [word for word in words if word not in page]


def links_in(message, base="http://community.test") -> list[str]:
    """Absolute links to the app found in the plain-text body, as paths."""
    return [url[len(base) :] for url in re.findall(re.escape(base) + r"[^\s<>\"']+", mail_text(message))]


@pytest.fixture
def deliver(app, mailbox):
    """Run the real delivery worker once and return what the SMTP server holds."""
    from community.mail.delivery import deliver_pending

    def _deliver(expect: int | None = None):
        deliver_pending()
        if expect is not None:
            return mailbox.wait_for(expect)
        return mailbox.wait_for(0, timeout=0)

    return _deliver


# ----------------------------------------------------------------- factories


def csrf_token(client, path="/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def without_csrf_tokens(page: str) -> str:
    """A page without its CSRF tokens, which carry their signing second: two
    renderings of the same page a second apart differ only there."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


def post_form(client, path, data=None, *, token_from=None, **kwargs):
    """POST like a browser: the CSRF token comes from a page the user had open."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, token_from or "/"))
    return client.post(path, data=payload, **kwargs)


@pytest.fixture
def make_member(app):
    from community.members import services

    counter = {"n": 0}

    def _make(email=None, *, name=None, password=PASSWORD, confirmed=True, role="member", language="fr", **fields):
        counter["n"] += 1
        email = email or f"member{counter['n']}@example.org"
        member = services.create_member(
            email=email, display_name=name or f"Member {counter['n']}", password=password, language=language
        )
        if confirmed:
            services.mark_confirmed(member)
        member.role = role
        for key, value in fields.items():
            setattr(member, key, value)
        db.session.commit()
        return member

    return _make


def login(client, member_or_email, password=PASSWORD, remember=False):
    """Log in through the form (`remember`: with "remember me" ticked)."""
    form = {"email": getattr(member_or_email, "email", member_or_email), "password": password}
    if remember:
        form["remember"] = "y"
    response = post_form(client, "/members/login", form, token_from="/members/login")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def logged_in(client, make_member):
    """A client logged in as a fresh confirmed member; returns (client, member)."""

    def _as(**kwargs):
        member = make_member(**kwargs)
        login(client, member)
        return client, member

    return _as
