"""`community serve` as a volunteer runs it: real processes on a real port. A child that
dies is started again, SIGTERM stops everything, and production refuses an unsafe configuration."""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from community.production import problems
from tests.bench.footprint import command_line, descendants
from tests.bench.load import Http, free_port
from tests.conftest import PASSWORD, needs_redis

ROOT = Path(__file__).resolve().parents[1]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]
LAUNCHER = [sys.executable, "-m", "community.launcher", "serve"]


def wait_until(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def answers(port) -> bool:
    http = Http(port, timeout=5)
    try:
        return http.send("GET", "/")[0] == 200
    except OSError:
        return False
    finally:
        http.close()


def child(launcher, word):
    """The pid of the launcher's child whose command holds `word`, or None."""
    return next((pid for pid in descendants(launcher.pid)[1:] if word in _command(pid)), None)


def _command(pid) -> str:
    try:
        return command_line(pid)
    except OSError:
        return ""


@contextmanager
def launched(args, env, tmp_path):
    """`community serve` with these arguments, its stderr in a log; yields the process and a
    function that reads the log. Whatever happens, nothing it started is left running."""
    log = open(tmp_path / "launcher.log", "w+b")
    launcher = subprocess.Popen([*LAUNCHER, *args], cwd=ROOT, env=env, stderr=log)

    def said() -> str:
        log.seek(0)
        return log.read().decode()

    try:
        yield launcher, said
    finally:
        if launcher.poll() is None:
            launcher.kill()
        for pid in descendants(launcher.pid)[1:]:
            os.kill(pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def site(tmp_path):
    database = tmp_path / "site.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "launcher-test-only"}
    env.pop("MAIL_SERVER", None)
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env, database


def test_serve_keeps_the_site_and_the_worker_running_and_stops_on_sigterm(site, tmp_path):
    env, database = site
    port = free_port()
    with launched(["--port", str(port), "--workers", "2", "--threads", "1"], env, tmp_path) as (launcher, said):
        wait_until(lambda: answers(port))
        worker = wait_until(lambda: child(launcher, "app worker"))
        # The worker runs the scheduled jobs by itself.
        engine = create_engine(f"sqlite:///{database}")
        with engine.connect() as conn:
            wait_until(lambda: conn.execute(text("SELECT count(*) FROM scheduled_job WHERE runs > 0")).scalar() == 3)
        engine.dispose()

        os.kill(worker, signal.SIGKILL)
        again = wait_until(lambda: (pid := child(launcher, "app worker")) not in (None, worker) and pid)
        assert again != worker
        server = child(launcher, "gunicorn")
        os.kill(server, signal.SIGKILL)
        wait_until(lambda: child(launcher, "gunicorn") not in (None, server) and answers(port))

        everyone = descendants(launcher.pid)
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(40) == 0
        assert not [pid for pid in everyone if Path(f"/proc/{pid}").exists() and _command(pid)]
        log = said()
        assert "worker (pid" in log and "starting it again" in log and "stopped" in log


def test_production_refuses_an_unsafe_configuration_and_says_what_to_change(site):
    env, _database = site
    port = free_port()
    unsafe = {**env, "SESSION_COOKIE_SECURE": "true", "BASE_URL": "http://community.example"}
    unsafe.pop("SECRET_KEY")
    unsafe["RATELIMIT_STORAGE_URI"] = "memory://"
    done = subprocess.run(
        [*LAUNCHER, "--production", "--port", str(port)], cwd=ROOT, env=unsafe, capture_output=True, timeout=60
    )
    assert done.returncode == 2
    refused = [line for line in done.stderr.decode().splitlines() if line.startswith("refused:")]
    assert len(refused) == 3
    assert "SECRET_KEY is not set" in refused[0] and "is 'http://community.example'" in refused[1]
    assert "3 web server processes" in refused[2]
    assert not answers(port)  # nothing was started

    safe = {
        **env,
        "SESSION_COOKIE_SECURE": "true",
        "BASE_URL": "https://community.example",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    checked = subprocess.run([*FLASK, "check-production"], cwd=ROOT, env=safe, capture_output=True, timeout=60)
    assert checked.returncode == 0, checked.stderr.decode()


@pytest.mark.parametrize(
    "config, workers, expected",
    [
        ({"SECRET_KEY_FROM_INSTANCE": True, "SESSION_COOKIE_SECURE": True, "BASE_URL": "https://x"}, 1, "SECRET_KEY"),
        ({"SESSION_COOKIE_SECURE": True, "BASE_URL": "http://x"}, 1, "BASE_URL is 'http://x'"),
        ({"SESSION_COOKIE_SECURE": False, "BASE_URL": "https://x"}, 1, "SESSION_COOKIE_SECURE is off"),
        ({"SESSION_COOKIE_SECURE": True, "BASE_URL": "https://x", "RATELIMIT_STORAGE_URI": "memory://"}, 3, "memory"),
    ],
)
def test_each_unsafe_setting_is_named_alone(config, workers, expected):
    found = problems(config, workers)
    assert len(found) == 1 and expected in found[0]
    if workers > 1:
        assert problems(config, 1) == []  # one process may count in its own memory


def test_a_safe_configuration_passes():
    safe = {"SESSION_COOKIE_SECURE": True, "BASE_URL": "https://x", "RATELIMIT_STORAGE_URI": "redis://r"}
    assert problems(safe, 3) == []


@pytest.mark.parametrize("trusted_proxies, workers", [(0, 2), (1, 1)])
def test_gunicorn_trusts_forwarded_headers_only_as_the_app_does_and_warns_of_per_process_limits(
    site, tmp_path, trusted_proxies, workers
):
    """Before: gunicorn took X-Forwarded-Proto from 127.0.0.1 even with TRUSTED_PROXIES=0, so
    anything on the machine could pass a plain request for HTTPS; and several workers with
    memory:// limits started without a word."""
    env, _database = site
    env = {**env, "SESSION_COOKIE_SECURE": "true", "BASE_URL": "https://community.example"}
    env.update(TRUSTED_PROXIES=str(trusted_proxies), RATELIMIT_STORAGE_URI="memory://")
    port = free_port()
    args = ["--port", str(port), "--workers", str(workers), "--threads", "1"]
    with launched(args, env, tmp_path) as (launcher, said):
        wait_until(lambda: answers(port))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/", headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        response.read()
        conn.close()
        # Strict-Transport-Security goes out only on a request the app takes for HTTPS.
        hsts = response.getheader("Strict-Transport-Security")
        assert hsts == ("max-age=31536000" if trusted_proxies else None)
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(40) == 0
        log = said()
        assert ("every limit would be 2 times looser" in log) == (workers > 1), log[-2000:]


def _log_in(port, email, password) -> tuple[int, str]:
    """A login as a browser sends it, on fresh connections (so the kernel spreads them over the workers)."""
    page = Http(port, timeout=10)
    try:
        _status, cookie, body = page.send("GET", "/members/login")
    finally:
        page.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body.decode()).group(1)
    post = Http(port, timeout=10)
    try:
        status, _cookie, body = post.send(
            "POST", "/members/login", cookie=cookie, form={"email": email, "password": password, "csrf_token": token}
        )
    finally:
        post.close()
    return status, body.decode()


@needs_redis
def test_with_three_workers_the_limits_and_the_throttle_count_once_for_all(site, tmp_path):
    """Before: 30 wrong passwords got through with 3 workers and memory:// limits. With Redis
    the limits are one count for all workers, and the throttle is counted in the database."""
    env, _database = site
    env = {**env, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"}
    run = uuid.uuid4().hex[:12]  # the counts in Redis of this run only
    owner, stranger = f"ada-{run}@example.org", f"nobody-{run}@example.org"
    subprocess.run([*FLASK, "create-admin", owner, "--password", PASSWORD], cwd=ROOT, env=env, check=True)
    port = free_port()
    with launched(["--port", str(port), "--workers", "3"], env, tmp_path) as (launcher, said):
        wait_until(lambda: answers(port))
        answered = [_log_in(port, owner, "a wrong password here") for _ in range(5)]
        assert all(status == 200 and "Wrong email or password" in body for status, body in answered)
        status, body = _log_in(port, owner, PASSWORD)
        assert status == 200 and "Too many failed attempts" in body
        statuses = [_log_in(port, stranger, "a wrong password here")[0] for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(40) == 0
        assert "times looser" not in said()
