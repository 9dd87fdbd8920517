"""Every path that frees a seat moves the waiting list and tells people by mail:
an organizer cancelling someone, a capacity raised from the edit form, an
expired guest hold (cron), and the reminders cron that mails each attendee once."""

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.registrations import services
from community.registrations.models import Registration
from tests.conftest import links_in, login, mail_text, post_form

EN = {"Accept-Language": "en"}


@contextmanager
def count_commits(engine):
    commits = []
    listener = lambda _conn: commits.append(1)  # noqa: E731
    sa_event.listen(engine, "commit", listener)
    try:
        yield commits
    finally:
        sa_event.remove(engine, "commit", listener)


def statuses(event_id):
    db.session.expire_all()
    return dict(
        db.session.execute(select(Registration.id, Registration.status).where(Registration.event_id == event_id)).all()
    )


def test_an_organizer_cancels_a_registration_after_confirming_and_the_seat_moves(
    client, make_member, make_event, deliver, mailbox
):
    organizer = make_member(role="organizer")
    event = make_event(capacity=1, title="Atelier RAG", created_by=organizer.id)
    attendee, waiting = make_member(name="Alice Martin"), make_member()
    seat, _ = services.register_member(event, attendee)
    line, _ = services.register_member(event, waiting)
    db.session.commit()
    deliver(expect=2)
    mailbox.clear()
    login(client, organizer)

    # The dashboard lists the people, each with a cancel link.
    page = client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    confirm_path = f"/events/{event.slug}/registrations/{seat.id}/cancel"
    assert confirm_path in page and "Alice Martin" in page
    # The GET only asks; nothing changes until the button is pressed.
    assert "Alice Martin" in client.get(confirm_path).get_data(as_text=True)
    assert statuses(event.id) == {seat.id: "confirmed", line.id: "waiting"}

    response = post_form(client, confirm_path, token_from=confirm_path)
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/events/{event.slug}/dashboard")
    assert statuses(event.id) == {seat.id: "cancelled", line.id: "confirmed"}
    assert db.session.get(Event, event.id).confirmed_count == 1
    deliver(expect=2)
    (removed,) = mailbox.to(attendee.email)
    assert "Atelier RAG" in removed["Subject"] and "Atelier RAG" in mail_text(removed)
    assert templates_sent_to(attendee.email)[-1] == "event_removed"
    (promoted,) = mailbox.to(waiting.email)
    assert any(part.get_content_type() == "text/calendar" for part in promoted.iter_attachments())

    # A second press (another tab) changes nothing and mails nobody.
    post_form(client, confirm_path, token_from=f"/events/{event.slug}")
    assert statuses(event.id) == {seat.id: "cancelled", line.id: "confirmed"}
    assert len(deliver()) == 2


def test_an_organizer_removes_a_guest_from_the_waiting_list_and_nobody_is_promoted(
    client, make_member, make_event, deliver, mailbox
):
    event = make_event(capacity=1)
    services.register_member(event, make_member())
    guest, _ = services.register_guest(event, name="Grace", email="grace@example.net")
    db.session.commit()
    login(client, make_member(role="admin"))
    path = f"/events/{event.slug}/registrations/{guest.id}/cancel"
    post_form(client, path, token_from=path)
    assert statuses(event.id)[guest.id] == "cancelled"
    assert db.session.get(Event, event.id).confirmed_count == 1
    deliver(expect=3)
    assert len(mailbox.to("grace@example.net")) == 2
    assert templates_sent_to("grace@example.net") == ["event_waiting", "event_removed"]


def test_a_registration_of_another_event_is_not_found_through_this_event(client, make_member, make_event):
    organizer = make_member(role="organizer")
    event, other = make_event(capacity=5, created_by=organizer.id), make_event(capacity=5, created_by=organizer.id)
    registration, _ = services.register_member(other, make_member())
    db.session.commit()
    login(client, organizer)
    path = f"/events/{event.slug}/registrations/{registration.id}/cancel"
    assert client.get(path).status_code == 404
    assert post_form(client, path, token_from=f"/events/{event.slug}").status_code == 404
    assert statuses(other.id) == {registration.id: "confirmed"}


def templates_sent_to(address):
    return list(
        db.session.scalars(
            select(OutboxEmail.template).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        )
    )


def edit_form(event, **changes):
    values = {
        "title": event.title,
        "starts_at": "2031-03-10T19:00",
        "ends_at": "2031-03-10T21:00",
        "capacity": str(event.capacity),
        "visibility": "public",
        "group_id": "",
        "waitlist_enabled": "y",
        "venue": event.venue,
        "address": event.address,
    }
    values.update(changes)
    return values


def test_raising_the_capacity_from_the_edit_form_promotes_in_the_same_transaction(
    client, make_member, make_event, deliver, mailbox
):
    organizer = make_member(role="organizer")
    event = make_event(capacity=1, created_by=organizer.id)
    first, second, third = make_member(), make_member(), make_member()
    for member in (first, second, third):
        services.register_member(event, member)
    db.session.commit()
    login(client, organizer)
    edit = f"/events/{event.slug}/edit"
    token_page = client.get(edit)
    assert token_page.status_code == 200

    with count_commits(db.engine) as commits:
        response = post_form(client, edit, edit_form(event, capacity="2", title="Bigger room"), token_from=edit)
        # the token page GET inside post_form commits nothing; the POST commits once
    assert response.status_code == 302
    assert len(commits) == 1
    fresh = db.session.get(Event, event.id)
    assert (fresh.title, fresh.capacity, fresh.confirmed_count) == ("Bigger room", 2, 2)
    by_member = dict(
        db.session.execute(
            select(Registration.member_id, Registration.status).where(Registration.event_id == event.id)
        ).all()
    )
    assert by_member == {first.id: "confirmed", second.id: "confirmed", third.id: "waiting"}
    mails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == second.email).order_by(OutboxEmail.id)
    ).all()
    # The seat given, then the edit's move (to 2031) told as to everyone registered.
    promotion, moved = mails[-2:]
    assert promotion.template == "event_confirmed" and "place" in promotion.subject.lower()
    assert moved.template == "event_changed"


def test_an_edit_that_lowers_capacity_below_the_seats_taken_changes_nothing(client, make_member, make_event):
    organizer = make_member(role="organizer", language="en")
    event = make_event(capacity=2, title="Kept", created_by=organizer.id)
    for member in (make_member(), make_member()):
        services.register_member(event, member)
    db.session.commit()
    login(client, organizer)
    edit = f"/events/{event.slug}/edit"
    response = post_form(client, edit, edit_form(event, capacity="1", title="Renamed"), token_from=edit, headers=EN)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # Beside the capacity field, with what was typed kept in the form.
    assert '<p class="error" id="capacity-error">2 seats are already taken' in page
    assert 'value="Renamed"' in page
    fresh = db.session.get(Event, event.id)
    assert (fresh.title, fresh.capacity, fresh.confirmed_count) == ("Kept", 2, 2)


def test_a_member_joining_the_waiting_list_gets_a_mail_with_their_position(
    client, make_member, make_event, deliver, mailbox
):
    event = make_event(capacity=1, title="Petit-déjeuner")
    services.register_member(event, make_member())
    services.register_member(event, make_member())
    db.session.commit()
    member = make_member()
    login(client, member)
    post_form(client, f"/events/{event.slug}/register", token_from=f"/events/{event.slug}")
    deliver(expect=3)
    (mail,) = mailbox.to(member.email)
    assert "Petit-déjeuner" in mail["Subject"] and "attente" in mail["Subject"]
    assert "position 2" in mail_text(mail)
    assert any("/cancel" in link for link in links_in(mail))


def test_expire_holds_command_frees_seats_for_the_waiting_list(app, make_member, make_event, deliver, mailbox):
    event = make_event(capacity=1)
    guest, _ = services.register_guest(event, name="Ada", email="ada@example.net")
    waiting, _ = services.register_member(event, make_member())
    db.session.commit()
    runner = app.test_cli_runner()
    assert "holds expired: 0" in runner.invoke(args=["expire-holds"]).output  # not due yet

    db.session.get(Registration, guest.id).hold_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    mailbox.clear()
    deliver()  # what was queued so far goes out now
    mailbox.clear()
    result = runner.invoke(args=["expire-holds"])
    assert result.exit_code == 0 and "holds expired: 1" in result.output
    assert statuses(event.id) == {guest.id: "cancelled", waiting.id: "confirmed"}
    assert "holds expired: 0" in runner.invoke(args=["expire-holds"]).output
    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == waiting.member.email


def test_send_reminders_mails_each_attendee_once_however_often_it_runs(app, make_member, make_event, deliver, mailbox):
    soon = make_event(capacity=5, starts_in=timedelta(hours=20), title="Demain")
    later = make_event(capacity=5, starts_in=timedelta(days=6), title="Plus tard")
    attendees = [make_member(), make_member()]
    for member in attendees:
        services.register_member(soon, member)
    guest, _ = services.register_guest(soon, name="Ada", email="ada@example.net")
    services.confirm_guest(guest)
    services.register_member(later, make_member())
    db.session.commit()
    deliver(expect=5)
    mailbox.clear()

    runner = app.test_cli_runner()
    assert "reminders queued: 3" in runner.invoke(args=["send-reminders"]).output
    assert "reminders queued: 0" in runner.invoke(args=["send-reminders"]).output
    deliver(expect=3)
    assert len(mailbox.wait_for(4, timeout=0.3)) == 3
    for address in [m.email for m in attendees] + ["ada@example.net"]:
        (reminder,) = mailbox.to(address)
        assert "Demain" in reminder["Subject"]
