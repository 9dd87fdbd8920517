"""The scheduled jobs page: what the worker runs by itself, when, and how it went."""

from flask import render_template

from community.admin.views import bp
from community.jobs import runner, schedule
from community.members.access import role_required
from community.members.models import Role


@bp.get("/jobs/")
@role_required(Role.ADMIN)
def jobs():
    timing = schedule.schedule()
    rows = [(job, row, schedule.describe(timing[job.name])) for job, row in runner.state()]
    return render_template("admin/jobs.html", rows=rows)
