"""The ceiling: a bare Flask + SQLAlchemy app whose one endpoint does one INSERT.

Served by the same gunicorn settings and writing to the same database as the
registration rush, it answers "how fast can this stack commit one small write
per request here?". The rush is read against it: registrations/s / ceiling/s.
Same engine settings as the app (WAL, synchronous=NORMAL, busy timeout on
SQLite; pre-ping on PostgreSQL), no session, no CSRF, no templates.

    gunicorn 'tests.bench.ceiling_app:create_app()'   # reads DATABASE_URL
"""

import os
from datetime import datetime

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from community.config import _engine_options  # the app's own engine settings, so the comparison is fair
from community.core import database
from community.core.clock import utcnow

ceiling_db = SQLAlchemy()


class CeilingHit(ceiling_db.Model):
    __tablename__ = "bench_ceiling_hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    client: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def create_app(database_url: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(app.config)
    ceiling_db.init_app(app)
    with app.app_context():
        database.configure(ceiling_db.engine)

    @app.post("/insert")
    def insert():
        ceiling_db.session.add(CeilingHit(client=request.form.get("client", "")[:40]))
        ceiling_db.session.commit()
        return "", 204

    return app
