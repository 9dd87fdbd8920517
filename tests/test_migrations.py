"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from community import create_app
from community.core.extensions import db


def _fresh_database_url(kind, tmp_path):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_migrations"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.mark.parametrize("kind", KINDS)
def test_migrations_match_the_models_and_go_down_again(kind, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": _fresh_database_url(kind, tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert differences == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            remaining = db.inspect(conn).get_table_names()
        assert set(remaining) <= {"alembic_version"}
        db.engine.dispose()
