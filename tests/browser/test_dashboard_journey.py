"""An organizer opens the event's dashboard on a phone (375x812): counts, the chart
(an SVG with data), the lists; searches, and gives a waiting person a seat over
capacity after confirming. Screenshots: artifacts/screenshots/events-dashboard*.png."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from community.checkin.models import CheckIn
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.members.models import Member
from community.registrations import services
from community.registrations.models import Registration
from tests.browser.conftest import PHONE, SCREENSHOTS, assert_french, both_sizes, has_horizontal_scroll, log_in, shot
from tests.browser.test_event_journeys import add_event
from tests.factories import member_row

pytestmark = pytest.mark.browser
FIRST = ["Élodie", "Karim", "Sofia", "Jean-Baptiste", "Aïcha", "Lucas", "Mathilde", "Yusuf", "Chloé", "Théo"]
LAST = ["Durand", "Benali", "Rossi", "de La Fontaine", "Traoré", "Martin", "Lefèvre", "Demir", "Nguyen", "Moreau"]


def people(n):
    now = utcnow()
    db.session.execute(
        insert(Member),
        [
            member_row(
                f"person{i}@example.org",
                f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}",
                now,
                organization=["OpenLLM France", "Inria", "", "Université Paris-Saclay"][i % 4],
            )
            for i in range(n)
        ],
    )
    db.session.commit()
    return db.session.scalars(select(Member).where(Member.email.like("person%")).order_by(Member.id)).all()


def summit(organizer):
    """A 30-seat workshop whose registrations came over ten days: full, people waiting, some cancelled, some in."""
    event = add_event(
        "Atelier LLM : évaluer les modèles ouverts", 30, days=3, slug="atelier-llm", created_by=organizer.id
    )
    start = utcnow() - timedelta(days=10)
    crowd = people(38)
    for i, member in enumerate(crowd):
        services.register_member(event, member, start + timedelta(hours=6 * i))
    services.register_guest(
        event,
        name="Grace Hopper",
        email="grace@example.net",
        organization="Navy",
        now=start + timedelta(days=9, hours=20),
    )
    for registration in db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id).limit(4)
    ).all():
        services.cancel_registration(registration, start + timedelta(days=9, hours=22))
    seated = db.session.scalars(
        select(Registration.id).where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).all()
    db.session.execute(
        insert(CheckIn),
        [dict(registration_id=r, event_id=event.id, checked_in_at=utcnow(), gate="A") for r in seated[:7]],
    )
    db.session.commit()
    return event


def test_an_organizer_reads_the_dashboard_on_a_phone_and_promotes_over_capacity(browser, make_member):
    organizer = make_member("orga@example.org", name="Olivia Orga", role="organizer")
    event = summit(organizer)
    path = f"/events/{event.slug}/dashboard"
    page = log_in(browser, organizer, path)
    page.set_viewport_size(PHONE)
    page.reload()
    assert_french(page)

    chart = page.locator("svg.reg-chart")
    assert chart.is_visible()
    assert chart.locator("polyline.confirmed").get_attribute("points").count(",") > 5
    assert chart.locator("polyline.waiting").count() == 1
    assert chart.locator("title").text_content() and "confirm" in chart.locator("desc").text_content()
    # The chart fills the phone's width without overflowing it.
    box = chart.bounding_box()
    assert 250 < box["width"] <= PHONE["width"]
    counts = {name: page.locator(f"#count-{name}").inner_text() for name in ("confirmed", "waiting", "checked-in")}
    assert counts == {"confirmed": "30", "waiting": "5", "checked-in": "7"}
    assert page.locator("#a-list tbody tr").count() == 30
    both_sizes(page, "events-dashboard")
    # The full phone page is very tall: each part is also shot alone, to be read.
    page.set_viewport_size(PHONE)
    for part, selector in (
        ("header", ".page-header"),
        ("overview", ".dash-overview"),
        ("attendees", "#attendees"),
        ("waiting", "#waiting"),
        ("forms", ".dash-forms"),
        ("history", "#history"),
    ):
        box = page.locator(selector).bounding_box()
        clip = dict(box, height=min(box["height"], 900))  # a list's first rows are enough to judge it
        page.screenshot(path=str(SCREENSHOTS / f"events-dashboard-phone-{part}.png"), full_page=True, clip=clip)

    # Search without accents, on the phone.
    page.set_viewport_size(PHONE)
    page.fill("#aq", "elodie")
    page.click("#attendees form[role=search] button")
    page.wait_for_url(re.compile(r".*aq=elodie.*"))
    assert page.locator("#a-list tbody tr").count() >= 1
    assert all("Élodie" in text for text in page.locator("#a-list tbody tr .row-title").all_inner_texts())

    # The event is full: promoting asks for an explicit confirmation first.
    page.goto(path)
    first_waiting = page.locator("#w-list tbody tr").first
    name = first_waiting.locator(".row-title").inner_text().split("\n")[0]
    first_waiting.locator("a[href*='/promote']").click()
    page.wait_for_url(re.compile(r".*/promote\?next=.*"))
    assert not has_horizontal_scroll(page)
    shot(page, "events-dashboard-promote-phone")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**{path}")
    assert page.locator(".flash-success").is_visible()
    assert page.locator("#count-confirmed").inner_text() == "31"
    assert name in page.locator("#history").inner_text()
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 31
    page.locator("#history").screenshot(path=str(SCREENSHOTS / "events-dashboard-phone-history-after.png"))
    # The whole history, page by page, reads on the phone too.
    page.goto(f"{path}/history")
    assert "Historique" in page.locator("h1").inner_text() and name in page.locator("ol.history").inner_text()
    assert not has_horizontal_scroll(page)
    shot(page, "events-history-phone")
    page.click("text=Retour au tableau de bord")
    page.wait_for_url(f"**{path}")
    assert browser.problems == []
