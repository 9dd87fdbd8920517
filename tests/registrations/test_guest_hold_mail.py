"""A mail to an address nobody has proved yet carries no text the requester chose: the
confirm-your-seat mail names the event, gives the link and how long the seat is held,
and says what to do if you did not ask, never the typed name or organization."""

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.registrations import services
from community.registrations.models import Registration
from tests.conftest import links_in, mail_html, mail_text, post_form

TYPED_NAME, TYPED_ORGANIZATION = "Buy Cheap Pills At spam.example", "Totally Legit Bank Ltd"

EXPECTED = {
    "fr": ("Confirmez votre place", "retenue 20 minutes", "rien demandé ? Ignorez cet e-mail"),
    "en": ("Confirm your seat", "held for 20 minutes", "You did not ask for this?"),
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_hold_mail_carries_the_event_the_link_and_the_time_never_what_was_typed(
    client, make_event, deliver, mailbox, language
):
    event = make_event(capacity=10, title="Sommet IA", guest_hold_minutes=20)
    path = f"/events/{event.slug}/guest"
    response = post_form(
        client,
        path,
        {"name": TYPED_NAME, "email": "victim@example.net", "organization": TYPED_ORGANIZATION},
        token_from=path,
        headers={"Accept-Language": language},
    )
    assert response.status_code == 302

    (mail,) = deliver(expect=1)
    subject_words, held_for, did_not_ask = EXPECTED[language]
    raw = mail.as_string()
    parts = {"subject": str(mail["Subject"]), "to": str(mail["To"]), "text": mail_text(mail), "html": mail_html(mail)}
    for where, content in parts.items():
        for typed in (TYPED_NAME, TYPED_ORGANIZATION, "spam.example", "Legit"):
            assert typed not in content, (where, typed)
    assert "spam.example" not in raw and "Legit" not in raw  # nor in any header or encoded part
    assert parts["to"] == "victim@example.net"
    assert subject_words in parts["subject"] and "Sommet IA" in parts["subject"]
    code = db.session.scalar(select(Registration.ticket_code))
    for body in (parts["text"], parts["html"]):
        assert "Sommet IA" in body and held_for in body and did_not_ask in body
        assert "/confirm" in body
    confirm = next(link for link in links_in(mail) if "/confirm" in link)
    assert client.get(confirm).status_code == 200 and code  # the link works


def test_once_the_guest_proved_the_address_the_mails_name_them_again(client, make_event, deliver, mailbox):
    event = make_event(capacity=10, title="Sommet IA")
    registration, _ = services.register_guest(event, name="Ada Lovelace", email="ada@example.net")
    db.session.commit()
    services.confirm_guest(registration)
    db.session.commit()

    hold, confirmed = deliver(expect=2)
    assert "Ada Lovelace" not in mail_text(hold) + mail_html(hold) + str(hold["To"])
    assert "Ada Lovelace" in mail_text(confirmed) and "Ada Lovelace" in str(confirmed["To"])
