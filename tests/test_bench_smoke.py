"""`make bench` is not part of `make test`, so a change could break it unnoticed: a tiny
rush (40 members, 10 seats, 4 clients) through the real bench, gunicorn with two workers
on a loopback port, must still end with exact counts on each database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.mark.parametrize("database", DATABASES)
def test_a_tiny_rush_through_the_benchmark_gives_exact_counts(database):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database == "postgresql":
        env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]  # the bench makes its own database there
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.registration_rush",
            "--registrants",
            "40",
            "--seats",
            "10",
            "--clients",
            "4",
            "--login",
            "forge",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout)
    (run,) = report["runs"]
    assert report["database"] == database and report["correct"] is True
    assert run["rush"]["responses"] == {"confirmed": 10, "waiting": 30, "errors": 0, "error_samples": []}
    assert run["database"]["outbox_by_template"] == {"event_confirmed": 10, "event_waiting": 30}
    assert run["ceiling"]["errors"] == 0 and run["ceiling"]["rows_in_database"] == 40
    assert report["spread"]["4"]["runs"] == 1
