"""`community serve`: the web server and the worker, started together, kept running, stopped together.

The web server is gunicorn in the shape the registration-rush benchmark found best on
two cores (3 workers x 2 threads, gthread, a listening socket per worker), the app
loaded once before forking (--preload: the workers share its memory). The worker
(`flask --app app worker`) delivers mail and runs the scheduled jobs. A child that
dies is logged and started again (after a pause that grows if it keeps dying); SIGTERM
or Ctrl-C stops both gracefully: gunicorn finishes the requests in flight, the worker
its round of mail. The launcher itself imports neither Flask nor the app: it stays small."""

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRACE_SECONDS = 20  # how long requests in flight get to finish on a stop
POLL_SECONDS = 0.5
QUICK_DEATH_SECONDS = 10  # a child dying sooner than this after its start waits longer before the next
MAX_PAUSE_SECONDS = 30

log = logging.getLogger("community.launcher")


@dataclass
class Child:
    name: str
    command: list[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    pause: float = 1.0
    restarts: int = 0
    due_at: float = field(default=0.0)

    def start(self) -> None:
        # A session of its own: a Ctrl-C in the terminal reaches the launcher only, which stops
        # the children gracefully (gunicorn takes SIGINT as "stop now").
        self.process = subprocess.Popen(self.command, cwd=ROOT, start_new_session=True)
        self.started_at = time.monotonic()
        log.info("%s started (pid %d)", self.name, self.process.pid)

    def check(self, now: float) -> None:
        """Start it again if it died, once its pause is over."""
        if self.process is not None and self.process.poll() is None:
            return
        if self.process is not None:
            code = self.process.returncode
            self.pause = min(self.pause * 2, MAX_PAUSE_SECONDS) if now - self.started_at < QUICK_DEATH_SECONDS else 1.0
            log.warning(
                "%s (pid %d) exited with %s; starting it again in %.0f s", self.name, self.process.pid, code, self.pause
            )
            self.process, self.due_at, self.restarts = None, now + self.pause, self.restarts + 1
        if now >= self.due_at:
            self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killed", self.name)
            self.process.kill()
            self.process.wait()


def web_command(args) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", "gthread",
        "--reuse-port",
        "--keep-alive", "10",
        "--graceful-timeout", str(GRACE_SECONDS),
        "--access-logfile", "-" if args.access_log else "/dev/null",
        "--config", "python:community.gunicorn_config",
        *(["--preload"] if args.preload else []),
        "--chdir", str(ROOT),
        "app:app",
    ]  # fmt: skip


def worker_command() -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "worker"]


def check_command(args) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "check-production", "--workers", str(args.workers)]


def serve(args) -> int:
    if args.production:
        checked = subprocess.run(check_command(args), cwd=ROOT)
        if checked.returncode != 0:
            return 2  # the check printed what to change
    children = [Child("web server", web_command(args)), Child("worker", worker_command())]
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda got, _frame: stopping.append(got))
    log.info("serving on http://%s:%d (Ctrl-C stops)", args.host, args.port)
    while not stopping:
        now = time.monotonic()
        for child in children:
            child.check(now)
        time.sleep(POLL_SECONDS)
    log.info("stopping: requests and mail in flight finish first")
    for child in children:
        child.stop()
    deadline = time.monotonic() + GRACE_SECONDS + 5
    for child in children:
        child.wait(deadline)
    log.info("stopped")
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="community", description="Run the community site.")
    commands = main_parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="the web server and the worker (mail, scheduled jobs), kept running")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.add_argument("--workers", type=int, default=3, help="web server processes (default 3: cores + 1 on two cores)")
    run.add_argument("--threads", type=int, default=2, help="threads per web server process")
    run.add_argument(
        "--production", action="store_true", help="refuse to start with an unsafe configuration (see README)"
    )
    run.add_argument("--no-preload", dest="preload", action="store_false", help="load the app in each worker")
    run.add_argument("--access-log", action="store_true", help="log every request to stdout")
    return main_parser


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = parser().parse_args(argv)
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
