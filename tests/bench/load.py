"""The load driver: N client threads, each on its own keep-alive HTTP connection (stdlib only)."""

import http.client
import os
import socket
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

USER_AGENT = "bench-rush"  # the same in sessions.py: Flask-Login binds the session to it
REQUEST_TIMEOUT = 30  # seconds for one request; a slower answer counts as an error


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """One keep-alive connection to 127.0.0.1 (http.client reopens it if the server closed it)."""

    headers: dict = {}  # sent with every request

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def connect(self) -> None:
        self.conn.connect()

    def send(self, method: str, path: str, *, cookie: str | None = None, form: dict | None = None):
        """(status, new session cookie or None, body)."""
        headers = {"Accept-Language": "en", "User-Agent": USER_AGENT, **self.headers}
        if cookie:
            headers["Cookie"] = f"session={cookie}"
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except BaseException:
            self.conn.close()
            raise
        self.last_headers = response.headers  # for a test that reads more than the cookie
        if response.will_close:
            self.conn.close()
        return response.status, session_cookie(response), data

    def close(self) -> None:
        self.conn.close()


def session_cookie(response) -> str | None:
    for header in response.headers.get_all("Set-Cookie") or ():
        if header.startswith("session="):
            return header.split(";", 1)[0][len("session=") :]
    return None


def drive(port: int, jobs: list, clients: int, task, time_limit: float, connection=Http):
    """Run task(http, job) once per job from `clients` threads started together.

    `connection(port)` makes each client's connection (an Http, or a subclass of it).
    Returns (results in job order, perf_counter at the start). Each result is the
    task's dict plus "started"/"ended" (perf_counter) and "error" when it raised.
    Bounded: len(jobs) requests at most and `time_limit` seconds; a job not run in
    time is reported as an error."""
    results: list[dict | None] = [None] * len(jobs)
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))
    barrier = threading.Barrier(clients + 1, timeout=60)
    deadline = [0.0]

    def next_job() -> int | None:
        with lock:
            return next(cursor, None)

    def client():
        http = connection(port)
        try:
            http.connect()  # before the barrier: the timed part starts on open connections
            barrier.wait()
            while time.perf_counter() < deadline[0] and (index := next_job()) is not None:
                started = time.perf_counter()
                try:
                    result = task(http, jobs[index])
                except Exception as error:  # noqa: BLE001 - every failure is a counted error
                    result = {"error": f"{type(error).__name__}: {error}"}
                result.update(started=started, ended=time.perf_counter())
                results[index] = result
        finally:
            http.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + time_limit + 60
    barrier.wait()
    started = time.perf_counter()
    deadline[0] = started + time_limit
    for thread in threads:
        thread.join(timeout=max(deadline[0] - time.perf_counter(), 0) + REQUEST_TIMEOUT + 5)
    now = time.perf_counter()
    return [r or {"error": "not run in time", "status": 0, "started": now, "ended": now} for r in results], started


def latency_ms(results: list[dict]) -> dict:
    durations = sorted((r["ended"] - r["started"]) * 1000 for r in results)
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 1),
        "p95": round(cuts[94], 1),
        "p99": round(cuts[98], 1),
        "max": round(durations[-1], 1),
        "mean": round(statistics.fmean(durations), 1),
    }


# ------------------------------------------------------------------ CPU accounting
# Wall-clock figures on a shared 2-core machine move with the neighbours' load; the CPU
# each request costs does not, and it bounds the throughput: 2 cores / cost per request.

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def process_tree(root: int) -> list[int]:
    """The gunicorn master and its workers."""
    children = [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit() and (stat := _stat(int(p.name))) and int(stat[1]) == root
    ]
    return [root, *children]


def cpu_seconds(pids) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        stat = _stat(pid)
        if stat is not None:
            seconds[pid] = (int(stat[11]) + int(stat[12])) / CLOCK_TICKS  # utime + stime
    return seconds


class CpuMeter:
    """CPU seconds spent during a phase by the app's processes, the database server's
    backends (PostgreSQL; SQLite works inside the app's processes) and this client."""

    def __init__(self, app_pids, database_pids=lambda: [], upkeep_pids=lambda: []):
        self.sources = {"app": app_pids, "database": database_pids, "database_upkeep": upkeep_pids}

    def __enter__(self):
        self.start = {role: cpu_seconds(pids()) for role, pids in self.sources.items()}
        self.client = time.process_time()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *_exc):
        self.client = time.process_time() - self.client
        self.wall = time.perf_counter() - self.wall
        end = {role: cpu_seconds(pids()) for role, pids in self.sources.items()}
        self.used = {
            role: sum(seconds - self.start[role].get(pid, 0.0) for pid, seconds in end[role].items()) for role in end
        }
        self.used["client"] = self.client

    def per_request_ms(self, requests: int) -> dict:
        return {role: round(seconds * 1000 / requests, 2) for role, seconds in self.used.items()}

    def cores_busy(self) -> dict:
        """Average cores kept busy: near 2 (the machine) means CPU-bound, well below means waiting."""
        return {role: round(seconds / self.wall, 2) for role, seconds in self.used.items()}
