"""The worker: one process that delivers the outbox and runs the scheduled jobs
(`flask --app app worker`), so a small server needs no cron and no second daemon."""

import logging
import threading

from community.core.extensions import db
from community.jobs import runner
from community.mail import delivery

log = logging.getLogger(__name__)


def run(interval: float = 2.0, once: bool = False, stop: threading.Event | None = None, scheduled: bool = True) -> bool:
    """Deliver due mail and run due jobs every `interval` seconds until `stop` is set (or
    once); with scheduled=False, mail only. Returns whether the last round went through."""
    stop = stop or threading.Event()
    log.info("worker %s started (%s)", delivery.worker_name(), "mail and scheduled jobs" if scheduled else "mail")
    while True:
        ok = delivery.deliver_round()
        if scheduled:
            ok = jobs_round() and ok
        if once or stop.wait(interval):
            return ok


def jobs_round() -> bool:
    """The jobs that are due, run; a failure to reach the database is logged and retried next round."""
    try:
        runner.run_due(worker=delivery.worker_name())
    except Exception:
        log.exception("scheduled jobs round failed; the next round will try again")
        return False
    finally:
        db.session.remove()
    return True
