"""The event's organizers and the answers to its questions: a co-organizer reads the counts on
the dashboard in French (sensitive questions too, as counts), opens a person's answers; the
organizer, in English, picks the venue's security list on the export form, ticks the
identity document's number, and downloads a file that says what it is for. An admin, who
runs the site but not this event, sees the counts and no raw sensitive answer.
Screenshots: artifacts/screenshots/answers-*.png."""

import io
import re

import openpyxl
import pytest

from community.core.extensions import db
from community.core.search import fold
from community.questions import answers
from tests.browser.conftest import PHONE, SCREENSHOTS, assert_french, both_sizes, has_horizontal_scroll, log_in, shot
from tests.questions.care_setup import HEALTH, ID_NUMBER, build, seat

pytestmark = pytest.mark.browser
FIRST = ["Élodie", "Karim", "Sofia", "Jean-Baptiste", "Aïcha", "Lucas", "Mathilde", "Yusuf", "Chloé", "Théo"]
LAST = ["Durand", "Benali", "Rossi", "de La Fontaine", "Traoré", "Martin", "Lefèvre", "Demir", "Nguyen", "Moreau"]


def crowd(care, make_member, n=26):
    """More people with a seat, their answers spread as a real event's would be."""
    q = care.q
    diets = [q.choice(q.diet, label) for label in ("Végétarien", "Aucun régime", "Aucun régime", "Sans gluten")]
    for i in range(n):
        first, last = FIRST[i % 10], LAST[(i * 3) % 10]
        person = make_member(f"person{i}@example.org", name=f"{first} {last}", organization="OpenLLM France")
        values = {q.last.id: last, q.first.id: first, q.diet.id: diets[i % 4], q.talk.id: "yes" if i % 5 else "no"}
        if i % 9 == 0:
            values[q.access.id] = q.choice(q.access, "Fauteuil roulant")
        answers.save(seat(care.event, person), values)
    db.session.commit()


def test_the_organizers_read_the_counts_and_export_the_security_list(browser, make_member):
    care = build(make_member)
    crowd(care, make_member)
    path = "/events/atelier/dashboard"

    # A co-organizer, in French: the counts, then one person's answers.
    page = log_in(browser, care.people["co-organizer"], path)
    assert_french(page)
    counts = page.locator("#answers")
    assert "Réponses aux questions" in counts.locator("h2").inner_text()
    diet = counts.locator(f"[data-question='{care.q.diet.id}']")
    assert "Sensible" in diet.inner_text()
    lines = [re.sub(r"\s+", " ", line) for line in diet.locator("li").all_inner_texts()]
    assert lines == ["Végétarien 9 personnes", "Sans gluten 7 personnes", "Aucun régime 13 personnes"]
    assert "1 personne a répondu" in counts.inner_text()  # the companions
    both_sizes(page, "answers-dashboard-fr")
    page.set_viewport_size(PHONE)
    counts.screenshot(path=str(SCREENSHOTS / "answers-dashboard-fr-phone-counts.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    counts.screenshot(path=str(SCREENSHOTS / "answers-dashboard-fr-counts.png"))

    page.evaluate("window.scrollTo(0, 0)")  # the clip is in the page's coordinates
    box = page.locator("#attendees").bounding_box()
    clip = dict(box, height=min(box["height"], 700))  # the first rows are enough to judge the list
    page.screenshot(path=str(SCREENSHOTS / "answers-dashboard-fr-attendees.png"), full_page=True, clip=clip)
    row = page.locator(f"tr[data-registration='{care.zoe.id}']")
    row.locator("summary").click()
    assert HEALTH in row.inner_text() and ID_NUMBER in row.inner_text()
    row.screenshot(path=str(SCREENSHOTS / "answers-dashboard-fr-row.png"))
    row.locator("a[href*='/answers']").click()
    page.wait_for_url(re.compile(r".*/answers\?next=.*"))
    assert "Fauteuil roulant, Boucle magnétique" in page.locator("main").inner_text()
    assert not has_horizontal_scroll(page)
    shot(page, "answers-person-fr")
    page.click("text=Retour au tableau de bord")
    page.wait_for_url(f"**{path}")

    # The organizer, in English: the export form, the security list with the identity number.
    page = log_in(browser, care.people["organizer"], path)
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("text=Export a list")
    form = page.locator("#export")
    form.locator("input[value='security']").check()
    form.get_by_label("Identity document number").check()
    form.locator("input[value='xlsx']").check()
    shot(page, "answers-export-form-en")
    form.screenshot(path=str(SCREENSHOTS / "answers-export-form-en-card.png"))
    with page.expect_download() as download_info:
        form.locator("button[type=submit]").click()
    download = download_info.value
    assert re.fullmatch(r"venue-security-list-atelier-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    with open(download.path(), "rb") as saved:
        sheet = openpyxl.load_workbook(io.BytesIO(saved.read())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Venue security list · Atelier LLM & données (") and "Exported on" in rows[0][0]
    assert rows[2] == ("Last name", "First name", "Organization", "Identity document number", "Category")
    last_names = [row[0] for row in rows[3:]]
    assert last_names == sorted(last_names, key=fold) and last_names[:2] == ["Benali", "Benali"]
    assert last_names.index("Éluard") < last_names.index("Lefèvre")  # among the e's, accent or not
    assert ID_NUMBER in [row[3] for row in rows[3:]]

    # The admin runs the site, not this event: counts, and no raw sensitive answer.
    page = log_in(browser, care.people["admin"], path)
    assert "Vegetarian" in page.locator("#answers").inner_text()
    assert HEALTH not in page.content() and ID_NUMBER not in page.content()
    assert browser.problems == []
