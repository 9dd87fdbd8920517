"""Sign-up, the confirmation mail, and the confirmation link, through the real SMTP server."""

from sqlalchemy import func, select

from community.core.extensions import db
from community.members.models import Member
from tests.conftest import PASSWORD, links_in, login, mail_text, post_form


def sign_up(client, email="ada@example.org", name="Ada Lovelace", language="fr", consent="y", password=PASSWORD):
    data = {"email": email, "display_name": name, "password": password, "language": language}
    if consent:
        data["consent"] = consent
    return post_form(client, "/members/signup", data, token_from="/members/signup")


def test_signing_up_sends_a_confirmation_mail_whose_link_confirms_after_a_click(client, deliver, mailbox):
    response = sign_up(client)
    assert response.status_code == 302 and response.location.endswith("/members/check-email")
    page = client.get(response.location).get_data(as_text=True)
    assert "Nous venons d'envoyer un message à ada@example.org." in page

    [message] = deliver(expect=1)
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert "Confirmez votre adresse" in message["Subject"]
    [link] = [found for found in links_in(message) if "/members/confirm/" in found]

    # Opening the link (as a mail scanner would) confirms nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Confirmer mon adresse" in page.get_data(as_text=True)
    member = db.session.scalar(select(Member).where(Member.email == "ada@example.org"))
    assert member.confirmed_at is None

    response = post_form(client, link, token_from=link)
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.confirmed_at is not None
    assert member.consent_at is not None

    login(client, "ada@example.org")
    assert "Ada Lovelace" in client.get("/members/profile").get_data(as_text=True)


def test_an_english_speaker_gets_the_mail_in_english(client, deliver):
    sign_up(client, language="en")
    [message] = deliver(expect=1)
    assert message["Subject"] == "Confirm your email address"
    assert "Welcome to" in mail_text(message)


def test_the_same_address_with_spaces_and_capitals_cannot_make_a_second_account(client, deliver, make_member):
    make_member("ada@example.org")
    response = sign_up(client, email=" Ada@Example.org ")
    # Same answer as for a new address: no enumeration...
    assert response.status_code == 302 and response.location.endswith("/members/check-email")
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    # ...and the owner is told by mail instead of getting a confirmation link.
    [message] = deliver(expect=1)
    assert "/members/confirm/" not in mail_text(message)
    assert "/members/login" in mail_text(message)


def test_sign_up_without_consent_or_with_a_short_password_shows_inline_errors_and_creates_nothing(client, deliver):
    page = sign_up(client, consent=None).get_data(as_text=True)
    assert "Vous devez accepter" in page or "You must accept" in page
    page = sign_up(client, password="short").get_data(as_text=True)
    assert 'class="error"' in page
    page = sign_up(client, email="not-an-address").get_data(as_text=True)
    assert 'class="error"' in page
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    assert deliver() == []


def test_an_unconfirmed_member_can_log_in_and_ask_for_a_new_link(client, make_member, deliver):
    member = make_member("bob@example.org", confirmed=False)
    login(client, member)
    page = client.get("/members/unconfirmed").get_data(as_text=True)
    assert "bob@example.org" in page
    response = post_form(client, "/members/unconfirmed", token_from="/members/unconfirmed")
    assert response.status_code == 302, response.get_data(as_text=True)
    [message] = deliver(expect=1)
    assert any("/members/confirm/" in found for found in links_in(message))


def test_a_used_link_says_so_and_offers_to_log_in(client, deliver):
    sign_up(client)
    [message] = deliver(expect=1)
    [link] = [found for found in links_in(message) if "/members/confirm/" in found]
    post_form(client, link, token_from=link)
    again = client.get(link)
    assert again.status_code == 400
    assert "déjà été utilisé" in again.get_data(as_text=True) or "already been used" in again.get_data(as_text=True)


def test_a_tampered_link_is_refused_and_offers_a_new_one(client, deliver):
    sign_up(client)
    [message] = deliver(expect=1)
    [link] = [found for found in links_in(message) if "/members/confirm/" in found]
    prefix, token = link.rsplit("/", 1)
    # Change the signed payload (the signature's last characters may carry padding bits).
    tampered = f"{prefix}/{'A' if token[0] != 'A' else 'B'}{token[1:]}"
    page = client.get(tampered)
    assert page.status_code == 400
    assert "/members/confirm/new" in page.get_data(as_text=True)
    response = post_form(client, tampered, token_from="/members/signup")
    assert response.status_code == 400
    assert db.session.scalar(select(Member.confirmed_at)) is None


def test_an_expired_link_is_refused_and_a_new_one_can_be_asked_for_by_address(app, client, deliver):
    sign_up(client)
    [message] = deliver(expect=1)
    [link] = [found for found in links_in(message) if "/members/confirm/" in found]
    app.config["CONFIRM_TOKEN_HOURS"] = -1  # every link is now past its age
    page = client.get(link)
    assert page.status_code == 400
    assert "expiré" in page.get_data(as_text=True) or "expired" in page.get_data(as_text=True)
    app.config["CONFIRM_TOKEN_HOURS"] = 48
    response = post_form(client, "/members/confirm/new", {"email": "ada@example.org"}, token_from=link)
    assert response.location.endswith("/members/check-email")
    messages = deliver(expect=2)
    assert len(messages) == 2
