"""`make bench`: the registration rush over HTTP (not collected by pytest; see README.md).
`run_bench` runs a bench as the suite's smoke tests do."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_bench(module: str, *args: str, database: str, timeout: float) -> dict:
    """`python -m tests.bench.<module> <args>` on SQLite, or on the PostgreSQL server of TEST_DATABASE_URL
    (the bench makes its own database there); its JSON report, once it exited without an error."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if database == "postgresql":
        env["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
    finished = subprocess.run(
        [sys.executable, "-m", f"tests.bench.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout)
