"""A member downloads everything the community holds about them, and nothing about anyone else."""

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from community.checkin.models import CheckIn
from community.core.clock import utcnow
from community.core.extensions import db
from community.groups.models import GroupMembership, WorkingGroup
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.privacy import personal_data
from community.questions.models import Answer, Choice, Question
from community.registrations.models import Registration
from tests.conftest import login
from tests.members.privacy_world import ZOE_EMAIL, ZOE_NAME, add_event, seat
from tests.querycount import count_queries


@pytest.fixture
def client(english_client):
    return english_client


def download(client):
    response = client.get("/account/data.json")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


def test_the_download_holds_profile_consents_groups_registrations_check_ins_staff_and_mails(client, world):
    login(client, world.zoe)
    response, data = download(client)

    assert response.mimetype == "application/json" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert ZOE_NAME in response.get_data(as_text=True)  # UTF-8, not \u escapes
    assert response.get_data(as_text=True).startswith('{\n  "')  # indented for a human reader

    profile = data["profile"]
    assert (profile["email"], profile["display_name"], profile["organization"]) == (
        ZOE_EMAIL,
        ZOE_NAME,
        "Quenneville Labs",
    )
    assert profile["shown_in_member_directory"] is True and profile["language"] == "fr"
    assert datetime.fromisoformat(profile["created_at"]).utcoffset() == timedelta(0)
    assert data["consents"]["privacy_notice_accepted_at"].endswith("+00:00")

    groups = {g["group"]: g for g in data["working_groups"]}
    assert set(groups) == {"Open data", "Evaluation", "Law"}
    assert groups["Evaluation"]["lead"] is True and groups["Open data"]["lead"] is False
    assert (
        groups["Law"]["status"] == "pending" and groups["Law"]["request_message"] == "Hello, I work on legal corpora."
    )

    registrations = {r["event"]["title"]: r for r in data["registrations"]}
    assert (
        registrations["Event past"]["status"] == "confirmed" and registrations["Event future"]["status"] == "confirmed"
    )
    assert registrations["Event earlier"]["as_guest"] is True  # her address, before she had an account
    code = db.session.scalar(
        select(Registration.ticket_code).where(
            Registration.member_id == world.zoe.id, Registration.event_id == world.future.id
        )
    )
    assert registrations["Event future"]["ticket_code"] == code

    (check_in,) = data["check_ins"]
    assert check_in["event"]["title"] == "Event past" and check_in["gate"] == "North door"
    assert [(s["event"]["title"], s["role"]) for s in data["event_staff"]] == [("Event future", "steward")]

    subjects = [m["subject"] for m in data["mails"]]
    assert "Inscription confirmée : Event future" in subjects and "[Evaluation] Kick-off" in subjects  # in her language
    reset = next(m for m in data["mails"] if m["status"] == "pending")
    assert "/members/reset/" in reset["text"]
    assert all(m["to"] == ZOE_EMAIL for m in data["mails"])

    actions = {(e["action"], e["by_you"]) for e in data["audit_log"]}
    assert {
        ("member.role_changed", False),
        ("event.staff_added", True),
        ("group.lead_changed", False),
        ("group.announcement_sent", True),
    } <= actions


def test_another_members_data_never_appears_in_the_download(client, world):
    login(client, world.zoe)
    text = download(client)[0].get_data(as_text=True)
    for someone in (world.other, world.lena, world.admin):
        assert someone.email not in text and someone.display_name not in text
    # Otto's own file holds his registration and mails, none of Zoé's.
    other_client = client.application.test_client()
    login(other_client, world.other)
    theirs = download(other_client)[1]
    assert ZOE_EMAIL not in json.dumps(theirs) and theirs["profile"]["email"] == "other@example.org"
    assert {r["status"] for r in theirs["registrations"]} == {"confirmed", "waiting"}


def test_guest_registrations_with_the_address_count_only_once_the_address_is_proved(app, make_member):
    event = add_event("meetup", starts_in=timedelta(days=5), capacity=None)
    seat(event, None, "confirmed", guest_name="Zoé Q", guest_email=ZOE_EMAIL)
    unproved = make_member(ZOE_EMAIL, name=ZOE_NAME, confirmed=False)
    assert personal_data.personal_data(unproved)["registrations"] == []
    unproved.confirmed_at = utcnow()
    (registration,) = personal_data.personal_data(unproved)["registrations"]
    assert registration["as_guest"] is True and registration["guest_name"] == "Zoé Q"


def _fill(member: Member, n: int) -> None:
    """n registrations (with check-ins and an answer each to a choice question), n group
    memberships and n mails for `member`."""
    now = utcnow()
    events = [add_event(f"bulk-{member.id}-{i}", starts_in=timedelta(days=-i - 1), capacity=None) for i in range(n)]
    db.session.execute(
        insert(WorkingGroup), [dict(name=f"G{member.id}-{i}", slug=f"g-{member.id}-{i}") for i in range(n)]
    )
    group_ids = db.session.scalars(select(WorkingGroup.id).where(WorkingGroup.slug.like(f"g-{member.id}-%"))).all()
    db.session.execute(insert(GroupMembership), [dict(group_id=g, member_id=member.id) for g in group_ids])
    db.session.execute(
        insert(Registration),
        [
            dict(
                event_id=e.id,
                category_id=e.categories[0].id,
                member_id=member.id,
                status="confirmed",
                created_at=now,
                ticket_code=f"t-{member.id}-{e.id}",
            )
            for e in events
        ],
    )
    registrations = db.session.execute(
        select(Registration.id, Registration.event_id).where(Registration.member_id == member.id)
    ).all()
    db.session.execute(
        insert(CheckIn), [dict(registration_id=r.id, event_id=r.event_id, checked_in_at=now) for r in registrations]
    )
    questions = {}
    for e in events:
        question = Question(event_id=e.id, kind="choice", label_fr="Repas", choices=[Choice(label_fr="Végétarien")])
        db.session.add(question)
        questions[e.id] = question
    db.session.flush()
    db.session.execute(
        insert(Answer),
        [
            dict(
                registration_id=r.id,
                question_id=questions[r.event_id].id,
                value=str(questions[r.event_id].choices[0].id),
                updated_at=now,
            )
            for r in registrations
        ],
    )
    db.session.execute(
        insert(OutboxEmail),
        [
            dict(
                to_address=member.email,
                member_id=member.id,
                template="t",
                language="fr",
                subject=f"Mail {i}",
                body_text="text",
                body_html="<p>html</p>",
                headers={},
                status="sent",
                sent_at=now,
            )
            for i in range(n)
        ],
    )
    db.session.commit()


@pytest.mark.parametrize("few, many", [(2, 60)])
def test_the_download_runs_the_same_number_of_queries_for_few_and_many_rows(app, make_member, few, many):
    small, large = make_member("small@example.org"), make_member("large@example.org")
    _fill(small, few)
    _fill(large, many)
    counts = []
    for member, n in ((small, few), (large, many)):
        member = db.session.get(Member, member.id)
        with count_queries(db.engine) as statements:
            data = personal_data.personal_data(member)
        assert len(data["registrations"]) == len(data["check_ins"]) == len(data["mails"]) == n
        assert len(data["answers"]) == n and data["answers"][0]["answer"] == "Végétarien"
        counts.append(len(statements))
    # groups, registrations, answers and their questions' choices, check-ins, staff, mails, audit, devices
    assert counts[0] == counts[1] == 9, counts


def test_the_data_page_says_what_is_held_and_offers_the_download(client, world):
    assert client.get("/account/data").status_code == 302  # visitors are sent to log in
    login(client, world.zoe)
    page = client.get("/account/data").get_data(as_text=True)
    assert 'href="/account/data.json"' in page and 'href="/account/delete"' in page
    assert "3 inscriptions" in page and "3 adhésions ou demandes" in page and "1 entrée" in page
    profile = client.get("/members/profile").get_data(as_text=True)
    assert 'href="/account/data"' in profile and 'href="/account/delete"' in profile
