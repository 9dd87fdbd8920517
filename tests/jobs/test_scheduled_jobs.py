"""The worker's scheduled jobs: each due job runs once per period across threads and
servers, its run is recorded, a failure is kept and retried, downtime is caught up once."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from community.core.clock import as_utc, utcnow
from community.core.extensions import db
from community.jobs import runner, schedule
from community.jobs.models import ScheduledJob
from community.jobs.schedule import ScheduleError, When
from community.registrations.models import Registration
from community.tickets.models import Category
from tests.conftest import login
from tests.factories import assert_invariants, registration_row

NAMES = ["seats-due", "reminders", "retention"]
# Midday in Paris: no daily job (03:30) falls due within the minutes these tests step through.
NOON = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def rows():
    db.session.expire_all()
    return {row.name: row for row in db.session.scalars(select(ScheduledJob))}


def test_every_job_runs_when_due_then_waits_for_its_next_time(app):
    now = NOON
    assert runner.run_due(now, worker="w1") == dict.fromkeys(NAMES, "ok")
    first = rows()
    assert [(first[n].runs, first[n].last_outcome, first[n].last_count) for n in NAMES] == [(1, "ok", 0)] * 3
    assert as_utc(first["seats-due"].due_at) == now + timedelta(seconds=60)
    assert first["seats-due"].claimed_by is None and first["seats-due"].last_finished_at is not None

    assert runner.run_due(now + timedelta(seconds=30), worker="w1") == {}  # nothing due yet
    assert runner.run_due(now + timedelta(seconds=61), worker="w1") == {"seats-due": "ok"}
    assert rows()["seats-due"].runs == 2 and rows()["reminders"].runs == 1


def test_a_job_due_during_downtime_runs_once_and_its_next_time_counts_from_then(app):
    now = NOON
    runner.run_due(now, worker="w1")
    back = now + timedelta(days=7)  # the server was off for a week
    assert runner.run_due(back, worker="w1") == dict.fromkeys(NAMES, "ok")
    assert rows()["seats-due"].runs == 2  # once, not 10,080 times
    assert as_utc(rows()["seats-due"].due_at) == back + timedelta(seconds=60)
    assert runner.run_due(back + timedelta(seconds=1), worker="w1") == {}


def test_many_workers_at_the_same_moment_run_each_job_once(app):
    """16 workers (threads, each its own connection) wake at once: each job is claimed by one."""
    now = utcnow()
    outcomes, errors, lock = [], [], threading.Lock()
    start = threading.Barrier(16)

    def worker(n):
        with app.app_context():
            start.wait()
            try:
                ran = runner.run_due(now, worker=f"worker-{n}")
                with lock:
                    outcomes.extend(ran)
            except Exception as exc:  # counted, asserted to be none
                with lock:
                    errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == sorted(NAMES)
    assert {name: row.runs for name, row in rows().items()} == dict.fromkeys(NAMES, 1)


def test_a_job_held_by_a_live_worker_is_left_alone_and_a_dead_worker_s_claim_runs_out(app):
    now = utcnow()
    runner.ensure_rows(now)
    job = next(j for j in schedule.JOBS if j.name == "reminders")
    assert runner.claim(job, now, "busy-worker")  # it is running there now
    assert "reminders" not in runner.run_due(now, worker="other")
    # That worker died without finishing: once its lease runs out another takes the job.
    later = now + runner.LEASE + timedelta(seconds=1)
    assert runner.run_due(later, worker="other")["reminders"] == "ok"
    assert rows()["reminders"].runs == 1


def test_a_failing_job_is_recorded_and_runs_again_at_its_next_time(app):
    """A real fault: the events' table is away, which reminders and the purge read (the seats' job does not)."""
    db.session.execute(text("ALTER TABLE event RENAME TO event_away"))
    db.session.commit()
    now = utcnow()
    try:
        outcomes = runner.run_due(now, worker="w1")
    finally:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE event_away RENAME TO event"))
        db.session.commit()
    assert outcomes == {"seats-due": "ok", "reminders": "failed", "retention": "failed"}
    row = rows()["retention"]
    assert (row.last_outcome, row.failures, row.runs, row.claimed_by, row.last_count) == ("failed", 1, 1, None, None)
    assert "event" in row.last_error and "Error" in row.last_error.split(":")[0]
    assert as_utc(row.due_at) > now  # tried again at its next time, not in a loop
    assert runner.run_due(as_utc(row.due_at), worker="w1")["retention"] == "ok"
    assert (rows()["retention"].last_outcome, rows()["retention"].runs) == ("ok", 2)


def test_the_schedule_is_configurable_and_a_bad_one_is_refused(app):
    app.config["JOB_SCHEDULE"] = {"reminders": 600, "retention": "04:00"}
    timing = schedule.schedule()
    assert timing["reminders"] == When(every=timedelta(minutes=10))
    assert timing["retention"] == When(daily_at=time(4, 0))
    with force_locale("en"):
        assert schedule.describe(timing["retention"]) == "daily at 04:00"
    for bad, message in (
        ({"nightly": 60}, "unknown jobs: nightly"),
        ({"reminders": "soon"}, "neither"),
        ({"reminders": -5}, "neither"),
        ({"reminders": True}, "neither"),
    ):
        app.config["JOB_SCHEDULE"] = bad
        with pytest.raises(ScheduleError, match=message):
            schedule.schedule()
    app.config["JOB_SCHEDULE"] = {}
    result = app.test_cli_runner().invoke(args=["worker", "--once"], env={})
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "now, expected",
    [
        # 03:30 in Paris is 01:30 UTC in summer, 02:30 UTC in winter.
        (datetime(2026, 7, 1, 0, 0, tzinfo=UTC), datetime(2026, 7, 1, 1, 30, tzinfo=UTC)),
        (datetime(2026, 7, 1, 1, 30, tzinfo=UTC), datetime(2026, 7, 2, 1, 30, tzinfo=UTC)),
        (datetime(2026, 12, 1, 12, 0, tzinfo=UTC), datetime(2026, 12, 2, 2, 30, tzinfo=UTC)),
        # The night the clocks go back (25 October 2026): still 03:30 on the wall.
        (datetime(2026, 10, 24, 12, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_a_daily_job_is_due_at_its_wall_clock_time_in_the_community_s_zone(app, now, expected):
    assert When(daily_at=time(3, 30)).next_after(now) == expected


def test_flask_jobs_lists_each_job_with_its_last_run(app):
    cli = app.test_cli_runner()
    before = cli.invoke(args=["jobs"])
    assert before.exit_code == 0 and "seats-due" in before.output and "never run" in before.output
    cli.invoke(args=["worker", "--once"])
    after = cli.invoke(args=["jobs"]).output
    assert all(f"{name}" in after for name in NAMES) and "ok (0)" in after and "every minute" in after


def test_the_jobs_page_is_for_admins_and_reads_in_both_languages(app, make_member):
    runner.run_due(utcnow(), worker="w1")
    member, client = make_member("someone@example.org"), app.test_client()
    login(client, member)
    assert client.get("/admin/jobs/").status_code == 403
    for language, words in (
        ("fr", ["Tâches planifiées", "places libérées", "chaque minute"]),
        ("en", ["Scheduled jobs", "seats freed", "every minute"]),
    ):
        client = app.test_client()
        login(client, make_member(f"admin-{language}@example.org", role="admin", language=language))
        page = client.get("/admin/jobs/").get_data(as_text=True)
        assert all(word in page for word in words), (language, words)
        assert 'id="job-retention"' in page


def test_released_seats_reach_the_waiting_list_from_the_worker_with_nobody_visiting(app, make_event, make_member):
    """A reserve's release date passes at night: the next round of the worker moves the line."""
    event = make_event(capacity=2)
    general = event.categories[0]
    reserved = Category(
        name_fr="Groupe",
        name_en="Group",
        quota=1,
        reserving=True,
        admits="code",
        listed=False,
        reserved_until=utcnow() + timedelta(hours=1),
        position=1,
        taken=0,
    )
    event.categories.append(reserved)
    event.reserved_count = 1
    waiting = make_member("waiting@example.org")
    db.session.add(Registration(**registration_row(event, make_member("seated@example.org").id, utcnow())))
    event.confirmed_count, general.taken = 1, 1
    db.session.commit()
    from community.registrations import services

    line, _ = services.register_member(event, waiting, category_id=general.id)
    db.session.commit()
    assert line.status == "waiting"

    ran = runner.run_due(utcnow() + timedelta(hours=2), worker="night")
    assert ran["seats-due"] == "ok"
    db.session.expire_all()
    assert db.session.get(Registration, line.id).status == "confirmed"
    assert rows()["seats-due"].last_count == 1
    assert_invariants(event.id)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2
