"""Organizers see the seats held for guests who have not confirmed, apart, and release
them all in one confirmed click: audited, the waiting list moves, the addresses wait
before holding again. Nobody else may."""

import pytest
from sqlalchemy import func, select

from community.core.audit import AuditEntry
from community.core.extensions import db
from community.dashboard import services as dashboard_services
from community.events.models import Event
from community.registrations import services
from community.registrations.errors import RegistrationRefused
from community.registrations.models import Registration
from tests.conftest import login, post_form
from tests.factories import assert_invariants


@pytest.fixture
def held_event(make_event, make_member):
    """Capacity 2, both seats held for guests who have not confirmed, a member waiting."""
    organizer = make_member("orga@example.org", role="organizer", language="en")
    event = make_event(capacity=2, created_by=organizer.id, title="Atelier")
    for n, address in ((1, "203.0.113.7"), (2, "203.0.113.8")):
        services.register_guest(event, name=f"Bot Guest {n}", email=f"bot{n}@example.net", client=address)
    waiting = make_member("waiting@example.org", name="Wanda Waiting")
    services.register_member(db.session.get(Event, event.id), waiting)
    db.session.commit()
    return event, organizer, waiting


def snapshot(event_id):
    db.session.expire_all()
    rows = db.session.execute(
        select(Registration.id, Registration.status).where(Registration.event_id == event_id).order_by(Registration.id)
    ).all()
    return rows, db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_the_organizer_sees_the_holds_and_releases_them_all_in_one_confirmed_click(
    client, held_event, deliver, mailbox
):
    event, organizer, waiting = held_event
    login(client, organizer)
    deliver()
    mailbox.clear()

    dashboard = client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    section = dashboard[dashboard.index('id="holds"') :]
    assert "Bot Guest 1" in section and "bot2@example.net" in section and "Held until" in section
    release = f"/events/{event.slug}/dashboard/holds/release"
    assert f'href="{release}"' in section
    confirm = client.get(release).get_data(as_text=True)
    assert "2 guests who have not confirmed" in confirm and "bot1@example.net" in confirm
    assert snapshot(event.id)[0][0][1] == "held"  # the GET changes nothing

    response = post_form(client, release, token_from=release)

    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/events/{event.slug}/dashboard#holds"
    )
    assert "2 held seats released." in client.get(response.headers["Location"]).get_data(as_text=True)
    rows, _audits = snapshot(event.id)
    assert [status for _id, status in rows] == ["cancelled", "cancelled", "confirmed"]
    assert_invariants(event.id)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.holds_released")).one()
    assert entry.actor_id == organizer.id and entry.event_id == event.id
    assert sorted(entry.changes["released"]) == [rows[0][0], rows[1][0]]
    (mail,) = deliver(expect=1)  # the promoted member; the released addresses get nothing
    assert mail["To"].addresses[0].addr_spec == "waiting@example.org"
    # A released address waits before holding again.
    with pytest.raises(RegistrationRefused):
        services.register_guest(db.session.get(Event, event.id), name="Bot", email="bot1@example.net")
    db.session.rollback()


@pytest.mark.parametrize("who", ["steward", "member", "organizer elsewhere"])
def test_only_the_event_s_organizers_and_admins_release_holds(client, held_event, make_member, make_event, who):
    event, organizer, _waiting = held_event
    person = make_member(role="organizer" if who == "organizer elsewhere" else "member")
    if who == "steward":
        dashboard_services.name_staff(organizer, event, person.email, "steward")
        db.session.commit()
    if who == "organizer elsewhere":
        make_event(created_by=person.id)
    before = snapshot(event.id)
    login(client, person)
    release = f"/events/{event.slug}/dashboard/holds/release"

    assert client.get(release).status_code in (403, 404)
    assert post_form(client, release).status_code in (403, 404)
    assert snapshot(event.id) == before


def test_releasing_holds_without_the_csrf_token_is_refused(client, held_event):
    event, organizer, _waiting = held_event
    login(client, organizer)
    before = snapshot(event.id)

    response = client.post(f"/events/{event.slug}/dashboard/holds/release")

    assert response.status_code == 400 and snapshot(event.id) == before


def test_an_admin_releases_holds_and_nothing_held_says_so(client, held_event, make_member):
    event, _organizer, _waiting = held_event
    login(client, make_member(role="admin", language="en"))
    release = f"/events/{event.slug}/dashboard/holds/release"
    assert post_form(client, release, token_from=release).status_code == 302
    assert "No seat is held unconfirmed." in client.get(release).get_data(as_text=True)
    assert post_form(client, release, token_from=f"/events/{event.slug}/dashboard").status_code == 302
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "event.holds_released")) == 2
