"""An organizer prints the door list and the badges of one category from the dashboard, and a
steward the door list from the check-in page. Screenshots: artifacts/screenshots/paper-*.png."""

import io

from pypdf import PdfReader

from community.events.models import StaffRole
from tests.browser.conftest import PHONE, SCREENSHOTS, log_in, shot
from tests.paper.conftest import add_category, name_staff, seat


def read_download(download) -> str:
    with open(download.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_an_organizer_prints_badges_of_a_category_and_a_steward_the_door_list(browser, make_member, make_event):
    organizer = make_member("orga@example.org", name="Olivia Orga", role="organizer")
    event = make_event(title="Atelier LLM", capacity=100, created_by=organizer.id)
    press = add_category(event, "Presse", "Press", colour="#d55e00")
    seat(event, [("Élodie Ørsted-Nguyễn", "Université Paris-Saclay"), ("Bruno Martin", "Inria")])
    seat(event, [("Nellie Bly", "New York World")], category=press, guests=True)

    page = log_in(browser, organizer, f"/events/{event.slug}/dashboard")
    section = page.locator("#paper")
    page.select_option("#badge-layout", "2x5")
    page.select_option("#badge-category", str(press.id))
    section.screenshot(path=str(SCREENSHOTS / "paper-dashboard-section.png"))
    with page.expect_download() as badges:
        section.locator("button[type=submit]").click()
    assert badges.value.suggested_filename == f"badges-{event.slug}-2x5.pdf"
    text = read_download(badges.value)
    assert "Nellie Bly" in text and "Bruno Martin" not in text
    with page.expect_download() as one:
        page.locator("#a-list tr", has_text="Bruno Martin").get_by_role("link", name="Badge").click()
    assert "Bruno Martin" in read_download(one.value)
    shot(page, "paper-dashboard")

    steward = make_member("steward@example.org", name="Sam Steward")
    name_staff(event, steward, StaffRole.STEWARD)
    door = log_in(browser, steward, f"/events/{event.slug}/checkin")
    door.set_viewport_size(PHONE)
    with door.expect_download() as listed:
        door.get_by_role("link", name="Liste d'entrée (PDF)").click()
    text = read_download(listed.value)
    assert text.index("Bruno Martin") < text.index("Élodie Ørsted-Nguyễn") < text.index("Nellie Bly")
    shot(door, "paper-checkin-phone")
