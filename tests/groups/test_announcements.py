"""Announcements: through the outbox to the real SMTP server, once per member,
each in the member's language, with a one-click way out."""

import re
from collections import Counter

from flask_babel import force_locale
from sqlalchemy import func, select

from community.core.extensions import db
from community.core.templating import localdatetime
from community.groups import announcements, services
from community.groups.models import Announcement, GroupMembership
from community.mail.delivery import deliver_pending
from tests.conftest import login, mail_html, mail_text, post_form
from tests.groups.conftest import add_members


def deliver_all(mailbox, expect):
    """Run the real worker until the outbox is empty (it sends 100 per pass)."""
    while deliver_pending():
        pass
    return mailbox.wait_for(expect)


def announce_form(client, slug):
    """The form as the browser shows it: with its CSRF token and its idempotency key."""
    page = client.get(f"/groups/{slug}/announce").get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="idempotency_key"', page
    )
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return {"idempotency_key": key.group(1), "csrf_token": token.group(1)}


def test_an_announcement_to_300_members_reaches_each_once_in_their_language(
    app, client, make_member, make_group, bulk_people, mailbox
):
    lead = make_member("lead@example.org", name="Lena Lead", language="en")
    group = make_group("Évaluation", lead=lead)
    receiving = bulk_people(299, prefix="r-", language=lambda i: "fr" if i % 3 else "en")
    opted_out = bulk_people(15, prefix="o-")
    waiting = bulk_people(5, prefix="w-")
    add_members(group, receiving + opted_out, opt_out=opted_out)
    add_members(group, waiting, status="pending")
    recipients = {m.email: m.language for m in [lead, *receiving]}
    assert len(recipients) == 300

    login(client, lead)
    form = announce_form(client, group.slug)
    data = {**form, "subject": "Réunion jeudi", "body": "Ordre du jour :\n- corpus\n- évaluation"}
    first = client.post(f"/groups/{group.slug}/announce", data=data)
    second = client.post(f"/groups/{group.slug}/announce", data=data)  # the double click
    assert first.status_code == second.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 1

    messages = deliver_all(mailbox, expect=300)
    assert len(messages) == 300
    assert Counter(rcpt for rcpt, _m in mailbox.messages) == Counter(list(recipients))
    announcement = db.session.scalar(select(Announcement))
    assert announcement.recipients_count == 300
    dates = {}
    for language in ("fr", "en"):
        with app.test_request_context(), force_locale(language):
            dates[language] = localdatetime(announcement.created_at, "long")
    assert dates["fr"] != dates["en"]
    for rcpt, message in mailbox.messages:
        language = recipients[rcpt]
        assert message["Subject"] == "[Évaluation] Réunion jeudi"
        assert f'<html lang="{language}">' in mail_html(message)
        assert dates[language] in mail_text(message)
        assert "- corpus" in mail_text(message) and "<li>corpus</li>" in mail_html(message)


def test_the_mail_offers_a_one_click_unsubscribe_that_mail_clients_can_post(app, make_member, make_group, mailbox):
    lead = make_member(language="en")
    member = make_member("grace@example.org", language="fr")
    group = make_group("Data", lead=lead)
    add_members(group, [member])
    announcements.announce(lead, group, subject="Hello", body="First", idempotency_key="one" * 8)
    db.session.commit()
    deliver_all(mailbox, 2)
    [message] = mailbox.to(member.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(http://community\.test(/groups/unsubscribe/[^>]+))>", message["List-Unsubscribe"]).group(2)
    assert url in mail_text(message)

    # A mail scanner's GET changes nothing; it shows a button.
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    db.session.expire_all()
    assert not services.membership_of(member, group).announcements_opt_out

    # The mail client's RFC 8058 POST: no session, no CSRF token, only the signed link.
    assert app.test_client().post(url, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert services.membership_of(member, group).announcements_opt_out
    assert services.membership_of(member, group).is_active  # still a member

    mailbox.clear()
    announcements.announce(lead, group, subject="Hello again", body="Second", idempotency_key="two" * 8)
    db.session.commit()
    deliver_all(mailbox, 1)
    assert [rcpt for rcpt, _m in mailbox.messages] == [lead.email]


def test_a_tampered_unsubscribe_link_changes_nothing(app, client, make_member, make_group):
    member = make_member()
    group = make_group()
    add_members(group, [member])
    token = announcements.unsubscribe_token(member.id, group.id)
    assert client.post(f"/groups/unsubscribe/{token[:-3]}xyz").status_code == 404
    db.session.expire_all()
    assert not services.membership_of(member, group).announcements_opt_out


def test_a_member_turns_announcements_off_and_on_from_the_group_page(client, make_member, make_group):
    member = make_member(language="en")
    group = make_group()
    add_members(group, [member])
    login(client, member)
    post_form(
        client,
        f"/groups/{group.slug}/announcements/subscription",
        {"receive": "no"},
        token_from=f"/groups/{group.slug}",
    )
    db.session.expire_all()
    assert services.membership_of(member, group).announcements_opt_out
    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Receive announcements" in page
    post_form(
        client,
        f"/groups/{group.slug}/announcements/subscription",
        {"receive": "yes"},
        token_from=f"/groups/{group.slug}",
    )
    db.session.expire_all()
    assert not services.membership_of(member, group).announcements_opt_out


def test_announcements_are_archived_on_the_group_page_for_its_members(client, make_member, make_group):
    lead, member, outsider = make_member(), make_member(language="en"), make_member(language="en")
    group = make_group(lead=lead)
    add_members(group, [member])
    item, _created = announcements.announce(
        lead, group, subject="Kick-off <b>meeting</b>", body="See https://example.org", idempotency_key="arch" * 6
    )
    db.session.commit()
    login(client, member)
    page = client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert "Kick-off &lt;b&gt;meeting&lt;/b&gt;" in page
    archived = client.get(f"/groups/{group.slug}/announcements/{item.id}").get_data(as_text=True)
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">' in archived
    client.post(
        "/members/logout", data={"csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)}
    )
    login(client, outsider)
    assert "Kick-off" not in client.get(f"/groups/{group.slug}").get_data(as_text=True)
    assert client.get(f"/groups/{group.slug}/announcements/{item.id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(GroupMembership)) == 2
