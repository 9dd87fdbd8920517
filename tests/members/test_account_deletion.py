"""A member deletes their account: nothing that names them stays, counts and history stay right."""

import json

import pytest
from sqlalchemy import JSON, LargeBinary, MetaData, String, func, select

from community.checkin.models import CheckIn
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.mail.models import DeliveryAttempt, OutboxEmail
from community.members.models import Member
from community.registrations.models import Registration
from tests.conftest import PASSWORD, login, mail_text, post_form
from tests.factories import seat_counts
from tests.members.privacy_world import ZOE_EMAIL, ZOE_NAME


@pytest.fixture
def client(english_client):
    return english_client


def delete_account(client, password=PASSWORD):
    return post_form(client, "/account/delete", {"password": password}, token_from="/account/delete")


def where_found(*needles: str) -> list[str]:
    """Every table of the database, every text, JSON or binary column: "table.column" holding a needle."""
    tables = MetaData()
    tables.reflect(bind=db.engine)
    needles = [n.casefold() for n in needles]
    found = []
    for table in tables.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, JSON, LargeBinary))]
        for column in columns:
            for value in db.session.scalars(select(column).where(column.is_not(None))):
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                elif not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False)
                if any(n in value.casefold() for n in needles):
                    found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def test_after_deletion_no_table_holds_the_members_email_or_name(app, client, world, mailbox, deliver):
    assert where_found(ZOE_EMAIL, ZOE_NAME) == [  # the search sees her everywhere she is
        "member.display_name",
        "member.email",
        "outbox_email.body_html",
        "outbox_email.body_text",
        "outbox_email.to_address",
        "outbox_email.to_name",
        "registration.guest_email",
        "registration.guest_name",
    ]
    login(client, world.zoe)

    response = delete_account(client)
    assert response.status_code == 302 and response.location == "/account/goodbye"
    assert "Your account is deleted" in client.get(response.location).get_data(as_text=True)

    assert where_found(ZOE_EMAIL, ZOE_NAME) == []
    assert client.get("/members/profile").status_code == 302  # logged out
    assert db.session.scalar(select(func.count()).select_from(Member).where(Member.email == ZOE_EMAIL)) == 0


def test_past_counts_stay_and_the_waiting_list_of_a_future_event_moves(app, client, world, mailbox, deliver):
    past_before = seat_counts(world.past.id)
    login(client, world.zoe)
    mailbox.clear()

    delete_account(client)

    assert seat_counts(world.past.id) == past_before == (2, 2, 2, 1, 2)
    past_seat = db.session.scalar(
        select(Registration).where(Registration.event_id == world.past.id, Registration.anonymized_at.is_not(None))
    )
    assert past_seat.status == "confirmed" and past_seat.member_id is None and past_seat.guest_email is None
    assert db.session.scalar(select(CheckIn.registration_id)) == past_seat.id  # the check-in still counts
    # Zoé's seat on the future event went to Otto, who waited, and he was told.
    assert seat_counts(world.future.id) == (1, 1, 1, 0, 1)
    (promoted,) = deliver(expect=1)
    assert mailbox.to("other@example.org") == [promoted]
    assert "Event future" in promoted["Subject"] and "Event future" in mail_text(promoted)


def test_the_deletion_is_recorded_with_counts_and_no_personal_data(app, client, world):
    zoe_id = world.zoe.id
    login(client, world.zoe)
    delete_account(client)

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.deleted"))
    assert entry.actor_id is None and (entry.object_type, entry.object_id) == ("member", zoe_id)
    assert entry.changes == {
        "registrations_anonymized": 3,
        "registrations_cancelled": 1,
        "answers_erased": 0,
        "group_memberships_ended": 3,
        "event_staff_roles_ended": 1,
        "mails_purged": 4,
        "mails_deleted": 1,
    }
    # What she did as a lead stays in the log, by no one in particular.
    assert db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "group.announcement_sent")) is None


def test_sent_mails_keep_their_delivery_record_and_unsent_ones_go(app, client, world):
    sent_before = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "sent"))
    login(client, world.zoe)
    delete_account(client)

    sent = db.session.scalars(select(OutboxEmail).where(OutboxEmail.status == "sent")).all()
    assert len(sent) == sent_before  # delivery statistics unchanged
    blank = [m for m in sent if m.to_address == ""]
    assert len(blank) == 2 and all(m.sent_at and m.subject == m.body_text == "" and not m.attachments for m in blank)
    # Lena's mail about Zoé's request keeps Lena's address but not what it said about Zoé.
    (to_lena,) = [m for m in sent if m.to_address == "lena@example.org"]
    assert to_lena.template == "group_request" and to_lena.body_text == ""
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "pending")) == 1
    assert db.session.scalar(select(func.count()).select_from(DeliveryAttempt)) == sent_before


def test_a_wrong_password_deletes_nothing(app, client, world):
    login(client, world.zoe)
    before = where_found(ZOE_EMAIL, ZOE_NAME)

    response = delete_account(client, "not my password")

    assert response.status_code == 200
    assert "Ce mot de passe est incorrect\u00a0: rien n" in response.get_data(as_text=True)
    assert where_found(ZOE_EMAIL, ZOE_NAME) == before
    assert seat_counts(world.future.id) == (1, 1, 1, 1, 1)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.deleted")) is None
    assert client.get("/members/profile").status_code == 200  # still logged in


def test_the_last_administrator_cannot_leave(app, client, make_member):
    admin = make_member("only.admin@example.org", name="Only Admin", role="admin")
    admin_id = admin.id
    make_member("suspended.admin@example.org", role="admin", suspended_at=admin.created_at)
    login(client, admin)

    response = delete_account(client)
    assert response.status_code == 200
    assert "Vous êtes le dernier administrateur" in response.get_data(as_text=True)
    assert db.session.get(Member, admin_id) is not None

    make_member("second.admin@example.org", role="admin")
    assert delete_account(client).status_code == 302
    assert db.session.scalar(select(Member.id).where(Member.id == admin_id)) is None


def test_the_delete_page_needs_a_login_and_a_csrf_token(app, client, make_member):
    assert client.get("/account/delete").status_code == 302
    member = make_member()
    login(client, member)
    page = client.get("/account/delete").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'type="password"' in page
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 400
    assert db.session.get(Member, member.id) is not None


def test_a_member_let_in_before_the_start_can_still_delete_their_account(app, client, make_member):
    """Doors open before the start: a checked-in registration cannot be cancelled, so it
    stays (anonymized, still counted, still let in) as it would once the event started."""
    from datetime import timedelta

    from tests.members.privacy_world import add_event, seat

    early = make_member("early.bird@example.org", name="Early Bird")
    event = add_event("doors-open", starts_in=timedelta(minutes=30), capacity=5)
    mine = seat(event, early, "confirmed", confirmed_at=event.starts_at - timedelta(days=1))
    mine_id = mine.id
    db.session.add(CheckIn(registration_id=mine.id, event_id=event.id, gate="Main door"))
    db.session.commit()
    login(client, early)

    response = delete_account(client)

    assert response.status_code == 302 and response.location == "/account/goodbye"
    kept = db.session.get(Registration, mine_id)
    assert kept.status == "confirmed" and kept.member_id is None and kept.anonymized_at is not None
    assert seat_counts(event.id)[:2] == (1, 1)  # the seat is still taken, by someone who came
    assert db.session.scalar(select(CheckIn.registration_id)) == mine_id
    assert where_found("early.bird@example.org", "Early Bird") == []
