"""A keyboard user can skip the header and always sees where the focus is."""

import pytest

from tests.browser.conftest import PHONE, shot

pytestmark = pytest.mark.browser

FOCUSED_OUTLINE = "getComputedStyle(document.activeElement).outlineStyle"


def test_the_first_tab_offers_to_skip_to_the_content_and_focus_is_always_visible(browser):
    page = browser.new_page(viewport=PHONE)
    page.goto("/members/login")
    skip = page.locator("a.skip")
    assert skip.bounding_box()["y"] < 0  # out of sight until needed

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert skip.bounding_box()["y"] >= 0
    assert page.evaluate(FOCUSED_OUTLINE) != "none"
    shot(page, "focus-skip-phone")

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the first control after the header: the email field
    assert page.evaluate("document.activeElement.name") == "email"
    assert page.evaluate(FOCUSED_OUTLINE) != "none"

    for _ in range(3):  # password, remember me, the submit button
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED_OUTLINE) != "none", page.evaluate("document.activeElement.outerHTML")
    assert page.evaluate("document.activeElement.type") == "submit"
    shot(page, "focus-button-phone")
    assert browser.problems == []
