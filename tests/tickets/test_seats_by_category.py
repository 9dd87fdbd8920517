"""The seat engine with ticket categories: the event's capacity and every quota hold,
reserved seats go to those a category admits until their release date, and the
waiting list gives a freed seat to the longest waiting person whose category has room."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events import services as events
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.registrations import limits, services
from community.registrations.errors import CapacityTooLow, EventFull
from community.registrations.models import Registration
from community.tickets import services as tickets
from community.tickets.eligibility import CategoryRefused
from community.tickets.models import Category
from community.tickets.services import CategoryData
from tests.factories import assert_invariants
from tests.tickets.conftest import held_for, soon


def register(event, member, category):
    registration, _created = services.register_member(db.session.get(Event, event.id), member, category_id=category.id)
    db.session.commit()
    return registration


def statuses(registrations):
    return [r.status for r in registrations]


def test_a_new_event_has_one_category_holding_every_seat(make_event, make_member):
    event = make_event(capacity=2)
    assert [c.name_fr for c in event.categories] == ["Entrée générale"]
    registration, _ = services.register_member(event, make_member())
    db.session.commit()
    assert registration.category_id == event.categories[0].id
    assert_invariants(event.id)


def test_no_category_goes_over_its_quota_and_the_capacity_stays_the_total(make_event, make_member, add_category):
    event = make_event(capacity=5)
    general = event.categories[0]
    speakers = add_category(event, "Intervenant·e", quota=2)
    people = [make_member() for _ in range(8)]

    in_speakers = [register(event, m, speakers) for m in people[:3]]
    in_general = [register(event, m, general) for m in people[3:]]

    assert statuses(in_speakers) == ["confirmed", "confirmed", "waiting"]
    # 5 seats in all: 2 went to speakers, so 3 to the general public.
    assert statuses(in_general) == ["confirmed"] * 3 + ["waiting"] * 2
    assert_invariants(event.id)
    db.session.refresh(speakers)
    assert (speakers.taken, db.session.get(Event, event.id).confirmed_count) == (2, 5)


def test_a_freed_seat_goes_to_the_longest_waiting_person_whose_category_has_room(make_event, make_member, add_category):
    event = make_event(capacity=4)
    general = event.categories[0]
    press = add_category(event, "Presse", quota=1)
    register(event, make_member(), press)
    seated = [register(event, make_member(), general) for _ in range(3)]
    first_waiting = register(event, make_member(), press)  # press is full: waits longest
    second_waiting = register(event, make_member(), general)

    promoted = services.cancel_registration(seated[0])
    db.session.commit()

    # The press quota is still full: the freed general seat goes to the next in line.
    assert promoted == [second_waiting]
    db.session.refresh(first_waiting)
    assert first_waiting.status == "waiting"
    assert_invariants(event.id)


def test_quotas_may_add_up_to_more_than_the_capacity(make_event, make_member, add_category):
    event = make_event(capacity=3)
    a = add_category(event, "A", quota=3)
    b = add_category(event, "B", quota=3)
    outcomes = [register(event, make_member(), category).status for category in (a, b, a, b)]
    assert outcomes == ["confirmed", "confirmed", "confirmed", "waiting"]
    assert_invariants(event.id)


def test_reserved_seats_are_held_back_for_those_the_category_admits(make_event, make_member, add_category, make_group):
    event = make_event(capacity=5)
    general = event.categories[0]
    contributor = make_member("contrib@example.org")
    outsider = make_member("outsider@example.org")
    group = make_group(members=[contributor])
    reserved = add_category(event, "Contributeurs", quota=2, **held_for(group, until=soon()))

    event = db.session.get(Event, event.id)
    assert (event.reserved_count, event.seats_left) == (2, 3)
    with pytest.raises(CategoryRefused):
        services.register_member(event, outsider, category_id=reserved.id)
    db.session.rollback()
    public = [register(event, make_member(), general) for _ in range(4)]
    assert statuses(public) == ["confirmed"] * 3 + ["waiting"]
    # The public pool is full, but a contributor still finds a reserved seat.
    assert register(event, contributor, reserved).status == "confirmed"
    assert_invariants(event.id)
    event = db.session.get(Event, event.id)
    assert (event.confirmed_count, event.reserved_count) == (4, 1)


def test_at_the_release_date_unused_reserved_seats_go_to_the_waiting_list(
    make_event, make_member, add_category, make_group, client
):
    event = make_event(capacity=4)
    general = event.categories[0]
    group = make_group()
    reserved = add_category(event, "Groupe", quota=2, **held_for(group, until=soon()))
    public = [register(event, make_member(), general) for _ in range(4)]
    assert statuses(public) == ["confirmed", "confirmed", "waiting", "waiting"]

    # The release date passes (written directly: the organizer's form refuses a date in the past).
    db.session.execute(update(Category).where(Category.id == reserved.id).values(reserved_until=utcnow()))
    db.session.commit()
    page = client.get(f"/events/{event.slug}")  # nobody runs a command: the next visit brings the seats up to date

    assert page.status_code == 200
    for registration in public:
        db.session.refresh(registration)
    assert statuses(public) == ["confirmed"] * 4
    db.session.refresh(reserved)
    assert (reserved.reserving, reserved.released_at is not None) == (False, True)
    assert_invariants(event.id)
    promoted_mails = db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "event_confirmed")
    )
    assert promoted_mails == 4
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "category.released"))
        == 1
    )


def test_a_registration_finds_released_seats_without_waiting_for_a_visit(
    make_event, make_member, add_category, make_group
):
    event = make_event(capacity=2, waitlist_enabled=False)
    group = make_group()
    add_category(event, "Groupe", quota=1, **held_for(group, until=soon()))
    general = event.categories[0]
    assert register(event, make_member(), general).status == "confirmed"

    later = utcnow() + timedelta(hours=1)
    registration, _ = services.register_member(db.session.get(Event, event.id), make_member(), later, general.id)
    db.session.commit()
    assert registration.status == "confirmed"
    assert_invariants(event.id)


def test_a_cancelled_reserved_seat_goes_back_to_the_reserve(make_event, make_member, add_category, make_group):
    event = make_event(capacity=2)
    insider, outsider = make_member(), make_member()
    group = make_group(members=[insider])
    reserved = add_category(event, "Groupe", quota=1, **held_for(group))
    mine = register(event, insider, reserved)
    register(event, make_member(), event.categories[0])
    waiting = register(event, outsider, event.categories[0])
    assert waiting.status == "waiting"

    assert services.cancel_registration(mine) == []  # held back again, not given to the public
    db.session.commit()
    event = db.session.get(Event, event.id)
    assert (event.confirmed_count, event.reserved_count) == (1, 1)
    assert_invariants(event.id)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(quota=-1), "cannot be negative"),
        (dict(quota=11), "above the event's capacity"),
        (dict(quota=1), "cannot go below"),
        (dict(name_fr="Entrée générale"), "already has a category named"),
        (dict(name_fr="", name_en=""), "give the category a name"),
        (dict(admits="groups"), "at least one working group"),
        (dict(admits="everyone"), "Choose who may take"),
        (dict(reserving=True, quota=None), "within a quota"),
        (dict(reserving=True, reserved_until=utcnow() - timedelta(days=1)), "release date has passed"),
        (dict(reserving=True, quota=9), "cannot be held back"),
    ],
)
def test_bad_category_changes_are_refused_and_change_nothing(
    make_event, make_member, organizer, add_category, change, message
):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", quota=3)
    for _ in range(2):
        register(event, make_member(), press)
    for _ in range(5):
        register(event, make_member(), event.categories[0])
    values = dict(name_fr="Presse", quota=3) | change

    with pytest.raises(DomainError, match=message):
        tickets.edit_category(organizer, press, CategoryData(**values))
    db.session.rollback()

    db.session.refresh(press)
    assert (press.name_fr, press.quota, press.reserving, press.admits) == ("Presse", 3, False, "event")
    assert_invariants(event.id)


def test_a_raised_quota_moves_the_waiting_list_at_once(make_event, make_member, organizer, add_category):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", quota=1)
    register(event, make_member(), press)
    waiting = register(event, make_member(), press)
    assert waiting.status == "waiting"

    promoted = tickets.edit_category(organizer, press, CategoryData(name_fr="Presse", quota=2))
    db.session.commit()
    assert promoted == [waiting]
    assert_invariants(event.id)


def test_the_capacity_cannot_go_below_seats_taken_and_held_back(make_event, make_member, organizer, add_category):
    event = make_event(capacity=10)
    add_category(event, "Partenaires", quota=4, reserving=True)
    register(event, make_member(), event.categories[0])
    with pytest.raises(CapacityTooLow, match="1 seats are taken and 4 held back"):
        limits.change_capacity(db.session.get(Event, event.id), 4, utcnow())
    db.session.rollback()
    events.change_capacity(organizer, db.session.get(Event, event.id), 5)
    db.session.commit()
    assert db.session.get(Event, event.id).capacity == 5


def test_a_category_with_registrations_is_not_deleted(make_event, make_member, organizer, add_category):
    event = make_event(capacity=10)
    press = add_category(event, "Presse")
    registration = register(event, make_member(), press)
    services.cancel_registration(registration)
    db.session.commit()
    with pytest.raises(DomainError, match="has registrations"):
        tickets.delete_category(organizer, press)
    db.session.rollback()
    with pytest.raises(DomainError, match="at least one category"):
        only = make_event()
        tickets.delete_category(organizer, only.categories[0])
    db.session.rollback()
    empty = add_category(event, "Vide", quota=2, reserving=True)
    assert db.session.get(Event, event.id).reserved_count == 2
    tickets.delete_category(organizer, empty)
    db.session.commit()
    assert db.session.get(Event, event.id).reserved_count == 0
    assert [c.name_fr for c in db.session.get(Event, event.id).categories] == ["Entrée générale", "Presse"]


def test_moving_into_a_full_category_needs_a_confirmation_and_is_audited(
    make_event, make_member, organizer, add_category
):
    event = make_event(capacity=10)
    press = add_category(event, "Presse", quota=1)
    register(event, make_member(), press)
    moved = register(event, make_member(), event.categories[0])

    with pytest.raises(EventFull, match="must confirm"):
        tickets.move_registration(organizer, moved, press.id)
    db.session.rollback()
    raised = tickets.move_registration(organizer, db.session.get(Registration, moved.id), press.id, over_quota=True)
    db.session.commit()

    assert raised == {"quota": (1, 2)}
    assert db.session.get(Registration, moved.id).category_id == press.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.category_moved"))
    assert entry.changes["quota"] == [1, 2]
    assert_invariants(event.id)


def test_a_code_only_or_hidden_category_is_not_offered_on_the_page(make_event, make_member, add_category):
    from community.tickets import eligibility

    event = make_event(capacity=10)
    add_category(event, "Officiels", admits="code")
    add_category(event, "Équipe", listed=False)
    members_only = add_category(event, "Membres", admits="members")
    event = db.session.get(Event, event.id)
    assert [c.name_fr for c in eligibility.open_to(event, None)] == ["Entrée générale"]
    assert [c.name_fr for c in eligibility.open_to(event, make_member())] == ["Entrée générale", "Membres"]
    with pytest.raises(CategoryRefused, match="members only"):
        services.register_guest(event, name="G", email="g@example.org", category_id=members_only.id)


def test_registering_in_the_first_category_costs_no_more_queries_with_several(
    make_event, make_member, add_category, make_group
):
    """The general category comes first: taking it reads neither the member's groups nor the other categories'."""
    from tests.querycount import count_queries

    def statements_to_register(event):
        event = db.session.get(Event, event.id)
        member = make_member()
        with count_queries(db.engine) as statements:
            services.register_member(event, member)
        db.session.commit()
        return len(statements)

    plain = make_event(capacity=10)
    split = make_event(capacity=10)
    group = make_group()
    add_category(split, "Groupe", quota=2, **held_for(group, until=soon()))
    add_category(split, "Invités", quota=2, admits="code", listed=False)
    statements_to_register(plain), statements_to_register(split)  # the first of each warms the session alike
    assert statements_to_register(split) == statements_to_register(plain)
