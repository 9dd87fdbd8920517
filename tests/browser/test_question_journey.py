"""Registration questions in Chromium:

- an organizer (in French) adds a question of every kind, one with a mistake first, and
  moves one up;
- a member (in English) registers answering them, the organization filled in from the
  profile, after a first try that skips a required answer;
- the member changes an answer from "My registrations";
- a guest (in French) answers on the guest form, with a French decimal comma;
- a member (in French) joins the waiting list of the now full event answering the same
  questions, and gets the seat given back with nothing more to answer.

Each page is shot at phone and laptop size into artifacts/screenshots/questions-*.png.
"""

import re

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.questions import answers
from community.questions.models import Question
from community.registrations import services
from community.registrations.models import Registration
from tests.browser.conftest import assert_french, both_sizes, log_in
from tests.browser.test_event_journeys import add_event, unexpected

pytestmark = pytest.mark.browser

# (kind, French, English, what else the form gets)
QUESTIONS = [
    ("text", "Organisation", "Organization", {"role": "organization"}),
    (
        "choice",
        "Régime alimentaire",
        "Diet",
        {
            "choices": "Sans restriction | No restriction\nVégétarien | Vegetarian\nVégétalien | Vegan",
            "required": True,
            "sensitive": True,
            "purpose_fr": "commander les repas au traiteur",
            "purpose_en": "to order the meals from the caterer",
        },
    ),
    (
        "long_text",
        "Besoins d'accessibilité",
        "Accessibility needs",
        {
            "help_fr": "Fauteuil roulant, boucle magnétique, place près de la scène…",
            "help_en": "Wheelchair, hearing loop, a seat near the stage…",
            "sensitive": True,
            "purpose_fr": "préparer l'accueil et la salle",
            "purpose_en": "to prepare the welcome and the room",
        },
    ),
    (
        "multiple",
        "Ateliers qui vous intéressent",
        "Workshops you would like",
        {"choices": "Corpus | Corpora\nÉvaluation | Evaluation\nJuridique | Legal"},
    ),
    ("yes_no", "Serez-vous au cocktail du soir ?", "Will you attend the evening reception?", {"required": True}),
    (
        "number",
        "Nuits d'hôtel",
        "Hotel nights",
        {"help_fr": "0 si vous n'en avez pas besoin.", "help_en": "0 if you need none."},
    ),
    ("date", "Date d'arrivée", "Arrival date", {}),
]


def add_question(page, kind, french, english, extra):
    page.select_option("#add select[name=kind]", kind)
    page.fill("#add input[name=label_fr]", french)
    page.fill("#add input[name=label_en]", english)
    for name, value in extra.items():
        if value is True:
            page.check(f"#add input[name={name}]")
        elif name in ("role", "category_id"):
            page.select_option(f"#add select[name={name}]", value)
        else:
            page.fill(f"#add [name={name}]", value)
    page.click("#add button[type=submit]")


def by_label():
    db.session.expire_all()
    return {q.label_fr: q for q in answers.asked(*_event(), None)}


def _event():
    from community.events.models import Event

    return (db.session.scalar(select(Event).where(Event.slug == "sommet-2031")),)


def test_questions_from_the_organizer_s_editor_to_the_member_the_guest_and_the_waiting_list(browser, make_member):
    organizer = make_member("orga@example.org", name="Camille Orga", role="admin")
    summit = add_event("Sommet OpenLLM France", 2, slug="sommet-2031")
    base = f"/events/{summit.slug}/dashboard/questions"

    # ---------------------------------------------------------------- the organizer, in French
    page = log_in(browser, organizer, f"/events/{summit.slug}/dashboard")
    page.click(f"a[href='{base}']")
    page.wait_for_url(f"**{base}")
    assert_french(page)
    assert page.locator("h1").inner_text() == "Questions d'inscription"

    # A sensitive question must say why it is asked: refused, what was typed stays.
    page.select_option("#add select[name=kind]", "long_text")
    page.fill("#add input[name=label_fr]", "Besoins d'accessibilité")
    page.check("#add input[name=sensitive]")
    page.click("#add button[type=submit]")
    page.locator("#purpose_fr-error").wait_for()
    assert "Dites pourquoi vous posez cette question sensible" in page.locator("#purpose_fr-error").inner_text()
    assert page.input_value("#add input[name=label_fr]") == "Besoins d'accessibilité"
    both_sizes(page, "questions-editor-refused")
    page.uncheck("#add input[name=sensitive]")

    for kind, french, english, extra in QUESTIONS:
        add_question(page, kind, french, english, extra)
        page.locator("#questions li", has_text=french).wait_for()
    assert page.locator("#questions > li").count() == 7
    # The reception question goes up one place, above the workshops.
    reception = by_label()["Serez-vous au cocktail du soir ?"]
    page.locator(f"#question-{reception.id} button[value=up]").click()
    page.wait_for_url(re.compile(rf".*{base}#question-{reception.id}$"))
    page.locator(f"#question-{reception.id} .question-label", has_text="4.").wait_for()
    labels = [q.label_fr for q in answers.asked(summit, None)]
    assert labels.index("Serez-vous au cocktail du soir ?") == labels.index("Ateliers qui vous intéressent") - 1
    diet_item = page.locator("#questions li", has_text="Régime alimentaire").inner_text()
    assert "Choix unique" in diet_item and "obligatoire" in diet_item and "sensible" in diet_item
    both_sizes(page, "questions-editor")

    page.locator("#questions li", has_text="Régime alimentaire").locator("a", has_text="Modifier").click()
    page.wait_for_url(re.compile(r".*/dashboard/questions/\d+$"))
    assert "Végétarien | Vegetarian" in page.input_value("textarea[name=choices]")
    both_sizes(page, "questions-editor-edit")
    questions = by_label()

    # ---------------------------------------------------------------- a member, in English
    ada = make_member("ada@example.org", name="Ada Lovelace", language="en", organization="Analytical Engines")
    page = log_in(browser, ada, f"/events/{summit.slug}")
    page.click("#registration button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}/register*")
    assert page.locator("html").get_attribute("lang") == "en"
    organization = questions["Organisation"]
    assert page.input_value(f"#answer-{organization.id}") == "Analytical Engines"
    form = page.locator("main form").inner_text()
    assert "Diet (required)" in form and "Why we ask: to order the meals from the caterer" in form
    diet, workshops = questions["Régime alimentaire"], questions["Ateliers qui vous intéressent"]
    needs, nights, arrival = (
        questions[label] for label in ("Besoins d'accessibilité", "Nuits d'hôtel", "Date d'arrivée")
    )
    page.fill(f"#answer-{needs.id}", "A seat near the stage, please.")
    page.check(f"input[name=answer-{workshops.id}][value='{workshops.choices[0].id}']")
    page.check(f"input[name=answer-{workshops.id}][value='{workshops.choices[1].id}']")
    page.fill(f"#answer-{nights.id}", "2.5")
    page.fill(f"#answer-{arrival.id}", "2031-06-01")
    both_sizes(page, "questions-member-form-en")
    # The required diet and reception left out: the form comes back with what was typed, nothing is written.
    page.click("main form button[type=submit]")
    page.locator(f"#answer-{diet.id}-error").wait_for()
    assert page.locator(f"#answer-{reception.id}-error").inner_text() == "Please answer this question."
    assert page.input_value(f"#answer-{needs.id}") == "A seat near the stage, please."
    assert page.locator(f"input[name=answer-{workshops.id}]:checked").count() == 2
    assert db.session.scalar(select(Registration)) is None
    both_sizes(page, "questions-member-form-refused-en")
    page.check(f"input[name=answer-{diet.id}][value='{diet.choices[1].id}']")
    page.check(f"input[name=answer-{reception.id}][value=yes]")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}")
    assert "You are registered" in page.locator("#registration").inner_text()
    registration = db.session.scalar(select(Registration).where(Registration.member_id == ada.id))
    given = answers.of_registrations([registration.id])[registration.id]
    assert given[organization.id] == "Analytical Engines" and given[diet.id] == str(diet.choices[1].id)
    assert given[workshops.id] == f"{workshops.choices[0].id},{workshops.choices[1].id}"
    assert given[nights.id] == "2.5" and given[reception.id] == "yes"

    # ---------------------------------------------------------------- the member changes an answer
    page.goto("/events/mine")
    page.click(f"a[href='/events/{summit.slug}/answers']")
    page.wait_for_url(f"**/events/{summit.slug}/answers")
    assert page.locator(f"input[name=answer-{diet.id}][value='{diet.choices[1].id}']").is_checked()
    page.check(f"input[name=answer-{diet.id}][value='{diet.choices[2].id}']")
    page.click("main form button[type=submit]")
    page.locator(".flash-success", has_text="Your answers are saved.").wait_for()
    assert page.locator(f"input[name=answer-{diet.id}][value='{diet.choices[2].id}']").is_checked()
    both_sizes(page, "questions-my-answers-en")
    assert answers.of_registrations([registration.id])[registration.id][diet.id] == str(diet.choices[2].id)

    # ---------------------------------------------------------------- a guest, in French
    page = browser.new_page(locale="fr-FR")
    page.goto(f"/events/{summit.slug}/guest")
    assert_french(page)
    assert page.locator("input[name=organization]").count() == 0  # the event's own question asks it
    page.fill("input[name=name]", "Grace Hopper")
    page.fill("input[name=email]", "grace@example.net")
    page.fill(f"#answer-{organization.id}", "Marine nationale")
    page.check(f"input[name=answer-{diet.id}][value='{diet.choices[0].id}']")
    page.check(f"input[name=answer-{reception.id}][value=no]")
    page.locator(f"#answer-{nights.id}").press_sequentially("1,5")
    both_sizes(page, "questions-guest-form-fr")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}")
    guest = db.session.scalar(select(Registration).where(Registration.guest_email == "grace@example.net"))
    assert (guest.status, guest.guest_organization) == ("held", "Marine nationale")
    assert answers.of_registrations([guest.id])[guest.id][nights.id] == "1.5"

    # ---------------------------------------------------------------- the waiting list, in French
    sam = make_member("sam@example.org", name="Sam Bernard", organization="Inria")
    page = log_in(browser, sam, f"/events/{summit.slug}")
    page.click("#registration button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}/register*")
    assert "L'événement est complet" in page.locator("main").inner_text()
    page.check(f"input[name=answer-{diet.id}][value='{diet.choices[1].id}']")
    page.check(f"input[name=answer-{reception.id}][value=yes]")
    both_sizes(page, "questions-waiting-form-fr")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}")
    waiting = db.session.scalar(select(Registration).where(Registration.member_id == sam.id))
    assert waiting.status == "waiting"
    services.cancel_registration(db.session.get(Registration, registration.id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, waiting.id).status == "confirmed"  # nothing more to answer
    assert answers.of_registrations([waiting.id])[waiting.id][organization.id] == "Inria"
    assert db.session.scalar(select(Question.id).where(Question.retired_at.is_not(None))) is None
    assert unexpected(browser, f"{base}#add") == []
