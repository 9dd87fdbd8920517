"""One row per scheduled job: when it is next due, who holds it now, and how its last run went."""

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from community.core.database import one_of
from community.core.extensions import db


class Outcome(str, enum.Enum):
    OK = "ok"
    FAILED = "failed"


class ScheduledJob(db.Model):
    __tablename__ = "scheduled_job"
    __table_args__ = (one_of("last_outcome", Outcome, name="outcome_known", nullable=True),)

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    # A worker that claimed the job holds it until then (a worker that died lets go by itself).
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_started_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    # What the last run did (how many seats, mails, records), or the error it stopped on.
    last_count: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    runs: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
