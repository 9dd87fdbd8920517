"""An outbox row as the MIME message SMTP sends: text, HTML, attachments, a stable Message-ID.

Built with Python's email package in its SMTP policy (RFC 5322 and 2047 done right:
an encoded word is always a whole word, display names are encoded or quoted), with
lines folded only past RFC 5322's hard limit, so that `List-Unsubscribe` stays the raw
`<https://...>` mail providers read (RFC 2369, 8058) instead of being encoded."""

import hashlib
import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from community.core.clock import as_utc, utcnow
from community.mail.models import OutboxEmail

POLICY = policy.SMTP.clone(max_line_length=998)
# Mails a person wrote (organizers, group leads) are not "auto-generated" (RFC 3834).
WRITTEN_BY_A_PERSON = {"event_message", "group_announcement"}


class Unsendable(Exception):
    """The mail cannot be turned into a valid message; retrying cannot help."""


class BadHeaderError(Unsendable):
    """A line break in a header (the subject, a name, an address): an injection attempt or a bug."""


def message_id(email: OutboxEmail) -> str:
    """Stable per outbox row, so a resend after a crash is recognisably the same mail."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{email.id}".encode()).hexdigest()[:16]
    return f"<outbox-{email.id}.{digest}@{domain}>"


def _configured_sender() -> tuple[str, str]:
    """MAIL_DEFAULT_SENDER as (name, address): "community@x.org" or "Name <community@x.org>"."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])


def sender() -> str:
    """The envelope's sender address."""
    return _configured_sender()[1]


def _display_name(name: str) -> str:
    """A name as typed, never read as syntax: `=?...?=` would be decoded by mail programs
    (even inside quotes), so the pair is split; the email package quotes or encodes the rest."""
    return name.replace("=?", "= ?")


def _address(name: str, address: str) -> Address:
    return Address(display_name=_display_name(name or ""), addr_spec=address)


def build_message(email: OutboxEmail) -> EmailMessage:
    """The multipart (text + HTML + attachments) message of an outbox row."""
    values = [email.subject, email.to_name or "", email.to_address, *dict(email.headers or {}).values()]
    if any("\r" in value or "\n" in value for value in values):
        raise BadHeaderError("a line break in the subject, a name or an address")
    message = EmailMessage(policy=POLICY)
    message["Subject"] = email.subject
    name, address = _configured_sender()
    message["From"] = _address(name or current_app.config["COMMUNITY_NAME"], address)
    message["To"] = _address(email.to_name, email.to_address)
    message["Date"] = format_datetime(as_utc(email.created_at or utcnow()))
    message["Message-ID"] = message_id(email)
    if email.template not in WRITTEN_BY_A_PERSON:
        message["Auto-Submitted"] = "auto-generated"
    for name, value in dict(email.headers or {}).items():
        message[name] = value
    message.set_content(email.body_text, cte="quoted-printable")
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html", cte="quoted-printable")
    for attachment in email.attachments:
        _attach(message, attachment)
    return message


def _attach(message: EmailMessage, attachment) -> None:
    maintype, _, subtype = attachment.content_type.partition("/")
    if attachment.content_type == "text/calendar":
        text = attachment.data.decode("utf-8")
        found = re.search(r"^METHOD:(\w+)", text, re.M)
        params = {"method": found.group(1)} if found else {}
        message.add_attachment(text, subtype="calendar", charset="utf-8", filename=attachment.filename, params=params)
        return
    message.add_attachment(
        attachment.data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
    )


def compose(email: OutboxEmail) -> tuple[EmailMessage, bytes]:
    """The message and its bytes; a mail that cannot be composed raises Unsendable."""
    try:
        message = build_message(email)
        return message, message.as_bytes()
    except Unsendable:
        raise
    except Exception as exc:  # whatever breaks here is in the row itself, so retrying cannot help
        raise Unsendable(f"{type(exc).__name__}: {exc}") from exc
