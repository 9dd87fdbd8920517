"""The categories through the pages: the organizer's list and forms, the choice on the
event page and the guest form, moving a registration, and where the category shows."""

import csv
import io

from sqlalchemy import select

from community.core.audit import AuditEntry
from community.core.extensions import db
from community.dashboard import chart, timeline
from community.events.models import Event
from community.registrations import services
from community.registrations.models import Registration
from community.tickets.models import Category
from tests.conftest import login, post_form
from tests.querycount import count_queries

FORM = {"name_fr": "Presse", "name_en": "Press", "quota": "5", "admits": "event", "listed": "y"}


def _categories(event_id):
    db.session.expire_all()
    return [(c.name_fr, c.quota) for c in db.session.get(Event, event_id).categories]


def test_an_organizer_adds_and_edits_a_category_from_the_page(english_client, make_event, organizer):
    event = make_event(capacity=50)
    login(english_client, organizer)
    page = english_client.get(f"/events/{event.slug}/categories").get_data(as_text=True)
    assert "Ticket categories" in page and "General admission" in page

    response = post_form(
        english_client, f"/events/{event.slug}/categories", FORM, token_from=f"/events/{event.slug}/categories"
    )
    assert response.status_code == 302
    assert _categories(event.id) == [("Entrée générale", None), ("Presse", 5)]
    press = db.session.scalar(select(Category).where(Category.name_fr == "Presse"))
    edit = f"/events/{event.slug}/categories/{press.id}"
    response = post_form(english_client, edit, FORM | {"quota": "8"}, token_from=edit)
    assert response.status_code == 302
    assert _categories(event.id)[1] == ("Presse", 8)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["category.added", "category.changed"]


def test_a_bad_category_is_refused_with_its_reason_and_nothing_is_saved(english_client, make_event, organizer):
    event = make_event(capacity=50)
    login(english_client, organizer)
    path = f"/events/{event.slug}/categories"
    cases = [
        (FORM | {"quota": "60"}, "cannot be above the event&#39;s capacity (50)"),
        (FORM | {"quota": "-2"}, "A quota cannot be negative."),
        (FORM | {"quota": "many"}, "Not a valid integer value."),
        (FORM | {"name_fr": "Entrée générale"}, "already has a category named"),
        (FORM | {"name_fr": "", "name_en": ""}, "Please give the category a name."),
        (FORM | {"admits": "groups"}, "Choose at least one working group."),
        (FORM | {"reserving": "y", "quota": ""}, "Seats can be reserved only within a quota"),
        (FORM | {"reserving": "y", "reserved_until": "2020-01-01T10:00"}, "The release date has passed"),
        (FORM | {"reserved_until": "tomorrow"}, "Not a valid datetime value."),
    ]
    for data, message in cases:
        response = post_form(english_client, path, data, token_from=path)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), message
    assert _categories(event.id) == [("Entrée générale", None)]


def test_only_the_event_s_organizers_reach_its_categories(client, make_event, make_member):
    event = make_event(capacity=10)
    assert client.get(f"/events/{event.slug}/categories").status_code == 302  # to the login page
    login(client, make_member())
    assert client.get(f"/events/{event.slug}/categories").status_code == 403
    response = post_form(client, f"/events/{event.slug}/categories", FORM)
    assert response.status_code == 403
    assert _categories(event.id) == [("Entrée générale", None)]


def test_a_member_chooses_a_category_on_the_event_page(english_client, make_event, make_member, add_category):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", name_en="Press", quota=1, description_en="For journalists")
    member = make_member(language="en")
    login(english_client, member)
    page = english_client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'name="category"' in page and "Press" in page and "For journalists" in page and "1 place left" in page

    response = post_form(english_client, f"/events/{event.slug}/register", {"category": str(press.id)})
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration).where(Registration.member_id == member.id))
    assert (registration.category_id, registration.status) == (press.id, "confirmed")
    page = english_client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "You are registered" in page and "Press" in page


def test_a_category_the_member_may_not_take_is_refused(english_client, make_event, make_member, add_category):
    event = make_event(capacity=10)
    hidden = add_category(event, "Officiels", admits="code", listed=False)
    login(english_client, make_member(language="en"))
    response = post_form(english_client, f"/events/{event.slug}/register", {"category": str(hidden.id)})
    assert response.status_code == 302
    page = english_client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "This ticket category does not exist for this event." in page
    assert db.session.scalar(select(Registration.id)) is None


def test_a_guest_chooses_among_the_categories_open_to_guests(english_client, make_event, add_category):
    event = make_event(capacity=10)
    students = add_category(event, "Étudiant·es", name_en="Students")
    add_category(event, "Membres", name_en="Members", admits="members")
    path = f"/events/{event.slug}/guest"
    page = english_client.get(path).get_data(as_text=True)
    assert "Students" in page and "Members" not in page

    guest = {"name": "Ada", "email": "ada@example.org", "organization": ""}
    response = post_form(english_client, path, guest | {"category": "999999"}, token_from=path)
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    response = post_form(english_client, path, guest | {"category": str(students.id)}, token_from=path)
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert (registration.category_id, registration.status) == (students.id, "held")


def test_the_organizer_moves_a_registration_over_a_full_category_after_confirming(
    english_client, make_event, make_member, organizer, add_category
):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", name_en="Press", quota=1)
    services.register_member(event, make_member(), category_id=press.id)
    moved, _ = services.register_member(event, make_member())
    db.session.commit()
    login(english_client, organizer)
    path = f"/events/{event.slug}/registrations/{moved.id}/category"
    assert "Change the category" in english_client.get(path).get_data(as_text=True)

    refused = post_form(english_client, path, {"category_id": str(press.id)}, token_from=path)
    assert refused.status_code == 400
    assert "must confirm" in refused.get_data(as_text=True) and 'name="over_quota"' in refused.get_data(as_text=True)
    assert db.session.get(Registration, moved.id).category_id == event.categories[0].id
    done = post_form(english_client, path, {"category_id": str(press.id), "over_quota": "y"}, token_from=path)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, moved.id).category_id == press.id
    assert db.session.get(Category, press.id).quota == 2


def test_the_export_the_ticket_and_the_dashboard_name_the_category(
    english_client, make_event, make_member, organizer, add_category
):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", name_en="Press")
    services.register_member(event, make_member(), category_id=press.id)
    db.session.commit()
    slug = event.slug
    login(english_client, organizer)
    export = english_client.get(f"/admin/events/{slug}/attendees.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][4] == "Category" and rows[1][4] == "Press"
    assert "Press" in english_client.get(f"/events/{slug}/dashboard").get_data(as_text=True)


def test_the_categories_page_runs_the_same_queries_whatever_the_number_of_categories(
    client, make_event, organizer, add_category
):
    login(client, organizer)

    def queries_with(n):
        event = make_event(capacity=1000)
        for i in range(n):
            add_category(event, f"Catégorie {i}", quota=10)
        with count_queries(db.engine) as statements:
            assert client.get(f"/events/{event.slug}/categories").status_code == 200
        return len(statements)

    one, many = queries_with(1), queries_with(20)
    assert one == many


def test_the_chart_stacks_each_category_under_the_total_and_names_them(
    english_client, make_event, make_member, organizer, add_category
):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", name_en="Press")
    for category_id in (None, None, press.id):
        services.register_member(event, make_member(), category_id=category_id)
    db.session.commit()
    fresh = db.session.get(Event, event.id)

    series = timeline.series(fresh)
    assert series.categories == (fresh.categories[0].id, press.id)
    assert series.by_category[-1] == (2, 1) and series.points[-1][1] == 3
    svg = str(chart.render(series, capacity=10, name_of=fresh.category_name))
    assert svg.count('class="band"') == 2 and f'data-category="{press.id}"' in svg
    assert "By category: General admission 2, Press 1." in svg
    login(english_client, organizer)
    page = english_client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    legend = page[page.index('class="chart-legend"') : page.index("</figcaption>")]
    assert "General admission" in legend and "Press" in legend
    numbers = page[page.index('class="chart-numbers"') :]
    assert '<th scope="col" class="num">Press</th>' in numbers
    assert '<td class="num">3</td><td class="num">2</td><td class="num">1</td>' in numbers


def test_one_category_keeps_the_plain_chart(make_event, make_member):
    event = make_event(capacity=10)
    services.register_member(event, make_member())
    db.session.commit()
    series = timeline.series(db.session.get(Event, event.id))
    assert series.categories == () and series.by_category == []
    svg = str(chart.render(series, capacity=10))
    assert 'class="band"' not in svg and 'class="confirmed-area"' in svg and "By category" not in svg
