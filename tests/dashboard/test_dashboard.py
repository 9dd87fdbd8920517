"""The organizer's dashboard: counts and chart agree with the database, the lists
search, sort and page in a constant number of queries, and the actions on one
registration (promote, over capacity, add by hand, resend, staff, settings) do
what they say, record it in the event's history, and change nothing when refused."""

import html
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from community.checkin.models import CheckIn
from community.core import audit
from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.dashboard import chart, people, timeline
from community.dashboard import counts as dashboard_counts
from community.dashboard import history as event_history
from community.dashboard import services as actions
from community.events.models import Event, EventStaff
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations import limits, seats, services
from community.registrations.errors import EventFull
from community.registrations.models import Registration
from tests.conftest import login, mail_text, post_form
from tests.factories import assert_invariants, count_seats, event_form, registration_row
from tests.querycount import count_queries

EN = {"Accept-Language": "en"}


def by_status(event_id):
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Registration.status, func.count())
            .where(Registration.event_id == event_id)
            .group_by(Registration.status)
        ).all()
    )


def active_check_ins(event_id):
    return db.session.scalar(
        select(func.count()).select_from(CheckIn).where(CheckIn.event_id == event_id, CheckIn.undone_at.is_(None))
    )


def history_of(event_id):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id)).all()


# ------------------------------------------------------------------ counts and chart


class Simulation:
    """A seeded random life of one event, on a simulated clock that the engine reads too."""

    def __init__(self, event, member_ids, seed, step):
        self.event_id, self.rng, self.step = event.id, random.Random(seed), step
        self.free_members = list(member_ids)
        self.now = utcnow() - 40 * step
        self.truth = [(self.now, 0, 0)]  # (moment, confirmed, waiting) read from the statuses after each action
        self.guests = 0

    def event(self):
        return db.session.get(Event, self.event_id)

    def live(self, *statuses):
        return db.session.scalars(
            select(Registration)
            .where(Registration.event_id == self.event_id, Registration.status.in_(statuses))
            .order_by(Registration.id)
        ).all()

    def act(self):
        self.now += self.step * self.rng.uniform(0.05, 1.0)
        try:
            self.one_action(self.rng.random(), self.event(), self.now)
        except DomainError:  # refused (a full event, an expired hold): nothing changed
            db.session.rollback()
            return
        db.session.commit()
        counted = by_status(self.event_id)
        self.truth.append((self.now, counted.get("confirmed", 0), counted.get("waiting", 0)))

    def one_action(self, choice, event, now):
        if choice < 0.35 and self.free_members:
            member = db.session.get(Member, self.free_members.pop(self.rng.randrange(len(self.free_members))))
            services.register_member(event, member, now)
        elif choice < 0.45:
            self.guests += 1
            services.register_guest(
                event, name=f"Guest {self.guests}", email=f"guest{self.guests}@example.net", now=now
            )
        elif choice < 0.55 and self.live("held"):
            services.confirm_guest(self.rng.choice(self.live("held")), now)
        elif choice < 0.7 and self.live("confirmed", "held", "waiting"):
            services.cancel_registration(self.rng.choice(self.live("confirmed", "held", "waiting")), now)
        elif choice < 0.78 and self.live("waiting"):
            actions.promote_by_hand(
                self.admin, self.rng.choice(self.live("waiting")), over_capacity=self.rng.random() < 0.5, now=now
            )
        elif choice < 0.83:
            capacity = max(event.confirmed_count, (event.capacity or 0) + self.rng.choice([-2, -1, 1, 2]))
            limits.change_capacity(event, capacity, now)
        elif choice < 0.95 and self.live("confirmed"):
            registration = self.rng.choice(self.live("confirmed"))
            if not active_check_ins(self.event_id) or self.rng.random() < 0.8:
                if (
                    db.session.scalar(
                        select(CheckIn.id).where(
                            CheckIn.registration_id == registration.id, CheckIn.undone_at.is_(None)
                        )
                    )
                    is None
                ):
                    db.session.add(CheckIn(registration_id=registration.id, event_id=self.event_id, checked_in_at=now))
        else:
            undo = db.session.scalar(
                select(CheckIn).where(CheckIn.event_id == self.event_id, CheckIn.undone_at.is_(None)).limit(1)
            )
            if undo is not None:
                undo.undone_at = now
            seats.expire_holds(now, event_id=self.event_id)


@pytest.mark.parametrize("step, unit", [(timedelta(minutes=50), "hour"), (timedelta(hours=7), "day")])
@pytest.mark.parametrize("seed", [1, 2])
def test_counts_and_chart_agree_with_the_database_after_a_random_sequence(
    make_event, make_member, bulk_members, monkeypatch, seed, step, unit
):
    event = make_event(capacity=6)
    sim = Simulation(event, bulk_members(40, prefix=f"sim{seed}"), seed, step)
    sim.admin = make_member(role="admin")
    for _ in range(80):
        sim.act()
        assert_invariants(event.id)

    counted, fresh = by_status(event.id), db.session.get(Event, event.id)
    counts = dashboard_counts.of_event(fresh)
    assert (counts.confirmed, counts.held, counts.waiting, counts.cancelled) == tuple(
        counted.get(s, 0) for s in ("confirmed", "held", "waiting", "cancelled")
    )
    assert counts.checked_in == active_check_ins(event.id) > 0
    assert counts.capacity == fresh.capacity and counts.seats_left == fresh.capacity - fresh.confirmed_count
    assert counts.waiting > 0 and counts.cancelled > 0  # the sequence went through every state

    series = timeline.series(fresh, now=sim.now)
    assert series.unit == unit
    assert series.points[-1][1:] == (counts.confirmed, counts.waiting)
    # Each point is what the statuses were at that moment, as recorded while it happened.
    # (The last point stands at the last change or now, and shows the state once it happened.)
    for moment, confirmed, waiting in series.points:
        last = moment == series.points[-1][0]
        before = [(c, w) for at, c, w in sim.truth if at < moment or (last and at <= moment)]
        assert (confirmed, waiting) == before[-1], moment
    # Buckets of one hour (a day) each, but the line stops now: no point at an hour still to come.
    *whole, last = [b[0] - a[0] for a, b in zip(series.points, series.points[1:])]
    assert (
        set(whole) <= {timedelta(hours=1)}
        if unit == "hour"
        else all(timedelta(hours=23) <= s <= timedelta(hours=25) for s in whole)
    )
    assert timedelta(0) < last <= max(whole) and series.points[-1][0] <= sim.now


def test_the_chart_is_an_accessible_svg_with_dates_in_paris_time(app, make_event, make_member):
    event = make_event(capacity=1)
    start = utcnow().replace(hour=22, minute=30, second=0, microsecond=0) - timedelta(days=2)  # 23:30 or 00:30 in Paris
    services.register_member(event, make_member(), start)
    services.register_member(event, make_member(), start + timedelta(hours=1))
    db.session.commit()
    series = timeline.series(db.session.get(Event, event.id), now=start + timedelta(hours=3))
    assert series.unit == "hour" and [p[1:] for p in series.points][-1] == (1, 1)
    with app.test_request_context(headers=EN):
        svg = str(chart.render(series, capacity=1))
        paris = [chart.label(t, "hour")[1] for t, _c, _w in series.points]
    assert svg.startswith("<svg") and 'viewBox="0 0 400 230"' in svg and 'width="100%"' in svg
    assert "<title" in svg and "<desc" in svg and "1 confirmed and 1 waiting" in svg
    assert svg.count("<polyline") == 2 and "Capacity 1" in svg
    # Bucket ends are on the hour in Paris: 22:30 UTC is 23:30 or 00:30 there, so the first ends at 00:00 or 01:00.
    assert paris[0] in ("00:00", "01:00")


# ------------------------------------------------------------------ lists


@pytest.fixture
def crowd(make_event, make_member):
    event = make_event(capacity=3)
    people = [
        make_member("elodie@example.org", name="Élodie Durand", organization="Société Générale"),
        make_member("bob@example.org", name="bob martin"),
        make_member("zoe@example.org", name="Zoé Zèbre"),
    ]
    for person in people:
        services.register_member(event, person)
    services.register_guest(event, name="Ana Ørsted", email="ana@example.net", organization="Hôpital Nord")
    services.register_member(event, make_member("wait1@example.org", name="Waiting One"))
    db.session.commit()
    return event


def names(page):
    return [row.registration.name for row in page.rows]


def test_lists_search_ignoring_accents_and_case_on_name_email_and_organization(crowd):
    event = db.session.get(Event, crowd.id)
    seated = ("confirmed", "held")
    assert names(people.of_event(event, statuses=seated, q="ELODIE")) == ["Élodie Durand"]
    assert names(people.of_event(event, statuses=seated, q="societe gen")) == ["Élodie Durand"]
    assert names(people.of_event(event, statuses=seated, q="zebre")) == ["Zoé Zèbre"]
    assert names(people.of_event(event, statuses=seated, q="bob@EXAMPLE")) == ["bob martin"]
    assert names(people.of_event(event, statuses=seated, q="hopital")) == []  # the guest waits: not an attendee
    assert names(people.of_event(event, statuses=("waiting",), q="hopital")) == ["Ana Ørsted"]
    assert names(people.of_event(event, statuses=seated, q="100%_")) == []


def test_lists_sort_and_the_waiting_list_keeps_its_queue_order(crowd):
    event = db.session.get(Event, crowd.id)
    seated = ("confirmed", "held")
    assert names(people.of_event(event, statuses=seated, sort="name")) == ["bob martin", "Élodie Durand", "Zoé Zèbre"]
    assert names(people.of_event(event, statuses=seated, sort="-name")) == ["Zoé Zèbre", "Élodie Durand", "bob martin"]
    assert names(people.of_event(event, statuses=seated, sort="registered")) == [
        "Élodie Durand",
        "bob martin",
        "Zoé Zèbre",
    ]
    queue = people.of_event(event, statuses=("waiting",), sort="queue")
    assert [(r.registration.name, r.position) for r in queue.rows] == [("Ana Ørsted", 1), ("Waiting One", 2)]
    # Searched or sorted by name, a waiting person keeps their place in the whole line.
    found = people.of_event(event, statuses=("waiting",), q="one", sort="name")
    assert [(r.registration.name, r.position) for r in found.rows] == [("Waiting One", 2)]


def test_a_list_pages_and_a_page_past_the_end_shows_the_last(crowd):
    event = db.session.get(Event, crowd.id)
    first = people.of_event(event, statuses=("confirmed",), sort="name", per_page=2)
    second = people.of_event(event, statuses=("confirmed",), sort="name", page=2, per_page=2)
    assert (first.total, first.pages, first.has_next, second.has_prev) == (3, 2, True, True)
    assert names(first) + names(second) == ["bob martin", "Élodie Durand", "Zoé Zèbre"]
    assert names(people.of_event(event, statuses=("confirmed",), sort="name", page=99, per_page=2)) == ["Zoé Zèbre"]


def organizer_of(event, make_member, **kwargs):
    member = make_member(role="organizer", **kwargs)
    db.session.get(Event, event.id).created_by = member.id
    db.session.commit()
    return member


def test_the_dashboard_page_shows_counts_chart_lists_and_survives_bad_parameters(client, crowd, make_member):
    login(client, organizer_of(crowd, make_member, language="en"))
    page = client.get(f"/events/{crowd.slug}/dashboard", headers=EN).get_data(as_text=True)
    assert re.search(r'id="count-confirmed">3<', page) and re.search(r'id="count-waiting">2<', page)
    assert "<svg" in page and "Registrations over time" in page
    assert "Élodie Durand" in page and "Ana Ørsted" in page
    filtered = client.get(f"/events/{crowd.slug}/dashboard?aq=zebre&asort=-name", headers=EN).get_data(as_text=True)
    assert "Zoé Zèbre" in filtered and "Élodie Durand" not in filtered
    for query in (
        "apage=-3",
        "apage=abc",
        "apage=99999999999",
        "asort=drop",
        "astatus=nope",
        "wsort=%00",
        "aq=%00",
        "aq=" + "x" * 5000,
        "wpage=1e9",
        "astatus=cancelled&asort=status",
    ):
        response = client.get(f"/events/{crowd.slug}/dashboard?{query}", headers=EN)
        assert response.status_code == 200, query


def test_the_event_page_links_the_dashboard_for_its_organizers_only(app, client, crowd, make_member):
    other = app.test_client()
    login(other, make_member(role="organizer"))
    assert f"/events/{crowd.slug}/dashboard" not in other.get(f"/events/{crowd.slug}").get_data(as_text=True)
    login(client, organizer_of(crowd, make_member))
    page = client.get(f"/events/{crowd.slug}").get_data(as_text=True)
    assert f'href="/events/{crowd.slug}/dashboard"' in page and "Élodie Durand" not in page


# ------------------------------------------------------------------ query counts


def bulk_registrations(event, member_ids, *, now):
    """Registrations of every kind for these members, plus check-ins, in a few statements."""
    rows = []
    for i, member_id in enumerate(member_ids):
        status = ("confirmed", "confirmed", "held", "waiting", "cancelled")[i % 5]
        at = now - timedelta(hours=len(member_ids) - i)
        rows.append(
            registration_row(
                event,
                member_id,
                at,
                status=status,
                ticket_code=f"q-{event.id}-{member_id}",
                confirmed_at=at if status == "confirmed" else None,
                hold_expires_at=now + timedelta(days=1) if status == "held" else None,
                waitlisted_at=at if status == "waiting" else None,
                cancelled_at=at + timedelta(minutes=5) if status == "cancelled" else None,
            )
        )
    db.session.execute(insert(Registration), rows)
    seated = sum(1 for r in rows if r["status"] in ("confirmed", "held"))
    count_seats(db.session.get(Event, event.id), seated)
    db.session.get(Event, event.id).capacity = seated
    db.session.flush()
    confirmed = db.session.scalars(
        select(Registration.id).where(Registration.event_id == event.id, Registration.status == "confirmed")
    ).all()
    db.session.execute(
        insert(CheckIn),
        [dict(registration_id=r, event_id=event.id, checked_in_at=now, gate="A") for r in confirmed[::2]],
    )
    # A little history: names of people and of the actor are looked up for it.
    organizer = db.session.get(Member, event.created_by)
    audit.record(
        organizer,
        "registration.promoted_by_hand",
        db.session.get(Registration, confirmed[0]),
        event_id=event.id,
        over_capacity=True,
        capacity=[1, 2],
    )
    audit.record(organizer, "event.staff_added", event, event_id=event.id, member_id=member_ids[0], role="steward")
    db.session.commit()


def measure_dashboard(client, event):
    """Statements run by each reader and by the whole page (two lists, second waiting page)."""

    def measure(call):
        db.session.expire_all()
        with count_queries(db.engine) as statements:
            call()
        return len(statements)

    fresh = db.session.get(Event, event.id)
    measured = {
        "counts": measure(lambda: dashboard_counts.of_event(fresh)),
        "chart": measure(lambda: timeline.series(fresh)),
        "attendees": measure(lambda: people.of_event(fresh, statuses=("confirmed", "held"), q="crowd", sort="name")),
        "waiting": measure(lambda: people.of_event(fresh, statuses=("waiting",), sort="queue", page=2)),
        "history": measure(lambda: event_history.latest(fresh)),
        "holds": measure(lambda: people.unconfirmed_holds(fresh)),
    }
    pages = []
    measured["page"] = measure(lambda: pages.append(client.get(f"/events/{event.slug}/dashboard?asort=status&wpage=2")))
    assert pages[0].status_code == 200
    return measured, pages[0].get_data(as_text=True)


def test_the_dashboard_and_each_list_run_a_constant_number_of_queries(client, make_event, make_member, bulk_members):
    organizer = make_member(role="organizer")
    small, large = make_event(created_by=organizer.id), make_event(created_by=organizer.id)
    now = utcnow()
    bulk_registrations(small, bulk_members(10, prefix="crowdsmall"), now=now)
    bulk_registrations(large, bulk_members(2000, prefix="crowdlarge"), now=now)
    login(client, organizer)

    few, small_page = measure_dashboard(client, small)
    many, large_page = measure_dashboard(client, large)
    assert few == many
    # The large page lists 50 attendees and the second page of 400 waiting people.
    assert small_page.count('data-registration="') == 6 + 2  # a waiting page past the end shows the last
    assert large_page.count('data-registration="') == 50 + 50
    assert re.search(r'id="count-checked-in">400<', large_page)
    print(f"\nqueries ({db.engine.dialect.name}) at 10 and 2,000 registrations: {many}")


# ------------------------------------------------------------------ actions


@pytest.fixture
def full_event(make_event, make_member):
    """Capacity 2, both seats taken, two people waiting; run by `organizer`."""
    organizer = make_member("orga@example.org", role="organizer", language="en", name="Olga Orga")
    event = make_event(capacity=2, created_by=organizer.id, title="Atelier")
    seated = [make_member(name="Seated One"), make_member(name="Seated Two")]
    waiting = [make_member(f"waiting{i}@example.org", name=f"Waiting {i}", language="en") for i in (1, 2)]
    for member in seated + waiting:
        services.register_member(event, member)
    db.session.commit()
    return event, organizer, waiting


def on_dashboard(client, event, action: str, data=None, **kwargs):
    """POST the dashboard's form for `action` (its address under /events/<slug>/dashboard/) with its page's token."""
    dashboard = f"/events/{event.slug}/dashboard"
    return post_form(client, f"{dashboard}/{action}", data, token_from=dashboard, **kwargs)


def registration_of(event, member):
    db.session.expire_all()
    return db.session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.member_id == member.id)
    )


def state(event_id):
    db.session.expire_all()
    fresh = db.session.get(Event, event_id)
    rows = db.session.execute(
        select(Registration.id, Registration.status).where(Registration.event_id == event_id).order_by(Registration.id)
    ).all()
    return (
        fresh.capacity,
        fresh.confirmed_count,
        rows,
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.count()).select_from(OutboxEmail)),
        db.session.scalar(select(func.count()).select_from(EventStaff)),
    )


def test_promoting_by_hand_within_capacity_gives_the_seat_and_mails_the_person(client, full_event, deliver, mailbox):
    event, organizer, (first, second) = full_event
    # A seat freed outside the engine (say, a capacity fixed by hand in the database): nobody was promoted yet.
    db.session.get(Event, event.id).capacity = 3
    db.session.commit()
    deliver()
    mailbox.clear()
    login(client, organizer)
    target = registration_of(event, second)  # out of turn: the organizer chose the second in line
    dashboard_path = f"/events/{event.slug}/dashboard"
    response = on_dashboard(client, event, f"registrations/{target.id}/promote", headers=EN)
    assert response.status_code == 302 and response.headers["Location"].startswith(dashboard_path)
    assert registration_of(event, second).status == "confirmed"
    assert registration_of(event, first).status == "waiting"
    assert db.session.get(Event, event.id).capacity == 3
    (entry,) = [e for e in history_of(event.id) if e.action == "registration.promoted_by_hand"]
    assert entry.changes == {"over_capacity": False} and entry.actor_id == organizer.id and entry.object_id == target.id
    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == second.email and "Atelier" in mail["Subject"]


def test_promoting_when_full_is_refused_without_the_over_capacity_confirmation(client, full_event):
    event, organizer, (first, _second) = full_event
    login(client, organizer)
    before = state(event.id)
    target = registration_of(event, first)
    path = f"/events/{event.slug}/dashboard/registrations/{target.id}/promote"
    response = post_form(client, path, token_from=f"/events/{event.slug}/dashboard", headers=EN)
    # Sent to the confirmation step, with the reason; nothing changed.
    assert response.status_code == 302 and response.headers["Location"].startswith(path)
    assert state(event.id) == before
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "over capacity" in page and "raises the capacity to 3" in page
    with pytest.raises(EventFull):
        actions.promote_by_hand(db.session.get(Member, organizer.id), registration_of(event, first))
    db.session.rollback()
    assert state(event.id) == before


def test_promoting_over_capacity_raises_it_by_one_and_the_history_says_so(client, full_event, deliver, mailbox):
    event, organizer, (first, _second) = full_event
    deliver()
    mailbox.clear()
    login(client, organizer)
    target = registration_of(event, first)
    path = f"/events/{event.slug}/dashboard/registrations/{target.id}/promote"
    assert client.get(path).status_code == 200
    response = post_form(client, path, {"over_capacity": "1"}, token_from=path, headers=EN)
    assert response.status_code == 302
    fresh = db.session.get(Event, event.id)
    assert (fresh.capacity, fresh.confirmed_count) == (3, 3)
    assert registration_of(event, first).status == "confirmed"
    assert_invariants(event.id)
    (entry,) = [e for e in history_of(event.id) if e.action == "registration.promoted_by_hand"]
    assert entry.changes == {"over_capacity": True, "capacity": [2, 3]}
    page = client.get(f"/events/{event.slug}/dashboard", headers=EN).get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert (
        "Waiting 1" in history and "capacity 2 → 3" in history and "over capacity" in history and "Olga Orga" in history
    )
    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == first.email


def test_adding_a_member_by_hand_confirms_them_and_mails_a_ticket(client, make_event, make_member, deliver, mailbox):
    organizer = make_member(role="organizer", language="en")
    event = make_event(capacity=5, created_by=organizer.id, title="Brunch")
    nina = make_member("nina@example.org", name="Nina Simone")
    login(client, organizer)
    dashboard_path = f"/events/{event.slug}/dashboard"
    response = on_dashboard(client, event, "add", {"kind": "member", "email": " NINA@example.org "}, headers=EN)
    assert response.status_code == 302
    assert registration_of(event, nina).status == "confirmed"
    assert "Nina Simone is registered" in client.get(dashboard_path, headers=EN).get_data(as_text=True)
    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == "nina@example.org" and "Brunch" in mail["Subject"]
    assert [e.action for e in history_of(event.id)] == ["registration.added_by_hand"]

    # The same person again: a clear message, nothing changed.
    before = state(event.id)
    on_dashboard(client, event, "add", {"kind": "member", "email": "nina@example.org"}, headers=EN)
    assert state(event.id) == before
    assert "already registered" in client.get(dashboard_path, headers=EN).get_data(as_text=True)


def test_adding_a_guest_by_hand_needs_no_email_proof_and_a_full_event_puts_them_in_line(
    client, make_event, make_member, deliver, mailbox
):
    organizer = make_member(role="organizer", language="en")
    event = make_event(capacity=1, created_by=organizer.id)
    login(client, organizer)
    guest = {"kind": "guest", "name": "Ada Lovelace", "email": "ada@example.net", "organization": "Analytical"}
    on_dashboard(client, event, "add", guest)
    ada = db.session.scalar(select(Registration).where(Registration.guest_email == "ada@example.net"))
    assert (ada.status, ada.guest_organization, ada.confirmed_at is not None) == ("confirmed", "Analytical", True)
    on_dashboard(client, event, "add", dict(guest, name="Grace", email="grace@example.net"))
    grace = db.session.scalar(select(Registration).where(Registration.guest_email == "grace@example.net"))
    assert grace.status == "waiting" and grace.waitlisted_at is not None
    # Over capacity, confirmed: the capacity grows by one and the history keeps both numbers.
    on_dashboard(client, event, "add", dict(guest, name="Hedy", email="hedy@example.net", over_capacity="y"))
    hedy = db.session.scalar(select(Registration).where(Registration.guest_email == "hedy@example.net"))
    assert hedy.status == "confirmed" and db.session.get(Event, event.id).capacity == 2
    assert history_of(event.id)[-1].changes == {
        "status": "confirmed",
        "guest": True,
        "over_capacity": True,
        "capacity": [1, 2],
    }
    assert_invariants(event.id)
    assert {m["To"].addresses[0].addr_spec for m in deliver(expect=3)} == {
        "ada@example.net",
        "grace@example.net",
        "hedy@example.net",
    }


def test_a_guest_added_by_hand_gets_mail_in_the_language_the_organizer_chose(
    client, make_event, make_member, deliver, mailbox
):
    organizer = make_member(role="organizer", language="fr")
    event = make_event(capacity=5, created_by=organizer.id, title="Atelier")
    login(client, organizer)
    dashboard_path = f"/events/{event.slug}/dashboard"
    page = client.get(dashboard_path).get_data(as_text=True)
    assert 'name="language"' in page and '<option selected value="fr">' in page  # the organizer's own language first
    for name, email, language in (("Jan Novak", "jan@example.net", "en"), ("Chloé Martin", "chloe@example.net", "fr")):
        on_dashboard(client, event, "add", {"kind": "guest", "name": name, "email": email, "language": language})
    by_address = {m["To"].addresses[0].addr_spec: m for m in deliver(expect=2)}
    assert by_address["jan@example.net"]["Subject"].startswith("You are registered")
    assert by_address["chloe@example.net"]["Subject"].startswith("Inscription confirmée")
    languages = dict(db.session.execute(select(Registration.guest_email, Registration.language)).all())
    assert languages == {"jan@example.net": "en", "chloe@example.net": "fr"}


BAD_ADDS = [
    ("unknown member", {"kind": "member", "email": "nobody@example.org"}, "No member has the email address"),
    ("malformed email", {"kind": "member", "email": "nobody(at)example"}, "not valid"),
    ("guest without a name", {"kind": "guest", "email": "x@example.net", "name": ""}, "guest's name"),
    ("guest who is a member", {"kind": "guest", "email": "member@example.org", "name": "M"}, "belongs to a member"),
    ("unknown kind", {"kind": "robot", "email": "member@example.org"}, "Not a valid choice"),
    (
        "unknown language",
        {"kind": "guest", "email": "x@example.net", "name": "X", "language": "tlh"},
        "Not a valid choice",
    ),
]


def test_bad_input_on_each_dashboard_form_says_why_and_changes_nothing(client, full_event, make_member):
    event, organizer, (first, _second) = full_event
    make_member("member@example.org")
    login(client, organizer)
    dashboard_path = f"/events/{event.slug}/dashboard"
    before = state(event.id)
    posts = [(f"{dashboard_path}/add", data, words) for _case, data, words in BAD_ADDS] + [
        (
            f"{dashboard_path}/staff",
            {"email": "nobody@example.org", "role": "steward"},
            "No member has the email address",
        ),
        (f"{dashboard_path}/staff", {"email": "member@example.org", "role": "admin"}, "Not a valid choice"),
        (f"{dashboard_path}/settings", {"capacity": "1"}, "2 seats are already taken"),
        (f"{dashboard_path}/settings", {"capacity": "-4"}, "cannot be negative"),
        (f"{dashboard_path}/settings", {"capacity": "lots"}, "Capacity"),
        (
            f"{dashboard_path}/settings",
            {
                "capacity": "2",
                "registration_opens_at": "2030-01-02T10:00",
                "registration_closes_at": "2030-01-01T10:00",
            },
            "close after it opens",
        ),
        (
            f"{dashboard_path}/settings",
            {"capacity": "2", "registration_opens_at": "2099-01-02T10:00"},
            "open before the event starts",
        ),
        (
            f"{dashboard_path}/registrations/{registration_of(event, first).id}/resend",
            {},
            "Only a confirmed or held registration",
        ),
    ]
    for path, data, words in posts:
        response = post_form(client, path, data, token_from=dashboard_path, headers=EN)
        assert response.status_code == 302, path
        shown = html.unescape(client.get(response.headers["Location"], headers=EN).get_data(as_text=True))
        assert words in shown, (path, data)
        assert state(event.id) == before, (path, data)
    for path in (
        f"{dashboard_path}/registrations/99999999999/resend",
        f"{dashboard_path}/registrations/0/promote",
        f"{dashboard_path}/staff/123/remove",
        "/events/nowhere/dashboard/add",
    ):
        assert post_form(client, path, token_from=dashboard_path).status_code == 404, path
    assert (
        client.post(f"{dashboard_path}/add", data={"kind": "member", "email": "member@example.org"}).status_code == 400
    )  # no CSRF token
    assert state(event.id) == before


def test_a_registration_of_another_event_is_not_found_through_this_dashboard(
    client, full_event, make_event, make_member
):
    event, organizer, _waiting = full_event
    other = make_event(capacity=1, created_by=organizer.id)
    theirs, _ = services.register_member(other, make_member())
    services.register_member(other, make_member())
    db.session.commit()
    login(client, organizer)
    for action in ("promote", "resend"):
        assert on_dashboard(client, event, f"registrations/{theirs.id}/{action}").status_code == 404


def test_resending_a_confirmation_delivers_a_second_mail(client, make_event, make_member, deliver, mailbox):
    organizer = make_member(role="organizer", language="en")
    event = make_event(capacity=5, created_by=organizer.id, title="Dîner")
    nina = make_member("nina@example.org", name="Nina")
    registration, _ = services.register_member(event, nina)
    held, _ = services.register_guest(event, name="Ada", email="ada@example.net")
    db.session.commit()
    deliver(expect=2)
    mailbox.clear()
    login(client, organizer)
    for target in (registration, held, registration):
        assert on_dashboard(client, event, f"registrations/{target.id}/resend").status_code == 302
    received = deliver(expect=3)
    assert len(received) == 3
    assert len(mailbox.to("nina@example.org")) == 2 and len(mailbox.to("ada@example.net")) == 1
    assert "Dîner" in mail_text(mailbox.to("nina@example.org")[0])
    assert [e.action for e in history_of(event.id)] == ["registration.confirmation_resent"] * 3


def test_naming_and_removing_staff_changes_who_may_open_the_dashboard(app, client, make_event, make_member):
    organizer = make_member(role="organizer", language="en")
    event = make_event(capacity=5, created_by=organizer.id)
    helper, colleague = (
        make_member("helper@example.org", name="Hélène Helper"),
        make_member("colleague@example.org", name="Colin"),
    )
    login(client, organizer)
    dashboard_path = f"/events/{event.slug}/dashboard"
    on_dashboard(client, event, "staff", {"email": "helper@example.org", "role": "steward"})
    on_dashboard(client, event, "staff", {"email": "colleague@example.org", "role": "organizer"})
    roles = dict(
        db.session.execute(select(EventStaff.member_id, EventStaff.role).where(EventStaff.event_id == event.id)).all()
    )
    assert roles == {helper.id: "steward", colleague.id: "organizer"}
    steward_client, colleague_client = app.test_client(), app.test_client()
    login(steward_client, helper)
    login(colleague_client, colleague)
    assert steward_client.get(dashboard_path).status_code == 403
    assert colleague_client.get(dashboard_path).status_code == 200

    # Naming someone twice, or the creator, is refused with a reason.
    before = state(event.id)
    response = on_dashboard(client, event, "staff", {"email": "helper@example.org", "role": "organizer"}, headers=EN)
    assert "already on this event's staff" in html.unescape(
        client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    )
    with pytest.raises(DomainError):
        actions.name_staff(
            db.session.get(Member, organizer.id), db.session.get(Event, event.id), organizer.email, "steward"
        )
    db.session.rollback()
    assert state(event.id) == before

    staff_id = db.session.scalar(select(EventStaff.id).where(EventStaff.member_id == colleague.id))
    on_dashboard(client, event, f"staff/{staff_id}/remove")
    assert colleague_client.get(dashboard_path).status_code == 403
    assert [(e.action, e.changes["role"]) for e in history_of(event.id)] == [
        ("event.staff_added", "steward"),
        ("event.staff_added", "organizer"),
        ("event.staff_removed", "organizer"),
    ]


def test_raising_the_capacity_from_the_dashboard_promotes_and_records_before_and_after(
    client, full_event, deliver, mailbox
):
    event, organizer, (first, second) = full_event
    deliver()
    mailbox.clear()
    login(client, organizer)
    response = on_dashboard(client, event, "settings", {"capacity": "3", "registration_closes_at": "2031-01-01T10:00"})
    assert response.status_code == 302
    assert registration_of(event, first).status == "confirmed" and registration_of(event, second).status == "waiting"
    fresh = db.session.get(Event, event.id)
    assert fresh.capacity == 3 and fresh.registration_closes_at is not None
    entries = history_of(event.id)
    assert entries[0].action == "event.capacity_changed" and entries[0].changes == {"capacity": [2, 3], "promoted": 1}
    assert entries[1].action == "event.updated" and "registration_closes_at" in entries[1].changes
    (mail,) = deliver(expect=1)
    assert mail["To"].addresses[0].addr_spec == first.email


def test_the_events_own_history_records_create_edit_publish_and_cancel(client, make_member):
    organizer = make_member(role="organizer", language="en")
    login(client, organizer)
    form = event_form()
    post_form(client, "/events/new", form, token_from="/events/new")
    event = db.session.scalars(select(Event)).one()
    edit = f"/events/{event.slug}/edit"
    post_form(client, edit, dict(form, capacity="12", title="Meetup IA"), token_from=edit)
    post_form(client, edit, dict(form, capacity="12", title="Meetup IA"), token_from=edit)  # nothing changed: no entry
    post_form(client, f"/events/{event.slug}/publish", token_from=f"/events/{event.slug}")
    post_form(client, f"/events/{event.slug}/cancel", token_from=f"/events/{event.slug}")
    entries = history_of(event.id)
    assert [(e.action, e.changes) for e in entries] == [
        ("event.created", {}),
        ("event.capacity_changed", {"capacity": [10, 12], "promoted": 0}),
        ("event.updated", {"fields": ["title"]}),
        ("event.published", {}),
        ("event.cancelled", {"told": 0}),
    ]
    assert {e.actor_id for e in entries} == {organizer.id}


def test_only_an_organizer_of_the_event_cancels_someone_elses_registration(make_event, make_member):
    creator, stranger = make_member(role="organizer"), make_member(role="organizer")
    event = make_event(capacity=3, created_by=creator.id)
    registration, _ = services.register_member(event, make_member())
    db.session.commit()
    with pytest.raises(DomainError):
        services.cancel_as(stranger, registration)
    db.session.rollback()
    assert by_status(event.id) == {"confirmed": 1}
    services.cancel_as(db.session.get(Member, creator.id), db.session.get(Registration, registration.id))
    db.session.commit()
    assert by_status(event.id) == {"cancelled": 1}
    (entry,) = history_of(event.id)
    assert (entry.action, entry.actor_id, entry.changes) == (
        "registration.cancelled_by_organizer",
        creator.id,
        {"was": "confirmed", "promoted": 0},
    )


def record_history(event, organizer, registrations, entries: int):
    """`entries` audit entries about the event, alternating people and staff changes."""
    for n in range(entries):
        if n % 2:
            audit.record(
                organizer, "registration.confirmation_resent", registrations[n % len(registrations)], event_id=event.id
            )
        else:
            audit.record(
                organizer, "event.staff_added", event, event_id=event.id, member_id=organizer.id, role="steward"
            )
    db.session.commit()


def test_the_dashboard_shows_the_latest_history_and_links_to_all_of_it_page_by_page(client, make_event, make_member):
    organizer = make_member(role="organizer", name="Olga Orga", language="en")
    event = make_event(capacity=5, created_by=organizer.id)
    people = [
        services.register_member(event, make_member(f"p{i}@example.org", name=f"Person {i}"))[0] for i in range(3)
    ]
    db.session.commit()
    login(client, organizer)
    record_history(event, organizer, people, 40)
    page = client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    assert page[page.index('id="history"') :].count("<time ") == 40 and "See the whole history" not in page

    record_history(event, organizer, people, 30)  # 70 in all: more than the dashboard shows
    page = client.get(f"/events/{event.slug}/dashboard").get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert history.count("<time ") == event_history.HISTORY_SHOWN
    assert f'href="/events/{event.slug}/dashboard/history"' in history

    first = client.get(f"/events/{event.slug}/dashboard/history").get_data(as_text=True)
    second = client.get(f"/events/{event.slug}/dashboard/history?page=2").get_data(as_text=True)
    assert "70 entries, newest first." in first and "Page 1 of 2" in first and 'rel="next"' in first
    assert first.count("<time ") == 50 and second.count("<time ") == 20 and 'rel="prev"' in second
    assert "Person 0" in first and "Olga Orga" in first
    # Past the last page: an empty page, not an error.
    assert client.get(f"/events/{event.slug}/dashboard/history?page=9").status_code == 200


def test_the_history_pages_run_the_same_number_of_queries_for_10_and_300_entries(app, client, make_event, make_member):
    organizer = make_member(role="organizer")
    login(client, organizer)
    counts = []
    for size in (10, 300):
        event = make_event(capacity=500, created_by=organizer.id)
        people = [services.register_member(event, make_member(f"q{size}-{i}@example.org"))[0] for i in range(5)]
        db.session.commit()
        record_history(event, organizer, people, size)
        db.session.expire_all()
        with count_queries(db.engine) as statements:
            assert client.get(f"/events/{event.slug}/dashboard/history?page=1").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    print(f"\nevent history page: {counts[0]} queries (10 and 300 entries)")
