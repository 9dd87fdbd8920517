"""Mail to attendees: who gets it, in which language, how it reads, that it is sent
once however often the form is submitted, what bad input and strangers get, and
that sending to the whole summit stays a fixed number of SELECTs."""

import threading
import time
from datetime import timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from community.checkin.models import CheckIn
from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.errors import NotAllowed
from community.core.extensions import db
from community.events.models import EventStaff
from community.mail.models import OutboxEmail
from community.messages import services as messages
from community.messages.models import EventMessage
from community.registrations.models import Registration
from tests.conftest import links_in, login, mail_html, mail_text, make_config, post_form
from tests.factories import registration_row
from tests.querycount import count_queries

BODY = (
    "Bonjour à toutes et à tous,\n\nLa salle change : rendez-vous en salle B.\n"
    "<script>alert('x')</script>\n\n- badge\n- laptop"
)


@pytest.fixture
def app_config(database_url, smtp_server):
    # Room for the concurrent-submit threads' connections.
    return make_config(database_url, smtp_server.port, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8, "max_overflow": 4})


def add(event, status, *, member=None, guest=None, language="fr", **fields):
    """A registration row as the engine leaves it (the audiences read rows, not the engine)."""
    now = utcnow()
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id if member else None,
        status=status,
        language=language,
        guest_name=guest.split("@")[0].title() if guest else None,
        guest_email=guest,
        hold_expires_at=now + timedelta(hours=1) if status == "held" else None,
        confirmed_at=now if status == "confirmed" else None,
        **fields,
    )
    db.session.add(registration)
    db.session.flush()
    return registration


def said(excinfo) -> str:
    """The refusal as the user reads it (lazy strings need a request for the language)."""
    with current_app.test_request_context(), force_locale("en"):
        return str(excinfo.value)


def check_in(registration, *, undone=False):
    now = utcnow()
    db.session.add(
        CheckIn(
            registration_id=registration.id,
            event_id=registration.event_id,
            checked_in_at=now,
            undone_at=now if undone else None,
        )
    )


@pytest.fixture
def people(make_event, make_member):
    """One event with someone in each situation, and a stranger on another event."""
    event = make_event(title="Sommet OpenLLM", capacity=None)
    other = make_event(title="Autre")
    alice = make_member("alice@example.org", name="Alice", language="fr")
    bob = make_member("bob@example.org", name="Bob", language="en")
    dan = make_member("dan@example.org", name="Dan", language="fr")
    hugo = make_member("hugo@example.org", name="Hugo", language="fr")
    rows = dict(
        alice=add(event, "confirmed", member=alice),  # checked in
        bob=add(event, "confirmed", member=bob),  # check-in undone
        carla=add(event, "confirmed", guest="carla@example.org", language="en"),
        dan=add(event, "waiting", member=dan),
        gina=add(event, "held", guest="gina@example.org"),
        hugo=add(event, "cancelled", member=hugo),  # cancelled after a check-in
        ghost=add(event, "confirmed", anonymized_at=utcnow()),  # anonymized: nobody to write to
        far=add(other, "confirmed", member=hugo),
    )
    check_in(rows["alice"])
    check_in(rows["bob"], undone=True)
    check_in(rows["hugo"])
    organizer = make_member("orga@example.org", name="Olga", role="organizer")
    event.created_by = organizer.id
    db.session.commit()
    return event, organizer, rows


def emails_of(event, audience):
    return sorted(r.email for r in db.session.scalars(messages.recipients_query(event, audience)))


def test_each_audience_selects_the_right_people(people):
    event, _organizer, _rows = people
    assert emails_of(event, "confirmed") == ["alice@example.org", "bob@example.org", "carla@example.org"]
    assert emails_of(event, "waiting") == ["dan@example.org"]
    assert emails_of(event, "checked_in") == ["alice@example.org"]
    assert emails_of(event, "not_checked_in") == ["bob@example.org", "carla@example.org"]
    assert messages.counts(event) == {"confirmed": 3, "waiting": 1, "checked_in": 1, "not_checked_in": 2}
    assert [messages.count(event, a) for a in messages.AUDIENCES] == [3, 1, 1, 2]


def test_each_person_gets_one_mail_in_their_language_with_the_text_escaped_and_working_links(
    people, client, deliver, mailbox
):
    event, organizer, rows = people
    message = messages.send(
        organizer, event, audience="confirmed", subject="Changement de salle", body=BODY, submission_key="k" * 24
    )
    db.session.commit()
    assert message.recipient_count == 3
    received = deliver(expect=3)
    assert len(received) == 3
    assert sorted(a for a, _m in mailbox.messages) == ["alice@example.org", "bob@example.org", "carla@example.org"]

    (alice,) = mailbox.to("alice@example.org")
    assert alice["Subject"] == "[Sommet OpenLLM] Changement de salle"
    assert "Bonjour Alice," in mail_text(alice) and "Vous recevez ce message" in mail_html(alice)
    french = " ".join(mail_text(alice).split())  # French puts a no-break space before a colon
    assert "Votre billet :" in french and "Lieu : La Cantine" in french and "(Europe/Paris)" in french
    for english in (mailbox.to("bob@example.org")[0], mailbox.to("carla@example.org")[0]):
        assert "You receive this message because" in mail_html(english) and "Your ticket:" in mail_text(english)
    assert "Hello Carla," in mail_text(mailbox.to("carla@example.org")[0])

    html, text = mail_html(alice), mail_text(alice)
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert "<p>La salle change : rendez-vous en salle B.<br>" in html and "<li>badge</li>" in html
    assert "<script>alert('x')</script>" in text  # plain text stays as written

    paths = links_in(alice)
    assert f"/events/{event.slug}" in paths
    (ticket,) = [p for p in paths if p.startswith("/events/tickets/")]
    page = client.get(ticket)
    assert page.status_code == 200 and "Alice" in page.get_data(as_text=True)
    assert client.get(f"/events/{event.slug}").status_code == 200

    rows_ = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert {r.event_id for r in rows_} == {event.id}
    assert {r.dedupe_key for r in rows_} == {
        f"event-message:{message.id}:{rows[n].id}" for n in ("alice", "bob", "carla")
    }
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.message_sent")).all()
    assert entry.changes == {"audience": "confirmed", "recipient_count": 3}
    assert entry.event_id == event.id and entry.actor_id == organizer.id


def test_the_waiting_list_is_pointed_to_its_place_not_a_ticket(people, deliver, mailbox):
    event, organizer, _rows = people
    messages.send(
        organizer, event, audience="waiting", subject="Des places", body="Peut-être.", submission_key="w" * 24
    )
    db.session.commit()
    (dan,) = deliver(expect=1)
    assert "Your ticket" not in mail_text(dan) and "Votre billet" not in mail_text(dan)
    assert any(p.startswith("/events/tickets/") for p in links_in(dan))


def outbox_count():
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def message_count():
    return db.session.scalar(select(func.count()).select_from(EventMessage))


def test_the_same_submission_twice_sends_once(people):
    event, organizer, _rows = people
    first = messages.send(
        organizer, event, audience="confirmed", subject="Salut", body="Texte", submission_key="d" * 24
    )
    db.session.commit()
    again = messages.send(
        organizer, event, audience="confirmed", subject="Salut", body="Texte", submission_key="d" * 24
    )
    db.session.commit()
    assert again.id == first.id
    assert (message_count(), outbox_count()) == (1, 3)


def test_two_concurrent_submits_of_one_form_send_one_message_and_one_mail_each(app, people):
    event, organizer, _rows = people
    event_id, organizer_id = event.id, organizer.id
    start, results, errors = threading.Barrier(2), [], []

    def submit():
        with app.app_context():
            try:
                from community.events.models import Event
                from community.members.models import Member

                ev, actor = db.session.get(Event, event_id), db.session.get(Member, organizer_id)
                start.wait()
                message = messages.send(
                    actor, ev, audience="confirmed", subject="Course", body="Deux clics", submission_key="r" * 24
                )
                db.session.commit()
                results.append(message.id)
            except Exception as exc:  # asserted empty below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert errors == []
    assert len(results) == 2 and len(set(results)) == 1
    assert (message_count(), outbox_count()) == (1, 3)
    dedupes = db.session.scalars(select(OutboxEmail.dedupe_key)).all()
    assert len(set(dedupes)) == 3


@pytest.mark.parametrize(
    "fields, error",
    [
        (dict(subject="  "), "Please write a subject."),
        (dict(body="\n \n"), "Please write a message."),
        (dict(audience="everyone"), "Please choose who receives the message."),
        (dict(subject="x" * 201), "The subject is too long: 200 characters at most."),
        (dict(body="x" * 20_001), "The message is too long: 20000 characters at most."),
        (dict(audience="checked_in", event="draft"), "This event is a draft"),
    ],
)
def test_bad_input_is_refused_by_the_rule_and_nothing_is_queued(people, make_event, fields, error):
    event, organizer, _rows = people
    fields = dict(fields)  # the parameter is shared with the other database's run
    if fields.pop("event", None) == "draft":
        event = make_event(status="draft", created_by=organizer.id)
    values = dict(audience="confirmed", subject="Sujet", body="Texte", submission_key="b" * 24) | fields
    with pytest.raises(messages.MessageRefused) as refused:
        messages.send(organizer, event, **values)
    assert error in said(refused)
    db.session.rollback()
    assert (message_count(), outbox_count()) == (0, 0)


def test_an_empty_audience_is_refused_rather_than_archived_as_sent(make_event, make_member):
    event, organizer = make_event(), make_member(role="admin")
    with pytest.raises(messages.MessageRefused) as refused:
        messages.send(
            organizer, event, audience="checked_in", subject="Merci", body="À bientôt", submission_key="e" * 24
        )
    assert said(refused) == "Nobody is in this audience yet: nothing was sent."
    db.session.rollback()
    assert (message_count(), outbox_count()) == (0, 0)


def test_the_rule_itself_refuses_someone_who_does_not_run_the_event(people, make_member):
    event, _organizer, _rows = people
    with pytest.raises(NotAllowed):
        messages.send(
            make_member(role="organizer"),
            event,
            audience="confirmed",
            subject="Spam",
            body="x",
            submission_key="n" * 24,
        )
    db.session.rollback()
    assert (message_count(), outbox_count()) == (0, 0)


# ------------------------------------------------------------------ pages


def new_path(event):
    return f"/events/{event.slug}/messages/new"


def key_on(page: str) -> str:
    import re

    return re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)


def test_the_form_shows_each_audience_with_its_count(people, client):
    event, organizer, _rows = people
    login(client, organizer)
    page = client.get(new_path(event), headers={"Accept-Language": "en"}).get_data(as_text=True)
    for label in (
        "Participants confirmés (3)",
        "Personnes sur liste d'attente (1)",
        "Présents (1)",
        "Confirmés mais absents (2)",
    ):
        assert label in page
    assert len(key_on(page)) >= 16


def test_preview_shows_the_count_and_the_rendered_mail_and_changes_nothing(people, client):
    event, organizer, _rows = people
    login(client, organizer)
    page = client.get(new_path(event)).get_data(as_text=True)
    response = post_form(
        client,
        new_path(event),
        {
            "audience": "not_checked_in",
            "subject": "Dernier appel",
            "body": BODY,
            "submission_key": key_on(page),
            "action": "preview",
        },
        token_from=new_path(event),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 e-mails seront envoyés à\u00a0: Confirmés mais absents." in html
    assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
    assert "<li>badge</li>" in html and "[Sommet OpenLLM] Dernier appel" in html
    assert key_on(page) in html  # the same key rides on to the Send button
    assert (message_count(), outbox_count()) == (0, 0)


def test_send_from_the_preview_then_a_double_submit_sends_once(people, client):
    event, organizer, _rows = people
    login(client, organizer)
    key = key_on(client.get(new_path(event)).get_data(as_text=True))
    data = {
        "audience": "confirmed",
        "subject": "Infos",
        "body": "Le programme est en ligne.",
        "submission_key": key,
        "action": "send",
    }
    first = post_form(client, new_path(event), data, token_from=new_path(event))
    second = post_form(client, new_path(event), data, token_from=new_path(event))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == f"/events/{event.slug}/messages"
    archive = client.get(f"/events/{event.slug}/messages", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Message envoyé à 3 personnes." in archive and "Infos" in archive
    assert (message_count(), outbox_count()) == (1, 3)
    (message,) = db.session.scalars(select(EventMessage)).all()
    detail = client.get(f"/events/{event.slug}/messages/{message.id}").get_data(as_text=True)
    assert "Le programme est en ligne." in detail and "Olga" in detail


@pytest.mark.parametrize(
    "fields, error",
    [
        (dict(subject=""), "Please write a subject."),
        (dict(body=""), "Please write a message."),
        (dict(audience="everyone"), "Please choose who receives the message."),
        (dict(subject="x" * 201), "The subject is too long: 200 characters at most."),
        (dict(body="x" * 20_001), "The message is too long: 20000 characters at most."),
    ],
)
@pytest.mark.parametrize("action", ["preview", "send"])
def test_bad_input_in_the_form_gets_a_clear_message_and_queues_nothing(people, client, fields, error, action):
    event, organizer, _rows = people
    organizer.language = "en"  # the messages are not translated yet
    db.session.commit()
    login(client, organizer)
    data = {
        "audience": "confirmed",
        "subject": "Sujet",
        "body": "Texte",
        "submission_key": "f" * 24,
        "action": action,
    } | fields
    response = post_form(client, new_path(event), data, token_from=new_path(event))
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert (message_count(), outbox_count()) == (0, 0)


# ------------------------------------------------------------------ who may


@pytest.fixture
def cast(people, make_member, make_event):
    event, organizer, _rows = people
    elsewhere = make_event()
    members = dict(
        member=make_member(name="Plain"),
        steward=make_member(name="Steward"),
        steward_elsewhere=make_member(name="Steward2"),
        organizer_elsewhere=make_member(name="Orga2", role="organizer"),
        global_organizer=make_member(name="Orga3", role="organizer"),
        named_organizer=make_member(name="Orga4"),
        admin=make_member(name="Admin", role="admin"),
        creator=organizer,
    )
    for key, target, role in (
        ("steward", event, "steward"),
        ("steward_elsewhere", elsewhere, "steward"),
        ("organizer_elsewhere", elsewhere, "organizer"),
        ("named_organizer", event, "organizer"),
    ):
        db.session.add(EventStaff(event_id=target.id, member_id=members[key].id, role=role))
    message = messages.send(
        organizer, event, audience="waiting", subject="Secret", body="Pour la liste", submission_key="p" * 24
    )
    db.session.commit()
    return event, message, members


ALLOWED = {"named_organizer", "admin", "creator"}


@pytest.mark.parametrize(
    "who",
    [
        "member",
        "steward",
        "steward_elsewhere",
        "organizer_elsewhere",
        "global_organizer",
        "named_organizer",
        "admin",
        "creator",
    ],
)
def test_only_this_events_organizers_and_admins_reach_the_message_pages(cast, client, who):
    event, message, members = cast
    login(client, members[who])
    paths = [new_path(event), f"/events/{event.slug}/messages", f"/events/{event.slug}/messages/{message.id}"]
    expected = 200 if who in ALLOWED else 403
    for path in paths:
        response = client.get(path)
        assert response.status_code == expected, path
        assert ("Secret" in response.get_data(as_text=True)) == (who in ALLOWED and path != new_path(event))
    sent = post_form(
        client,
        new_path(event),
        {"audience": "confirmed", "subject": "Hack", "body": "x", "submission_key": "h" * 24, "action": "send"},
    )
    assert sent.status_code == (302 if who in ALLOWED else 403)
    assert message_count() == (2 if who in ALLOWED else 1)


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_sent(cast, client):
    event, message, _members = cast
    for path in (new_path(event), f"/events/{event.slug}/messages", f"/events/{event.slug}/messages/{message.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/members/login" in response.headers["Location"]
    response = post_form(
        client,
        new_path(event),
        {"audience": "confirmed", "subject": "x", "body": "x", "submission_key": "a" * 24, "action": "send"},
    )
    assert response.status_code == 302 and "/members/login" in response.headers["Location"]
    assert message_count() == 1


def test_a_message_of_another_event_is_not_found_from_this_one(cast, client, make_event):
    event, message, members = cast
    other = make_event()
    other.created_by = members["creator"].id
    db.session.commit()
    login(client, members["creator"])
    assert client.get(f"/events/{other.slug}/messages/{message.id}").status_code == 404
    assert client.get(f"/events/{event.slug}/messages/99999999999").status_code == 404


# ------------------------------------------------------------------ queries


def seat_many(event, member_ids):
    now = utcnow()
    db.session.execute(
        insert(Registration),
        [registration_row(event, m, now, confirmed_at=now, ticket_code=f"t{event.id}-{m}") for m in member_ids],
    )
    db.session.commit()


def timed_send(event, actor, key):
    _loaded = event.title, actor.display_name  # as the view has them
    with count_queries(db.engine) as statements:
        started = time.perf_counter()
        message = messages.send(actor, event, audience="confirmed", subject="Infos", body=BODY, submission_key=key)
        db.session.flush()
        elapsed = time.perf_counter() - started
    db.session.commit()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    return message, len(selects), elapsed


def test_sending_to_450_runs_as_many_selects_as_sending_to_10(make_event, make_member, bulk_members, capsys):
    organizer = make_member(role="admin")
    small, large = make_event(), make_event()
    seat_many(small, bulk_members(10, "small"))
    seat_many(large, bulk_members(450, "large"))
    db.session.expire_all()  # nothing preloaded in the identity map

    message10, selects10, _ = timed_send(small, organizer, "s" * 24)
    db.session.expire_all()
    message450, selects450, elapsed = timed_send(large, organizer, "l" * 24)
    assert (message10.recipient_count, message450.recipient_count) == (10, 450)
    assert selects10 == selects450 == 1  # the recipients with their members
    assert outbox_count() == 460
    with capsys.disabled():
        print(
            f"\n[messages] {db.engine.dialect.name}: send() SELECTs 10 -> {selects10}, 450 -> {selects450}; "
            f"450 mails rendered and queued in {elapsed:.2f}s"
        )


def test_the_archive_lists_newest_first_with_authors_in_one_query(people, make_member):
    event, organizer, _rows = people
    other = make_member(name="Paul", role="admin")
    for i, author in enumerate((organizer, other, organizer)):
        messages.send(author, event, audience="confirmed", subject=f"Message {i}", body="x", submission_key=f"{i}" * 20)
    db.session.commit()
    db.session.expire_all()
    _loaded = event.id  # before counting
    with count_queries(db.engine) as statements:
        archive = messages.archive(event)
        authors = [m.author.display_name for m in archive]
    assert len(statements) == 1
    assert [m.subject for m in archive] == ["Message 2", "Message 1", "Message 0"]
    assert authors == ["Olga", "Paul", "Olga"]
