"""An outbox row as the MIME message SMTP sends: text, HTML, attachments, a stable Message-ID."""

import hashlib
from urllib.parse import urlsplit

from flask import current_app
from flask_mail import BadHeaderError, Message

from community.mail.models import OutboxEmail


class Unsendable(Exception):
    """The mail cannot be turned into a valid message; retrying cannot help."""


def message_id(email: OutboxEmail) -> str:
    """Stable per outbox row, so a resend after a crash is recognisably the same mail."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    digest = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{email.id}".encode()).hexdigest()[:16]
    return f"<outbox-{email.id}.{digest}@{domain}>"


def build_message(email: OutboxEmail) -> Message:
    """The multipart (text + HTML + attachments) message of an outbox row."""
    message = Message(
        subject=email.subject,
        recipients=[(email.to_name, email.to_address) if email.to_name else email.to_address],
        body=email.body_text,
        html=email.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers=dict(email.headers or {}),
    )
    message.msgId = message_id(email)
    for attachment in email.attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    return message


def compose(email: OutboxEmail) -> tuple[Message, bytes]:
    """The message and its bytes; a mail that cannot be composed raises Unsendable."""
    try:
        message = build_message(email)
        if message.has_bad_headers():
            raise BadHeaderError("a line break in the subject or an address")
        return message, message.as_bytes()
    except BadHeaderError:
        raise
    except Exception as exc:  # whatever breaks here is in the row itself, so retrying cannot help
        raise Unsendable(f"{type(exc).__name__}: {exc}") from exc
