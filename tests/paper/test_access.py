"""Who may download each PDF: the door list whoever may check people in at the event (its
stewards too), the badges only its organizers and admins. Anyone else is sent to log in,
or refused, and nothing is recorded."""

import pytest
from sqlalchemy import func, select

from community.core.audit import AuditEntry
from community.core.extensions import db
from community.events.models import StaffRole
from tests.conftest import login
from tests.paper.conftest import name_staff, seat

# (who, door list, badges): the answer each gets.
CASES = [
    ("anonymous", 302, 302),
    ("member", 403, 403),
    ("steward", 200, 403),
    ("another event's organizer", 403, 403),
    ("co-organizer", 200, 200),
    ("the event's organizer", 200, 200),
    ("admin", 200, 200),
]


@pytest.fixture
def as_person(client, make_member, event, organizer):
    def _as(who):
        if who == "anonymous":
            return
        if who == "the event's organizer":
            login(client, organizer)
            return
        role = {"admin": "admin", "another event's organizer": "organizer"}.get(who, "member")
        person = make_member(role=role)
        if who in ("steward", "co-organizer"):
            name_staff(event, person, StaffRole.STEWARD if who == "steward" else StaffRole.ORGANIZER)
        login(client, person)

    return _as


@pytest.mark.parametrize("who, door_list, badges", CASES, ids=[case[0] for case in CASES])
def test_each_pdf_is_for_those_who_run_the_door_or_the_event(client, event, as_person, who, door_list, badges):
    seat(event, [("Élodie Ørsted-Nguyễn", "Inria")])
    as_person(who)
    for path, expected in (
        (f"/events/{event.slug}/door-list.pdf", door_list),
        (f"/events/{event.slug}/badges.pdf", badges),
    ):
        response = client.get(path)
        assert response.status_code == expected, (path, response.status_code)
        if expected == 302:
            assert response.headers["Location"].startswith("/members/login")
        if expected == 200:
            assert response.mimetype == "application/pdf"
            assert response.headers["Cache-Control"] == "no-store"
            assert response.headers["Content-Disposition"].startswith("attachment;")
        else:
            assert b"%PDF" not in response.data
    recorded = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert recorded == (door_list == 200) + (badges == 200)


def test_an_unknown_event_is_a_404(client, organizer):
    login(client, organizer)
    assert client.get("/events/no-such-event/door-list.pdf").status_code == 404
    assert client.get("/events/no-such-event/badges.pdf").status_code == 404
