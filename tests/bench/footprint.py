"""Memory of the whole site as `community serve` runs it: `python -m tests.bench.footprint`.

Starts the launcher on a fresh SQLite database (migrated, the demo community seeded), warms
every web server process with the pages people open most, then reads each process's
resident (RSS) and proportional (PSS: shared pages divided among those sharing them)
memory from /proc/<pid>/smaps_rollup, with the app loaded once before forking
(--preload, the default) and loaded in each process (--no-preload, the shape before).
The sum of PSS is what the site costs the machine; the sum of RSS counts shared pages
once per process. One JSON summary on stdout."""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.load import Http, free_port

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/", "/events/", "/groups/", "/members/login", "/privacy/register")


def descendants(root: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        found.append(pid)
        frontier.extend(child for child, parent in parents.items() if parent == pid)
    return found


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return {"rss": fields["Rss"], "pss": fields["Pss"]}


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:90]


def measure(preload: bool, workdir: Path, requests: int) -> dict:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'site.sqlite3'}", "SECRET_KEY": "footprint-only"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    command = [sys.executable, "-m", "community.launcher", "serve", "--port", str(port)]
    launcher = subprocess.Popen(
        [*command, *([] if preload else ["--no-preload"])], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            http = Http(port)
            try:
                if http.send("GET", "/")[0] == 200:
                    break
            except OSError:
                pass  # not listening yet
            finally:
                http.close()
            if time.monotonic() > deadline:
                raise RuntimeError("the site did not start")
            time.sleep(0.3)
        # Fresh connections: the kernel spreads them over the workers (one socket each).
        for n in range(requests):
            http = Http(port)
            http.send("GET", PAGES[n % len(PAGES)])
            http.close()
        time.sleep(3)  # the worker's first rounds (mail, jobs) are done
        processes = [{"pid": pid, "command": command_line(pid), **memory_kib(pid)} for pid in descendants(launcher.pid)]
    finally:
        launcher.send_signal(signal.SIGTERM)
        launcher.wait(60)
    return {
        "preload": preload,
        "requests": requests,
        "processes": processes,
        "total_rss_mib": round(sum(p["rss"] for p in processes) / 1024, 1),
        "total_pss_mib": round(sum(p["pss"] for p in processes) / 1024, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="page views to warm the web server processes")
    args = parser.parse_args(argv)
    runs = []
    for preload in (False, True):
        with tempfile.TemporaryDirectory(prefix="footprint-") as workdir:
            runs.append(measure(preload, Path(workdir), args.requests))
    print(json.dumps({"cpus": os.cpu_count(), "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
