"""A forgotten password, reset from the mail that the real SMTP server receives."""

import pytest

from community.core.extensions import db
from tests.conftest import PASSWORD, links_in, post_form, without_csrf_tokens

NEW_PASSWORD = "a brand new passphrase for ada"
RESET_SENT = "If an account uses this address, we have sent it a link"


@pytest.fixture
def client(english_client):
    return english_client


@pytest.fixture
def ada(make_member):
    return make_member("ada@example.org", name="Ada Lovelace", language="en")


def ask_for_reset(client, email="ada@example.org", **kwargs):
    return post_form(
        client, "/members/forgot-password", {"email": email}, token_from="/members/forgot-password", **kwargs
    )


def reset_link(message) -> str:
    [link] = [found for found in links_in(message) if found.startswith("/members/reset/")]
    return link


def choose_password(client, link, password=NEW_PASSWORD):
    return post_form(client, link, {"password": password}, token_from="/members/forgot-password")


def can_log_in(app, email, password) -> bool:
    """Each check in a browser of its own, so one check does not log the next one in."""
    browser = app.test_client()
    response = post_form(browser, "/members/login", {"email": email, "password": password}, token_from="/members/login")
    return response.status_code == 302


def test_the_reset_link_from_the_mail_sets_a_new_password(app, client, ada, deliver):
    response = ask_for_reset(client)
    assert response.status_code == 200 and RESET_SENT in response.get_data(as_text=True)
    [message] = deliver(expect=1)
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert message["Subject"] == "Reset your password"
    link = reset_link(message)

    form = client.get(link)
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)

    response = choose_password(client, link)
    assert response.status_code == 302 and response.location.startswith("/members/login")
    assert not can_log_in(app, "ada@example.org", PASSWORD)
    assert can_log_in(app, "ada@example.org", NEW_PASSWORD)


def test_a_too_short_new_password_is_refused_inline_and_the_link_still_works(app, client, ada, deliver):
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])
    page = choose_password(client, link, "short")
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)
    assert can_log_in(app, "ada@example.org", PASSWORD)
    assert choose_password(client, link).status_code == 302


def test_a_reset_link_works_only_once(app, client, ada, deliver):
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])
    choose_password(client, link)

    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    # Someone who kept the mail cannot use it to take the account back.
    assert choose_password(client, link, "the attacker's own password").status_code == 400
    assert can_log_in(app, "ada@example.org", NEW_PASSWORD)


def test_a_reset_link_dies_when_the_password_is_changed_from_the_profile(app, client, ada, deliver):
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])

    member_browser = app.test_client()
    post_form(
        member_browser,
        "/members/login",
        {"email": "ada@example.org", "password": PASSWORD},
        token_from="/members/login",
    )
    changed = post_form(
        member_browser,
        "/members/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD},
        token_from="/members/password",
    )
    assert changed.status_code == 302

    assert client.get(link).status_code == 400
    assert choose_password(client, link, "the attacker's own password").status_code == 400
    assert can_log_in(app, "ada@example.org", NEW_PASSWORD)


def test_a_reset_link_sent_to_an_old_address_dies_when_the_address_changes(app, client, ada, deliver):
    """Someone who lost their old mailbox moves to a new one: the old mailbox must not
    hold a way back into the account."""
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])
    ada.email = "ada@new.example.org"
    db.session.commit()
    assert client.get(link).status_code == 400
    assert choose_password(client, link, "the attacker's own password").status_code == 400
    assert can_log_in(app, "ada@new.example.org", PASSWORD)


def test_an_expired_reset_link_is_refused_with_a_way_to_ask_again(app, client, ada, deliver):
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])
    app.config["RESET_TOKEN_MINUTES"] = -1  # every link is now past its age
    page = client.get(link)
    assert page.status_code == 400
    assert "expired" in page.get_data(as_text=True)
    assert "/members/forgot-password" in page.get_data(as_text=True)
    assert choose_password(client, link).status_code == 400
    assert can_log_in(app, "ada@example.org", PASSWORD)


def test_a_tampered_reset_link_is_refused(app, client, ada, deliver):
    ask_for_reset(client)
    link = reset_link(deliver(expect=1)[0])
    # Change one character of the signed payload (the last characters of a
    # signature may carry only padding bits, so changing those can go unnoticed).
    prefix = "/members/reset/"
    token = link[len(prefix) :]
    tampered = prefix + token[:5] + ("B" if token[5] != "B" else "C") + token[6:]
    page = client.get(tampered)
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert choose_password(client, tampered).status_code == 400
    assert can_log_in(app, "ada@example.org", PASSWORD)


def test_a_known_and_an_unknown_address_get_the_same_page_and_only_the_known_one_gets_mail(
    client, ada, deliver, mailbox
):
    known = ask_for_reset(client, "ada@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    # Byte for byte, once the CSRF tokens (signed with the current second) are set aside.
    assert without_csrf_tokens(known.get_data(as_text=True)) == without_csrf_tokens(unknown.get_data(as_text=True))
    deliver()
    assert len(mailbox.to("ada@example.org")) == 1
    assert mailbox.to("nobody@example.org") == []
    assert len(mailbox.messages) == 1


def test_the_reset_page_states_how_long_the_link_lasts(app, client, ada):
    app.config["RESET_TOKEN_MINUTES"] = 30
    assert "30 minutes" in ask_for_reset(client).get_data(as_text=True)


def test_a_reset_ends_the_sessions_open_elsewhere(app, client, ada, deliver):
    other_device = app.test_client()
    post_form(
        other_device, "/members/login", {"email": "ada@example.org", "password": PASSWORD}, token_from="/members/login"
    )
    assert other_device.get("/members/profile").status_code == 200

    ask_for_reset(client)
    choose_password(client, reset_link(deliver(expect=1)[0]))

    response = other_device.get("/members/profile")
    assert response.status_code == 302 and "/members/login" in response.location


def test_a_reset_also_proves_the_address_of_an_unconfirmed_member(app, client, make_member, deliver):
    member = make_member("new@example.org", language="en", confirmed=False)
    ask_for_reset(client, "new@example.org")
    choose_password(client, reset_link(deliver(expect=1)[0]))
    db.session.refresh(member)
    assert member.is_confirmed
