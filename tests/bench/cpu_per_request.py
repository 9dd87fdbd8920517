"""CPU time and SQL statements per registration, one request at a time, no HTTP server.

    python -m tests.bench.cpu_per_request [--registrants 900 --seats 450] [--profile out.prof]

The rush's figures move with the neighbours' load; this one hardly does: the same
seeded event and forged sessions as the rush, each member's POST /events/<slug>/register
run through the app in this process (Flask's test client), serially, timed with
time.process_time(). Reported separately for the confirmed requests (mail with .ics)
and the waiting ones, with the statements each ran. SQLite in a temporary directory,
or the `bench_rush` database on the server of DATABASE_URL (its CPU is not counted).
"""

import argparse
import cProfile
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.database import fresh_database
from tests.bench.load import USER_AGENT
from tests.bench.registration_rush import BENCH_DATABASE, SLUG, bench_app, build_schema, seed
from tests.bench.sessions import forge
from tests.querycount import count_queries


def measure(app, sessions: list[dict], profiler=None) -> list[dict]:
    from community.core.extensions import db

    client = app.test_client()
    results = []
    with app.app_context():
        engine = db.engine
    for session in sessions:
        client.set_cookie("session", session["cookie"])
        headers = {"User-Agent": USER_AGENT, "Accept-Language": "en"}
        with count_queries(engine) as statements:
            started = time.process_time()
            if profiler:
                profiler.enable()
            response = client.post(
                f"/events/{SLUG}/register",
                data={"csrf_token": session["csrf_token"]},
                headers=headers,
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
            if profiler:
                profiler.disable()
            cpu = time.process_time() - started
        results.append(
            {
                "status": response.status_code,
                "cpu_ms": cpu * 1000,
                "statements": len(statements),
                "sql": list(statements),
            }
        )
    return results


def summary(rows: list[dict]) -> dict:
    cpu = [r["cpu_ms"] for r in rows]
    return {
        "requests": len(rows),
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "cpu_ms_mean": round(statistics.fmean(cpu), 2),
        "statements": statistics.median(r["statements"] for r in rows),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=900)
    parser.add_argument("--seats", type=int, default=450)
    parser.add_argument("--profile", help="write cProfile stats (CPU time, not wall time) of the timed requests here")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request of each kind")
    args = parser.parse_args(argv)
    admin_url = os.environ.get("DATABASE_URL") or None
    with (
        tempfile.TemporaryDirectory(prefix="bench-cpu-") as workdir,
        fresh_database(admin_url, Path(workdir), BENCH_DATABASE) as url,
    ):
        app = bench_app(url, "http://127.0.0.1:5000")
        build_schema(app)
        emails, _extra = seed(app, args.registrants, args.seats)
        sessions = forge(app, emails)
        # Warm up (imports, template compilation, first connections) on a few members, not counted.
        warm, timed = sessions[:10], sessions[10:]
        measure(app, warm)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        results = measure(app, timed, profiler)
        with app.app_context():
            from community.core.extensions import db

            db.session.remove()
            db.engine.dispose()
    if profiler:
        profiler.dump_stats(args.profile)
    seated = args.seats - len(warm)
    confirmed, waiting = results[:seated], results[seated:]
    if args.show_sql:
        for name, rows in (("confirmed", confirmed), ("waiting", waiting)):
            print(f"--- {name}", file=sys.stderr)
            for statement in rows[len(rows) // 2]["sql"]:
                print("  " + " ".join(statement.split())[:160], file=sys.stderr)
    report = {
        "database": "postgresql" if admin_url else "sqlite",
        "statuses": sorted({r["status"] for r in results}),
        "confirmed": summary(confirmed),
        "waiting": summary(waiting),
        "all_cpu_ms_mean": round(statistics.fmean(r["cpu_ms"] for r in results), 2),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
