"""450 name badges as one PDF: `python -m tests.bench.badges` (what `make bench-badges` runs).

On a fresh database (SQLite in a temporary directory; with DATABASE_URL, an admin connection
to PostgreSQL, the database `bench_badges` made on that server and dropped afterwards): the
schema by Alembic, a published event with three ticket categories and 450 confirmed people
(members and guests, names with accents and in Greek and Cyrillic, some long enough to wrap).
Then an organizer asks for /events/<slug>/badges.pdf?layout=2x4 through the app, as a browser
would, --repeat times, each timed by the wall clock; then once more under tracemalloc, for the
peak of the memory Python allocated while it ran (tracemalloc slows every allocation, so that
run is not timed). The target: under 10 s for 450 badges on a 2-core machine.
One JSON summary on stdout (progress on stderr); exit status 1 when the PDF is not right
(page count, a name missing), never for a missed target."""

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import insert, select

from community import create_app
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.members import services as members
from community.members.models import Member
from community.registrations.models import Registration, new_ticket_code
from community.tickets.models import Category
from tests.bench.database import fresh_database
from tests.factories import member_row

BENCH_DATABASE = "bench_badges"
TARGET_SECONDS = 10
PASSWORD = "badges-bench-password"
FIRST = ("Élodie", "Zoé", "Jean-Baptiste", "Αλέξανδρος", "Анастасия", "Marie-Françoise", "Ørjan", "Nguyễn Thị")
LAST = ("Ørsted-Nguyễn", "Martin", "Delacroix-Beaumont de Saint-Exupéry", "Παπαδόπουλος", "Кузнецова", "Lefèvre")
ORGANIZATIONS = ("Université Paris-Saclay", "Inria", "", "Deutsches Forschungszentrum für Künstliche Intelligenz")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def name(number: int) -> str:
    return f"{FIRST[number % len(FIRST)]} {LAST[number // len(FIRST) % len(LAST)]} {number}"


def seed(people: int) -> tuple[str, str]:
    """The event, its three categories and `people` confirmed registrations; returns (slug, organizer's email)."""
    from flask_migrate import upgrade

    upgrade()
    organizer = members.create_member(email="orga@example.org", display_name="Orga", password=PASSWORD)
    members.mark_confirmed(organizer)
    organizer.role = "organizer"
    starts = utcnow() + timedelta(days=10)
    event = Event(
        slug="summit",
        title="Sommet OpenLLM France 2026",
        starts_at=starts,
        ends_at=starts + timedelta(hours=8),
        capacity=people,
        status="published",
        venue="La Cantine",
        address="Paris",
        created_by=organizer.id,
        confirmed_count=0,
    )
    db.session.add(event)
    db.session.flush()
    for position, (french, english) in enumerate((("Presse", "Press"), ("Intervenant·e", "Speaker")), start=1):
        event.categories.append(Category(name_fr=french, name_en=english, position=position, taken=0))
    db.session.flush()
    now = utcnow()
    guests = people // 5
    db.session.execute(
        insert(Member),
        [
            member_row(
                f"m{number}@example.org", name(number), now, organization=ORGANIZATIONS[number % len(ORGANIZATIONS)]
            )
            for number in range(people - guests)
        ],
    )
    ids = db.session.scalars(select(Member.id).where(Member.email.like("m%@example.org")).order_by(Member.id)).all()
    categories = [category.id for category in event.categories]
    base = {"event_id": event.id, "status": "confirmed", "created_at": now, "confirmed_at": now, "language": "fr"}
    rows = [{**base, "member_id": member_id, "guest_organization": ""} for member_id in ids]
    rows += [
        {
            **base,
            "guest_name": name(number),
            "guest_email": f"g{number}@example.org",
            "guest_organization": ORGANIZATIONS[number % len(ORGANIZATIONS)],
        }
        for number in range(people - guests, people)
    ]
    for number, row in enumerate(rows):
        row.update(category_id=categories[number % len(categories)], ticket_code=new_ticket_code())
    db.session.execute(insert(Registration), rows)
    event.confirmed_count = people
    db.session.commit()
    return event.slug, organizer.email


def log_in(client, email: str) -> None:
    import re

    page = client.get("/members/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/members/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, "login refused"


def timed(client, slug: str, layout: str, number: int) -> dict:
    """One request, timed without tracemalloc (which slows every allocation several times over)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.get(f"/events/{slug}/badges.pdf?layout={layout}")
    body = response.get_data()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    log(f"run {number + 1}: {seconds:.2f} s ({cpu:.2f} s of CPU), {len(body) / 2**20:.2f} MiB PDF")
    return {
        "seconds": round(seconds, 3),
        # This process's CPU time (the app and SQLite; PostgreSQL's own is not counted): it hardly moves
        # with the neighbours' load, which the wall clock does on a shared machine.
        "cpu_seconds": round(cpu, 3),
        "status": response.status_code,
        "pdf_mib": round(len(body) / 2**20, 2),
    }


def peak_memory(client, slug: str, layout: str) -> tuple[float, bytes]:
    """The peak of what Python allocated during one more request (MiB), and the PDF it sent."""
    tracemalloc.start()
    body = client.get(f"/events/{slug}/badges.pdf?layout={layout}").get_data()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    log(f"peak memory: {peak / 2**20:.1f} MiB")
    return round(peak / 2**20, 1), body


def run(people: int, repeat: int, layout: str) -> dict:
    admin_url = os.environ.get("DATABASE_URL")
    load_before = [round(load, 2) for load in os.getloadavg()]  # the neighbours' load skews the wall clock
    with tempfile.TemporaryDirectory() as workdir, fresh_database(admin_url, Path(workdir), BENCH_DATABASE) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-only",
                "RATELIMIT_ENABLED": False,
                "BASE_URL": "https://community.example.org",
            }
        )
        with app.app_context():
            log(f"seeding {people} confirmed people")
            slug, email = seed(people)
            client = app.test_client()
            log_in(client, email)
            runs = [timed(client, slug, layout, number) for number in range(repeat)]
            peak, body = peak_memory(client, slug, layout)
            reader = PdfReader(io.BytesIO(body))
            per_page = {"2x4": 8, "2x5": 10, "single": 1}[layout]
            pages_expected = -(-people // per_page)
            last_text = reader.pages[-1].extract_text()
            db.session.remove()
            db.engine.dispose()
    best = min(run["seconds"] for run in runs)
    return {
        "database": "postgresql" if admin_url else "sqlite",
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "badges": people,
        "layout": layout,
        "runs": runs,
        "seconds": {
            "min": best,
            "median": round(statistics.median(r["seconds"] for r in runs), 3),
            "max": max(r["seconds"] for r in runs),
        },
        "cpu_seconds_min": min(r["cpu_seconds"] for r in runs),
        "peak_mib": peak,
        "target_seconds": TARGET_SECONDS,
        "target_met": best < TARGET_SECONDS,
        "pages": len(reader.pages),
        "correct": all(r["status"] == 200 for r in runs)
        and len(reader.pages) == pages_expected
        and bool(last_text.strip()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=450)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--layout", choices=("2x4", "2x5", "single"), default="2x4")
    args = parser.parse_args()
    report = run(args.people, args.repeat, args.layout)
    print(json.dumps(report, indent=2))
    return 0 if report["correct"] else 1


if __name__ == "__main__":
    sys.exit(main())
