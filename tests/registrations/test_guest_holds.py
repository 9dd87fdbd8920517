"""Guests cannot fill a public event: a hold lasts the event's minutes and frees its
seat by itself, an address whose hold ran out cannot take another at once, one
client address has few unconfirmed guest registrations per event, and the guest
form's POSTs are rate-limited per address and per event (issue #16, item 1)."""

from collections import Counter
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, update

from community.core.clock import as_utc, utcnow
from community.core.extensions import db
from community.events.models import Event
from community.registrations import guest_holds, seats, services
from community.registrations.errors import RegistrationRefused
from community.registrations.models import Registration
from tests.conftest import csrf_token, login, make_config, needs_redis, post_form
from tests.factories import assert_invariants

ATTACKER, NEIGHBOUR = "203.0.113.7", "198.51.100.20"


def statuses(event_id) -> Counter:
    db.session.expire_all()
    return Counter(db.session.scalars(select(Registration.status).where(Registration.event_id == event_id)))


def refusal(call) -> str:
    """The refusal's message, in English; the transaction is rolled back."""
    with pytest.raises(RegistrationRefused) as caught:
        call()
    db.session.rollback()
    with force_locale("en"):
        return str(caught.value)


def guest(event, n, *, client=ATTACKER, now=None, email=None):
    return services.register_guest(
        db.session.get(Event, event.id),
        name=f"Guest {n}",
        email=email or f"guest{n}@example.net",
        client=client,
        now=now,
    )[0]


# ------------------------------------------------------------------ how long a hold lasts


def test_a_guest_hold_lasts_the_community_s_minutes_or_the_event_s_own(make_event):
    now = utcnow()
    default, own = make_event(capacity=5), make_event(capacity=5, guest_hold_minutes=10)

    assert as_utc(guest(default, 1, now=now).hold_expires_at) == now + timedelta(minutes=30)
    assert as_utc(guest(own, 2, now=now).hold_expires_at) == now + timedelta(minutes=10)


def test_an_expired_hold_frees_its_seat_for_the_next_person_with_no_command(make_event, make_member):
    """Capacity 1: the guest's hold runs out after 10 minutes; the next person, a minute
    later, gets the seat (the seat engine frees due holds before deciding the event is
    full); nobody ran expire-holds."""
    event = make_event(capacity=1, guest_hold_minutes=10, waitlist_enabled=False)
    start = utcnow()
    first = guest(event, 1, now=start)
    db.session.commit()
    # Still held at 9 minutes: the event is full.
    assert "full" in refusal(lambda: guest(event, 2, client=NEIGHBOUR, now=start + timedelta(minutes=9)))

    second = guest(event, 2, client=NEIGHBOUR, now=start + timedelta(minutes=11))
    db.session.commit()

    assert second.status == "held"
    assert db.session.get(Registration, first.id).status == "cancelled"
    assert statuses(event.id) == {"held": 1, "cancelled": 1}
    assert_invariants(event.id)


def test_the_dashboard_and_the_event_page_count_only_live_holds(client, make_event, make_member):
    organizer = make_member(role="organizer")
    event = make_event(capacity=2, created_by=organizer.id)
    guest(event, 1)
    db.session.commit()
    db.session.execute(update(Registration).values(hold_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    login(client, organizer)

    page = client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)

    assert 'id="count-held">0<' in page and "<strong>0 / 2</strong>" in page and "2 places restantes" in page
    assert db.session.get(Event, event.id).confirmed_count == 0
    assert_invariants(event.id)


# ------------------------------------------------------------------ no chained holds


def test_an_address_whose_hold_ran_out_waits_before_holding_again(make_event):
    event = make_event(capacity=5, guest_hold_minutes=10)
    start = utcnow()
    guest(event, 1, now=start)
    db.session.commit()
    later = start + timedelta(minutes=11)

    message = refusal(lambda: guest(event, 1, client=NEIGHBOUR, now=later))
    assert "not confirmed in time" in message and "You may register again from" in message
    # Another address from the same place is a different person.
    assert guest(event, 2, now=later).status == "held"
    # The cool-down (60 minutes after the hold ran out) over, the address may hold again.
    again = guest(event, 1, now=start + timedelta(minutes=10 + 60, seconds=1))
    db.session.commit()
    assert again.status == "held"
    assert_invariants(event.id)


def test_a_guest_who_confirmed_or_let_go_in_time_is_not_held_back(make_event):
    event = make_event(capacity=5)
    kept = guest(event, 1)
    services.confirm_guest(kept)
    released = guest(event, 2)
    db.session.commit()
    services.cancel_registration(released)
    db.session.commit()

    assert guest(event, 2, client=NEIGHBOUR).status == "held"  # gave it back before it ran out


# ------------------------------------------------------------------ one address, few holds


def test_one_address_has_at_most_three_unconfirmed_guest_registrations_per_event(make_event, make_member):
    event, other = make_event(capacity=3), make_event(capacity=10)
    held = [guest(event, n) for n in range(3)]  # the event is full now
    db.session.commit()
    # It would wait in line: places in line count too.
    assert "already waiting for confirmation" in refusal(lambda: guest(event, 4))

    assert guest(other, 5).status == "held"  # per event
    assert guest(event, 6, client=NEIGHBOUR).status == "waiting"  # per address
    services.confirm_guest(held[0])  # one proved: room for one more from that address
    assert guest(event, 7).status == "waiting"
    db.session.commit()
    assert statuses(event.id) == {"held": 2, "confirmed": 1, "waiting": 2}
    stored = db.session.scalars(select(Registration.client_key).where(Registration.event_id == event.id)).all()
    assert ATTACKER not in stored and set(stored) == {
        guest_holds.client_key(ATTACKER),
        guest_holds.client_key(NEIGHBOUR),
    }


def test_past_the_cap_the_guest_is_told_to_confirm_the_mail_they_have(english_client, make_event):
    event = make_event(capacity=10)
    path = f"/events/{event.slug}/guest"
    token = csrf_token(english_client, path)

    def post(n, address):
        return english_client.post(
            path,
            data={"csrf_token": token, "name": f"Ada {n}", "email": f"ada{n}@example.net"},
            environ_base={"REMOTE_ADDR": address},
        )

    assert [post(n, ATTACKER).status_code for n in range(3)] == [302, 302, 302]
    refused = post(3, ATTACKER).get_data(as_text=True)
    assert "already waiting for confirmation" in refused and "the email you already received" in refused
    assert post(4, NEIGHBOUR).status_code == 302
    assert statuses(event.id) == {"held": 4}


# ------------------------------------------------------------------ rate limits


@pytest.fixture
def app_config(database_url, smtp_server):
    return make_config(database_url, smtp_server.port, RATELIMIT_ENABLED=True)


def test_thirty_guest_posts_from_one_address_get_429s_and_fill_nothing(client, make_event, make_member, deliver):
    """The issue's flood: 30 guest registrations from one address in a burst, on a
    5-seat event. Before: 30 accepted (5 held, 25 waiting). Now: the first 3 hold a
    seat, the next 2 are told to confirm their mail, the other 25 get 429; two seats
    stay free for a member and the line stays empty."""
    event = make_event(capacity=5)
    path = f"/events/{event.slug}/guest"
    token = csrf_token(client, path)

    codes = [
        client.post(
            path,
            data={"csrf_token": token, "name": f"Bot {n}", "email": f"bot{n}@example.net"},
            environ_base={"REMOTE_ADDR": ATTACKER},
        ).status_code
        for n in range(30)
    ]

    assert Counter(codes) == {302: 3, 200: 2, 429: 25}
    assert statuses(event.id) == {"held": 3}
    assert len(deliver(expect=3)) == 3  # three mails, not thirty
    member = make_member()
    assert services.register_member(db.session.get(Event, event.id), member)[0].status == "confirmed"
    db.session.commit()
    # The limits are per address: a guest elsewhere is not held back.
    response = post_form(
        client,
        path,
        {"name": "Ada", "email": "ada@example.net"},
        token_from=path,
        environ_base={"REMOTE_ADDR": NEIGHBOUR},
    )
    assert response.status_code == 302 and statuses(event.id)["held"] == 4


def test_guest_posts_are_limited_per_event_whatever_the_address(app, client, make_event):
    app.config["GUEST_REGISTRATION_EVENT_LIMIT"] = "4 per minute"
    event, other = make_event(capacity=50), make_event(capacity=50)
    token = csrf_token(client, f"/events/{event.slug}/guest")

    def post(target, n):
        return client.post(
            f"/events/{target.slug}/guest",
            data={"csrf_token": token, "name": f"G {n}", "email": f"g{n}@example.net"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        ).status_code

    assert [post(event, n) for n in range(6)] == [302, 302, 302, 302, 429, 429]
    assert post(other, 7) == 302
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 5


def test_release_holds_is_the_seat_engine_s_verb_and_moves_the_line(make_event, make_member):
    event = make_event(capacity=2)
    held = [guest(event, 1), guest(event, 2, client=NEIGHBOUR)]
    waiting, _ = services.register_member(db.session.get(Event, event.id), make_member())
    db.session.commit()

    released = seats.release_holds(db.session.get(Event, event.id), utcnow())
    db.session.commit()

    assert sorted(r.id for r in released) == sorted(r.id for r in held)
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    assert statuses(event.id) == {"cancelled": 2, "confirmed": 1}
    assert_invariants(event.id)


@needs_redis
def test_two_app_processes_share_the_guest_limit_through_redis(apps_sharing_redis, make_event):
    """Two apps stand for two gunicorn workers: the per-address limit (5 a minute) is
    counted once for both, in Redis, not 5 per process."""
    clients = apps_sharing_redis(GUEST_UNCONFIRMED_PER_ADDRESS=10)
    event = make_event(capacity=50)
    path = f"/events/{event.slug}/guest"

    codes = []
    for n in range(8):
        client = clients[n % 2]
        response = post_form(
            client,
            path,
            {"name": f"Bot {n}", "email": f"bot{n}@example.net"},
            token_from=path,
            environ_base={"REMOTE_ADDR": ATTACKER},
        )
        codes.append(response.status_code)

    assert codes == [302] * 5 + [429] * 3  # each process alone saw only 4
    assert statuses(event.id) == {"held": 5}
    assert apps_sharing_redis.written()


def test_the_event_page_remembers_a_guest_while_their_registration_stands():
    """A place in line or a confirmed seat stands; a held seat until it runs out, then the
    guest may register again (guest_holds.remembered, read by the event page)."""
    now = utcnow()
    kept = {
        "1": {"status": "held", "until": (now + timedelta(minutes=5)).timestamp()},
        "2": {"status": "held", "until": (now - timedelta(seconds=1)).timestamp()},
        "3": {"status": "waiting", "until": None},
        "4": {"status": "confirmed", "until": None},
    }
    assert [event_id for event_id in (1, 2, 3, 4, 5) if guest_holds.remembered(kept, event_id, now)] == [1, 3, 4]
    assert guest_holds.remembered(None, 1, now) is None


def test_after_registering_a_guest_reads_where_they_stand_until_the_hold_runs_out(client, make_event):
    event = make_event(capacity=5)
    path = f"/events/{event.slug}/guest"
    response = post_form(client, path, {"name": "Ada", "email": "ada@example.net"}, token_from=path)
    assert response.status_code == 302
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Votre place est retenue jusqu" in page and "ada@example.net" in page
    assert f'href="/events/{event.slug}/guest"' not in page  # not offered to register again
    # The hold ran out (as the session remembers it): the box offers to register again.
    with client.session_transaction() as session:
        kept = session[guest_holds.SESSION_KEY]
        kept[str(event.id)]["until"] = (utcnow() - timedelta(minutes=1)).timestamp()
        session[guest_holds.SESSION_KEY] = kept
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Votre place est retenue jusqu" not in page and f'href="/events/{event.slug}/guest"' in page
