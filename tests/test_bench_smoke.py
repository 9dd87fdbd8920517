"""`make bench` is not part of `make test`, so a change could break it unnoticed: a tiny
rush (40 members, 10 seats, 4 clients) through the real bench, gunicorn with two workers
on a loopback port, must still end with exact counts on each database."""

import pytest

from tests.bench import run_bench
from tests.conftest import DATABASES


@pytest.mark.parametrize("database", DATABASES)
def test_a_tiny_rush_through_the_benchmark_gives_exact_counts(database):
    rush = ("--registrants", "40", "--seats", "10", "--clients", "4", "--login", "forge", "--workers", "2")
    report = run_bench("registration_rush", *rush, database=database, timeout=240)
    (run,) = report["runs"]
    assert report["database"] == database and report["correct"] is True
    assert run["rush"]["responses"] == {"confirmed": 10, "waiting": 30, "errors": 0, "error_samples": []}
    assert run["database"]["outbox_by_template"] == {"event_confirmed": 10, "event_waiting": 30}
    assert run["ceiling"]["errors"] == 0 and run["ceiling"]["rows_in_database"] == 40
    assert report["spread"]["4"]["runs"] == 1
