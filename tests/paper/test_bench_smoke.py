"""The badge benchmark is not part of the suite's timing, so a change could break it unnoticed:
a dozen badges through it must still give a right PDF on each database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.mark.parametrize("database", DATABASES)
def test_a_dozen_badges_through_the_benchmark(database):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database == "postgresql":
        env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]  # the bench makes its own database there
    finished = subprocess.run(
        [sys.executable, "-m", "tests.bench.badges", "--people", "12", "--repeat", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout)
    assert report["database"] == database and report["correct"] is True
    assert report["pages"] == 2 and report["badges"] == 12 and report["peak_mib"] > 0
