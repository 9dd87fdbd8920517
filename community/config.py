"""Configuration: defaults here, then instance/config.py, then environment variables.

Every variable is listed in the README. Tests pass a mapping to create_app().
"""

import os
import secrets
from pathlib import Path

DEFAULTS = {
    # Where the data lives. The embedded default is SQLite in instance/.
    "SQLALCHEMY_DATABASE_URI": None,  # filled in from the instance path
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # How long a write waits for a lock (SQLite's write lock, a row lock on
    # PostgreSQL) before the request gives up with a "busy, try again" page.
    "LOCK_WAIT_SECONDS": 5,
    # Absolute links in mail are built from this, never from the Host header.
    "BASE_URL": "http://127.0.0.1:5000",
    "COMMUNITY_NAME": "OpenLLM France",
    "TIMEZONE": "Europe/Paris",
    "LANGUAGES": ["fr", "en"],
    "BABEL_DEFAULT_LOCALE": "fr",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
    # Mail: with no MAIL_SERVER, delivery writes each mail to the log.
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "community@localhost",
    "MAIL_TIMEOUT": 10,
    # How long a mail keeps being retried after a transient failure.
    "MAIL_RETRY_HOURS": 48,
    # A mail a worker claimed longer ago than this is taken as lost with that worker and sent again.
    "MAIL_STUCK_SECONDS": 600,
    # Rate limits (Flask-Limiter): memory by default, Redis in production.
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,
    # Per client address and account (the email typed, or the member), then per address alone:
    # the venue's Wi-Fi is one address for hundreds of people.
    "LOGIN_LIMIT": "10 per minute;50 per hour",
    "LOGIN_ADDRESS_LIMIT": "100 per minute;1000 per hour",
    "MAIL_LIMIT": "5 per minute;20 per hour",  # pages that send a mail (sign-up, reset, ...)
    "MAIL_ADDRESS_LIMIT": "30 per minute;300 per hour",
    # Failed passwords (members/throttle.py): a client's first failures are free, then each
    # doubles its wait up to the maximum; past the ceiling in an hour, only devices that
    # logged in to the account before may try (OWASP ASVS 2.2.1: at most 100).
    "LOGIN_FREE_FAILURES": 5,
    "LOGIN_MAX_DELAY_SECONDS": 300,
    "LOGIN_ACCOUNT_FAILURES_PER_HOUR": 100,
    "LOGIN_DEVICE_DAYS": 365,  # how long the signed device cookie lasts
    # A device session's "last used" is written at most this often (members/devices.py).
    "LOGIN_SESSION_TOUCH_MINUTES": 5,
    # Tokens sent by mail.
    "CONFIRM_TOKEN_HOURS": 48,
    "RESET_TOKEN_MINUTES": 60,
    # Guests (registrations/guest_holds.py): how long a guest's seat is held unconfirmed
    # (an event may set its own, 5 to 1440 minutes); how long an address whose hold ran out
    # waits before holding again; how many unconfirmed guest registrations (holds and places
    # in line) one client address may have per event.
    "GUEST_HOLD_MINUTES": 30,
    "GUEST_HOLD_COOLDOWN_MINUTES": 60,
    "GUEST_UNCONFIRMED_PER_ADDRESS": 3,
    # Rate limits on the guest form's POSTs (Flask-Limiter syntax): per client address,
    # and per event whatever the address.
    "GUEST_REGISTRATION_LIMIT": "5 per minute;20 per hour",
    "GUEST_REGISTRATION_EVENT_LIMIT": "60 per minute;600 per hour",
    # Events: when reminders go out.
    "EVENT_REMINDER_HOURS": 48,
    # Retention (`flask --app app purge`): guests' names and addresses are erased this
    # long after their event ended; sent mails lose their text this long after sending.
    "GUEST_DATA_RETENTION_DAYS": 365,
    "MAIL_BODY_RETENTION_DAYS": 90,
    # Answers to sensitive registration questions (diet, health, identity documents) are
    # erased this long after their event ended; their counts stay.
    "SENSITIVE_ANSWER_RETENTION_DAYS": 30,
    # When the worker runs each scheduled job (`flask --app app jobs` lists them): seconds
    # between runs, or "HH:MM" daily in TIMEZONE. E.g. {"reminders": 600, "retention": "04:00"}.
    "JOB_SCHEDULE": {},
    # The folder of the DejaVu Sans files the PDFs (door list, badges) are written in:
    # Debian's fonts-dejavu-core puts them here.
    "PAPER_FONT_DIR": "/usr/share/fonts/truetype/dejavu",
    # Characters DejaVu lacks (Chinese, Japanese, Korean names) drawn from this font, if present.
    "PAPER_FALLBACK_FONT": "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    # Cookies and requests.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    # How many reverse proxies sit in front (their X-Forwarded-For/-Proto are trusted).
    "TRUSTED_PROXIES": 0,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
}

# Environment variable -> config key, with the type to parse it as.
ENVIRONMENT = {
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "LOCK_WAIT_SECONDS": ("LOCK_WAIT_SECONDS", float),
    "SECRET_KEY": ("SECRET_KEY", str),
    "BASE_URL": ("BASE_URL", str),
    "COMMUNITY_NAME": ("COMMUNITY_NAME", str),
    "TIMEZONE": ("TIMEZONE", str),
    "LANGUAGES": ("LANGUAGES", lambda v: [x.strip() for x in v.split(",") if x.strip()]),
    "MAIL_SERVER": ("MAIL_SERVER", str),
    "MAIL_PORT": ("MAIL_PORT", int),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", lambda v: v.lower() in ("1", "true", "yes")),
    "MAIL_USE_SSL": ("MAIL_USE_SSL", lambda v: v.lower() in ("1", "true", "yes")),
    "MAIL_USERNAME": ("MAIL_USERNAME", str),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", str),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", str),
    "MAIL_STUCK_SECONDS": ("MAIL_STUCK_SECONDS", float),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", str),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", lambda v: v.lower() in ("1", "true", "yes")),
    "LOGIN_LIMIT": ("LOGIN_LIMIT", str),
    "LOGIN_ADDRESS_LIMIT": ("LOGIN_ADDRESS_LIMIT", str),
    "MAIL_LIMIT": ("MAIL_LIMIT", str),
    "MAIL_ADDRESS_LIMIT": ("MAIL_ADDRESS_LIMIT", str),
    "LOGIN_ACCOUNT_FAILURES_PER_HOUR": ("LOGIN_ACCOUNT_FAILURES_PER_HOUR", int),
    "SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in ("1", "true", "yes")),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
    "GUEST_DATA_RETENTION_DAYS": ("GUEST_DATA_RETENTION_DAYS", int),
    "GUEST_HOLD_MINUTES": ("GUEST_HOLD_MINUTES", int),
    "GUEST_HOLD_COOLDOWN_MINUTES": ("GUEST_HOLD_COOLDOWN_MINUTES", int),
    "GUEST_UNCONFIRMED_PER_ADDRESS": ("GUEST_UNCONFIRMED_PER_ADDRESS", int),
    "GUEST_REGISTRATION_LIMIT": ("GUEST_REGISTRATION_LIMIT", str),
    "GUEST_REGISTRATION_EVENT_LIMIT": ("GUEST_REGISTRATION_EVENT_LIMIT", str),
    "MAIL_BODY_RETENTION_DAYS": ("MAIL_BODY_RETENTION_DAYS", int),
    "SENSITIVE_ANSWER_RETENTION_DAYS": ("SENSITIVE_ANSWER_RETENTION_DAYS", int),
    "PAPER_FONT_DIR": ("PAPER_FONT_DIR", str),
    "PAPER_FALLBACK_FONT": ("PAPER_FALLBACK_FONT", str),
}


def load(app, test_config=None):
    """Fill app.config in the documented order."""
    app.config.update(DEFAULTS)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _from_environment(app.config)
    else:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'community.sqlite3'}"
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    # Behind HTTPS both cookies are Secure; the remember cookie follows the session cookie.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
        app.config["SECRET_KEY_FROM_INSTANCE"] = True  # production refuses it (community/production.py)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)


def _from_environment(settings) -> None:
    for env_name, (key, parse) in ENVIRONMENT.items():
        if os.environ.get(env_name):
            settings[key] = parse(os.environ[env_name])


def standalone() -> dict:
    """The settings in the same order without building the app (defaults, instance/config.py,
    environment): what gunicorn's settings file needs to know before any app exists."""
    from flask import Config

    settings = Config(str(Path(__file__).resolve().parent.parent / "instance"))
    settings.update(DEFAULTS)
    settings.from_pyfile("config.py", silent=True)
    _from_environment(settings)
    return dict(settings)


def _instance_secret(instance: Path) -> str:
    """A random key generated once into instance/ and reused afterwards."""
    path = instance / "secret_key"
    if not path.exists():
        # O_EXCL: two workers starting together agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _engine_options(config) -> dict:
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    wait = float(config.get("LOCK_WAIT_SECONDS", DEFAULTS["LOCK_WAIT_SECONDS"]))
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for the write lock instead of failing with "database is locked".
        options.setdefault("connect_args", {}).setdefault("timeout", wait)
    else:
        # A lock wait is bounded too: past it, "try again" (database.is_retryable), not a hung worker.
        options.setdefault("connect_args", {}).setdefault("options", f"-c lock_timeout={int(wait * 1000)}")
        # No ping before every checkout (a round trip per request); connections are
        # recycled before a server or proxy idle timeout would cut them instead.
        options.setdefault("pool_pre_ping", False)
        options.setdefault("pool_recycle", 1800)
    return options
