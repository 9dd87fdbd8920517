"""Check-in at the door in Chromium, on a phone-sized window: a steward (named for the
event, not an organizer) finds people as they type, a scanner types a ticket code and
Enter, the big result shows and the count moves; the same code again says "already".

Screenshots: artifacts/screenshots/events-checkin-{phone,laptop}.png,
events-checkin-result.png, -already.png, -refused.png, -undo-button.png, -scan-phone.png,
-scan-again-phone.png (the same ticket opened again).
"""

import re

import pytest
from sqlalchemy import select

from community.checkin.models import CheckIn
from community.core.extensions import db
from community.registrations.models import Registration
from tests.browser.conftest import PHONE, assert_french, both_sizes, has_horizontal_scroll, log_in, shot
from tests.browser.test_event_journeys import add_event
from tests.checkin.checkin_support import bulk_seats, name_staff, seat

pytestmark = pytest.mark.browser


@pytest.fixture
def summit(make_member, bulk_members):
    event = add_event("Sommet OpenLLM France", 450, slug="sommet-2031")
    bulk_seats(event, bulk_members(40, "participant"))
    ada = seat(event, make_member("ada@example.net", name="Ada Lovelace", organization="Analytical Engines"))
    seat(event, make_member("grace@example.net", name="Grace Hopper", organization="Navy"))
    seat(event, guest_name="Gaston Lagaffe", guest_email="gaston@example.net", guest_organization="Spirou & Cie")
    seat(event, make_member("wanda@example.net", name="Wanda Attente"), status="waiting")
    steward = make_member("sam@example.net", name="Sam Steward")
    name_staff(event, steward)
    return event, steward, ada


def count_text(page) -> str:
    return " ".join(page.locator("[data-count]").inner_text().split())


def test_a_steward_checks_people_in_from_a_phone_by_name_tap_and_scanner_enter(browser, summit):
    event, steward, ada = summit
    page = log_in(browser, steward, f"/events/{event.slug}/checkin")
    page.set_viewport_size(PHONE)
    assert_french(page)
    box = page.locator("#checkin-q")
    assert box.evaluate("el => el === document.activeElement")  # autofocus: ready for the scanner
    assert count_text(page).startswith("0 / 43")

    # Results as you type, without pressing anything.
    box.press_sequentially("lagaf", delay=30)
    person = page.locator(".checkin-person", has_text="Gaston Lagaffe")
    person.wait_for()
    assert page.locator(".checkin-person").count() == 1
    both_sizes(page, "events-checkin")
    page.set_viewport_size(PHONE)

    # One tap: checked in, the button turns into Undo, the count moves.
    person.locator("button.checkin-go").click()
    page.locator(".checkin-result.is-checked_in").wait_for()
    page.locator(".checkin-person.is-in", has_text="Gaston Lagaffe").wait_for()
    assert count_text(page).startswith("1 / 43")

    # A scanner types the code and Enter: checked in at once, box cleared and ready again.
    box.fill("")
    box.press_sequentially(ada.ticket_code, delay=5)
    box.press("Enter")
    result = page.locator(".checkin-result.is-checked_in", has_text="Ada Lovelace")
    result.wait_for()
    assert result.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 19  # readable at arm's length
    assert "entrée validée" in result.inner_text()
    assert count_text(page).startswith("2 / 43")
    assert box.input_value() == "" and box.evaluate("el => el === document.activeElement")
    assert not has_horizontal_scroll(page)
    shot(page, "events-checkin-result")
    box.press_sequentially("lagaf", delay=30)
    page.locator(".checkin-person.is-in button.checkin-undo").wait_for()
    shot(page, "events-checkin-undo-button")
    box.fill("")

    # The same ticket again: "already", with the time and who let them in; no new row.
    box.press_sequentially(ada.ticket_code, delay=5)
    box.press("Enter")
    already = page.locator(".checkin-result.is-already")
    already.wait_for()
    assert "Ada Lovelace" in already.inner_text() and "Sam Steward" in already.inner_text()
    assert re.search(r"\b\d\d:\d\d\b", already.inner_text())
    assert count_text(page).startswith("2 / 43")
    shot(page, "events-checkin-already")

    # A waiting ticket is refused in red.
    waiting = db.session.scalar(select(Registration).where(Registration.status == "waiting"))
    box.press_sequentially(waiting.ticket_code, delay=5)
    box.press("Enter")
    page.locator(".checkin-result.is-refused", has_text="Wanda Attente").wait_for()
    shot(page, "events-checkin-refused")

    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert [(row.registration.name, row.undone_at) for row in rows] == [
        ("Gaston Lagaffe", None),
        ("Ada Lovelace", None),
    ]
    assert browser.problems == []


def test_an_organizer_phone_camera_opens_the_scan_page_and_checks_in(browser, summit, make_member):
    event, steward, ada = summit
    page = log_in(browser, steward, f"/events/checkin/{ada.ticket_code}")
    page.set_viewport_size(PHONE)
    assert page.locator(".checkin-name").inner_text() == "Ada Lovelace"
    shot(page, "events-checkin-scan-phone")
    assert not has_horizontal_scroll(page)
    page.locator("button.checkin-go").click()
    page.locator(".checkin-result.is-checked_in", has_text="Ada Lovelace").wait_for()
    page.locator(".checkin-person.is-in").wait_for()
    assert db.session.scalar(select(CheckIn.registration_id)) == ada.id

    # The same ticket scanned again (or forwarded): the warning, not the green card of a first entry.
    page.goto(f"/events/checkin/{ada.ticket_code}")
    again = page.locator(".checkin-result.is-already")
    assert "Ada Lovelace\u00a0: entrée déjà validée à" in again.inner_text()
    assert page.locator(".checkin-result.is-checked_in").count() == 0
    shot(page, "events-checkin-scan-again-phone")
    assert browser.problems == []


def test_the_door_speaks_english_to_an_english_steward(browser, summit, make_member):
    event, _steward, ada = summit
    steward = make_member("jo@example.net", name="Jo Door", language="en")
    name_staff(event, steward)
    page = log_in(browser, steward, f"/events/{event.slug}/checkin")
    assert page.locator("html").get_attribute("lang") == "en"
    box = page.locator("#checkin-q")
    for _scan in range(2):
        box.press_sequentially(ada.ticket_code, delay=5)
        box.press("Enter")
        page.locator(".checkin-result").wait_for()
    already = page.locator(".checkin-result.is-already")
    already.wait_for()
    assert "Ada Lovelace: already checked in at" in already.inner_text() and "by Jo Door" in already.inner_text()
    assert count_text(page).startswith("1 / 43")
