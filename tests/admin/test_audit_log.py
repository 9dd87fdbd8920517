"""The audit log: actions driven through the real routes leave entries; the page
shows who, what, on which object and what changed, filters, and costs the same
number of queries for 10 entries as for 1,000."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert, select

from community.admin import audit_log
from community.core import audit
from community.core.audit import AuditEntry
from community.core.clock import from_local, utcnow
from community.core.extensions import db
from community.groups.models import GroupMembership, WorkingGroup
from tests.admin.conftest import add_group, register
from tests.conftest import login, post_form
from tests.querycount import count_queries


def admin_client(app, admin):
    client = app.test_client()
    login(client, admin)
    return client


def log(action=None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return db.session.scalars(query).all()


def rows_of(page: str) -> list[str]:
    """The text of each row of the log table, tags stripped."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]


def announce_form(client, slug) -> dict:
    page = client.get(f"/groups/{slug}/announce").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="idempotency_key"', page
    )
    return {"idempotency_key": key.group(1)}


# ------------------------------------------------------------------ actions leave entries


def test_group_moderation_and_announcements_leave_entries(app, people, make_member):
    lead = make_member("lead@example.org", name="Lea Lead")
    asker, refused = make_member("asker@example.org", name="Asker"), make_member("refused@example.org", name="Refused")
    admin = admin_client(app, people.admin)
    post_form(
        admin,
        "/groups/new",
        {"name": "Données", "slug": "", "summary": "Data", "join_policy": "moderated"},
        token_from="/groups/new",
    )
    group = db.session.scalar(select(WorkingGroup))
    post_form(admin, "/groups/donnees/leads", {"email": lead.email}, token_from="/groups/donnees/members")
    post_form(
        admin,
        "/groups/donnees/edit",
        {
            "name": "Données ouvertes",
            "slug": "donnees",
            "summary": "Open data",
            "description": "Long text",
            "join_policy": "moderated",
        },
        token_from="/groups/donnees/edit",
    )

    for person in (asker, refused):
        visitor = app.test_client()
        login(visitor, person)
        post_form(visitor, "/groups/donnees/request", {"message": "hello"}, token_from="/groups/donnees")
    pending = {
        m.member_id: m.id
        for m in db.session.scalars(select(GroupMembership).where(GroupMembership.status == "pending"))
    }

    by_lead = app.test_client()
    login(by_lead, lead)
    post_form(by_lead, f"/groups/donnees/requests/{pending[asker.id]}/approve", token_from="/groups/donnees")
    post_form(by_lead, f"/groups/donnees/requests/{pending[refused.id]}/decline", token_from="/groups/donnees")
    data = {"subject": "Réunion", "body": "Jeudi", **announce_form(by_lead, "donnees")}
    post_form(by_lead, "/groups/donnees/announce", data, token_from="/groups/donnees/announce")
    post_form(by_lead, "/groups/donnees/announce", data, token_from="/groups/donnees/announce")  # a double click
    post_form(by_lead, f"/groups/donnees/members/{asker.id}/remove", token_from="/groups/donnees/members")
    post_form(admin, f"/groups/donnees/members/{lead.id}/unlead", token_from="/groups/donnees/members")

    assert [(e.action, e.actor_id, e.object_type, e.object_id) for e in log()] == [
        ("group.created", people.admin.id, "working_group", group.id),
        ("group.lead_changed", people.admin.id, "working_group", group.id),
        ("group.updated", people.admin.id, "working_group", group.id),
        ("group.member_approved", lead.id, "working_group", group.id),
        ("group.member_refused", lead.id, "working_group", group.id),
        ("group.announcement_sent", lead.id, "working_group", group.id),
        ("group.member_removed", lead.id, "working_group", group.id),
        ("group.lead_changed", people.admin.id, "working_group", group.id),
    ]
    changes = [e.changes for e in log()]
    assert changes[1] == {"member_id": lead.id, "lead": [False, True]}
    assert changes[2] == {
        "name": ["Données", "Données ouvertes"],
        "summary": ["Data", "Open data"],
        "description_changed": True,
    }
    assert changes[3] == {"member_id": asker.id} and changes[4] == {"member_id": refused.id}
    assert changes[5]["recipients"] == 2  # the lead and the approved member
    assert changes[7] == {"member_id": lead.id, "lead": [True, False]}

    rows = rows_of(admin.get("/admin/audit/").get_data(as_text=True))
    assert len(rows) == 8
    assert "Lea Lead" in rows[1] and "Group member removed" in rows[1] and "member: Asker" in rows[1]
    assert "Announcement sent" in rows[2] and "recipients: 2" in rows[2]
    assert "Group request refused" in rows[3] and "member: Refused" in rows[3]
    assert (
        "Group edited" in rows[5]
        and "name: Données → Données ouvertes" in rows[5]
        and "description changed: yes" in rows[5]
    )
    assert "Group created" in rows[7] and "Working group Données ouvertes" in rows[7]
    assert 'href="/groups/donnees"' in admin.get("/admin/audit/").get_data(as_text=True)


def test_exports_are_recorded_with_their_filter_before_the_file_is_sent(app, people, event):
    group = add_group("Machine learning", "ml")
    register(event, member=people.member)
    organizer = app.test_client()
    login(organizer, people.organizer)
    assert organizer.get("/admin/events/summit/attendees.csv?status=confirmed&status=waiting").status_code == 200
    admin = admin_client(app, people.admin)
    assert admin.get("/admin/members.xlsx").status_code == 200
    assert admin.get("/admin/groups/ml/members.csv?sep=comma").status_code == 200
    # A refused request (unknown separator) exports nothing and records nothing.
    assert admin.get("/admin/members.csv?sep=tab").status_code == 400

    assert [(e.action, e.actor_id, e.object_type, e.object_id, e.event_id, e.changes) for e in log()] == [
        (
            "export.attendees",
            people.organizer.id,
            "event",
            event.id,
            event.id,
            {"format": "csv", "status": "confirmed, waiting"},
        ),
        ("export.members", people.admin.id, "", None, None, {"format": "xlsx"}),
        ("export.group_members", people.admin.id, "working_group", group.id, None, {"format": "csv"}),
    ]
    rows = rows_of(admin.get("/admin/audit/").get_data(as_text=True))
    assert "Group member list exported" in rows[0] and "Machine learning" in rows[0]
    assert "Member list exported" in rows[1] and "format: xlsx" in rows[1]
    assert "Attendee list exported" in rows[2] and "Event summit" in rows[2] and "status: confirmed, waiting" in rows[2]
    assert "orga@example.org" not in rows[2] and people.organizer.display_name in rows[2]


def test_the_export_entry_is_committed_before_the_first_row_is_sent(app, people, make_member):
    """Read from another connection while the file streams: the entry is already durable."""
    from flask.testing import FlaskClient

    client = FlaskClient(app, use_cookies=True)  # a plain client: the body streams as the test reads it
    login(client, people.admin)
    response = client.get("/admin/members.csv", buffered=False)
    first_chunk = next(iter(response.response))
    with db.engine.connect() as other:
        actions = other.execute(select(AuditEntry.action)).scalars().all()
    response.close()
    assert first_chunk.startswith(b"\xef\xbb\xbf") and actions == ["export.members"]


def test_member_actions_show_actor_label_object_and_changes(app, people, make_member):
    newcomer = make_member("newcomer@example.org", name="Nina Newcomer", confirmed=False)
    admin = admin_client(app, people.admin)
    page = f"/admin/members/{newcomer.id}"
    post_form(admin, f"{page}/role", {"role": "organizer"}, token_from=page)
    post_form(admin, f"{page}/suspend", token_from=page)
    post_form(admin, f"{page}/reactivate", token_from=page)
    post_form(admin, f"{page}/confirmation", token_from=page)
    rows = rows_of(admin.get("/admin/audit/").get_data(as_text=True))
    assert [row.split(people.admin.display_name)[1].split("Member Nina Newcomer")[0].strip() for row in rows] == [
        "Confirmation mail sent again",
        "Account reactivated",
        "Account suspended",
        "Role changed",
    ]
    assert "role: member → organizer" in rows[3]
    assert f'href="/admin/members/{newcomer.id}"' in admin.get("/admin/audit/").get_data(as_text=True)


def test_objects_deleted_since_read_deleted(app, people, event, make_member):
    gone = make_member("gone@example.org", name="Gone Soon")
    group = add_group("Archive", "archive")
    registration = register(event, guest_name="Guest", guest_email="guest@example.org")
    audit.record(people.admin, "member.suspended", gone)
    audit.record(gone, "group.updated", group, summary=["a", "b"])
    audit.record(people.admin, "registration.cancelled_by_organizer", registration)
    db.session.commit()
    for obj in (gone, group, registration):
        db.session.delete(obj)
    db.session.commit()
    rows = rows_of(admin_client(app, people.admin).get("/admin/audit/").get_data(as_text=True))
    assert "Registration deleted" in rows[0]
    # The actor's account is gone: the foreign key emptied, the row says "system".
    assert "system" in rows[1] and "Working group deleted" in rows[1] and "summary: a → b" in rows[1]
    assert "Member deleted" in rows[2] and "Gone Soon" not in " ".join(rows)


# ------------------------------------------------------------------ filters


@pytest.fixture
def history(people, event, elsewhere, make_member):
    """Five entries by two actors on several objects and days."""
    group = add_group("Machine learning", "ml")
    registration = register(event, member=people.member)
    entries = [
        (
            people.admin,
            "member.role_changed",
            people.member,
            None,
            {"role": ["member", "organizer"]},
            datetime(2025, 1, 10, 9),
        ),
        (people.admin, "export.members", None, None, {"format": "csv"}, datetime(2025, 1, 12, 23, 30)),
        (
            people.organizer,
            "event.capacity_changed",
            event,
            event.id,
            {"capacity": [450, 460]},
            datetime(2025, 1, 13, 0, 30),
        ),
        (people.organizer, "registration.cancelled_by_organizer", registration, event.id, {}, datetime(2025, 2, 1, 12)),
        (people.other, "group.updated", group, None, {"archived": [False, True]}, datetime(2025, 2, 2, 12)),
    ]
    for actor, action, obj, event_id, changes, local in entries:
        entry = audit.record(actor, action, obj, event_id=event_id, **changes)
        entry.created_at = from_local(local)
    db.session.commit()
    return dict(event=event, group=group)


def shown(client, query="") -> list[str]:
    response = client.get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = " | ".join(rows_of(page)) if "<tbody>" in page else ""
    return [
        label
        for label in (
            "Role changed",
            "Member list exported",
            "Capacity changed",
            "Registration cancelled by an organizer",
            "Group edited",
        )
        if label in table
    ]


def test_each_filter_narrows_the_log(app, people, history):
    client = admin_client(app, people.admin)
    assert shown(client) == [
        "Role changed",
        "Member list exported",
        "Capacity changed",
        "Registration cancelled by an organizer",
        "Group edited",
    ]
    assert shown(client, "action=event.capacity_changed") == ["Capacity changed"]
    assert shown(client, "actor=ORGA@example") == [
        "Capacity changed",
        "Registration cancelled by an organizer",
        "Group edited",
    ]
    assert shown(client, f"actor={people.organizer.display_name}") == [
        "Capacity changed",
        "Registration cancelled by an organizer",
    ]
    assert shown(client, "object_type=member") == ["Role changed"]
    assert shown(client, "object_type=working_group") == ["Group edited"]
    assert shown(client, f"event={history['event'].id}") == [
        "Capacity changed",
        "Registration cancelled by an organizer",
    ]
    # Days are Paris days: 23:30 on the 12th is the 12th, 00:30 on the 13th the 13th.
    assert shown(client, "date_from=2025-01-13&date_to=2025-02-01") == [
        "Capacity changed",
        "Registration cancelled by an organizer",
    ]
    assert shown(client, "date_to=2025-01-12") == ["Role changed", "Member list exported"]
    assert shown(client, "action=group.updated&actor=orga") == ["Group edited"]


def test_the_log_reads_newest_first_with_paris_times_and_readable_changes(app, people, history):
    rows = rows_of(admin_client(app, people.admin).get("/admin/audit/").get_data(as_text=True))
    assert "Group edited" in rows[0] and "archived: no → yes" in rows[0]
    assert "Capacity changed" in rows[2] and "capacity: 450 → 460" in rows[2] and "Event summit" in rows[2]
    # 23:30 UTC+1 in January is stored 22:30 UTC and shown 23:30, day first and on 24 hours (en_GB).
    assert rows[3].startswith("12 Jan 2025, 23:30 "), rows[3]


def test_a_french_admin_reads_the_changes_in_french(app, people, history):
    people.admin.language = "fr"
    db.session.commit()
    rows = rows_of(admin_client(app, people.admin).get("/admin/audit/").get_data(as_text=True))
    assert "archivé : non → oui" in rows[0]  # (rows_of folds the no-break space)
    assert "capacité : 450 → 460" in rows[2]


@pytest.mark.parametrize(
    "query",
    [
        "action=member.hacked",
        "object_type=secret",
        "event=abc",
        "event=999999999999999999999",
        "date_from=2025-02-30",
        "date_to=tomorrow",
        "actor=" + "x" * 300,
        "page=abc",
        "actor=%00",
    ],
)
def test_bad_filter_values_never_break_the_page(app, people, history, query):
    response = admin_client(app, people.admin).get(f"/admin/audit/?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    if not query.startswith(("page", "actor=%00")):
        assert 'class="error"' in page
    assert "Role changed" in " ".join(rows_of(page))  # the bad filter is ignored, the rest of the log shows


# ------------------------------------------------------------------ cost


def bulk_entries(n: int, people, event, group, registration) -> None:
    """n entries spread over members, events, groups, registrations and exports."""
    now = utcnow()
    kinds = [
        ("member.role_changed", "member", people.member.id, None, {"role": ["member", "organizer"]}),
        ("event.capacity_changed", "event", event.id, event.id, {"capacity": [10, 20]}),
        ("group.member_approved", "working_group", group.id, None, {"member_id": people.member.id}),
        ("registration.cancelled_by_organizer", "registration", registration.id, event.id, {}),
        ("export.members", "", None, None, {"format": "csv"}),
    ]
    actors = [people.admin.id, people.organizer.id, people.other.id]
    db.session.execute(
        insert(AuditEntry),
        [
            dict(
                created_at=now - timedelta(seconds=i),
                actor_id=actors[i % 3],
                action=kinds[i % 5][0],
                object_type=kinds[i % 5][1],
                object_id=kinds[i % 5][2],
                event_id=kinds[i % 5][3],
                changes=kinds[i % 5][4],
            )
            for i in range(n)
        ],
    )
    db.session.commit()


def test_the_log_page_runs_the_same_queries_for_10_and_1000_entries(app, people, event, capsys):
    group = add_group("Machine learning", "ml")
    registration = register(event, member=people.member)
    client = admin_client(app, people.admin)
    counts = []
    for n in (10, 1000):
        db.session.execute(AuditEntry.__table__.delete())
        db.session.commit()
        bulk_entries(n, people, event, group, registration)
        with app.test_request_context(), count_queries(db.engine) as reads:
            pagination, rows = audit_log.search(audit_log.Filters())
        assert len(rows) == min(n, audit_log.PER_PAGE) and pagination.total == n
        with count_queries(db.engine) as page:
            response = client.get("/admin/audit/?actor=example")
        assert (
            response.status_code == 200
            and response.get_data(as_text=True).count("<tr>") == min(n, audit_log.PER_PAGE) + 1
        )
        counts.append((len(reads), len(page)))
    assert counts[0] == counts[1]
    # count, page, then one per kind of object: members, events, groups, registrations.
    assert counts[0][0] == 6
    with capsys.disabled():
        print(f"\naudit log: search() {counts[1][0]} queries, whole page {counts[1][1]} queries (10 and 1,000 entries)")


def test_only_known_actions_can_be_recorded(people):
    with pytest.raises(ValueError):
        audit.record(people.admin, "member.teleported")


def test_the_log_without_filters_shows_no_error(app, people, history):
    page = admin_client(app, people.admin).get("/admin/audit/").get_data(as_text=True)
    assert 'class="error"' not in page and "5 entries" in page
