"""A newcomer signs up in French, confirms by mail, logs in and switches to English.

Selectors use names, hrefs and roles of form controls rather than French or
English wording, so the journey holds once the translation catalogs exist;
English text is only asserted after the visitor chose English.
"""

from pathlib import Path

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.members.models import Member
from tests.browser.conftest import LAPTOP, PHONE, follow, has_horizontal_scroll, log_in, shot, submit, visit
from tests.conftest import PASSWORD, links_in

pytestmark = pytest.mark.browser

EMAIL = "camille@example.org"
# Compiled by `make translations`; without it the French pages show the English msgids.
FRENCH_CATALOG = Path(__file__).resolve().parents[2] / "community/translations/fr/LC_MESSAGES/messages.mo"


def fill_signup(page, *, password=PASSWORD, consent=True):
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=display_name]", "Camille Dupont")
    page.fill("input[name=password]", password)
    if consent:
        page.check("input[name=consent]")
    submit(page)


def test_a_newcomer_signs_up_confirms_by_mail_logs_in_and_switches_to_english(browser, deliver, live_server):
    page = visit(browser, "/")
    if FRENCH_CATALOG.exists():
        assert page.locator(".account-nav a[href='/members/login']").inner_text() != "Log in"
    follow(page, "/members/signup", within=".hero")

    # A first try with a short password and no consent: inline errors, nothing created.
    fill_signup(page, password="short", consent=False)
    assert page.locator(".field.has-error").count() == 2
    assert page.locator("input[name=password]").get_attribute("aria-invalid") == "true"
    assert page.input_value("input[name=email]") == EMAIL  # what was typed is kept
    assert db.session.scalar(select(Member).where(Member.email == EMAIL)) is None

    fill_signup(page)
    page.wait_for_url("**/members/check-email")
    assert EMAIL in page.locator("main").inner_text()  # the address repeated: a typo would show
    shot(page, "check-email")

    [message] = deliver(expect=1)
    assert message["To"].addresses[0].addr_spec == EMAIL
    [link] = [path for path in links_in(message, base=live_server) if "/members/confirm/" in path]

    # The link from the mail asks for a click (mail scanners open links) ...
    page.goto(link)
    member = db.session.scalar(select(Member).where(Member.email == EMAIL))
    assert member.confirmed_at is None
    page.click("main form button[type=submit]")
    # ... then the login page, with the address filled in and a success message.
    page.wait_for_url("**/members/login**")
    assert page.locator(".flash-success").is_visible()
    db.session.refresh(member)
    assert member.confirmed_at is not None
    assert page.input_value("input[name=email]") == EMAIL

    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/members/profile")
    assert page.locator(".account-nav .member-name").inner_text() == "Camille Dupont"
    assert page.locator(".notice").count() == 0  # confirmed: no reminder

    # The language switch keeps the visitor on the same page, now in English.
    submit(page, ".lang-switch button[value=en]")  # back to the same page
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "My profile"
    assert page.locator("form[action='/members/logout'] button").inner_text() == "Log out"
    # Back to French: named in French whatever the page's language ("FR" on narrower screens, "Français"
    # spelled out in its title); what it is called is what it shows, as speech-input users say it.
    back = page.locator(".lang-switch button[value=fr]")
    assert back.get_attribute("title") == "Français" and back.inner_text() in ("Français", "FR")
    assert page.get_by_role("button", name=back.inner_text(), exact=True).count() == 1
    db.session.refresh(member)
    assert member.language == "en"  # remembered for mails and the next visit
    shot(page, "profile-laptop")
    page.set_viewport_size(PHONE)
    shot(page, "profile-phone")
    assert not has_horizontal_scroll(page)

    page.click("form[action='/members/logout'] button")
    page.wait_for_url(live_server + "/")
    assert page.locator(".account-nav a[href='/members/login']").is_visible()
    assert browser.problems == []


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_first_pages_fit_the_screen_of_a_phone_and_a_laptop(browser, size):
    viewport = PHONE if size == "phone" else LAPTOP
    page = browser.new_page(viewport=viewport)

    page.goto("/")
    shot(page, f"home-{size}")
    assert not has_horizontal_scroll(page)
    # Every main navigation link and the call to action are big enough to tap.
    for target in page.locator(".main-nav a, .hero .button, .account-nav a").all():
        assert target.bounding_box()["height"] >= 36, target.inner_text()

    page.goto("/members/signup")
    page.fill("input[name=email]", "not an address")
    page.click("main form button[type=submit]")
    # The click does not wait for the answer page: wait for its first error before counting them.
    page.locator("p.error").first.wait_for()
    assert page.locator("p.error").count() >= 3
    shot(page, f"signup-errors-{size}")
    assert not has_horizontal_scroll(page)

    page.goto("/members/login")
    shot(page, f"login-{size}")
    assert not has_horizontal_scroll(page)

    page.goto("/privacy")
    shot(page, f"privacy-{size}")
    assert not has_horizontal_scroll(page)

    page.goto("/no-such-page")
    shot(page, f"404-{size}")
    assert not has_horizontal_scroll(page)
    assert browser.problems == [
        f"{browser.base_url}/no-such-page: Failed to load resource: "
        "the server responded with a status of 404 (NOT FOUND)"
    ]


def test_on_a_phone_a_long_member_name_leaves_the_community_name_whole(browser, make_member):
    member = make_member(name="Marie-Élisabeth de La Tour-Ørsted-Nguyễn")
    page = log_in(browser, member, "/events/")
    page.set_viewport_size(PHONE)
    brand = page.locator(".brand span")
    shot(page, "header-long-name-phone")
    # Not cut by an ellipsis: the text needs no more room than it has.
    assert brand.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert brand.inner_text() == "OpenLLM France"
    assert page.locator(".member-name .initials").inner_text() == "MD"
    # The link still carries the whole name for screen readers, on the brand's line.
    assert page.locator(".member-name").get_attribute("title")
    assert "Tour-Ørsted" in page.locator(".member-name .full-name").text_content()
    assert abs(page.locator(".member-name").bounding_box()["y"] - page.locator(".brand").bounding_box()["y"]) < 20
    shot(page, "header-long-name-phone")
    assert not has_horizontal_scroll(page)
