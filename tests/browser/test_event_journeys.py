"""Event journeys in Chromium, in French (the default language):

- a guest registers to the 450-seat summit, confirms from the mail and shows the QR ticket;
- a member joins the waiting list of a full event, the other attendee cancels from
  "My registrations", the first gets the seat and the mail;
- an organizer fills the event form (with a mistake first).

Each page is shot at phone and laptop size into artifacts/screenshots/events-*.png.
"""

import re

import pytest
from icalendar import Calendar
from sqlalchemy import select

from community.core.clock import as_utc, clock_time
from community.core.extensions import db
from community.events.models import Event
from community.registrations import services
from community.registrations.models import Registration
from tests.browser.conftest import assert_french, both_sizes, follow, log_in, submit, visit
from tests.conftest import links_in, mail_text
from tests.factories import days_from_now, published_event

pytestmark = pytest.mark.browser


def add_event(title, capacity, *, days=30, slug=None, **fields):
    """A day of talks at Station F, published, `days` from now at 07:30 UTC."""
    fields = {
        "venue": "Station F",
        "address": "5 parvis Alan Turing, 75013 Paris",
        "description": "Une journée de conférences et d'ateliers sur les modèles de langage ouverts.",
        **fields,
    }
    slug = slug or title.lower().replace(" ", "-")
    return published_event(
        slug, title=title, starts_at=days_from_now(days, 7, 30), hours=9, capacity=capacity, **fields
    )


def unexpected(browser, *refused_forms):
    """Console errors and CSP violations, minus the 400 answers to forms the journey got wrong on purpose."""
    expected = {
        f"{browser.base_url}{path}: Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
        for path in refused_forms
    }
    return [problem for problem in browser.problems if problem not in expected]


def ics_of(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    return Calendar.from_ical(content if isinstance(content, (str, bytes)) else bytes(content))


def test_a_guest_registers_to_the_summit_confirms_from_the_mail_and_shows_the_qr_ticket(
    browser, deliver, mailbox, live_server
):
    summit = add_event("Sommet OpenLLM France", 450, slug="sommet-2031")
    add_event("Meetup évaluation", 40, days=12, slug="meetup-evaluation", venue="La Cantine", address="Paris")
    page = visit(browser, "/events/")
    assert page.locator("h1").inner_text() == "Événements"
    both_sizes(page, "events-list")

    follow(page, f"/events/{summit.slug}")
    assert "450 places restantes" in page.locator(".seats").inner_text()
    both_sizes(page, "events-detail-seats-left")

    follow(page, f"/events/{summit.slug}/guest", within="#registration")
    assert_french(page)
    # A first try with a typo in the address: an inline message, no seat taken.
    page.fill("input[name=name]", "Ada Lovelace")
    page.fill("input[name=email]", "ada(at)example.net")
    page.click("main form button[type=submit]")
    page.locator("#email-error").wait_for(state="visible")  # the form comes back with the error
    assert page.input_value("input[name=name]") == "Ada Lovelace"
    assert db.session.scalar(select(Registration)) is None
    both_sizes(page, "events-guest-form-errors")

    page.fill("input[name=email]", "ada@example.net")
    page.fill("input[name=organization]", "Analytical Engines")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}")
    assert "ada@example.net" in page.locator(".flash-success").inner_text()
    registration = db.session.scalar(select(Registration))
    assert (registration.status, registration.guest_organization) == ("held", "Analytical Engines")
    # The event's box says where the guest stands, not "Register" again as if nothing happened.
    box = page.locator("#registration").inner_text()
    assert "Place réservée" in box and "ada@example.net" in box and "S'inscrire" not in box
    assert clock_time(registration.hold_expires_at) in box
    both_sizes(page, "events-guest-held")

    [hold] = deliver(expect=1)
    assert hold["To"].addresses[0].addr_spec == "ada@example.net"
    assert "Sommet OpenLLM France" in hold["Subject"]
    [confirm] = [path for path in links_in(hold, base=live_server) if path.endswith("/confirm")]

    # The link asks for a click (mail scanners open links); the click confirms and shows the ticket.
    page.goto(confirm)
    assert_french(page)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "held"
    page.click("main form button[type=submit]")
    page.wait_for_url("**/events/tickets/**")
    assert page.locator(".flash-success").is_visible()
    page.goto(f"/events/{summit.slug}")
    assert "Votre place est confirmée" in page.locator("#registration").inner_text()
    page.go_back()

    mails = deliver(expect=2)
    confirmation = mails[-1]
    assert confirmation["To"].addresses[0].addr_spec == "ada@example.net"
    (vevent,) = ics_of(confirmation).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Sommet OpenLLM France"
    assert vevent.decoded("DTSTART") == as_utc(db.session.get(Event, summit.id).starts_at)
    [ticket] = [path for path in links_in(confirmation, base=live_server) if "/events/tickets/" in path]

    page.goto(ticket)
    assert_french(page)
    db.session.expire_all()
    code = db.session.get(Registration, registration.id).ticket_code
    assert page.locator(".qr svg").is_visible()
    assert page.locator(".ticket code").inner_text() == code
    assert "Ada Lovelace" in page.locator(".ticket").inner_text()
    both_sizes(page, "events-ticket")
    assert page.locator(".ticket-kicker").inner_text().lower() == "billet"
    assert unexpected(browser, f"/events/{summit.slug}/guest") == []


def test_a_waiting_member_gets_the_seat_another_member_gives_back(browser, make_member, deliver, mailbox):
    event = add_event("Atelier RAG", 1, days=9, slug="atelier-rag", venue="La Cantine", address="Paris")
    holder = make_member("lea@example.org", name="Léa Martin")
    waiting = make_member("sam@example.org", name="Sam Bernard")
    services.register_member(event, holder)
    db.session.commit()
    deliver(expect=1)
    mailbox.clear()

    sam = log_in(browser, waiting, f"/events/{event.slug}")
    assert_french(sam)
    assert "Complet" in sam.locator(".seats").inner_text()
    both_sizes(sam, "events-detail-full")
    submit(sam, f"form[action='/events/{event.slug}/register'] button")  # back to the same page
    assert "position 1" in sam.locator("#registration").inner_text()
    both_sizes(sam, "events-detail-waiting")
    [waiting_mail] = deliver(expect=1)
    assert "position 1" in mail_text(waiting_mail)

    lea = log_in(browser, holder, "/events/mine")
    assert_french(lea)
    assert "Mes inscriptions" in lea.locator("h1").inner_text()
    both_sizes(lea, "events-mine")
    # A seat is not given back at one click: the page asks first, and "No, keep it" leads back.
    lea.click(f"a[href^='/events/{event.slug}/leave']")
    lea.wait_for_url(re.compile(rf".*/events/{event.slug}/leave\?next=.*"))
    assert "une personne de la liste d'attente" in lea.locator("main").inner_text()
    assert lea.locator("main a", has_text="Non, la garder").get_attribute("href") == "/events/mine"
    both_sizes(lea, "events-leave-confirm")
    lea.click("main form button[type=submit]")
    lea.wait_for_url("**/events/mine")
    assert lea.locator(".flash-success").is_visible()
    assert lea.locator(f"a[href^='/events/{event.slug}/leave']").count() == 0

    sam.reload()
    registration = sam.locator("#registration")
    assert "Inscription confirmée" in registration.inner_text()
    assert registration.locator("a[href*='/events/tickets/']").is_visible()
    both_sizes(sam, "events-detail-registered")
    mailbox.clear()
    [promotion] = deliver(expect=1)
    assert promotion["To"].addresses[0].addr_spec == waiting.email
    assert "Atelier RAG" in promotion["Subject"]
    assert ics_of(promotion).walk("VEVENT")

    sam.goto("/events/mine")
    assert sam.locator("a[href*='/events/tickets/']").count() == 1
    both_sizes(sam, "events-mine-registered")
    assert browser.problems == []


def test_an_organizer_fills_the_event_form_and_sees_the_draft(browser, make_member):
    organizer = make_member("orga@example.org", name="Olivia Orga", role="organizer")
    page = log_in(browser, organizer, "/events/new")
    assert_french(page)
    both_sizes(page, "events-form")

    page.fill("input[name=title]", "Hackathon LLM")
    page.fill("input[name=starts_at]", "2031-05-10T09:00")
    page.fill("input[name=ends_at]", "2031-05-09T18:00")  # ends before it starts
    page.fill("input[name=capacity]", "-3")
    page.click("main form button[type=submit]")
    page.locator("#ends_at-error").wait_for(state="visible")  # the form comes back with the error
    assert page.locator("#capacity-error").is_visible()
    assert db.session.scalar(select(Event)) is None
    both_sizes(page, "events-form-errors")

    page.fill("input[name=ends_at]", "2031-05-10T18:00")
    page.fill("input[name=capacity]", "80")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/events/hackathon-llm-2031-05-10")
    assert page.locator(".flash-success").is_visible()
    event = db.session.scalar(select(Event))
    assert (event.status, event.capacity, event.starts_at.hour) == ("draft", 80, 7)  # 09:00 in Paris in May
    both_sizes(page, "events-organizer-draft")

    # Published, two people register; the organizer cancels one of them after confirming.
    submit(page, f"form[action='/events/{event.slug}/publish'] button")  # back to the same page
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.status == "published"
    services.register_member(event, make_member("nina@example.org", name="Nina Simone"))
    services.register_guest(event, name="Grace Hopper", email="grace@example.net", organization="Navy")
    db.session.commit()
    # The people are listed on the event's dashboard, linked from its page.
    page.reload()
    follow(page, f"/events/{event.slug}/dashboard", within="body")
    assert page.locator("#a-list tbody tr").count() == 2
    both_sizes(page, "events-organizer-people")
    page.click("#a-list tbody tr:has-text('Nina Simone') a.button.danger")
    page.wait_for_url(re.compile(r".*/registrations/\d+/cancel\?next=.*"))
    assert "Nina Simone" in page.locator("main").inner_text()
    both_sizes(page, "events-organizer-cancel-confirm")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{event.slug}/dashboard")
    assert page.locator(".flash-success").is_visible()
    assert page.locator("#a-list tbody tr").count() == 1
    assert unexpected(browser, "/events/new") == []
