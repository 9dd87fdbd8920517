"""What a logged-in member changes about their account: password, email, profile."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.members.models import Member
from tests.conftest import PASSWORD, links_in, login, mail_text, post_form

NEW_PASSWORD = "another long passphrase"


@pytest.fixture
def client(english_client):
    return english_client


@pytest.fixture
def ada(client, make_member):
    member = make_member("ada@example.org", name="Ada Lovelace", language="en")
    login(client, member)
    return member


def is_logged_in(client) -> bool:
    return client.get("/members/profile").status_code == 200


def can_log_in(app, email, password) -> bool:
    browser = app.test_client()
    response = post_form(browser, "/members/login", {"email": email, "password": password}, token_from="/members/login")
    return response.status_code == 302


# -------------------------------------------------------------- change password


def change_password(client, current, new=NEW_PASSWORD):
    return post_form(
        client, "/members/password", {"current_password": current, "password": new}, token_from="/members/password"
    )


def test_a_wrong_current_password_is_refused_inline_and_nothing_changes(app, client, ada):
    response = change_password(client, "not my password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your current password is not correct." in page and 'class="error"' in page
    assert can_log_in(app, "ada@example.org", PASSWORD)
    assert not can_log_in(app, "ada@example.org", NEW_PASSWORD)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client, ada):
    other_device = app.test_client()
    login(other_device, ada)

    response = change_password(client, PASSWORD)
    assert response.status_code == 302 and response.location == "/members/profile"
    assert "Your password has been changed." in client.get("/members/profile").get_data(as_text=True)

    assert is_logged_in(client)
    assert not is_logged_in(other_device)
    assert can_log_in(app, "ada@example.org", NEW_PASSWORD)
    assert not can_log_in(app, "ada@example.org", PASSWORD)


def test_a_remembered_device_stays_remembered_after_changing_the_password_on_it(app, client, make_member):
    make_member("bob@example.org", language="en")
    login(client, "bob@example.org", remember=True)
    change_password(client, PASSWORD)
    client.delete_cookie("session")  # the browser restarts
    assert is_logged_in(client)


def test_a_remember_cookie_from_before_the_change_no_longer_opens_the_account(app, client, ada):
    other_device = app.test_client()
    login(other_device, "ada@example.org", remember=True)
    change_password(client, PASSWORD)
    other_device.delete_cookie("session")
    assert not is_logged_in(other_device)


def test_logging_out_the_other_devices_ends_their_sessions_and_remember_cookies_but_not_this_one(app, client, ada):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, ada)
    login(phone, "ada@example.org", remember=True)
    profile = client.get("/members/profile").get_data(as_text=True)
    assert 'action="/members/logout-elsewhere"' in profile and "Log out my other devices" in profile

    # Without its CSRF token the button does nothing.
    client.post("/members/logout-elsewhere")
    assert is_logged_in(laptop) and is_logged_in(phone)

    response = post_form(client, "/members/logout-elsewhere", token_from="/members/profile")
    assert response.status_code == 302 and response.location == "/members/profile"
    assert "You are logged out on every other device." in client.get("/members/profile").get_data(as_text=True)
    assert is_logged_in(client)
    assert not is_logged_in(laptop)
    phone.delete_cookie("session")  # the phone's browser restarts: its remember cookie no longer opens the account
    assert not is_logged_in(phone)
    assert can_log_in(app, "ada@example.org", PASSWORD)  # the password is unchanged


def test_a_visitor_cannot_log_out_anyone(client):
    response = post_form(client, "/members/logout-elsewhere", token_from="/members/login")
    assert response.status_code == 302 and response.location.startswith("/members/login")


# ----------------------------------------------------------------- change email


def ask_to_change_email(client, new_email, password=PASSWORD):
    return post_form(client, "/members/email", {"email": new_email, "password": password}, token_from="/members/email")


def confirm_link(message) -> str:
    [link] = [found for found in links_in(message) if found.startswith("/members/email/confirm/")]
    return link


def test_a_new_address_is_used_only_after_the_link_sent_to_it_is_followed(app, client, ada, deliver, mailbox):
    response = ask_to_change_email(client, " Ada@New.Example.org ")
    assert response.status_code == 302
    [proof] = deliver(expect=1)
    assert proof["To"].addresses[0].addr_spec == "ada@new.example.org"
    assert mailbox.to("ada@example.org") == []
    link = confirm_link(proof)

    # Opening the link (a mail scanner would) changes nothing.
    page = client.get(link)
    assert page.status_code == 200 and "ada@new.example.org" in page.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.email == "ada@example.org"

    assert post_form(client, link, token_from=link).status_code == 302
    db.session.refresh(ada)
    assert ada.email == "ada@new.example.org"
    assert can_log_in(app, "ada@new.example.org", PASSWORD)
    assert not can_log_in(app, "ada@example.org", PASSWORD)

    # The old address is told, in case the change was not theirs.
    deliver(expect=2)
    [notice] = mailbox.to("ada@example.org")
    assert "ada@new.example.org" in mail_text(notice)


def test_the_email_change_link_works_once(app, client, ada, deliver):
    ask_to_change_email(client, "ada@new.example.org")
    link = confirm_link(deliver(expect=1)[0])
    post_form(client, link, token_from=link)
    again = client.get(link)
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_a_wrong_password_is_refused_under_the_password_field_and_no_mail_is_sent(client, ada, deliver):
    response = ask_to_change_email(client, "ada@new.example.org", password="not my password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and "Your current password is not correct." in page
    assert deliver() == []


@pytest.mark.parametrize("taken", ["bob@example.org", " BOB@Example.ORG "])
def test_an_address_that_belongs_to_another_account_is_refused_with_a_clear_message(
    client, ada, make_member, deliver, taken
):
    make_member("bob@example.org")
    response = ask_to_change_email(client, taken)
    assert response.status_code == 200
    assert "Another account already uses this address." in response.get_data(as_text=True)
    assert deliver() == []
    db.session.refresh(ada)
    assert ada.email == "ada@example.org"


def test_an_address_taken_between_the_request_and_the_click_is_refused(client, ada, make_member, deliver):
    ask_to_change_email(client, "ada@new.example.org")
    link = confirm_link(deliver(expect=1)[0])
    make_member("Ada@New.example.org")  # someone signed up with it meanwhile
    response = post_form(client, link, token_from="/members/profile")
    assert response.status_code == 302
    assert "Another account already uses this address." in client.get(response.location).get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.email == "ada@example.org"


# ---------------------------------------------------------------------- profile


def test_the_profile_edits_are_kept(client, ada):
    response = post_form(
        client,
        "/members/profile",
        {
            "display_name": "  Countess of Lovelace ",
            "organization": "Analytical Engines Ltd",
            "bio": "Wrote the first program.",
            "directory_visible": "y",
            "language": "en",
        },
        token_from="/members/profile",
    )
    assert response.status_code == 302

    page = client.get("/members/profile").get_data(as_text=True)
    assert "Your profile is saved." in page
    assert 'value="Countess of Lovelace"' in page
    assert 'value="Analytical Engines Ltd"' in page
    assert "Wrote the first program." in page
    assert "checked" in re.search(r"<input[^>]*directory_visible[^>]*>", page).group(0)
    member = db.session.scalar(select(Member).where(Member.email == "ada@example.org"))
    assert (member.display_name, member.organization, member.bio, member.directory_visible) == (
        "Countess of Lovelace",
        "Analytical Engines Ltd",
        "Wrote the first program.",
        True,
    )

    # Unticking the box hides the member again; emptied fields stay empty.
    post_form(
        client,
        "/members/profile",
        {"display_name": "Ada", "organization": "", "bio": "", "language": "en"},
        token_from="/members/profile",
    )
    db.session.refresh(member)
    assert member.directory_visible is False and member.organization == "" and member.bio == ""


def test_an_empty_name_is_refused_inline(client, ada):
    response = post_form(
        client, "/members/profile", {"display_name": "   ", "language": "en"}, token_from="/members/profile"
    )
    assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.display_name == "Ada Lovelace"


def test_choosing_a_language_in_the_profile_switches_the_interface_and_the_mail(client, ada, deliver):
    assert '<html lang="en">' in client.get("/members/profile").get_data(as_text=True)
    post_form(client, "/members/profile", {"display_name": "Ada", "language": "fr"}, token_from="/members/profile")
    assert '<html lang="fr">' in client.get("/members/profile").get_data(as_text=True)
    db.session.refresh(ada)
    assert ada.language == "fr"
    # The next mail is written in French too.
    ask_to_change_email(client, "ada@new.example.org")
    assert db.session.scalar(select(OutboxEmail.language)) == "fr"


def test_the_language_stays_after_logging_out_and_in_on_another_browser(app, client, ada):
    post_form(client, "/members/profile", {"display_name": "Ada", "language": "fr"}, token_from="/members/profile")
    elsewhere = app.test_client()  # asks for English, but the member chose French
    elsewhere.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(elsewhere, "ada@example.org")
    assert '<html lang="fr">' in elsewhere.get("/members/profile").get_data(as_text=True)


def test_the_profile_says_since_when_as_a_day_in_the_readers_language(app, client, ada, make_member):
    ada.created_at = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # the 15th in Paris
    camille = make_member("camille@example.org", language="fr")
    camille.created_at = ada.created_at
    db.session.commit()
    assert "Member since 15 March 2026</p>" in client.get("/members/profile").get_data(as_text=True)
    french = app.test_client()
    login(french, camille)
    assert "Membre depuis le 15 mars 2026</p>" in french.get("/members/profile").get_data(as_text=True)
