"""Bad input: every form answers with a message beside the field and writes
nothing; garbage in a URL is a 404, never a 500; a closed window is explained."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.registrations.models import Registration
from tests.conftest import csrf_token, login, post_form

EN = {"Accept-Language": "en"}

GOOD_EVENT = {
    "title": "Paris meetup",
    "description": "",
    "starts_at": "2031-03-10T19:00",
    "ends_at": "2031-03-10T21:00",
    "venue": "",
    "address": "",
    "online_url": "",
    "capacity": "30",
    "registration_opens_at": "",
    "registration_closes_at": "",
    "visibility": "public",
    "group_id": "",
    "waitlist_enabled": "y",
}

# (what is wrong, the fields changed, the field that must show the error, words of the message)
BAD_EVENTS = [
    ("no title", {"title": "  "}, "title", "give the event a title"),
    ("end before start", {"ends_at": "2031-03-10T18:00"}, "ends_at", "cannot end before it starts"),
    ("negative capacity", {"capacity": "-5"}, "capacity", "cannot be negative"),
    ("capacity not a number", {"capacity": "lots"}, "capacity", "integer"),
    (
        "window closing before opening",
        {"registration_opens_at": "2031-03-01T10:00", "registration_closes_at": "2031-02-01T10:00"},
        "registration_closes_at",
        "close after it opens",
    ),
    (
        "window opening after the start",
        {"registration_opens_at": "2031-03-11T10:00"},
        "registration_opens_at",
        "open before the event starts",
    ),
    ("no start", {"starts_at": ""}, "starts_at", "start date"),
    ("a date that does not exist", {"starts_at": "2031-02-30T10:00"}, "starts_at", "datetime"),
    ("group event without a group", {"visibility": "group"}, "group_id", "working group"),
    ("unknown visibility", {"visibility": "everyone"}, "visibility", "choice"),
    ("a link that is not one", {"online_url": "javascript:alert(1)"}, "online_url", "https://"),
    ("a title too long", {"title": "x" * 201}, "title", "200"),
    ("a guest hold too short", {"guest_hold_minutes": "4"}, "guest_hold_minutes", "between 5 and 1440 minutes"),
    ("a guest hold too long", {"guest_hold_minutes": "1441"}, "guest_hold_minutes", "between 5 and 1440 minutes"),
    ("a guest hold not a number", {"guest_hold_minutes": "half an hour"}, "guest_hold_minutes", "integer"),
]


def error_of(page: str, field: str) -> str:
    """The one message shown beside the field (two would repeat themselves and the element id)."""
    found = re.findall(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert len(found) == 1, f"{field}: {found}"
    return found[0]


@pytest.fixture
def organizer(client, make_member):
    member = make_member(role="organizer", language="en")
    login(client, member)
    return member


def test_a_bad_new_event_shows_each_error_beside_its_field_and_creates_nothing(client, organizer):
    token = csrf_token(client, "/events/new")
    for case, changes, field, words in BAD_EVENTS:
        response = client.post("/events/new", data=dict(GOOD_EVENT, csrf_token=token, **changes), headers=EN)
        assert response.status_code == 400, case
        page = response.get_data(as_text=True)
        assert words.lower() in error_of(page, field).lower(), case
        assert 'aria-invalid="true"' in page, case
        assert db.session.scalar(select(func.count()).select_from(Event)) == 0, case
    # The same form, corrected, goes through.
    assert client.post("/events/new", data=dict(GOOD_EVENT, csrf_token=token), headers=EN).status_code == 302


def test_the_organizer_sets_the_guest_hold_in_the_event_form_and_empty_means_the_default(client, organizer, make_event):
    event = make_event(capacity=30, created_by=organizer.id)
    edit = f"/events/{event.slug}/edit"
    token = csrf_token(client, edit)
    assert "Empty: 30 minutes." in client.get(edit, headers=EN).get_data(as_text=True)

    assert client.post(edit, data={**GOOD_EVENT, "csrf_token": token, "guest_hold_minutes": "45"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).guest_hold_minutes == 45
    assert 'value="45"' in client.get(edit).get_data(as_text=True)
    assert client.post(edit, data={**GOOD_EVENT, "csrf_token": token, "guest_hold_minutes": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event.id).guest_hold_minutes is None


def test_a_bad_edit_shows_the_error_and_leaves_the_event_as_it_was(client, organizer, make_event):
    event = make_event(capacity=30, title="Before", created_by=organizer.id)  # its organizer edits it
    edit = f"/events/{event.slug}/edit"
    token = csrf_token(client, edit)
    for case, changes, field, words in BAD_EVENTS:
        data = {**GOOD_EVENT, "csrf_token": token, "title": "After", **changes}
        response = client.post(edit, data=data, headers=EN)
        assert response.status_code == 400, case
        assert words.lower() in error_of(response.get_data(as_text=True), field).lower(), case
        db.session.expire_all()
        fresh = db.session.get(Event, event.id)
        assert (fresh.title, fresh.capacity) == ("Before", 30), case


BAD_GUESTS = [
    ("no name", {"name": ""}, "name", "your name"),
    ("blank name", {"name": "   "}, "name", "your name"),
    ("malformed email", {"email": "ada(at)example.net"}, "email", "not valid"),
    ("email without a domain", {"email": "ada@localhost"}, "email", "not valid"),
    ("no email", {"email": ""}, "email", "email address"),
    ("a name too long", {"name": "A" * 121}, "name", "120"),
]


def test_a_bad_guest_registration_shows_each_error_and_holds_no_seat(client, make_event):
    event = make_event(capacity=10)
    path = f"/events/{event.slug}/guest"
    token = csrf_token(client, path)
    good = {"name": "Ada Lovelace", "email": "ada@example.net", "organization": "", "csrf_token": token}
    for case, changes, field, words in BAD_GUESTS:
        response = client.post(path, data=dict(good, **changes), headers=EN)
        assert response.status_code == 400, case
        page = response.get_data(as_text=True)
        assert words.lower() in error_of(page, field).lower(), case
        if field != "name":
            assert 'value="Ada Lovelace"' in page, case  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert db.session.get(Event, event.id).confirmed_count == 0


def test_garbage_in_urls_is_not_found_never_a_server_error(client, make_member, make_event):
    event = make_event(capacity=10)
    login(client, make_member(role="admin"))
    garbage = ["%00", "a%00b", "x" * 300, "%C3%A9v%C3%A9nement", "..%2F..%2Fetc", "%FF%FE", "'%20OR%201=1--"]
    for slug in garbage:
        for suffix in ("", "/calendar.ics", "/guest", "/edit"):
            assert client.get(f"/events/{slug}{suffix}").status_code == 404, (slug, suffix)
        for suffix in ("/register", "/leave", "/publish", "/cancel"):
            assert post_form(client, f"/events/{slug}{suffix}").status_code == 404, (slug, suffix)
    for registration_id in ("abc", "-1", "1.5", "99999999999999999999", "0"):
        assert client.get(f"/events/{event.slug}/registrations/{registration_id}/cancel").status_code == 404, (
            registration_id
        )
    for token in ("garbage", "a.b.c", "%00", "x" * 500):
        for path in (
            f"/events/tickets/{token}",
            f"/events/registrations/{token}/cancel",
            f"/events/registrations/{token}/confirm",
        ):
            assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("window", ["closed", "not open yet"])
def test_registering_outside_the_window_is_refused_with_a_clear_message(client, make_member, make_event, window):
    now = utcnow()
    if window == "closed":
        event = make_event(capacity=10, registration_closes_at=now - timedelta(hours=1))
        words = "Registration closed on"
    else:
        event = make_event(capacity=10, registration_opens_at=now + timedelta(days=2))
        words = "Registration opens on"

    guest_page = f"/events/{event.slug}/guest"
    response = post_form(
        client, guest_page, {"name": "Ada", "email": "ada@example.net"}, token_from=guest_page, headers=EN
    )
    assert words in response.get_data(as_text=True)

    login(client, make_member(language="en"))
    response = post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}", headers=EN)
    assert response.status_code == 302
    assert words in client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert db.session.get(Event, event.id).confirmed_count == 0


def test_nul_bytes_in_a_form_are_dropped_not_a_server_error(client, make_event):
    # PostgreSQL refuses NUL in text: a pasted or forged one must not turn into a 500.
    event = make_event(capacity=10)
    path = f"/events/{event.slug}/guest"
    response = post_form(
        client, path, {"name": "Ada\x00 Lovelace", "email": "ada@example.net", "organization": "\x00"}, token_from=path
    )
    assert response.status_code == 302
    assert db.session.scalars(select(Registration.guest_name)).one() == "Ada Lovelace"


def test_leaving_from_my_registrations_goes_back_there_but_never_off_site(client, make_member, make_event):
    event = make_event(capacity=5)
    login(client, make_member())
    for target, landing in (
        ("/events/mine", "/events/mine"),
        ("//evil.example/x", f"/events/{event.slug}"),
        ("https://evil.example/", f"/events/{event.slug}"),
    ):
        post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
        asked = client.get(f"/events/{event.slug}/leave", query_string={"next": target}).get_data(as_text=True)
        assert f'<a class="button secondary" href="{landing}">' in asked, target  # "No, keep it"
        assert 'href="//evil' not in asked and 'href="https://evil' not in asked, target
        response = post_form(client, f"/events/{event.slug}/leave", {"next": target}, token_from="/events/mine")
        assert response.headers["Location"] == landing, target
