"""gunicorn on a loopback port for the bench, stopped whatever happens."""

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.bench.load import Http

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SERVER_START_SECONDS = 60


@contextmanager
def gunicorn(target: str, port: int, env: dict, args, logfile: Path):
    """Serve `target` on 127.0.0.1:port; the server is stopped whatever happens."""
    command = [
        str(GUNICORN),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        # Clients keep their connection open across requests; idle ones are closed after 10 s.
        # A listening socket per worker (SO_REUSEPORT): the kernel spreads new connections
        # over the workers. With one shared socket the worker awake when the clients
        # connected took most of them for the whole run (measured: 11 of 16 on one of 8
        # workers, 4 workers idle), and its clients queued behind each other.
        "--reuse-port",
        "--keep-alive",
        "10",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        *(["--preload", "--config", "python:community.gunicorn_config"] if getattr(args, "preload", False) else []),
        "--chdir",
        str(ROOT),
        target,
    ]
    with open(logfile, "ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_serving(process, port)
        yield process
    finally:
        stop(process)


def wait_until_serving(process, port: int) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        http = Http(port, timeout=2)
        try:
            http.send("GET", "/__bench_ready__")  # any answer means a worker is up
            return
        except OSError:
            time.sleep(0.2)
        finally:
            http.close()
    raise RuntimeError("gunicorn did not answer in time")


def stop(process) -> None:
    """SIGTERM to the master (graceful), then SIGKILL to its process group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # workers left behind, if any
    except ProcessLookupError:
        pass
    process.wait(timeout=5)
