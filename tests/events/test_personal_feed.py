"""A member's own calendar feed at a secret address: the events they registered for or wait
for, none else; a new address ends the old one; polled cheaply (ETag, 304)."""

from icalendar import Calendar

from community.core.extensions import db
from community.members import calendar_link
from community.registrations import services
from tests.conftest import login, post_form


def feed_path(member) -> str:
    return f"/events/calendar/{member.id}/{calendar_link.signature(member)}.ics"


def test_the_personal_feed_lists_my_events_and_a_new_address_ends_the_old(client, make_member, make_event):
    camille, other = make_member("camille@example.org"), make_member("other@example.org")
    seated, waiting = make_event(title="Sommet", capacity=1), make_event(title="Atelier", capacity=1)
    make_event(title="Meetup")  # not hers
    members_only = make_event(title="Réunion interne", visibility="members", capacity=5)
    services.register_member(seated, camille)
    services.register_member(waiting, other)
    services.register_member(waiting, camille)  # on the waiting list
    services.register_member(members_only, camille)
    db.session.commit()

    response = client.get(feed_path(camille))
    calendar = Calendar.from_ical(response.data)
    assert sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT")) == ["Atelier", "Réunion interne", "Sommet"]
    assert client.get(feed_path(camille), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get(f"/events/calendar/{camille.id}/{'0' * 32}.ics").status_code == 404
    assert client.get(f"/events/calendar/{other.id}/{calendar_link.signature(camille)}.ics").status_code == 404

    # Her profile shows the address; a new one ends the old.
    old = feed_path(camille)
    login(client, camille)
    assert old in client.get("/members/profile").get_data(as_text=True)
    response = post_form(client, "/members/calendar/reset", token_from="/members/profile")
    assert response.status_code == 302 and response.location.endswith("/members/profile#calendar")
    db.session.refresh(camille)
    assert client.get(old).status_code == 404
    assert client.get(feed_path(camille)).status_code == 200
    assert feed_path(camille) in client.get("/members/profile").get_data(as_text=True)
