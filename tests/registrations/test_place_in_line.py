"""A place in line costs the same however long the line: the newcomer's place and number
come from one UPDATE of the event, and each question the seat engine asks on a click is
served by its own index, whatever the database's statistics say."""

import re

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.registrations import queries, seats_by_hand, services, waiting_list
from community.registrations.models import Registration
from tests.factories import assert_invariants, registration_row
from tests.querycount import count_queries


def register(event, member):
    registration, _ = services.register_member(db.session.get(Event, event.id), member)
    db.session.commit()
    return registration


def places_in_mails():
    bodies = db.session.scalars(
        select(OutboxEmail.body_text).where(OutboxEmail.template == "event_waiting").order_by(OutboxEmail.id)
    ).all()
    return [int(re.search(r"en position (\d+) ", body).group(1)) for body in bodies]


def test_a_newcomer_s_place_is_read_from_the_update_that_gives_it_not_counted(make_event, make_member):
    event = make_event(capacity=1)
    register(event, make_member())
    for _ in range(3):
        register(event, make_member())
    with count_queries(db.engine) as statements:
        fourth = register(event, make_member())

    assert fourth.status == "waiting" and fourth.line_number == 4
    assert not [s for s in statements if "count(" in s.lower()], "a place in line must not count those ahead"
    assert places_in_mails() == [1, 2, 3, 4]
    assert waiting_list.position(fourth) == 4
    assert_invariants(event.id)


def test_places_follow_those_who_leave_the_line_and_numbers_are_never_given_twice(make_event, make_member):
    event = make_event(capacity=1)
    seated = register(event, make_member())
    line = [register(event, make_member()) for _ in range(4)]
    services.cancel_registration(db.session.get(Registration, line[1].id))  # the second gives up
    db.session.commit()
    assert [waiting_list.position(db.session.get(Registration, r.id)) for r in line] == [1, None, 2, 3]

    services.cancel_registration(db.session.get(Registration, seated.id))  # the first in line gets the seat
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, line[0].id).status == "confirmed"
    newcomer = register(event, make_member())
    assert (newcomer.line_number, waiting_list.position(newcomer)) == (5, 3)
    assert places_in_mails()[-1] == 3
    assert db.session.get(Event, event.id).waiting_count == 3
    assert_invariants(event.id)


def test_a_cancelled_event_leaves_nobody_in_line(make_event, make_member, app):
    event = make_event(capacity=1)
    for _ in range(3):
        register(event, make_member())
    from community.core.clock import utcnow

    seats_by_hand.cancel_all(db.session.get(Event, event.id), utcnow())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Event, event.id).waiting_count == 0


# ------------------------------------------------------------------ the indexes


def _fill(event, make_member, n=600):
    """A table filling up with no statistics gathered yet, as at the start of a rush."""
    members = [make_member(f"crowd{i}@example.org").id for i in range(3)]
    rows = [registration_row(event, members[i % 3], event.created_at, status="cancelled") for i in range(n)]
    db.session.execute(insert(Registration), rows)
    db.session.commit()
    return members


def _plan(statement, params) -> str:
    """The plan the database would use for our statement, as a cached (generic) plan on PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        compiled = statement.compile(dialect=sqlite.dialect(paramstyle="named"))
        values = {**compiled.params, **params}
        rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", values).all()
        return " ".join(str(row[-1]) for row in rows)
    compiled = statement.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
    values = {**compiled.params, **params}
    conn = db.session.connection()
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE plan_probe AS {compiled}")
    try:
        # EXECUTE takes its arguments written out (a bound parameter has nowhere to go there).
        arguments = ", ".join(_written_out(values[name]) for name in compiled.positiontup)
        rows = conn.exec_driver_sql(f"EXPLAIN EXECUTE plan_probe({arguments})").all()
    finally:
        conn.exec_driver_sql("DEALLOCATE plan_probe")
    return " ".join(row[0] for row in rows)


def _written_out(value) -> str:
    if isinstance(value, int):
        return str(value)
    text_value = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text_value.replace("'", "''") + "'"


def test_each_question_of_a_click_uses_its_own_index(make_event, make_member):
    event = make_event(capacity=1)
    member_id = _fill(event, make_member)[0]
    now = event.created_at

    live = _plan(queries._LIVE_OF_MEMBER, {"event_id": event.id, "member_id": member_id})
    assert "uq_registration_live_member" in live, live
    line = _plan(waiting_list._OLDEST_WITH_ROOM, {"event_id": event.id})
    assert "ix_registration_queue" in line, line
    holds = _plan(queries._holds_due(now).where(Registration.event_id == event.id), {})
    assert "ix_registration_holds" in holds, holds
