"""One click on "Register" runs a short, fixed list of statements: the event is read with
its categories and whether it asks questions (one query), and a place on the waiting list is
taken under the lock before the registration and its mail are written, so neither is
written twice. The rush benchmark (tests/bench) measures what each statement costs."""

from sqlalchemy import select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.registrations.models import Registration
from tests.conftest import csrf_token, login
from tests.factories import assert_invariants
from tests.querycount import count_queries


def click(app, event, member) -> list[str]:
    """The member's POST /register, as a browser sends it; the statements it ran."""
    browser = app.test_client()
    login(browser, member)
    page = f"/events/{event.slug}"
    form = {"csrf_token": csrf_token(browser, page)}
    with count_queries(db.engine) as statements:
        response = browser.post(f"{page}/register", data=form)
    assert response.status_code == 302
    return [" ".join(statement.split()).upper() for statement in statements]


def writes(statements: list[str], table: str) -> dict[str, int]:
    counts = {}
    for verb, pattern in (("insert", f"INSERT INTO {table} "), ("update", f"UPDATE {table} ")):
        counts[verb] = sum(statement.startswith(pattern.upper()) for statement in statements)
    return counts


def test_a_seat_and_a_place_in_line_each_take_a_few_statements_and_write_each_row_once(app, make_event, make_member):
    event = make_event(capacity=1)
    seat = click(app, event, make_member())
    line = click(app, event, make_member(language="en"))
    click(app, event, make_member(language="fr"))

    # member and login session; event with categories and questions; a live registration?
    reads = [statement for statement in seat if statement.startswith("SELECT")]
    assert len(reads) == 3, reads
    assert not [s for s in seat + line if "FROM QUESTION" in s and "EXISTS" not in s], "asked apart from the event"
    assert writes(seat, "registration") == {"insert": 1, "update": 0}
    assert writes(line, "registration") == {"insert": 1, "update": 0}, line
    assert writes(line, "outbox_email") == {"insert": 1, "update": 0}, line
    # Read 3, the lock with the counters (and, on SQLite, its write), the place, two rows.
    assert len(line) <= 8, line
    assert len(seat) <= 8, seat

    statuses = db.session.execute(
        select(Registration.status, Registration.line_number).where(Registration.event_id == event.id)
    ).all()
    assert sorted(statuses, key=str) == sorted([("confirmed", None), ("waiting", 1), ("waiting", 2)], key=str)
    # The place, put into the mail rendered before the lock, in each person's language and in both bodies.
    english, french = db.session.execute(
        select(OutboxEmail.body_text, OutboxEmail.body_html)
        .where(OutboxEmail.template == "event_waiting")
        .order_by(OutboxEmail.id)
    ).all()
    assert all("You are number 1 on the waiting list." in body for body in english), english
    assert all("en position 2 sur la liste" in body for body in french), french
    assert_invariants(event.id)
