"""The registration rush over HTTP: `python -m tests.bench.registration_rush` (what `make bench` runs).

For each client count (16 and 64 by default), on a fresh database:
  schema (Alembic if community/migrations/versions has revisions, else create_all),
  a published public 450-seat event and 2,000 confirmed members (bulk insert, one argon2 hash),
  the app under gunicorn on a free 127.0.0.1 port, every member logged in over HTTP (untimed),
  then the timed rush: each member POSTs /events/<slug>/register once, N client threads,
  each on its own keep-alive connection; the database is read back; then the ceiling app
  (tests/bench/ceiling_app.py, one INSERT per request) takes the same number of requests
  from the same number of clients in the same database.
SQLite in a temporary directory by default; with DATABASE_URL (an admin connection to a
PostgreSQL server) the database `bench_rush` is created on that server and dropped after.
One JSON summary goes to stdout; progress and server logs go to stderr.
"""

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.bench import sessions as logins
from tests.bench.database import fresh_database
from tests.bench.load import CpuMeter, Http, drive, free_port, latency_ms, process_tree
from tests.bench.server import gunicorn
from tests.factories import member_row

ROOT = Path(__file__).resolve().parents[2]
BENCH_DATABASE = "bench_rush"
PASSWORD = "rush-password-not-a-secret"
SECRET_KEY = "bench-secret-key-only-for-this-run"
SLUG = "summit-rush"
# Targets of issue 4, at 16 clients, on a 2-core machine.
TARGET_REGISTRATIONS_PER_S = 250
TARGET_P95_MS = 150
RUSH_SECONDS = 600  # hard limit for one timed phase
LOGIN_SECONDS = 900  # hard limit for logging everyone in


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ the database


def backend_pids(admin_url: str | None, upkeep: bool = False):
    """A function listing the PostgreSQL backends serving the bench database (none for SQLite):
    those running the app's queries, or with `upkeep` the server's own work on it (autovacuum),
    which grows with the rows written, not with the queries asked."""
    if not admin_url:
        return lambda: []
    kind = "!=" if upkeep else "="

    def pids() -> list[int]:
        engine = create_engine(admin_url, poolclass=NullPool)
        with engine.connect() as conn:
            found = conn.scalars(
                text(
                    f"SELECT pid FROM pg_stat_activity WHERE datname = :name AND backend_type {kind} 'client backend'"
                ),
                {"name": BENCH_DATABASE},
            ).all()
        engine.dispose()
        return found

    return pids


def bench_app(database_url: str, base_url: str):
    from community import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": base_url,
            "RATELIMIT_ENABLED": False,
        }
    )


def build_schema(app) -> str:
    from flask_migrate import upgrade

    from community.core.extensions import db

    with app.app_context():
        if any((ROOT / "community" / "migrations" / "versions").glob("*.py")):
            upgrade()
            return "alembic upgrade"
        db.create_all()
        return "create_all (no migration revisions yet)"


def add_categories(event, emails: list[str], seats: int) -> dict[str, dict]:
    """The summit's split (see the module's docstring), scaled to `seats`: the extra form fields of
    each member who asks for another category than the general one, by email."""
    from community.core.extensions import db
    from community.groups.models import GroupMembership, WorkingGroup
    from community.members.models import Member
    from community.tickets.models import Category, InvitationCode

    group = WorkingGroup(name="Corpus", slug="corpus")
    by_code, for_group = round(seats * 40 / 450), round(seats * 30 / 450)
    invited = Category(name_fr="Invité·es", name_en="Guests", quota=by_code, admits="code", listed=False, position=1)
    contributors = Category(
        name_fr="Contributeurs", name_en="Contributors", quota=for_group, admits="groups", position=2
    )
    contributors.groups = [group]
    for category in (invited, contributors):
        category.taken, category.reserving = 0, True
        event.categories.append(category)
    event.reserved_count = invited.quota + contributors.quota
    db.session.flush()
    ids = dict(db.session.execute(select(Member.email, Member.id).where(Member.email.in_(emails))).all())
    extra = {}
    for i, email in enumerate(emails):
        if i < 11 * by_code and i % 11 == 7:  # the codes, among the first to come (as the seats sell out)
            code = InvitationCode(event_id=event.id, category_id=invited.id, uses_allowed=1)
            db.session.add(code)
            db.session.flush()
            extra[email] = {"code": code.code, "category": str(invited.id)}
        elif i < 22 * for_group and i % 11 == 3:  # twice as many group members as its seats
            db.session.add(GroupMembership(group_id=group.id, member_id=ids[email], status="active", role="member"))
            extra[email] = {"category": str(contributors.id)}
    return extra


def seed(app, registrants: int, seats: int, categories: bool = False) -> tuple[list[str], dict]:
    """One published public event with `seats` seats and `registrants` confirmed members; with
    `categories`, the summit's split of its seats. Returns the emails and the extra form fields."""
    from community.core.clock import utcnow
    from community.core.extensions import db
    from community.events.models import Event, EventStatus, Visibility
    from community.members.models import Member
    from community.members.passwords import hash_password

    now = utcnow()
    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    emails = [f"rush{i:05d}@bench.example" for i in range(registrants)]
    with app.app_context():
        event = Event(  # the ORM, so that it gets its first ticket category
            slug=SLUG,
            title="Summit rush",
            venue="Bench hall",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=8),
            capacity=seats,
            visibility=Visibility.PUBLIC.value,
            waitlist_enabled=True,
            status=EventStatus.PUBLISHED.value,
            created_at=now,
            updated_at=now,
        )
        db.session.add(event)
        db.session.execute(
            insert(Member),
            [
                member_row(email, f"Rush {i}", now, password_hash=password_hash, language="en")
                for i, email in enumerate(emails)
            ],
        )
        extra = add_categories(event, emails, seats) if categories else {}
        db.session.commit()
        db.engine.dispose()
    return emails, extra


def registrations_by_status(slug: str) -> tuple[dict, int]:
    """(status -> how many registrations, the event's own count of seats taken), in an app context."""
    from community.core.extensions import db
    from community.events.models import Event
    from community.registrations.models import Registration

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    statement = (
        select(Registration.status, func.count()).where(Registration.event_id == event.id).group_by(Registration.status)
    )
    return dict(db.session.execute(statement).all()), event.confirmed_count


def read_back(app, slug: str) -> dict:
    from community.core.extensions import db
    from community.mail.models import OutboxEmail

    with app.app_context():
        by_status, event_confirmed_count = registrations_by_status(slug)
        mails = dict(
            db.session.execute(select(OutboxEmail.template, func.count()).group_by(OutboxEmail.template)).all()
        )
        counts = {
            "confirmed": by_status.pop("confirmed", 0),
            "waiting": by_status.pop("waiting", 0),
            "other_statuses": by_status,
            "event_confirmed_count": event_confirmed_count,
            "confirmation_mails_in_outbox": mails.get("event_confirmed", 0),
            "outbox_by_template": mails,
        }
        db.session.remove()
        db.engine.dispose()
    return counts


def count_ceiling_rows(database_url: str) -> int:
    from tests.bench.ceiling_app import CeilingHit, ceiling_db, create_app

    app = create_app(database_url)
    with app.app_context():
        rows = ceiling_db.session.scalar(select(func.count()).select_from(CeilingHit))
        ceiling_db.session.remove()
        ceiling_db.engine.dispose()
    return rows


def create_ceiling_table(database_url: str) -> None:
    from tests.bench.ceiling_app import ceiling_db, create_app

    app = create_app(database_url)
    with app.app_context():
        ceiling_db.create_all()
        ceiling_db.engine.dispose()


# ------------------------------------------------------------------ the phases


def register(http: Http, session: dict) -> dict:
    form = {"csrf_token": session["csrf_token"], **session.get("extra", {})}
    status, cookie, _body = http.send("POST", f"/events/{SLUG}/register", cookie=session["cookie"], form=form)
    return {"status": status, "cookie": cookie}


def outcome_of(result: dict, serializer) -> str:
    """confirmed / waiting / error, read from the flash message the view put in the session cookie.

    Decoded after the timed phase so the clients spend no CPU on it during the rush."""
    if result.get("error") or result["status"] != 302 or not result["cookie"]:
        return "error"
    flashes = serializer.loads(result["cookie"]).get("_flashes") or []
    categories = [category for category, _message in flashes]
    if categories == ["success"]:
        return "confirmed"
    if categories == ["info"]:  # "The event is full: you are on the waiting list."
        return "waiting"
    result["flashes"] = flashes
    return "error"


def prepare_sessions(app, port: int, emails: list[str], args) -> list[dict]:
    if args.login == "forge":
        return logins.forge(app, emails)
    sessions, _ = drive(
        port, emails, args.login_clients, lambda http, email: logins.log_in(http, email, PASSWORD, SLUG), LOGIN_SECONDS
    )
    failed = [s for s in sessions if s.get("error")]
    if failed:
        raise RuntimeError(f"{len(failed)} logins failed, e.g. {failed[0]['error']}")
    return sessions


def rush_phase(port: int, sessions: list[dict], clients: int, seats: int, app, meter: CpuMeter) -> dict:
    with meter:
        results, started = drive(port, sessions, clients, register, RUSH_SECONDS)
    serializer = app.session_interface.get_signing_serializer(app)
    outcomes = [outcome_of(r, serializer) for r in results]
    ends = sorted(r["ended"] for r, o in zip(results, outcomes) if o == "confirmed")
    last = max(r["ended"] for r in results)
    sold_out_s = (ends[seats - 1] - started) if len(ends) >= seats else None
    errors = [r for r, o in zip(results, outcomes) if o == "error"]
    return {
        "registrations_per_s_until_sold_out": round(seats / sold_out_s, 1) if sold_out_s else None,
        "sold_out_after_s": round(sold_out_s, 3) if sold_out_s else None,
        "requests_per_s": round(len(results) / (last - started), 1),
        "elapsed_s": round(last - started, 3),
        "latency_ms": latency_ms(results),
        # Where the tail comes from: the seats, or the waiting list (the event lock's queue).
        "latency_ms_by_outcome": {
            outcome: latency_ms(chosen)
            for outcome in ("confirmed", "waiting")
            if len(chosen := [r for r, o in zip(results, outcomes) if o == outcome]) >= 2
        },
        "cpu_ms_per_request": meter.per_request_ms(len(results)),
        "cores_busy": meter.cores_busy(),
        "responses": {
            "confirmed": outcomes.count("confirmed"),
            "waiting": outcomes.count("waiting"),
            "errors": len(errors),
            "error_samples": [{k: v for k, v in r.items() if k in ("status", "error", "flashes")} for r in errors[:5]],
        },
    }


def ceiling_phase(port: int, count: int, clients: int, meter: CpuMeter) -> dict:
    def insert_one(http: Http, job: int) -> dict:
        status, _cookie, _body = http.send("POST", "/insert", form={"client": f"c{job}"})
        return {"status": status}

    with meter:
        results, started = drive(port, list(range(count)), clients, insert_one, RUSH_SECONDS)
    last = max(r["ended"] for r in results)
    return {
        "requests_per_s": round(len(results) / (last - started), 1),
        "elapsed_s": round(last - started, 3),
        "latency_ms": latency_ms(results),
        "cpu_ms_per_request": meter.per_request_ms(len(results)),
        "cores_busy": meter.cores_busy(),
        "errors": sum(1 for r in results if r.get("error") or r["status"] != 204),
    }


def one_run(admin_url: str | None, clients: int, args, workdir: Path) -> dict:
    log(f"run with {clients} clients")
    load_before = [round(x, 2) for x in os.getloadavg()]
    with fresh_database(admin_url, workdir, BENCH_DATABASE) as database_url:
        port = free_port()
        app = bench_app(database_url, f"http://127.0.0.1:{port}")
        schema = build_schema(app)
        emails, extra = seed(app, args.registrants, args.seats, args.categories)
        create_ceiling_table(database_url)
        logfile = workdir / f"gunicorn-{clients}.log"
        backends, upkeep = backend_pids(admin_url), backend_pids(admin_url, upkeep=True)
        env = {
            "DATABASE_URL": database_url,
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": f"http://127.0.0.1:{port}",
            # The login limit would stop 2,000 logins from one address.
            "RATELIMIT_ENABLED": "0",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        with gunicorn(args.app_target, port, env, args, logfile) as server:
            clock = time.perf_counter()
            sessions = prepare_sessions(app, port, emails, args)
            for email, session in zip(emails, sessions):
                session["extra"] = extra.get(email, {})
            login_s = time.perf_counter() - clock
            log(f"{len(sessions)} members logged in ({args.login}) in {login_s:.1f} s; rush starts")
            meter = CpuMeter(lambda: process_tree(server.pid), backends, upkeep)
            rush = rush_phase(port, sessions, clients, args.seats, app, meter)
        database = read_back(app, SLUG)
        log(f"rush done: {rush['registrations_per_s_until_sold_out']} registrations/s; ceiling starts")
        with gunicorn("tests.bench.ceiling_app:create_app()", port, env, args, logfile) as server:
            meter = CpuMeter(lambda: process_tree(server.pid), backends, upkeep)
            ceiling = ceiling_phase(port, args.registrants, clients, meter)
        ceiling["rows_in_database"] = count_ceiling_rows(database_url)
    summary = summarize(clients, schema, login_s, rush, database, ceiling, args, logfile)
    # Neighbours' load on the machine shifts the wall-clock figures (not the CPU per request).
    summary["load_average_before"] = load_before
    return summary


def summarize(clients, schema, login_s, rush, database, ceiling, args, logfile) -> dict:
    responses = rush["responses"]
    waiting = args.registrants - args.seats
    correct = (
        responses["confirmed"] == args.seats
        and responses["waiting"] == waiting
        and responses["errors"] == 0
        and database["confirmed"] == args.seats
        and database["waiting"] == waiting
        and not database["other_statuses"]
        and database["event_confirmed_count"] == args.seats
        and database["confirmation_mails_in_outbox"] == args.seats
    )
    per_s = rush["registrations_per_s_until_sold_out"] or 0
    summary = {
        "clients": clients,
        "schema": schema,
        "login": args.login,
        "login_s": round(login_s, 1),
        "rush": rush,
        "database": database,
        "ceiling": ceiling,
        "ratio_to_ceiling": {
            "registrations_per_s_until_sold_out": round(per_s / ceiling["requests_per_s"], 3),
            "requests_per_s": round(rush["requests_per_s"] / ceiling["requests_per_s"], 3),
        },
        "correct": correct,
    }
    if clients == 16:
        summary["target_met"] = per_s >= TARGET_REGISTRATIONS_PER_S and rush["latency_ms"]["p95"] < TARGET_P95_MS
    if not correct:
        summary["server_log_tail"] = logfile.read_text(errors="replace")[-3000:]
    return summary


def spread(runs: list[dict]) -> dict:
    """Per client count, the lowest, median and highest of the headline figures over the
    runs, and how many met the target: one run on a shared machine can mislead."""
    by_clients: dict[int, list[dict]] = {}
    for run in runs:
        by_clients.setdefault(run["clients"], []).append(run)

    def low_mid_high(values):
        values = sorted(values)
        return {"min": values[0], "median": statistics.median(values), "max": values[-1]}

    summary = {}
    for clients, chosen in by_clients.items():
        figures = {
            "runs": len(chosen),
            "registrations_per_s_until_sold_out": low_mid_high(
                r["rush"]["registrations_per_s_until_sold_out"] or 0 for r in chosen
            ),
            "p95_ms": low_mid_high(r["rush"]["latency_ms"]["p95"] for r in chosen),
            "app_cpu_ms_per_request": low_mid_high(r["rush"]["cpu_ms_per_request"]["app"] for r in chosen),
        }
        if clients == 16:
            figures["target_met_runs"] = sum(1 for r in chosen if r.get("target_met"))
        summary[str(clients)] = figures
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--registrants", type=int, default=2000)
    parser.add_argument("--seats", type=int, default=450)
    parser.add_argument(
        "--categories", action="store_true", help="the 450 seats as 380 for everyone + 40 by code + 30 for a group"
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument(
        "--preload", action="store_true", help="load the app once before forking, as `community serve` does"
    )
    parser.add_argument(
        "--login",
        choices=["http", "forge"],
        default="http",
        help="log members in over HTTP (default) or sign their session cookies (see sessions.py)",
    )
    parser.add_argument(
        "--app-target",
        default="app:app",
        help="what gunicorn serves (e.g. a wrapper module that profiles or patches the app)",
    )
    parser.add_argument("--login-clients", type=int, default=8, help="clients used for the untimed HTTP logins")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per client count, each on a fresh database (the summary gives their spread)",
    )
    args = parser.parse_args(argv)
    # A SIGTERM to the bench still runs the finally blocks that stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    admin_url = os.environ.get("DATABASE_URL") or None
    with tempfile.TemporaryDirectory(prefix="bench-rush-") as workdir:
        runs = [
            one_run(admin_url, clients, args, Path(workdir))
            for clients in args.clients
            for _ in range(max(args.repeat, 1))
        ]
    report = {
        "database": make_url(admin_url).get_backend_name() if admin_url else "sqlite",
        "cpus": os.cpu_count(),
        "server": {
            "worker_class": args.worker_class,
            "workers": args.workers,
            "threads": args.threads,
            "reuse_port": True,
            "preload": args.preload,
            "app": args.app_target,
        },
        "registrants": args.registrants,
        "seats": args.seats,
        "target": {"clients": 16, "registrations_per_s": TARGET_REGISTRATIONS_PER_S, "p95_ms": TARGET_P95_MS},
        "runs": runs,
        "spread": spread(runs),
        "correct": all(run["correct"] for run in runs),
    }
    print(json.dumps(report, indent=2, default=str))
    return 0 if report["correct"] else 1


if __name__ == "__main__":
    sys.exit(main())
