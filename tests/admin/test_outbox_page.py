"""The outbox page: failed mail is visible with its error and can be retried (sent
once, whatever the races), filters find the right mails at a constant cost, an
HTML body cannot run in the admin page, and organizers see their own event only."""

import re
import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import insert, select

from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import EventStaff
from community.mail.delivery import deliver_pending
from community.mail.models import MailStatus, OutboxEmail
from community.mail.outbox import RetryRefused, retry
from tests.conftest import login, post_form
from tests.factories import outbox_email
from tests.querycount import count_queries

REFUSED = "550 5.1.1 No such mailbox here"


def add_mail(to="ada@example.org", subject="Your ticket", *, minutes_ago=0, **fields) -> OutboxEmail:
    email = outbox_email(to, subject, created_at=utcnow() - timedelta(minutes=minutes_ago), **fields)
    db.session.add(email)
    db.session.commit()
    return email


def fresh(email_id: int) -> OutboxEmail:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(OutboxEmail, email_id)


def listed_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/admin/outbox/(\d+)"', page)]


def tab_count(page: str, label: str) -> int:
    match = re.search(rf"{label} <span class=\"outbox-count\">(\d+)</span>", page)
    assert match, label
    return int(match.group(1))


def retries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retried")))


# ------------------------------------------------------------ failures and retry


def test_a_refused_mail_is_listed_as_failed_with_its_error_and_a_retry_delivers_it_once(
    client, people, mailbox, deliver
):
    refused = add_mail("gone@example.org", "Your seat at the summit", minutes_ago=2)
    mailbox.refuse_with = REFUSED
    deliver()
    mailbox.refuse_with = None
    accepted = add_mail("here@example.org", "Welcome")
    deliver(expect=1)
    assert fresh(refused.id).status == "failed" and fresh(accepted.id).status == "sent"

    login(client, people.admin)
    page = client.get("/admin/outbox/?status=failed").get_data(as_text=True)
    assert listed_ids(page) == [refused.id]
    assert "gone@example.org" in page and "No such mailbox here" in page
    assert re.search(r'class="num">1</td>', page)  # one attempt so far
    assert tab_count(page, "Failed") == 1 and tab_count(page, "Sent") == 1 and tab_count(page, "All") == 2

    detail = client.get(f"/admin/outbox/{refused.id}").get_data(as_text=True)
    assert "550" in detail and f'action="/admin/outbox/{refused.id}/retry"' in detail
    response = post_form(client, f"/admin/outbox/{refused.id}/retry", token_from=f"/admin/outbox/{refused.id}")
    assert response.status_code == 302 and response.location == f"/admin/outbox/{refused.id}"
    assert "back in the queue" in client.get(response.location).get_data(as_text=True)
    assert (fresh(refused.id).status, fresh(refused.id).attempts) == ("pending", 1)  # attempts are kept

    received = deliver(expect=2)
    assert len(mailbox.to("gone@example.org")) == 1 and len(received) == 2
    row = fresh(refused.id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert [a.ok for a in row.delivery_attempts] == [False, True]
    [entry] = retries()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (people.admin.id, "outbox_email", refused.id)


def test_a_mail_waiting_for_a_server_that_is_down_shows_the_connection_error(client, people, smtp_server, mailbox):
    waiting = add_mail("patient@example.org")
    smtp_server.stop()
    try:
        deliver_pending()
    finally:
        smtp_server.start()
    login(client, people.admin)
    page = client.get("/admin/outbox/?status=pending").get_data(as_text=True)
    assert listed_ids(page) == [waiting.id]
    assert "ConnectionRefusedError" in page
    assert "Retry now" not in client.get(f"/admin/outbox/{waiting.id}").get_data(as_text=True)


@pytest.mark.parametrize("status", ["sent", "pending", "sending"])
def test_retrying_a_mail_that_has_not_failed_is_refused_and_changes_nothing(client, people, mailbox, status):
    email = add_mail(status=status, attempts=1)
    login(client, people.admin)
    response = post_form(client, f"/admin/outbox/{email.id}/retry", token_from=f"/admin/outbox/{email.id}")
    told = "it is not sent again" if status == "sent" else "already waiting to be sent"
    assert told in client.get(response.location).get_data(as_text=True)
    assert (fresh(email.id).status, fresh(email.id).attempts) == (status, 1)
    assert retries() == []


def test_the_retry_service_refuses_a_sent_mail_with_a_message_to_show(app, people):
    email = add_mail(status="sent")
    with pytest.raises(RetryRefused) as refused:
        retry(people.admin, email)
    with app.test_request_context(), force_locale("en"):
        assert str(refused.value) == "This mail was already sent: it is not sent again."


def test_two_admins_retrying_at_once_beside_a_worker_give_exactly_one_delivery(app, people, mailbox):
    mails = [
        add_mail(f"race{n}@example.org", status="failed", attempts=3, last_error="SMTPRecipientsRefused")
        for n in range(5)
    ]
    outcomes = []

    def admin(email_id, start):
        with app.app_context():
            try:
                start.wait()
                retry(people.admin, db.session.get(OutboxEmail, email_id))
                db.session.commit()
                outcomes.append((email_id, "retried"))
            except RetryRefused:
                db.session.rollback()
                outcomes.append((email_id, "refused"))
            finally:
                db.session.remove()

    def worker(start):
        with app.app_context():
            try:
                start.wait()
                for _ in range(20):  # keeps claiming while the admins click
                    deliver_pending()
            finally:
                db.session.remove()

    for email in mails:
        start = threading.Barrier(3)
        threads = [threading.Thread(target=admin, args=(email.id, start)) for _ in range(2)]
        threads.append(threading.Thread(target=worker, args=(start,)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
            assert not thread.is_alive()
    deliver_pending()  # whatever the worker had not reached yet

    assert sorted(outcomes) == sorted([(m.id, "retried") for m in mails] + [(m.id, "refused") for m in mails])
    mailbox.wait_for(len(mails))
    for email in mails:
        assert len(mailbox.to(email.to_address)) == 1, email.to_address
        assert (fresh(email.id).status, fresh(email.id).attempts) == ("sent", 4)
    assert len(retries()) == len(mails)


def test_after_an_outage_the_admin_retries_every_failed_mail_of_a_filter_at_once(
    client, people, event, elsewhere, mailbox, deliver
):
    """The SMTP server was down past the retry window: the failed mails of one event go
    back in the queue with one click, each is delivered once, the others stay as they were."""
    ours = [
        add_mail(
            f"seat{n}@example.org",
            "Your seat",
            status="failed",
            attempts=4,
            event=event,
            last_error="ConnectionRefusedError",
        )
        for n in range(3)
    ]
    theirs = add_mail("other@example.org", "Other event", status="failed", attempts=4, event=elsewhere)
    sent = add_mail("done@example.org", status="sent", event=event)
    login(client, people.admin)
    page = client.get(f"/admin/outbox/?status=failed&event={event.id}").get_data(as_text=True)
    assert "Retry the 3 failed mails" in page and f'name="event" value="{event.id}"' in page

    response = post_form(
        client,
        "/admin/outbox/retry-failed",
        {"event": event.id},
        token_from=f"/admin/outbox/?status=failed&event={event.id}",
    )

    assert response.status_code == 302
    assert response.location == f"/admin/outbox/?status=pending&event={event.id}"
    assert "3 mails are back in the queue" in client.get(response.location).get_data(as_text=True)
    assert [(fresh(m.id).status, fresh(m.id).attempts) for m in ours] == [("pending", 4)] * 3
    assert fresh(theirs.id).status == "failed" and fresh(sent.id).status == "sent"
    received = deliver(expect=3)
    assert sorted(m["To"] for m in received) == [f"seat{n}@example.org" for n in range(3)]
    assert all(len(mailbox.to(f"seat{n}@example.org")) == 1 for n in range(3)) and mailbox.to("other@example.org") == []
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "mail.retried_in_bulk"))
    assert (entry.actor_id, entry.event_id, entry.changes) == (people.admin.id, event.id, {"mails_requeued": 3})

    again = post_form(
        client, "/admin/outbox/retry-failed", {"event": event.id, "q": "seat"}, token_from="/admin/outbox/"
    )
    assert again.location == f"/admin/outbox/?status=failed&q=seat&event={event.id}"
    assert "No failed mail matches these filters" in client.get(again.location).get_data(as_text=True)
    assert fresh(theirs.id).status == "failed"


@pytest.mark.parametrize("who", ["anonymous", "member", "organizer"])
def test_only_an_admin_retries_the_failed_mails_in_bulk(client, people, who):
    email = add_mail("guest@example.org", status="failed")
    if who != "anonymous":
        login(client, getattr(people, who))
    response = post_form(client, "/admin/outbox/retry-failed")
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert fresh(email.id).status == "failed"


def test_the_bulk_retry_needs_a_csrf_token_and_filters_that_make_sense(client, people):
    email = add_mail("guest@example.org", status="failed")
    login(client, people.admin)
    assert client.post("/admin/outbox/retry-failed").status_code == 400  # no CSRF token
    response = post_form(client, "/admin/outbox/retry-failed", {"event": "summit"}, token_from="/admin/outbox/")
    assert response.status_code == 400 and "could not be understood" in response.get_data(as_text=True)
    assert fresh(email.id).status == "failed"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mail.retried_in_bulk")) is None


# ------------------------------------------------------------- filters and cost


def test_filters_and_search_return_the_right_mails_newest_first(client, people, event, elsewhere):
    old_fail = add_mail(
        "zoe@example.org", "Reminder", status="failed", event=event, template="event_reminder", minutes_ago=30
    )
    new_fail = add_mail("Bob@Example.org", "Ticket 100% ready", status="failed", event=elsewhere, minutes_ago=10)
    sent = add_mail(
        "bob.other@example.org", "Your ticket", to_name="Robert", status="sent", event=event, minutes_ago=20
    )
    pending = add_mail("carol@example.org", "Confirm your email", template="confirm_email", minutes_ago=5)
    login(client, people.admin)

    def ids(query):
        return listed_ids(client.get(f"/admin/outbox/{query}").get_data(as_text=True))

    assert ids("") == [pending.id, new_fail.id, sent.id, old_fail.id]
    assert ids("?status=failed") == [new_fail.id, old_fail.id]
    assert ids("?status=sent") == [sent.id] and ids("?status=sending") == []
    assert ids("?q=bob") == [new_fail.id, sent.id]  # address, any case
    assert ids("?q=robert") == [sent.id]  # recipient name
    assert ids("?q=TICKET") == [new_fail.id, sent.id]  # subject
    assert ids("?q=100%25") == [new_fail.id] and ids("?q=%25") == [new_fail.id]  # % is a character
    assert ids("?template=event_reminder") == [old_fail.id]
    assert ids(f"?event={event.id}") == [sent.id, old_fail.id]
    assert ids(f"?event={event.id}&status=failed&q=zoe") == [old_fail.id]
    page = client.get("/admin/outbox/?q=bob").get_data(as_text=True)
    assert (tab_count(page, "All"), tab_count(page, "Failed"), tab_count(page, "Sent"), tab_count(page, "Pending")) == (
        2,
        1,
        1,
        0,
    )
    assert f'<option value="{event.id}" selected>' in client.get(f"/admin/outbox/?event={event.id}").get_data(
        as_text=True
    )


def test_the_outbox_is_paginated_by_fifty(client, people):
    created = [add_mail(f"p{n}@example.org", minutes_ago=100 - n).id for n in range(60)]
    login(client, people.admin)
    first = client.get("/admin/outbox/").get_data(as_text=True)
    second = client.get("/admin/outbox/?page=2").get_data(as_text=True)
    assert listed_ids(first) == created[::-1][:50] and listed_ids(second) == created[::-1][50:]
    assert "Page 1 of 2" in first and 'href="/admin/outbox/?page=2"' in first


@pytest.mark.parametrize("query", ["?status=lost", "?event=summit", "?event=1e3"])
def test_a_filter_that_makes_no_sense_is_a_clear_400(client, people, query):
    login(client, people.admin)
    response = client.get(f"/admin/outbox/{query}")
    assert response.status_code == 400 and "could not be understood" in response.get_data(as_text=True)


def test_the_admin_pages_run_the_same_queries_for_ten_and_two_thousand_mails(client, people, event, capsys):
    login(client, people.admin)
    counts = {}
    for size in (10, 2000):
        db.session.execute(OutboxEmail.__table__.delete())
        now = utcnow()
        db.session.execute(
            insert(OutboxEmail),
            [
                dict(
                    to_address=f"bulk{n}@example.org",
                    to_name=f"Bulk {n}",
                    template=f"kind{n % 7}",
                    language="fr",
                    subject=f"Mail {n}",
                    body_text="x" * 500,
                    body_html="<p>" + "x" * 2000 + "</p>",
                    headers={},
                    status=("pending", "sent", "failed", "sending")[n % 4],
                    attempts=n % 5,
                    last_error="",
                    created_at=now - timedelta(seconds=n),
                    next_attempt_at=now,
                    event_id=event.id if n % 2 else None,
                )
                for n in range(size)
            ],
        )
        db.session.commit()
        for path in (
            "/admin/outbox/",
            "/admin/outbox/?status=failed&q=bulk1",
            f"/admin/outbox/events/{event.slug}",
            "/admin/",
        ):
            with count_queries(db.engine) as statements:
                response = client.get(path)
            assert response.status_code == 200
            counts[(path, size)] = len(statements)
        assert len(listed_ids(client.get("/admin/outbox/").get_data(as_text=True))) == min(size, 50)
    with capsys.disabled():
        print(
            "\noutbox page queries (10 mails, 2000 mails):",
            {p: (counts[(p, 10)], counts[(p, 2000)]) for p, _s in counts},
        )
    for path, _size in counts:
        assert counts[(path, 10)] == counts[(path, 2000)], (path, counts)
    assert counts[("/admin/outbox/", 2000)] <= 8


# ----------------------------------------------------------- a mail and its body


def test_a_mail_page_shows_headers_text_attachments_and_every_attempt(client, people, mailbox, deliver):
    from community.mail.models import OutboxAttachment

    email = add_mail(
        "ada@example.org",
        "Your ticket",
        to_name="Ada Lovelace",
        body_text="Line one\nLine two",
        headers={"List-Unsubscribe": "<https://community.test/u/1>"},
    )
    db.session.add(
        OutboxAttachment(email_id=email.id, filename="summit.ics", content_type="text/calendar", data=b"x" * 42)
    )
    db.session.commit()
    mailbox.refuse_with = "451 4.3.0 Try again later"
    deliver()
    mailbox.refuse_with = None
    db.session.execute(OutboxEmail.__table__.update().values(next_attempt_at=utcnow()))
    db.session.commit()
    deliver(expect=1)

    login(client, people.admin)
    page = client.get(f"/admin/outbox/{email.id}").get_data(as_text=True)
    assert "Ada Lovelace" in page and "ada@example.org" in page and "List-Unsubscribe" in page
    assert "Line one\nLine two" in page
    assert "summit.ics" in page and "42 bytes" in page
    assert "Try again later" in page and page.count('class="badge success">Delivered') == 1
    assert "Retry now" not in page


def test_the_html_body_of_a_mail_cannot_run_script_in_the_admin_page(client, people):
    hostile = '<p>Hi</p><script>document.title="pwned"</script><img src=x onerror="alert(1)">'
    email = add_mail(
        subject='<script>alert("subject")</script>', body_text="<script>alert('text')</script>", body_html=hostile
    )
    login(client, people.admin)
    page = client.get(f"/admin/outbox/{email.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror" not in page
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in page
    [frame] = re.findall(r"<iframe[^>]*>", page)
    assert 'sandbox=""' in frame and f'src="/admin/outbox/{email.id}/body.html"' in frame

    body = client.get(f"/admin/outbox/{email.id}/body.html")
    policy = body.headers["Content-Security-Policy"]
    assert body.data.decode() == hostile
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert "frame-ancestors 'self'" in policy and body.headers["X-Frame-Options"] == "SAMEORIGIN"


# ------------------------------------------------------------------ who may see


def test_an_organizer_sees_the_delivery_of_their_event_mails_only_and_no_body(client, people, event, elsewhere):
    mine = add_mail(
        "guest@example.org",
        "Seat confirmed",
        status="failed",
        event=event,
        last_error="550 nobody",
        body_text="SECRET-BODY-TEXT",
        body_html="<p>SECRET-BODY-HTML</p>",
        attempts=1,
    )
    add_mail("guest2@example.org", "Seat confirmed", status="sent", event=event, attempts=1)
    add_mail("stranger@example.org", "Other event", event=elsewhere)
    add_mail("nobody@example.org", "Reset your password", template="reset_password")

    login(client, people.organizer)
    page = client.get(f"/admin/outbox/events/{event.slug}").get_data(as_text=True)
    assert "guest@example.org" in page and "guest2@example.org" in page and "550 nobody" in page
    assert "stranger@example.org" not in page and "nobody@example.org" not in page
    assert "SECRET-BODY" not in page and "/admin/outbox/" + str(mine.id) not in page
    assert (tab_count(page, "All"), tab_count(page, "Failed"), tab_count(page, "Sent")) == (2, 1, 1)
    failed_only = client.get(f"/admin/outbox/events/{event.slug}?status=failed").get_data(as_text=True)
    assert "guest@example.org" in failed_only and "guest2@example.org" not in failed_only
    for path in (
        "/admin/outbox/",
        f"/admin/outbox/{mine.id}",
        f"/admin/outbox/{mine.id}/body.html",
        f"/admin/outbox/events/{elsewhere.slug}",
    ):
        response = client.get(path)
        assert response.status_code == 403 and b"stranger@example.org" not in response.data, path
    assert (
        post_form(client, f"/admin/outbox/{mine.id}/retry", token_from=f"/admin/outbox/events/{event.slug}").status_code
        == 403
    )
    assert fresh(mine.id).status == "failed"


def test_a_named_organizer_may_see_the_event_mails_and_a_steward_may_not(client, people, event, make_member):
    add_mail("guest@example.org", event=event)
    named, steward = make_member("named@example.org"), make_member("steward@example.org")
    db.session.add_all(
        [
            EventStaff(event_id=event.id, member_id=named.id, role="organizer"),
            EventStaff(event_id=event.id, member_id=steward.id, role="steward"),
        ]
    )
    db.session.commit()
    login(client, named)
    assert b"guest@example.org" in client.get(f"/admin/outbox/events/{event.slug}").data
    other = client.application.test_client()
    login(other, steward)
    assert other.get(f"/admin/outbox/events/{event.slug}").status_code == 403


@pytest.mark.parametrize("who, expect", [("anonymous", "login"), ("member", 403), ("other", 403), ("admin", 200)])
def test_the_event_mail_page_answers_each_role(client, people, event, who, expect):
    add_mail("guest@example.org", event=event)
    if who != "anonymous":
        login(client, getattr(people, who))
    response = client.get(f"/admin/outbox/events/{event.slug}")
    if expect == "login":
        assert response.status_code == 302 and "/members/login" in response.location
    else:
        assert response.status_code == expect
        assert (b"guest@example.org" in response.data) == (expect == 200)
    assert client.get("/admin/outbox/events/nowhere").status_code in (302, 404)


@pytest.mark.parametrize("who", ["anonymous", "member", "organizer"])
def test_only_an_admin_opens_or_retries_in_the_outbox(client, people, who):
    email = add_mail("guest@example.org", status="failed")
    if who != "anonymous":
        login(client, getattr(people, who))
    for path in ("/admin/outbox/", f"/admin/outbox/{email.id}", f"/admin/outbox/{email.id}/body.html"):
        response = client.get(path)
        assert response.status_code == (302 if who == "anonymous" else 403), path
        assert b"guest@example.org" not in response.data
    response = post_form(client, f"/admin/outbox/{email.id}/retry")
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert fresh(email.id).status == "failed" and retries() == []


def test_an_unknown_mail_is_a_404_for_the_admin(client, people):
    login(client, people.admin)
    assert client.get("/admin/outbox/999").status_code == 404
    assert post_form(client, "/admin/outbox/999/retry", token_from="/admin/outbox/").status_code == 404


def test_the_admin_landing_page_links_the_outbox_with_the_count_of_failed_mails(client, people):
    login(client, people.admin)
    assert 'href="/admin/outbox/"' in client.get("/admin/").get_data(as_text=True)
    for n in range(3):
        add_mail(f"f{n}@example.org", status="failed")
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/outbox/?status=failed">3 failed mails</a>' in page


def test_with_mail_written_to_the_log_the_pages_say_so(app, client, people, event):
    app.config["MAIL_SERVER"] = ""
    email = add_mail("ada@example.org", status=MailStatus.PENDING.value, event=event)
    deliver_pending()
    assert fresh(email.id).status == "sent"
    login(client, people.admin)
    for path in ("/admin/outbox/", f"/admin/outbox/{email.id}", f"/admin/outbox/events/{event.slug}"):
        assert "written to the server log" in client.get(path).get_data(as_text=True), path
