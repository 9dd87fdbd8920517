"""The headers as mail programs read them, checked on the raw bytes the SMTP server received
and with Python's email package in its strict policy: accents in subjects, names that look
like encoded words, the one-click unsubscribe, automatic mails marked, calendars labelled."""

import email
import email.policy
import re

from community.core.extensions import db
from community.groups import announcements, memberships
from community.groups import services as groups
from community.mail.delivery import deliver_pending
from community.registrations import services as registrations


def headers_of(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header byte is ASCII


def strictly(raw: bytes):
    message = email.message_from_bytes(raw, policy=email.policy.strict)
    defects = [defect for part in message.walk() for defect in part.defects]
    assert defects == [], defects
    return message


def test_an_accented_subject_is_whole_encoded_words_and_reads_back_exactly(probe, mailbox):
    subject = "Rappel : atelier « données ouvertes » & évaluation 2027 — à ne pas manquer"
    probe(subject=subject, to_name="Zoé Martin")
    deliver_pending()
    [(_rcpt, raw)] = mailbox.raw
    head = headers_of(raw)
    line = re.search(r"^Subject: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, re.M).group(1)
    # RFC 2047 §5: an encoded word is a whole word, never glued to other text.
    words = [word for word in line.split() if "=?" in word or "?=" in word]
    assert words and all(re.fullmatch(r"=\?utf-8\?[bq]\?[^?\s]*\?=", word) for word in words), line
    message = strictly(raw)
    assert message["Subject"] == subject
    assert message["To"].addresses[0].display_name == "Zoé Martin"


def test_a_name_that_looks_like_an_encoded_word_is_shown_as_typed_not_decoded(probe, mailbox):
    probe(to_name="=?utf-8?q?Administrateur?=")
    probe("bob@example.org", to_name='=Boss, the "real" one')
    deliver_pending()
    by_rcpt = {rcpt: strictly(raw) for rcpt, raw in mailbox.raw}
    shown = by_rcpt["ada@example.org"]["To"].addresses[0].display_name
    assert shown != "Administrateur" and "utf-8" in shown
    assert by_rcpt["bob@example.org"]["To"].addresses[0].display_name == '=Boss, the "real" one'


def test_automatic_mails_are_marked_and_come_from_the_community_by_name(app, probe, mailbox):
    probe()
    deliver_pending()
    [(_rcpt, raw)] = mailbox.raw
    message = strictly(raw)
    assert message["Auto-Submitted"] == "auto-generated"
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == (app.config["COMMUNITY_NAME"], "community@community.test")
    assert message["Date"] is not None and message["Message-ID"].startswith("<outbox-")


def test_an_announcement_offers_one_click_unsubscribe_in_the_raw_form(app, make_member, mailbox):
    admin = make_member("admin@example.org", role="admin")
    reader = make_member("reader@example.org", name="Reader", language="en")
    group = groups.create_group(admin, name="Évaluation des modèles ouverts, groupe au nom assez long")
    memberships.join(reader, group)
    announcements.announce(admin, group, subject="Réunion de lancement", body="Lundi.", idempotency_key="k")
    db.session.commit()
    deliver_pending()
    [raw] = [raw for rcpt, raw in mailbox.raw if rcpt == "reader@example.org"]
    head = headers_of(raw)
    unsubscribe = re.search(r"^List-Unsubscribe: ([^\r\n]*)", head, re.M).group(1)
    assert re.fullmatch(r"<http://community\.test/groups/[^\s>]+>", unsubscribe), unsubscribe  # RFC 2369, raw
    assert "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head + "\r\n"  # RFC 8058
    message = strictly(raw)
    assert message["Auto-Submitted"] is None  # a person wrote it
    assert message["Subject"].startswith("[Évaluation des modèles ouverts")


def test_a_calendar_attachment_says_its_charset_and_method(make_event, make_member, mailbox):
    event = make_event(capacity=5, title="Atelier données")
    registrations.register_member(event, make_member("ics@example.org", language="en"))
    db.session.commit()
    deliver_pending()
    [raw] = [raw for rcpt, raw in mailbox.raw if rcpt == "ics@example.org"]
    message = strictly(raw)
    [calendar] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar.get_param("charset") == "utf-8" and calendar.get_param("method") == "PUBLISH"
    assert "METHOD:PUBLISH" in calendar.get_content()
