"""A member takes their data and leaves, in Chromium, in French; a visitor reads the processing register.

Screenshots: artifacts/screenshots/account-data-*.png, account-delete-*.png, privacy-register-*.png.
(The new pages' own strings are English until the lead translates them: the
assertions are on structure, data and strings that were already translated.)
"""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.members.models import Member
from community.registrations import services
from community.registrations.models import Registration
from tests.browser.conftest import assert_french, both_sizes, follow, log_in
from tests.conftest import mail_text
from tests.factories import days_from_now, published_event

pytestmark = pytest.mark.browser


def test_a_member_downloads_their_data_then_deletes_the_account(browser, make_member, deliver, mailbox):
    event = published_event(
        "atelier-donnees",
        title="Atelier données ouvertes",
        starts_at=days_from_now(12, 17),
        hours=2,
        capacity=1,
        venue="La Cantine",
        address="Paris",
    )
    zoe = make_member("zoe@example.org", name="Zoé Quenneville", organization="Quenneville Labs")
    sam = make_member("sam@example.org", name="Sam Bernard")
    services.register_member(event, zoe)
    services.register_member(event, sam)  # waits for Zoé's seat
    db.session.commit()
    deliver(expect=2)
    mailbox.clear()

    page = log_in(browser, zoe, "/members/profile")
    assert_french(page)
    follow(page, "/account/data")
    assert page.locator("h1").count() == 1 and page.locator(".data-kinds > div").count() == 8
    both_sizes(page, "account-data")

    with page.expect_download() as download_info:
        page.click("main a[href='/account/data.json']")
    download = download_info.value
    assert download.suggested_filename.startswith("my-data-") and download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["display_name"] == "Zoé Quenneville"
    assert [r["event"]["title"] for r in data["registrations"]] == ["Atelier données ouvertes"]

    follow(page, "/account/delete")
    assert page.locator("label[for=password]").inner_text() == "Mot de passe actuel"
    page.fill("input[name=password]", "not my password")
    page.click("main form button[type=submit]")
    page.locator("#password-error").wait_for(state="visible")  # the form comes back with the error
    assert db.session.scalar(select(Member.id).where(Member.email == "zoe@example.org")) is not None
    both_sizes(page, "account-delete")

    page.fill("input[name=password]", "correct horse battery staple")
    page.click("main form button[type=submit].danger")
    page.wait_for_url("**/account/goodbye")
    assert page.locator("header a[href='/members/login']").is_visible()  # logged out
    both_sizes(page, "account-goodbye")

    db.session.expire_all()
    assert db.session.scalar(select(Member.id).where(Member.email == "zoe@example.org")) is None
    statuses = db.session.execute(select(Registration.member_id, Registration.status)).all()
    assert sorted(statuses, key=str) == sorted([(None, "cancelled"), (sam.id, "confirmed")], key=str)
    [promoted] = deliver(expect=1)
    assert promoted["To"].addresses[0].addr_spec == "sam@example.org"
    assert "Atelier données ouvertes" in mail_text(promoted)
    assert browser.problems == []


def test_a_visitor_reads_and_prints_the_processing_register(browser):
    page = browser.new_page(locale="fr-FR")
    page.goto("/")
    follow(page, "/privacy", within="footer")
    assert page.locator("h1").inner_text() == "Politique de confidentialité"
    follow(page, "/privacy/register")
    assert_french(page)
    assert page.locator("section.processing").count() == 10
    assert page.locator("section.processing dt").count() == 50  # five facts a processing
    assert page.locator("button[data-print]").is_visible()  # shown by print.js (no inline script)
    both_sizes(page, "privacy-register")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    assert page.locator("section.processing").first.is_visible()
    assert browser.problems == []
