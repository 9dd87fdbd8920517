"""Running the jobs that are due, each at most once per period across every worker and server.

A job is claimed by one conditional UPDATE (due, and not held by a live claim):
two workers, threads or servers can never both claim it, on SQLite or PostgreSQL.
The claim is a lease: a worker that dies while running a job lets go of it after
LEASE, and another runs it then. After downtime a job that is overdue runs once,
and its next time is counted from then (not once per period missed)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update

from community.core import locking
from community.core.clock import utcnow
from community.core.extensions import db
from community.jobs.models import Outcome, ScheduledJob
from community.jobs.schedule import JOBS, Job, schedule
from community.mail.delivery import worker_name

log = logging.getLogger(__name__)

# Longer than any job runs (the retention purge, the longest, takes seconds).
LEASE = timedelta(minutes=15)

_jobs = ScheduledJob.__table__
# Due, and held by no live claim.
_FREE_AND_DUE = (
    _jobs.c.due_at <= bindparam("now"),
    or_(_jobs.c.claimed_until.is_(None), _jobs.c.claimed_until < bindparam("now")),
)
_DUE = select(_jobs.c.name).where(*_FREE_AND_DUE)
_CLAIM = (
    update(_jobs)
    .where(_jobs.c.name == bindparam("job"), *_FREE_AND_DUE)
    .values(
        claimed_by=bindparam("worker"),
        claimed_until=bindparam("lease"),
        last_started_at=bindparam("now"),
    )
)


def ensure_rows(now: datetime) -> None:
    """A row for every job (a new one is due at once); committed."""
    known = set(db.session.scalars(select(ScheduledJob.name)))
    missing = [job.name for job in JOBS if job.name not in known]
    if missing:
        locking.before_writes()
        statement = locking.insert_ignoring_conflict(ScheduledJob, index_elements=["name"])
        db.session.execute(statement, [{"name": name, "due_at": now, "runs": 0, "failures": 0} for name in missing])
    db.session.commit()


def claim(job: Job, now: datetime, worker: str) -> bool:
    """True when this worker now holds the job (committed, so that others see it)."""
    locking.before_writes()
    params = {"job": job.name, "now": now, "worker": worker, "lease": now + LEASE}
    claimed = db.session.connection().execute(_CLAIM, params).rowcount == 1
    db.session.commit()
    return claimed


def run_due(now: datetime | None = None, worker: str | None = None) -> dict[str, str]:
    """Run every job that is due and not held by another worker; returns {name: outcome} of those run."""
    now = now or utcnow()
    worker = worker or worker_name()
    timing = schedule()
    ensure_rows(now)
    # Look before writing: a worker with nothing due never takes SQLite's write lock.
    due = set(db.session.scalars(_DUE, {"now": now}))
    db.session.rollback()  # no read snapshot held while the jobs run
    outcomes = {}
    for job in JOBS:
        if job.name in due and claim(job, now, worker):
            outcomes[job.name] = _run(job, now, worker, timing[job.name].next_after(now))
    return outcomes


def _run(job: Job, now: datetime, worker: str, next_due: datetime) -> str:
    try:
        count = job.run(now)
        db.session.commit()
    except Exception as error:  # logged and recorded; the job runs again at its next time
        db.session.rollback()
        log.exception("scheduled job %s failed", job.name)
        _finish(job, worker, next_due, Outcome.FAILED, None, f"{type(error).__name__}: {error}"[:1000])
        return Outcome.FAILED.value
    _finish(job, worker, next_due, Outcome.OK, count, "")
    if count:
        log.info("scheduled job %s: %d", job.name, count)
    return Outcome.OK.value


def _finish(job: Job, worker: str, next_due: datetime, outcome: Outcome, count: int | None, error: str) -> None:
    locking.before_writes()
    failed = int(outcome == Outcome.FAILED)
    db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == job.name, ScheduledJob.claimed_by == worker)
        .values(
            due_at=next_due,
            claimed_by=None,
            claimed_until=None,
            last_finished_at=utcnow(),
            last_outcome=outcome.value,
            last_count=count,
            last_error=error,
            runs=ScheduledJob.runs + 1,
            failures=ScheduledJob.failures + failed,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def state() -> list[tuple[Job, ScheduledJob | None]]:
    """Every job with its row (None before the worker first started): one query."""
    rows = {row.name: row for row in db.session.scalars(select(ScheduledJob))}
    return [(job, rows.get(job.name)) for job in JOBS]
