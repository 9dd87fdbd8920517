"""Check-in at the door: the rules (who comes in, double scans, refusals, undo),
the search a steward types into, the door page with and without its script, and
the scan URL the ticket's QR code holds."""

import re
from datetime import UTC, datetime

import pytest
import segno
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from community.checkin import queries as door_queries
from community.checkin import services as checkin
from community.checkin.models import CheckIn
from community.checkin.services import Outcome, Refusal
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.events.models import Event, StaffRole
from community.mail.outbox import external_url
from community.registrations import mails as notify
from tests.checkin.checkin_support import bulk_seats, name_staff, seat
from tests.conftest import csrf_token, login, post_form, without_csrf_tokens
from tests.querycount import count_queries

JSON = {"Accept": "application/json"}


def english(message) -> str:
    """A service's message (a lazy string) as an English reader sees it."""
    with current_app.test_request_context(), force_locale("en"):
        return str(message)


def rows_for(registration_id):
    return db.session.scalars(
        select(CheckIn).where(CheckIn.registration_id == registration_id).order_by(CheckIn.id)
    ).all()


def all_check_ins():
    return db.session.scalar(select(func.count()).select_from(CheckIn))


def active_check_ins():
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_(None)))


@pytest.fixture
def door(make_event, make_member):
    """An event with a steward (named for it, not an organizer) and people of every kind."""
    event = make_event(title="Summit")
    steward = make_member("alice@example.org", name="Alice", language="en")
    name_staff(event, steward)
    elodie = make_member("elodie@example.org", name="Élodie Müller", organization="Données Ouvertes")
    waiting = make_member("wait@example.org", name="Walter Waiting")
    gone = make_member("gone@example.org", name="Carla Cancelled")
    people = {
        "elodie": seat(event, elodie),
        "guest": seat(event, guest_name="Gaston Guest", guest_email="gaston@example.org", guest_organization="ACME"),
        "waiting": seat(event, waiting, status="waiting"),
        "held": seat(event, guest_name="Hélène Held", guest_email="helene@example.org", status="held"),
        "cancelled": seat(event, gone, status="cancelled"),
    }
    return event, steward, people


# ------------------------------------------------------------------ the rules


def test_a_confirmed_ticket_checks_in_with_who_when_and_gate(app, door):
    event, steward, people = door
    result = checkin.check_in(steward, event, people["elodie"].ticket_code, gate="North door")
    db.session.commit()

    assert result.outcome == Outcome.CHECKED_IN
    assert english(result.message) == "Élodie Müller is checked in."
    [row] = rows_for(people["elodie"].id)
    assert (row.checked_in_by, row.gate, row.event_id, row.undone_at) == (steward.id, "North door", event.id, None)
    assert door_queries.live_count(event) == (1, 2)  # Élodie of two confirmed (the guest)


def test_a_second_scan_says_when_and_by_whom_and_adds_no_row(app, door, make_member):
    event, steward, people = door
    bob = make_member("bob@example.org", name="Bob")
    name_staff(event, bob)
    first = checkin.check_in(steward, event, people["guest"])
    first.check_in.checked_in_at = datetime(2026, 6, 4, 7, 12, tzinfo=UTC)  # 09:12 in Paris
    db.session.commit()

    again = checkin.check_in(bob, event, people["guest"].ticket_code)
    db.session.commit()

    assert again.outcome == Outcome.ALREADY
    assert english(again.message) == "Gaston Guest: already checked in at 09:12 by Alice."
    assert len(rows_for(people["guest"].id)) == 1


@pytest.mark.parametrize(
    "who, reason, words",
    [
        ("waiting", Refusal.WAITING, ["Walter Waiting", "waiting list"]),
        ("held", Refusal.HELD, ["Hélène Held", "not confirmed"]),
        ("cancelled", Refusal.CANCELLED, ["Carla Cancelled", "cancelled"]),
    ],
)
def test_a_ticket_without_a_seat_is_refused_by_name_and_leaves_no_row(app, door, who, reason, words):
    event, steward, people = door
    result = checkin.check_in(steward, event, people[who].ticket_code)
    db.session.commit()

    assert (result.outcome, result.refusal) == (Outcome.REFUSED, reason)
    assert english(result.message).startswith("Not admitted")
    for word in words:
        assert word in english(result.message)
    assert all_check_ins() == 0


def test_unknown_codes_and_other_events_tickets_are_refused_without_naming_anyone(app, door, make_event, make_member):
    event, steward, _people = door
    elsewhere = make_event(title="Other meetup")
    stranger = seat(elsewhere, make_member("zoe@example.org", name="Zoé Secret"))

    unknown = checkin.check_in(steward, event, "AAAAAAAAAAAAAAAA")
    other = checkin.check_in(steward, event, stranger.ticket_code)
    scanned_other = checkin.check_in(steward, event, external_url("checkin.scan", code=stranger.ticket_code))
    db.session.commit()

    assert (unknown.outcome, unknown.refusal, english(unknown.message)) == (
        Outcome.REFUSED,
        Refusal.UNKNOWN,
        "Unknown ticket: no registration has this code.",
    )
    for result in (other, scanned_other):
        assert (result.outcome, result.refusal) == (Outcome.REFUSED, Refusal.OTHER_EVENT)
        assert english(result.message) == "Not admitted: this ticket is for another event."
        assert result.registration is None
    assert all_check_ins() == 0


def test_undo_then_check_in_again_keeps_both_rows_and_the_undo_is_audited(app, door):
    event, steward, people = door
    elodie = people["elodie"]
    first = checkin.check_in(steward, event, elodie).check_in
    db.session.commit()

    checkin.undo(steward, first)
    db.session.commit()
    assert door_queries.live_count(event) == (0, 2)
    with pytest.raises(checkin.NotCheckedIn):  # a second tap on a stale Undo button
        checkin.undo(steward, first)
    db.session.rollback()
    again = checkin.check_in(steward, event, elodie)
    db.session.commit()

    assert again.outcome == Outcome.CHECKED_IN
    old, new = rows_for(elodie.id)
    assert old.undone_by == steward.id and old.undone_at is not None
    assert new.undone_at is None and new.id == again.check_in.id
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id, entry.event_id) == (
        "checkin.undone",
        steward.id,
        "check_in",
        old.id,
        event.id,
    )
    assert entry.changes == {"registration_id": elodie.id}


def test_a_person_let_in_cannot_cancel_from_the_mail_until_an_organizer_undoes_the_check_in(
    app, client, door, make_member
):
    event, steward, people = door
    elodie = people["elodie"]
    checkin.check_in(steward, event, elodie)
    db.session.commit()
    link = f"/events/registrations/{notify.access_token(elodie)}/cancel"
    seats_before = db.session.get(Event, event.id).confirmed_count

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    post_form(client, link, token_from=link)

    page = client.get(link).get_data(as_text=True)
    assert "it can no longer be cancelled" in page
    db.session.refresh(elodie)
    assert elodie.status == "confirmed" and active_check_ins() == 1
    assert db.session.get(Event, event.id).confirmed_count == seats_before
    # The organizer's way out: undo the check-in (a scan by mistake), then the cancellation goes through.
    checkin.undo(steward, rows_for(elodie.id)[0])
    db.session.commit()
    post_form(client, link, token_from=link)
    db.session.refresh(elodie)
    assert elodie.status == "cancelled" and active_check_ins() == 0


# ------------------------------------------------------------------ search


@pytest.mark.parametrize("query", ["elodie", "MULLER", "müller élodie", "elodie@example", "donnees ouv", "Données"])
def test_search_finds_a_member_by_name_email_or_organization_whatever_the_case_and_accents(app, door, query):
    event, _steward, people = door
    assert [m.registration.id for m in door_queries.find(event, query)] == [people["elodie"].id]


def test_search_finds_guests_by_their_own_fields_and_tickets_by_code_or_scanned_url(app, door):
    event, _steward, people = door
    guest = people["guest"]
    assert [m.registration.id for m in door_queries.find(event, "acme")] == [guest.id]
    assert [m.registration.id for m in door_queries.find(event, "gaston@")] == [guest.id]
    assert [m.registration.id for m in door_queries.find(event, guest.ticket_code)] == [guest.id]
    url = external_url("checkin.scan", code=guest.ticket_code)
    assert [m.registration.id for m in door_queries.find(event, f"  {url}\n")] == [guest.id]
    # A code is matched exactly, never as a substring, and a URL of nothing finds nothing.
    assert door_queries.find(event, guest.ticket_code[:8]) == []
    assert door_queries.find(event, "http://community.test/events/checkin/nothing") == []
    assert door_queries.find(event, "") == []
    assert door_queries.find(event, "%") == []


def test_search_results_carry_their_check_in_and_refusal(app, door):
    event, steward, people = door
    checkin.check_in(steward, event, people["elodie"], gate="Gate B")
    db.session.commit()
    found = {m.registration.id: m for m in door_queries.find(event, "e")}  # everyone has an e somewhere
    assert found[people["elodie"].id].check_in.gate == "Gate B"
    assert found[people["elodie"].id].steward_name == "Alice"
    assert found[people["guest"].id].check_in is None
    assert found[people["waiting"].id].refusal == Refusal.WAITING
    # Confirmed people come first.
    assert [m.registration.status for m in door_queries.find(event, "e")][:2] == ["confirmed", "confirmed"]


def test_search_and_the_door_page_run_the_same_number_of_queries_for_10_and_450(
    app, client, make_event, make_member, bulk_members
):
    event = make_event()
    steward = make_member("alice@example.org", name="Alice")
    name_staff(event, steward)
    login(client, steward)
    counts = {}
    for size, prefix in ((10, "small"), (450, "large")):
        ids = bulk_members(size, prefix)
        codes = bulk_seats(event, ids)
        for code in codes[::3]:
            checkin.check_in(steward, event, code)
        db.session.commit()
        db.session.refresh(event)
        page_path, search_path = (
            f"/events/{event.slug}/checkin?q={prefix}",
            f"/events/{event.slug}/checkin/search?q={prefix}",
        )
        with count_queries(db.engine) as in_find:
            found = door_queries.find(event, prefix)
        with count_queries(db.engine) as on_page:
            page = client.get(page_path)
        with count_queries(db.engine) as as_json:
            data = client.get(search_path, headers=JSON).get_json()
        assert page.status_code == 200
        assert len(found) == min(size, 20)
        assert data["html"].count('class="checkin-person') == min(size, 20)
        counts[size] = (len(in_find), len(on_page), len(as_json))
    assert counts[10] == counts[450], counts
    assert counts[10][0] == 1, counts
    print(f"\n{db.engine.dialect.name}: queries (find, page, json search) = {counts[10]} at 10 and 450")


# ------------------------------------------------------------------ the door page


@pytest.fixture
def at_the_door(client, door):
    event, steward, people = door
    login(client, steward)
    return client, event, steward, people


def test_the_page_shows_the_count_and_search_results_without_script(at_the_door):
    client, event, steward, people = at_the_door
    page = client.get(f"/events/{event.slug}/checkin?q=elodie").get_data(as_text=True)
    assert "data-checked-in>0</strong> / <span data-confirmed>2</span>" in page
    assert "Élodie Müller" in page and "Gaston" not in page
    assert f'action="/events/{event.slug}/checkin/{people["elodie"].id}"' in page
    assert 'name="q"' in page and "autofocus" in page
    assert '<script src="/static/checkin.js" defer></script>' in page


def test_a_form_check_in_redirects_back_and_shows_the_result_once(at_the_door):
    client, event, steward, people = at_the_door
    back = f"/events/{event.slug}/checkin?q=elodie"
    response = post_form(client, f"/events/{event.slug}/checkin/{people['elodie'].id}", {"next": back}, token_from=back)
    assert response.status_code == 302 and response.headers["Location"] == back

    page = client.get(back).get_data(as_text=True)
    assert 'class="checkin-result is-checked_in"' in page and "Élodie Müller is checked in." in page
    assert f'action="/events/{event.slug}/checkin/{people["elodie"].id}/undo"' in page
    assert "Checked in at" in page and "by Alice" in page
    assert "is checked in." not in client.get(back).get_data(as_text=True)  # shown once
    assert len(rows_for(people["elodie"].id)) == 1


def test_the_script_gets_json_with_the_outcome_and_the_count(at_the_door):
    client, event, steward, people = at_the_door
    token = csrf_token(client, f"/events/{event.slug}/checkin")
    path = f"/events/{event.slug}/checkin/{people['guest'].id}"
    first = client.post(path, headers={**JSON, "X-CSRFToken": token}).get_json()
    second = client.post(path, headers={**JSON, "X-CSRFToken": token}).get_json()
    undone = client.post(path + "/undo", headers={**JSON, "X-CSRFToken": token}).get_json()

    assert first == {"outcome": "checked_in", "message": "Gaston Guest is checked in.", "checked_in": 1, "confirmed": 2}
    assert second["outcome"] == "already" and "already checked in at" in second["message"]
    assert undone == {
        "outcome": "undone",
        "message": "Check-in of Gaston Guest undone.",
        "checked_in": 0,
        "confirmed": 2,
    }
    assert [row.undone_by for row in rows_for(people["guest"].id)] == [steward.id]


def test_a_post_without_its_csrf_token_changes_nothing(at_the_door):
    client, event, _steward, people = at_the_door
    response = client.post(f"/events/{event.slug}/checkin/{people['elodie'].id}", headers=JSON)
    assert response.status_code == 400
    assert all_check_ins() == 0


def test_enter_checks_in_a_code_or_a_scanned_url_and_only_searches_for_a_name(at_the_door):
    client, event, _steward, people = at_the_door
    headers = {**JSON, "X-CSRFToken": csrf_token(client, f"/events/{event.slug}/checkin")}
    enter = f"/events/{event.slug}/checkin/enter"

    by_code = client.post(enter, data={"q": people["elodie"].ticket_code}, headers=headers).get_json()
    by_url = client.post(
        enter, data={"q": external_url("checkin.scan", code=people["guest"].ticket_code)}, headers=headers
    ).get_json()
    by_name = client.post(enter, data={"q": "Walter"}, headers=headers).get_json()
    waiting = client.post(enter, data={"q": people["waiting"].ticket_code}, headers=headers).get_json()
    unknown = client.post(enter, data={"q": "ZZZZZZZZZZZZZZZZ"}, headers=headers).get_json()

    assert (by_code["outcome"], by_code["checked_in"]) == ("checked_in", 1)
    assert (by_url["outcome"], by_url["checked_in"]) == ("checked_in", 2)
    assert by_name == {"outcome": "search"}
    assert waiting["outcome"] == "refused" and "waiting list" in waiting["message"]
    assert unknown["outcome"] == "refused" and unknown["message"].startswith("Unknown ticket")
    assert all_check_ins() == 2


def test_the_gate_name_is_remembered_and_written_on_each_check_in(at_the_door):
    client, event, _steward, people = at_the_door
    page = f"/events/{event.slug}/checkin"
    post_form(client, f"{page}/gate", {"gate": "  North   door  ", "next": page}, token_from=page)
    assert 'value="North door"' in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/{people['elodie'].id}", {}, token_from=page)
    assert rows_for(people["elodie"].id)[0].gate == "North door"


def test_a_registration_of_another_event_is_not_found_by_id(at_the_door, make_event, make_member):
    client, event, _steward, _people = at_the_door
    far = seat(make_event(), make_member("far@example.org"))
    page = f"/events/{event.slug}/checkin"
    assert post_form(client, f"{page}/{far.id}", {}, token_from=page).status_code == 404
    assert post_form(client, f"{page}/{far.id}/undo", {}, token_from=page).status_code == 404
    assert post_form(client, f"{page}/{2**40}", {}, token_from=page).status_code == 404
    assert all_check_ins() == 0


# ------------------------------------------------------------------ who may use the check-in routes

WHO = ["anonymous", "member", "steward", "steward_elsewhere", "organizer_elsewhere", "organizer", "admin"]
# steward_required: login page, else 403 for anyone not staff of this event.
STAFF_ONLY = dict(zip(WHO, ["login", 403, 200, 403, 403, 200, 200]))


@pytest.fixture
def cast(door, make_event, make_member):
    event, steward, people = door
    elsewhere = make_event()
    organizer = make_member("orga@example.org", role="organizer")
    name_staff(event, organizer, StaffRole.ORGANIZER)
    steward_elsewhere = make_member("sw@example.org")
    name_staff(elsewhere, steward_elsewhere)
    organizer_elsewhere = make_member("ow@example.org", role="organizer")
    name_staff(elsewhere, organizer_elsewhere, StaffRole.ORGANIZER)
    return (
        event,
        people,
        {
            "anonymous": None,
            "member": make_member("plain@example.org"),
            "steward": steward,
            "steward_elsewhere": steward_elsewhere,
            "organizer_elsewhere": organizer_elsewhere,
            "organizer": organizer,
            "admin": make_member("admin@example.org", role="admin"),
        },
    )


def door_routes(event, people):
    page = f"/events/{event.slug}/checkin"
    rid = people["elodie"].id
    return {
        ("checkin.page", "GET"): (page + "?q=elodie", None),
        ("checkin.search", "GET"): (page + "/search?q=elodie", None),
        ("checkin.count", "GET"): (page + "/count", None),
        ("checkin.check_in", "POST"): (f"{page}/{rid}", {}),
        ("checkin.undo", "POST"): (f"{page}/{rid}/undo", {}),
        ("checkin.enter", "POST"): (page + "/enter", {"q": people["elodie"].ticket_code}),
        ("checkin.gate", "POST"): (page + "/gate", {"gate": "A"}),
    }


def test_every_check_in_route_is_in_the_matrix(app, door):
    event, _steward, people = door
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("checkin.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(door_routes(event, people)) | {("checkin.scan", "GET")}
    assert all(hasattr(app.view_functions[endpoint], "access") for endpoint, _method in routes)


@pytest.mark.parametrize("who", WHO)
def test_only_the_events_staff_and_admins_reach_the_door(client, cast, who):
    event, people, members = cast
    if members[who] is not None:
        login(client, members[who])
    token = csrf_token(client, "/")
    for (endpoint, method), (path, data) in door_routes(event, people).items():
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={**data, "csrf_token": token})
        expected = STAFF_ONLY[who]
        if expected == "login":
            assert response.status_code == 302 and "/members/login" in response.headers["Location"], endpoint
        elif expected == 200 and method == "POST":
            assert response.status_code == 302 and "/members/" not in response.headers["Location"], endpoint
        else:
            assert response.status_code == expected, (endpoint, response.status_code)
        if expected != 200:
            assert "Élodie" not in response.get_data(as_text=True), endpoint
    # Staff checked in, undid, then checked in again by Enter: two rows, one standing.
    refused = STAFF_ONLY[who] != 200
    assert (all_check_ins(), active_check_ins()) == ((0, 0) if refused else (2, 1))


# ------------------------------------------------------------------ the scan URL in the QR code


def test_the_ticket_qr_code_holds_the_scan_url_and_the_code_stays_readable(client, door):
    from community.registrations import mails as notify

    _event, _steward, people = door
    registration = people["elodie"]
    page = client.get(f"/events/tickets/{notify.access_token(registration)}").get_data(as_text=True)
    url = external_url("checkin.scan", code=registration.ticket_code)
    assert url == f"http://community.test/events/checkin/{registration.ticket_code}"
    modules = re.compile(r' d="(M[^"]+)"')
    expected = segno.make(url, error="m").svg_inline(omitsize=True, light="#fff")
    assert modules.findall(expected)[-1] in modules.findall(page)
    assert f"<code>{registration.ticket_code}</code>" in page


def test_staff_opening_the_scan_url_see_the_person_and_one_button_and_a_get_changes_nothing(app, cast):
    event, people, members = cast
    scan = f"/events/checkin/{people['elodie'].ticket_code}"
    for who in ("steward", "organizer", "admin"):
        client = app.test_client()
        login(client, members[who])
        page = client.get(scan).get_data(as_text=True)
        assert "Élodie Müller" in page and "Données Ouvertes" in page, who
        assert f'action="/events/{event.slug}/checkin/{people["elodie"].id}"' in page, who
        assert all_check_ins() == 0, who

    response = post_form(client, f"/events/{event.slug}/checkin/{people['elodie'].id}", {"next": scan}, token_from=scan)
    assert response.headers["Location"] == scan
    after = client.get(scan).get_data(as_text=True)
    assert "Élodie Müller\u00a0: entrée validée." in after and "/undo" in after
    assert 'class="checkin-result is-checked_in"' in after
    assert all_check_ins() == 1

    # Opened again (a second scan, a forwarded ticket): not the green card of a first entry, but
    # the warning of a repeat, with when and by whom; still one check-in.
    again = client.get(scan).get_data(as_text=True)
    assert 'class="checkin-result is-already"' in again and "is-checked_in" not in again
    steward = members["admin"].display_name
    assert re.search(rf"Élodie Müller\u00a0: entrée déjà validée à \d\d:\d\d par {re.escape(steward)}", again), again
    assert all_check_ins() == 1


def test_the_scan_url_of_a_ticket_without_a_seat_shows_why_and_no_button(client, cast):
    event, people, members = cast
    login(client, members["steward"])
    page = client.get(f"/events/checkin/{people['waiting'].ticket_code}").get_data(as_text=True)
    assert "Not admitted: Walter Waiting is on the waiting list" in page
    assert f'action="/events/{event.slug}/checkin/{people["waiting"].id}"' not in page


@pytest.mark.parametrize("who", ["member", "steward_elsewhere", "organizer_elsewhere", "attendee"])
def test_anyone_else_gets_the_same_404_as_for_an_unknown_code(client, cast, make_member, who):
    _event, people, members = cast
    if who == "attendee":  # the ticket's own holder, phone scanning their own QR
        login(client, "elodie@example.org")
    else:
        login(client, members[who])
    own = client.get(f"/events/checkin/{people['elodie'].ticket_code}")
    unknown = client.get("/events/checkin/AAAAAAAAAAAAAAAA")
    assert own.status_code == unknown.status_code == 404
    assert "Données" not in own.get_data(as_text=True)  # (the attendee's own name is in the header)
    code = people["elodie"].ticket_code
    assert without_csrf_tokens(own.get_data(as_text=True).replace(code, "AAAAAAAAAAAAAAAA")) == without_csrf_tokens(
        unknown.get_data(as_text=True)
    )


def test_an_anonymous_visitor_is_sent_to_log_in_and_shown_nothing(client, door):
    _event, _steward, people = door
    response = client.get(f"/events/checkin/{people['elodie'].ticket_code}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/members/login")
    assert "Élodie" not in response.get_data(as_text=True)
    assert all_check_ins() == 0


def test_bad_input_gets_an_answer_never_a_500_and_changes_nothing(at_the_door):
    client, event, _steward, people = at_the_door
    page = f"/events/{event.slug}/checkin"
    headers = {**JSON, "X-CSRFToken": csrf_token(client, page)}
    for q in ("a\x00b", "x" * 10_000, "%_\\", "http://", "https://evil.example/checkin/\x00", "\t\r\n"):
        assert client.get(page, query_string={"q": q}).status_code == 200, q
        assert client.get(page + "/search", query_string={"q": q}, headers=JSON).status_code == 200, q
        answer = client.post(page + "/enter", data={"q": q}, headers=headers)
        assert answer.status_code == 200 and answer.get_json()["outcome"] in ("search", "refused"), q
    client.post(page + "/gate", data={"gate": "Door\x00 1\n" + "x" * 500}, headers=headers)
    assert client.get(page + "/search?q=nobody").status_code == 200
    post_form(client, f"{page}/{people['elodie'].id}", {}, token_from=page)
    gate = rows_for(people["elodie"].id)[0].gate
    assert gate.startswith("Door 1 xxx") and len(gate) == 80
    assert client.get("/events/checkin/" + "A" * 17).status_code == 404
    assert client.get("/events/no-such-event/checkin").status_code == 404
    assert active_check_ins() == 1
