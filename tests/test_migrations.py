"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

import os
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from community import create_app
from community.core.extensions import db


def _fresh_database_url(kind, tmp_path, purpose="migrations"):
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{purpose}.sqlite3'}"
    url = make_url(os.environ["TEST_DATABASE_URL"])
    # One per pytest-xdist worker: two workers dropping and creating one name collide.
    name = f"{url.database}_{purpose}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


KINDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def empty_database(kind, tmp_path):
    """An app on an empty database of each kind, inside its app context."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": _fresh_database_url(kind, tmp_path), "SECRET_KEY": "x"})
    with app.app_context():
        yield
        db.engine.dispose()


def test_migrations_match_the_models_and_go_down_again(empty_database):
    upgrade()
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert differences == []
    downgrade(revision="base")
    with db.engine.connect() as conn:
        remaining = db.inspect(conn).get_table_names()
    assert set(remaining) <= {"alembic_version"}


def _checks(engine) -> dict:
    """Every CHECK constraint of the database, by table and name, as the database itself writes it
    (PostgreSQL rewrites the SQL it was given: the same rewrite on both sides compares them)."""
    inspector = db.inspect(engine)
    return {
        (table, check["name"]): check["sqltext"]
        for table in inspector.get_table_names()
        for check in inspector.get_check_constraints(table)
    }


def test_the_migrations_build_the_models_checks_to_the_letter(empty_database, kind, tmp_path):
    """compare_metadata() passes CHECK constraints over: a model's CHECK changed without a
    migration would go unseen. Here the migrated database and one built from the models hold
    the same ones, word for word."""
    upgrade()
    migrated = _checks(db.engine)
    models = create_engine(_fresh_database_url(kind, tmp_path, purpose="models"))
    try:
        db.metadata.create_all(models)
        built = _checks(models)
    finally:
        models.dispose()
    assert len(built) > 30
    assert migrated == built


BEFORE_CATEGORIES = "d89705b97b2b"


def _insert_event_with_registrations(conn):
    """An event with a seat of each status and a check-in: rows whose tables SQLite rebuilds, or refer to them."""
    conn.execute(
        text(
            "INSERT INTO event (id, slug, title, description, starts_at, ends_at, venue, address, online_url,"
            " capacity, confirmed_count, visibility, waitlist_enabled, status, created_at, updated_at)"
            " VALUES (1, 'summit', 'Summit', '', :at, :at, '', '', '', 3, 2, 'public', true, 'published', :at, :at)"
        ),
        {"at": "2026-06-01 09:00:00+00:00"},
    )
    for i, status in enumerate(["confirmed", "held", "waiting", "cancelled"], start=1):
        conn.execute(
            text(
                "INSERT INTO registration (id, event_id, guest_name, guest_email, guest_organization, language,"
                " status, hold_expires_at, created_at, ticket_code)"
                " VALUES (:id, 1, 'G', :email, '', 'fr', :status, :at, :at, :code)"
            ),
            {
                "id": i,
                "email": f"g{i}@example.org",
                "status": status,
                "at": "2026-05-01 09:00:00+00:00",
                "code": f"c{i}",
            },
        )
    conn.execute(
        text("INSERT INTO check_in (registration_id, event_id, checked_in_at, gate) VALUES (1, 1, :at, '')"),
        {"at": "2026-06-01 09:05:00+00:00"},
    )


@pytest.fixture
def rows_before_categories(empty_database):
    """Migrated to just before the ticket categories, with an event, a registration of each status and a check-in."""
    upgrade(revision=BEFORE_CATEGORIES)
    with db.engine.begin() as conn:
        _insert_event_with_registrations(conn)


def test_every_event_gets_one_category_holding_its_registrations_and_back(rows_before_categories):
    upgrade()
    with db.engine.connect() as conn:
        categories = conn.execute(
            text("SELECT id, event_id, name_fr, taken, quota, reserving FROM ticket_category")
        ).all()
        assert [tuple(row)[1:5] for row in categories] == [(1, "Entrée générale", 2, None)]
        assert not categories[0].reserving
        # Rebuilding a table on SQLite must not delete, by cascade, the rows that refer to it.
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 4
        assert conn.execute(text("SELECT count(*) FROM check_in")).scalar() == 1
        assigned = conn.execute(text("SELECT DISTINCT category_id FROM registration")).scalars().all()
        assert assigned == [categories[0].id]
        assert conn.execute(text("SELECT reserved_count FROM event")).scalar() == 0
    downgrade(revision=BEFORE_CATEGORIES)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 4
        assert conn.execute(text("SELECT count(*) FROM check_in")).scalar() == 1
        columns = {column["name"] for column in db.inspect(conn).get_columns("registration")}
        assert "category_id" not in columns
        assert "ticket_category" not in db.inspect(conn).get_table_names()


BEFORE_PLACES = "77afde6b16a5"


def test_those_waiting_get_their_places_in_line_in_the_order_they_had_and_back(rows_before_categories):
    upgrade(revision=BEFORE_PLACES)
    with db.engine.begin() as conn:
        category = conn.execute(text("SELECT id FROM ticket_category")).scalar()
        # Two more waiting, one registered earlier than the first (the list's order is by time, then id).
        for i, at in ((5, "2026-04-01 09:00:00+00:00"), (6, "2026-05-01 09:00:00+00:00")):
            conn.execute(
                text(
                    "INSERT INTO registration (id, event_id, category_id, guest_name, guest_email,"
                    " guest_organization, language, status, created_at, ticket_code)"
                    " VALUES (:id, 1, :category, 'G', :email, '', 'fr', 'waiting', :at, :code)"
                ),
                {"id": i, "category": category, "email": f"g{i}@example.org", "at": at, "code": f"c{i}"},
            )
    upgrade()
    with db.engine.connect() as conn:
        numbers = conn.execute(
            text("SELECT id, line_number FROM registration WHERE status = 'waiting' ORDER BY line_number")
        ).all()
        assert [tuple(row) for row in numbers] == [(5, 1), (3, 2), (6, 3)]
        others = conn.execute(text("SELECT count(*) FROM registration WHERE line_number IS NOT NULL")).scalar()
        assert others == 3
        assert tuple(conn.execute(text("SELECT waiting_count, line_taken FROM event")).one()) == (3, 3)
    downgrade(revision=BEFORE_PLACES)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 6
        assert conn.execute(text("SELECT count(*) FROM check_in")).scalar() == 1
        assert "line_number" not in {c["name"] for c in db.inspect(conn).get_columns("registration")}
        assert "waiting_count" not in {c["name"] for c in db.inspect(conn).get_columns("event")}


BEFORE_SEQUENCE = "5b2d9e4c1f60"


def test_an_existing_event_keeps_the_calendar_sequence_it_was_sent_with_and_back(rows_before_categories):
    """It was the update time modulo 2e9 seconds: calendars that imported it take only a higher one.
    The event was updated at 2026-06-01 09:00 UTC."""
    upgrade(revision=BEFORE_SEQUENCE)
    upgrade()
    with db.engine.connect() as conn:
        sequence = conn.execute(text("SELECT calendar_sequence FROM event")).scalar()
    assert sequence == int(datetime(2026, 6, 1, 9, tzinfo=UTC).timestamp()) % 2_000_000_000
    downgrade(revision=BEFORE_SEQUENCE)
    with db.engine.connect() as conn:
        assert "calendar_sequence" not in {c["name"] for c in db.inspect(conn).get_columns("event")}
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 4


BEFORE_COLOUR = "74c0bb688d0e"


def test_existing_categories_take_the_palettes_colour_by_position_and_back(rows_before_categories):
    from community.tickets.models import PALETTE

    upgrade(revision=BEFORE_COLOUR)
    with db.engine.begin() as conn:  # the event's first category (position 0) and two more
        for position, name in ((1, "Presse"), (7, "Orateurs")):
            conn.execute(
                text(
                    "INSERT INTO ticket_category (event_id, position, name_fr, name_en, description_fr,"
                    " description_en, taken, listed, admits, reserving, created_at)"
                    " VALUES (1, :position, :name, '', '', '', 0, true, 'event', false, :at)"
                ),
                {"position": position, "name": name, "at": "2026-05-01 09:00:00+00:00"},
            )
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT position, colour FROM ticket_category ORDER BY position")).all()
        assert [tuple(row) for row in rows] == [(0, PALETTE[0]), (1, PALETTE[1]), (7, PALETTE[1])]
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 4
    downgrade(revision=BEFORE_COLOUR)
    with db.engine.connect() as conn:
        assert "colour" not in {c["name"] for c in db.inspect(conn).get_columns("ticket_category")}
        assert conn.execute(text("SELECT count(*) FROM ticket_category")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM registration")).scalar() == 4
        assert conn.execute(text("SELECT count(*) FROM check_in")).scalar() == 1
