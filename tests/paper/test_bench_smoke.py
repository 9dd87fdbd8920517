"""The badge benchmark is not part of the suite's timing, so a change could break it unnoticed:
a dozen badges through it must still give a right PDF on each database."""

import pytest

from tests.bench import run_bench
from tests.conftest import DATABASES


@pytest.mark.parametrize("database", DATABASES)
def test_a_dozen_badges_through_the_benchmark(database):
    report = run_bench("badges", "--people", "12", "--repeat", "1", database=database, timeout=180)
    assert report["database"] == database and report["correct"] is True
    assert report["pages"] == 2 and report["badges"] == 12 and report["peak_mib"] > 0
