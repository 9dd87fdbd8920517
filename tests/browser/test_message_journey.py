"""An organizer writes to the confirmed attendees of the summit in Chromium:
writes, previews (the count is shown, nothing is sent), sends, finds the message
in the archive; the attendees receive it. Shots: events-message-compose-*,
events-message-preview-*, events-message-archive-*."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from community.core.extensions import db
from community.events.models import EventStaff
from community.mail.models import OutboxEmail
from community.registrations import services
from tests.browser.conftest import assert_french, both_sizes, log_in
from tests.browser.test_event_journeys import add_event
from tests.conftest import mail_html, mail_text

pytestmark = pytest.mark.browser

BODY = (
    "Bonjour à toutes et à tous,\n\nL'accueil ouvre à 8 h 30 au rez-de-chaussée : pensez à votre billet.\n\n"
    "- Wi-Fi : OpenLLM-Sommet\n- Programme : https://example.org/programme"
)


def outbox_count():
    return db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "event_message")
    )


def test_an_organizer_previews_then_sends_a_message_and_finds_it_in_the_archive(browser, make_member, deliver, mailbox):
    summit = add_event("Sommet OpenLLM France", 3, days=20, slug="sommet-2031")
    attendees = [
        make_member(f"a{i}@example.org", name=f"Personne {i}", language=lang)
        for i, lang in enumerate(("fr", "en", "fr", "fr"))
    ]
    for member in attendees:  # three seats, the fourth waits
        services.register_member(summit, member)
    organizer = make_member("orga@example.org", name="Olivia Orga")
    db.session.add(EventStaff(event_id=summit.id, member_id=organizer.id, role="organizer"))
    db.session.commit()
    deliver(expect=4)
    mailbox.clear()

    page = log_in(browser, organizer, "/events/sommet-2031/messages/new")
    assert_french(page)
    options = page.locator("select[name=audience] option").all_inner_texts()
    assert [o.rsplit(" ", 1)[-1] for o in options] == ["(3)", "(1)", "(0)", "(3)"]
    page.fill("input[name=subject]", "Infos pratiques")
    page.fill("textarea[name=body]", BODY)
    both_sizes(page, "events-message-compose")

    page.click("button[value=preview]")
    page.locator(".message-preview").wait_for()  # the click does not wait for the page it posts to
    assert "3" in page.locator(".message-count").inner_text()
    expect(page.locator(".message-body li")).to_have_count(2)
    assert "Infos pratiques" in page.locator(".message-preview").inner_text()
    both_sizes(page, "events-message-preview")
    assert outbox_count() == 0

    page.click("button[value=send]")
    page.wait_for_url("**/events/sommet-2031/messages")
    assert "3" in page.locator(".flash").inner_text()
    row = page.locator(".message-table tbody tr")
    assert row.count() == 1 and "Infos pratiques" in row.inner_text() and "Olivia Orga" in row.inner_text()
    both_sizes(page, "events-message-archive")
    page.click("text=Infos pratiques")
    # The click does not wait for the page it opens: these assertions retry until it is there.
    expect(page.locator(".message-body")).to_contain_text("L'accueil ouvre à 8 h 30")
    expect(page.locator(".message-body li")).to_have_count(2)  # the line breaks survived the preview's hidden field

    mails = deliver(expect=3)
    assert sorted(m["To"] for m in mails) == sorted(f"Personne {i} <a{i}@example.org>" for i in range(3))
    english = mailbox.to("a1@example.org")[0]
    assert "Hello Personne 1," in mail_text(english)
    assert 'href="https://example.org/programme"' in mail_html(english)
    assert browser.problems == []
