"""Ticket categories in Chromium:

- an organizer (in French) adds a category with a mistake first, then a category
  reserved for a working group until a release date;
- a contributor (in English) picks the reserved category on the event page and
  sees it on the ticket, while the public seats are gone;
- a guest (in French) sees only the categories open to guests and picks one.

Each page is shot at phone and laptop size into artifacts/screenshots/categories-*.png.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from community.core.clock import to_local, utcnow
from community.core.extensions import db
from community.groups.models import GroupMembership, WorkingGroup
from community.registrations import services
from community.registrations.models import Registration
from community.tickets.models import Category
from tests.browser.conftest import assert_french, both_sizes, follow, log_in, submit, visit
from tests.browser.test_event_journeys import add_event, unexpected
from tests.conftest import links_in

pytestmark = pytest.mark.browser


def test_an_organizer_reserves_seats_for_a_group_and_a_contributor_takes_one(browser, make_member):
    organizer = make_member("orga@example.org", name="Camille Orga", role="admin")
    contributor = make_member("ada@example.org", name="Ada Lovelace", language="en")
    summit = add_event("Sommet OpenLLM France", 5, slug="sommet-2031")
    group = WorkingGroup(name="Corpus", slug="corpus", description="")
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMembership(group_id=group.id, member_id=contributor.id, status="active", role="member"))
    db.session.commit()

    page = log_in(browser, organizer, f"/events/{summit.slug}/dashboard")
    follow(page, f"/events/{summit.slug}/categories", within="body")
    assert_french(page)
    assert page.locator("h1").inner_text() == "Catégories de billets"

    page.fill("input[name=name_fr]", "Intervenant·e")
    page.fill("input[name=name_en]", "Speaker")
    page.fill("input[name=quota]", "9")  # above the capacity of 5
    page.click("#add button[type=submit]")
    assert "ne peut pas dépasser la capacité de l'événement (5)" in page.locator(".flash-error").inner_text()
    assert page.input_value("input[name=name_fr]") == "Intervenant·e"
    both_sizes(page, "categories-organizer-refused")

    page.fill("input[name=name_fr]", "Contributeurs")
    page.fill("input[name=name_en]", "Contributors")
    page.fill("input[name=description_en]", "For the contributors of an active working group")
    page.fill("input[name=quota]", "2")
    page.select_option("select[name=admits]", "groups")
    page.check(f"input[name=group_ids][value='{group.id}']")
    page.check("input[name=reserving]")
    release = to_local(utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=reserved_until]", release)
    submit(page, "#add button[type=submit]")  # back to the same page
    assert "Catégorie ajoutée." in page.locator(".flash-success").inner_text()
    row = page.locator("#categories tbody tr", has_text="Contributeurs")
    assert "Membres des groupes de travail choisis : Corpus" in row.inner_text() or "Corpus" in row.inner_text()
    assert "2 gardées" in row.inner_text()
    both_sizes(page, "categories-organizer-list")

    # The public takes the three seats not held back.
    for i in range(3):
        services.register_member(summit, make_member(f"public{i}@example.org"))
    db.session.commit()

    page = log_in(browser, contributor, f"/events/{summit.slug}")
    choices = page.locator("#registration fieldset.categories")
    assert "General admission" in choices.inner_text() and "Full: waiting list" in choices.inner_text()
    assert "Contributors" in choices.inner_text() and "2 places left" in choices.inner_text()
    both_sizes(page, "categories-event-choice-en")
    page.locator("#registration label.category-option", has_text="Contributors").locator("input").check()
    submit(page, "#registration button[type=submit]")  # back to the same page
    assert "You are registered" in page.locator("#registration").inner_text()
    assert "Contributors" in page.locator("#registration").inner_text()
    reserved = db.session.scalar(select(Category).where(Category.name_fr == "Contributeurs"))
    registration = db.session.scalar(select(Registration).where(Registration.member_id == contributor.id))
    assert (registration.status, registration.category_id) == ("confirmed", reserved.id)
    page.click("#registration a:has-text('My ticket')")
    page.wait_for_url("**/events/tickets/**")
    assert "Contributors" in page.locator(".ticket-category").inner_text()
    both_sizes(page, "categories-ticket-en")
    assert unexpected(browser, f"/events/{summit.slug}/categories") == []

    # The organizer's chart stacks the seats of each category under their total.
    page = log_in(browser, organizer, f"/events/{summit.slug}/dashboard")
    legend = page.locator(".chart-legend").inner_text()
    assert "Entrée générale" in legend and "Contributeurs" in legend
    assert page.locator("#registrations-chart polygon.band").count() == 2
    page.click(".chart-numbers summary")
    assert "Contributeurs" in page.locator(".chart-numbers thead").inner_text()
    both_sizes(page, "categories-dashboard-chart")


def test_a_guest_sees_only_the_categories_open_to_guests(browser, make_member):
    summit = add_event("Sommet OpenLLM France", 50, slug="sommet-2031")
    db.session.add_all(
        [
            Category(
                event_id=summit.id,
                position=1,
                name_fr="Étudiant·es",
                name_en="Students",
                taken=0,
                description_fr="Sur présentation d'une carte étudiante",
            ),
            Category(event_id=summit.id, position=2, name_fr="Membres", name_en="Members", taken=0, admits="members"),
        ]
    )
    db.session.commit()

    page = browser.new_page(locale="fr-FR")
    page.goto(f"/events/{summit.slug}")
    assert "Étudiant·es" in page.locator("#registration").inner_text()
    assert "Membres" not in page.locator("#registration").inner_text()
    follow(page, f"/events/{summit.slug}/guest", within="#registration")
    assert_french(page)
    page.fill("input[name=name]", "Grace Hopper")
    page.fill("input[name=email]", "grace@example.net")
    page.locator("label.category-option", has_text="Étudiant·es").locator("input").check()
    both_sizes(page, "categories-guest-form")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/events/{summit.slug}")
    registration = db.session.scalar(select(Registration))
    students = db.session.scalar(select(Category).where(Category.name_fr == "Étudiant·es"))
    assert (registration.status, registration.category_id) == ("held", students.id)
    assert unexpected(browser) == []


def test_an_organizer_mails_codes_and_a_guest_registers_with_one(browser, make_member, deliver, live_server):
    from community.tickets import services as tickets
    from community.tickets.services import CategoryData

    organizer = make_member("orga@example.org", name="Camille Orga", role="admin")
    summit = add_event("Sommet OpenLLM France", 3, slug="sommet-2031")
    tickets.add_category(
        organizer,
        summit,
        CategoryData(name_fr="Officiels", name_en="Officials", quota=2, admits="code", listed=False, reserving=True),
    )
    db.session.commit()
    officials = db.session.scalar(select(Category).where(Category.name_fr == "Officiels"))

    page = log_in(browser, organizer, f"/events/{summit.slug}/categories")
    page.click(f"a[href='/events/{summit.slug}/categories/{officials.id}/codes']")
    page.wait_for_url(f"**/categories/{officials.id}/codes")
    assert_french(page)
    page.fill("textarea[name=send-addresses]", "prefete@example.org, pas-une-adresse")
    page.click("#send button[type=submit]")
    assert "pas-une-adresse" in page.locator(".flash-error").inner_text()
    page.fill("textarea[name=send-addresses]", "prefete@example.org")
    submit(page, "#send button[type=submit]")  # back to the same page
    assert "1 invitation est en cours d'envoi." in page.locator(".flash-success").inner_text()
    both_sizes(page, "categories-codes-organizer")

    [invitation] = deliver(expect=1)
    assert "Officiels" in invitation["Subject"] or "Sommet OpenLLM France" in invitation["Subject"]
    [link] = [path for path in links_in(invitation, base=live_server) if "/invitation?code=" in path]
    guest = visit(browser, link)
    assert "Officiels" in guest.locator("main").inner_text()
    both_sizes(guest, "categories-invitation-guest")
    guest.click("main a.button")
    guest.wait_for_url(f"**/events/{summit.slug}/guest?code=*")
    guest.fill("input[name=name]", "Préfète de région")
    guest.fill("input[name=email]", "prefete@example.org")
    guest.click("main form button[type=submit]")
    guest.wait_for_url(f"**/events/{summit.slug}")
    registration = db.session.scalar(select(Registration))
    assert (registration.category_id, registration.status) == (officials.id, "held")
    assert unexpected(browser, f"/events/{summit.slug}/categories/{officials.id}/codes") == []
