"""Event pages through the client: permissions, messages, mails, tickets, calendars."""

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from community.core.extensions import db
from community.events.models import Event
from community.members.models import Member
from community.registrations import services
from community.registrations.models import Registration
from tests.conftest import links_in, login, post_form
from tests.factories import event_form
from tests.querycount import count_queries


def test_index_lists_upcoming_and_past_events_and_hides_drafts(client, make_event):
    make_event(title="Summit", capacity=450)
    make_event(title="Old meetup", starts_in=timedelta(days=-30))
    make_event(title="Secret draft", status="draft")
    page = client.get("/events/").get_data(as_text=True)
    assert "Summit" in page and "Old meetup" in page
    assert "Secret draft" not in page
    assert client.get("/events/event-3").status_code == 404


def test_detail_shows_places_left_then_full(client, make_event, bulk_members):
    event = make_event(capacity=2)
    ids = bulk_members(2)
    client.get("/", headers={"Accept-Language": "en"})
    assert "2 places left" in client.get(f"/events/{event.slug}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    for member_id in ids:
        services.register_member(event, db.session.get(Member, member_id))
    db.session.commit()
    assert "Full: join the waiting list" in client.get(
        f"/events/{event.slug}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)


def test_confirmed_member_registers_in_one_click_and_gets_a_mail_with_an_ics(client, make_member, make_event, deliver):
    event = make_event(capacity=10, title="Meetup LLM")
    member = make_member(language="en")
    login(client, member)
    response = post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    assert response.status_code == 302
    # A double click is harmless.
    post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
    assert db.session.get(Event, event.id).confirmed_count == 1

    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == member.email
    assert "Meetup LLM" in mail["Subject"]
    ics_part = next(p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(
        ics_part.get_content() if isinstance(ics_part.get_content(), str) else ics_part.get_content().decode()
    )
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Meetup LLM"
    ticket = next(link for link in links_in(mail) if "/tickets/" in link)
    page = client.get(ticket).get_data(as_text=True)
    assert "<svg" in page and db.session.scalars(select(Registration.ticket_code)).one() in page


def test_unconfirmed_member_and_anonymous_cannot_register(client, make_member, make_event):
    event = make_event(capacity=10)
    response = client.post(f"/events/{event.slug}/register")
    assert response.status_code in (302, 400)
    member = make_member(confirmed=False)
    login(client, member)
    response = post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    assert response.status_code == 302 and "/members/" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_members_only_event_refuses_guests_with_a_clear_message(client, make_event):
    event = make_event(capacity=10, visibility="members")
    response = post_form(
        client,
        f"/events/{event.slug}/guest",
        {"name": "Ada", "email": "ada@example.net"},
        token_from=f"/events/{event.slug}/guest",
        headers={"Accept-Language": "en"},
    )
    assert "open to members only" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_guest_holds_a_seat_confirms_from_the_mail_and_sees_the_qr_ticket(client, make_event, deliver, mailbox):
    event = make_event(capacity=450, title="Summit")
    response = post_form(
        client,
        f"/events/{event.slug}/guest",
        {"name": "Ada Lovelace", "email": "Ada@Example.net", "organization": "Analytical"},
        token_from=f"/events/{event.slug}/guest",
    )
    assert response.status_code == 302
    assert db.session.get(Event, event.id).confirmed_count == 1  # the held seat counts
    (hold_mail,) = deliver(expect=1)
    confirm = next(link for link in links_in(hold_mail) if "/confirm" in link)
    assert "Confirm" in client.get(confirm, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert db.session.scalars(select(Registration.status)).one() == "held"  # a GET changes nothing
    response = post_form(client, confirm, token_from=confirm)
    assert response.status_code == 302 and "/tickets/" in response.headers["Location"]
    assert "<svg" in client.get(response.headers["Location"]).get_data(as_text=True)
    mails = deliver(expect=2)
    assert any(p.get_content_type() == "text/calendar" for p in mails[-1].iter_attachments())


def test_bad_guest_input_gets_a_message_and_changes_nothing(client, make_event):
    event = make_event(capacity=10)
    response = post_form(
        client,
        f"/events/{event.slug}/guest",
        {"name": "", "email": "not-an-email"},
        token_from=f"/events/{event.slug}/guest",
    )
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_cancel_link_from_the_mail_promotes_the_waiting_member(client, make_member, make_event, deliver, mailbox):
    event = make_event(capacity=1, title="Small meetup")
    first, second = make_member(), make_member()
    services.register_member(event, first)
    services.register_member(event, second)
    db.session.commit()
    deliver(expect=2)  # the confirmation to the first, the waiting-list mail to the second
    (mail,) = mailbox.to(first.email)
    cancel = next(link for link in links_in(mail) if "/cancel" in link)
    assert client.get(cancel).status_code == 200
    assert db.session.get(Event, event.id).confirmed_count == 1
    assert post_form(client, cancel, token_from=cancel).status_code == 302
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Registration.member_id, Registration.status)).all())
    assert statuses == {first.id: "cancelled", second.id: "confirmed"}
    deliver(expect=3)
    assert len(mailbox.to(second.email)) == 2  # waiting, then the seat


def test_waiting_member_sees_position_and_leaves_in_one_click(client, make_member, make_event):
    event = make_event(capacity=1)
    services.register_member(event, make_member())
    db.session.commit()
    member = make_member(language="en")
    login(client, member)
    post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "number 1 on the waiting list" in page
    assert "Waiting list, number 1" in client.get("/events/mine").get_data(as_text=True)
    post_form(client, f"/events/{event.slug}/leave", token_from=f"/events/{event.slug}")
    assert services.live_registration(event.id, member_id=member.id) is None


def test_organizer_creates_publishes_edits_and_cancels_with_mails(client, make_member, deliver, mailbox):
    organizer = make_member(role="organizer", language="en")
    login(client, organizer)
    form = event_form(title="Paris meetup", capacity="1")
    response = post_form(client, "/events/new", form, token_from="/events/new")
    assert response.status_code == 302
    event = db.session.scalars(select(Event)).one()
    assert event.status == "draft" and event.starts_at.hour == 18  # 19:00 in Paris is 18:00 UTC in March
    post_form(client, f"/events/{event.slug}/publish", token_from=f"/events/{event.slug}")
    attendee, waiting = make_member(), make_member()
    services.register_member(db.session.get(Event, event.id), attendee)
    services.register_member(db.session.get(Event, event.id), waiting)
    db.session.commit()

    # Lowering below the seats taken is refused; raising promotes the waiting member.
    response = post_form(
        client, f"/events/{event.slug}/edit", dict(form, capacity="0"), token_from=f"/events/{event.slug}/edit"
    )
    assert response.status_code == 400 and "already taken" in response.get_data(as_text=True)
    assert db.session.get(Event, event.id).capacity == 1
    post_form(client, f"/events/{event.slug}/edit", dict(form, capacity="2"), token_from=f"/events/{event.slug}/edit")
    db.session.expire_all()
    assert services.live_registration(event.id, member_id=waiting.id).status == "confirmed"

    post_form(client, f"/events/{event.slug}/cancel", token_from=f"/events/{event.slug}")
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == "cancelled"
    deliver(expect=4)
    assert any("annul" in m["Subject"].lower() for m in mailbox.to(attendee.email))  # French: "Événement annulé"


def test_members_cannot_reach_organizer_pages(client, make_member, make_event):
    event = make_event(status="draft")
    login(client, make_member())
    assert client.get("/events/new").status_code == 403
    assert client.get(f"/events/{event.slug}/edit").status_code == 403
    assert client.get(f"/events/{event.slug}").status_code == 404


def test_ics_download_and_public_feed_parse(client, make_event):
    make_event(title="Public one")
    make_event(title="Members one", visibility="members")
    single = Calendar.from_ical(client.get("/events/event-1/calendar.ics").data)
    assert [str(e["SUMMARY"]) for e in single.walk("VEVENT")] == ["Public one"]
    feed = Calendar.from_ical(client.get("/events/feed.ics").data)
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["Public one"]


def test_lists_run_a_constant_number_of_queries(client, make_member, make_event):
    member = make_member()
    login(client, member)

    def measure(path):
        with count_queries(db.engine) as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    full, open_event = make_event(capacity=1), make_event(capacity=5)
    services.register_member(full, make_member())
    services.register_member(full, member)  # waiting: its position is computed too
    services.register_member(open_event, member)
    db.session.commit()
    few_index, few_mine = measure("/events/"), measure("/events/mine")
    for n in range(8):
        other = make_event(capacity=1 if n % 2 else 5)
        if n % 2:
            services.register_member(other, make_member())
        services.register_member(other, member)
        db.session.commit()
    assert measure("/events/") == few_index
    assert measure("/events/mine") == few_mine
    print(f"\nqueries: events list {few_index}, my registrations {few_mine}")


def test_the_event_page_for_organizers_runs_a_constant_number_of_queries(client, make_member, make_event, bulk_members):
    organizer = make_member(role="organizer")
    event = make_event(capacity=5, created_by=organizer.id)
    login(client, organizer)

    def measure():
        with count_queries(db.engine) as statements:
            page = client.get(f"/events/{event.slug}")
        assert page.status_code == 200
        # Counts and a link to the dashboard, where the lists are.
        text = page.get_data(as_text=True)
        assert f'href="/events/{event.slug}/dashboard"' in text and "Ada" not in text
        return len(statements), text

    ids = iter(bulk_members(30))
    services.register_member(event, db.session.get(Member, next(ids)))
    services.register_guest(event, name="Ada", email="ada@example.net")
    db.session.commit()
    few, _ = measure()
    for member_id in ids:  # 5 seats: the rest wait
        services.register_member(db.session.get(Event, event.id), db.session.get(Member, member_id))
    db.session.commit()
    many, text = measure()
    assert many == few
    assert "En attente\u00a0: 26" in text  # 31 people for 5 seats
    print(f"\nqueries: event page for organizers {few}")
