"""What a recipient gets: a multipart mail with a stable Message-ID, the right
sender and recipient, absolute links, attachments, and the shared layout."""

import re

from community.core.extensions import db
from community.mail.delivery import deliver_pending
from community.mail.mime import message_id
from community.mail.outbox import Attachment
from community.members import services
from tests.conftest import links_in, mail_html, mail_text
from tests.mail.conftest import fresh

PDF = b"%PDF-1.4\n\x00\xff\xfe binary \r\n body"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_a_queued_mail_arrives_as_text_and_html_with_its_outbox_message_id(probe, mailbox):
    email = probe("zoe@example.org", to_name="Zoé Martin")

    assert deliver_pending() == 1
    [message] = mailbox.to("zoe@example.org")

    # No attachment: the text and its HTML version, nothing around them.
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == message_id(fresh(email.id))
    assert re.fullmatch(rf"<outbox-{email.id}\.[0-9a-f]{{16}}@community\.test>", message["Message-ID"])
    assert message["From"].addresses[0].addr_spec == "community@community.test"
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Zoé Martin", "zoe@example.org")
    assert message["Subject"] == "Probe"
    assert "Hello Zoé Martin," in mail_text(message)
    assert "Hello Zoé Martin," in mail_html(message)


def test_links_in_both_bodies_are_absolute_and_built_from_base_url(probe, mailbox):
    probe()
    deliver_pending()
    [message] = mailbox.to("ada@example.org")

    assert "/privacy" in links_in(message)
    html = mail_html(message)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(href.startswith("http://community.test") for href in hrefs), hrefs
    assert 'href="http://community.test/privacy"' in html


def test_attachments_arrive_byte_for_byte(probe, mailbox):
    probe(
        attachments=(
            Attachment("ticket.ics", "text/calendar", ICS.encode()),
            Attachment("badge.pdf", "application/pdf", PDF),
        )
    )
    deliver_pending()
    [message] = mailbox.to("ada@example.org")

    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"ticket.ics", "badge.pdf"}
    assert attachments["badge.pdf"].get_content_type() == "application/pdf"
    assert attachments["badge.pdf"].get_content() == PDF
    assert attachments["ticket.ics"].get_content_type() == "text/calendar"
    assert attachments["ticket.ics"].get_payload(decode=True) == ICS.encode()
    # The bodies are still there next to the attachments.
    assert "Hello Ada Lovelace," in mail_text(message)


def test_the_real_confirmation_mail_wears_the_shared_layout(app, make_member, mailbox):
    member = make_member("ada@example.org", name="Ada Lovelace", confirmed=False, language="en")
    services.send_confirmation(member)
    db.session.commit()

    deliver_pending()
    [message] = mailbox.to("ada@example.org")

    community = app.config["COMMUNITY_NAME"]
    text = mail_text(message).replace("\r\n", "\n")
    assert any(link.startswith("/members/confirm/") for link in links_in(message))
    # The plain-text footer: a signature separator, the community and its address.
    assert text.rstrip().endswith(f"-- \n{community}\nhttp://community.test")
    html = mail_html(message)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert community in html and 'href="http://community.test"' in html
    assert "<title>Confirm your email address</title>" in html
