"""Logging in and out through the real stack: messages, cookies, session renewal, rate limits.

The throttle of failed passwords is in test_login_throttle.py, device sessions in test_devices.py."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from community.core.clock import utcnow
from community.core.extensions import db
from community.members.models import Member
from tests.conftest import PASSWORD, make_config, post_form

WRONG = "not the right password at all"
WRONG_CREDENTIALS = "Wrong email or password."


def english_browser(app):
    """A visitor whose browser asks for English (the messages below are the English ones)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app):
    return english_browser(app)


def log_in(client, email, password=PASSWORD, remember=False, path="/members/login"):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, path, data, token_from="/members/login")


def is_logged_in(client) -> bool:
    """What the visitor sees: the profile opens instead of sending them to the login page."""
    return client.get("/members/profile").status_code == 200


def test_email_is_matched_whatever_its_case_and_surrounding_spaces(client, make_member):
    make_member("ada@example.org", language="en")
    response = log_in(client, "  Ada@EXAMPLE.org ")
    assert response.status_code == 302 and response.location == "/members/profile"
    assert is_logged_in(client)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, make_member):
    make_member("ada@example.org", language="en")
    wrong_password = log_in(client, "ada@example.org", WRONG)
    unknown_email = log_in(client, "nobody@example.org", WRONG)
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert WRONG_CREDENTIALS in wrong_password.get_data(as_text=True)
    assert WRONG_CREDENTIALS in unknown_email.get_data(as_text=True)
    assert not is_logged_in(client)


def test_logout_needs_a_post_with_a_csrf_token(client, make_member):
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org")

    assert client.get("/members/logout").status_code == 405
    assert client.post("/members/logout").status_code == 400  # no CSRF token
    assert is_logged_in(client)

    response = post_form(client, "/members/logout", token_from="/members/profile")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_logging_out_twice_from_two_tabs_lands_on_the_home_page(client, make_member):
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org")
    token_page = "/members/profile"
    post_form(client, "/members/logout", token_from=token_page)
    # The second tab still shows the button; pressing it is not an error.
    response = post_form(client, "/members/logout", token_from="/")
    assert response.status_code == 302 and response.location == "/"


def test_remember_me_sets_a_long_lived_httponly_samesite_cookie(client, make_member):
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org", remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Lax"
    assert cookie.expires is not None and cookie.expires > utcnow() + timedelta(days=20)


def test_without_remember_me_there_is_no_remember_cookie(client, make_member):
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org")
    assert is_logged_in(client)
    assert client.get_cookie("remember_token") is None


def test_the_remember_cookie_alone_keeps_the_member_logged_in_after_the_browser_closes(client, make_member):
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org", remember=True)
    client.delete_cookie("session")  # what closing the browser does to a session cookie
    assert is_logged_in(client)


def test_logout_forgets_the_remember_cookie(client, make_member):
    """Otherwise the next person at a shared computer is let in once the browser restarts."""
    make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org", remember=True)
    post_form(client, "/members/logout", token_from="/members/profile")
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert not is_logged_in(client)


def test_the_session_is_renewed_at_login(client, make_member):
    make_member("ada@example.org", language="en")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    log_in(client, "ada@example.org")
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(str(db.session.scalar(select(Member.id))))


def test_next_is_followed_after_login(client, make_member):
    make_member("ada@example.org", language="en")
    response = client.get("/members/profile")
    assert response.status_code == 302 and "/members/login?next=/members/profile" in response.location
    response = log_in(client, "ada@example.org", path="/members/login?next=/members/profile")
    assert response.location == "/members/profile"


def test_a_suspended_member_cannot_log_in_and_is_told_why(client, make_member):
    make_member("ada@example.org", language="en", suspended_at=utcnow())
    page = log_in(client, "ada@example.org").get_data(as_text=True)
    assert "This account is suspended" in page
    assert not is_logged_in(client)


def test_a_member_suspended_while_logged_in_is_logged_out(client, make_member):
    member = make_member("ada@example.org", language="en")
    log_in(client, "ada@example.org")
    member.suspended_at = utcnow()
    db.session.commit()
    assert not is_logged_in(client)


# ------------------------------------------------------------------ rate limit


@pytest.fixture
def app_config(database_url, smtp_server, request):
    """The rate limiter is off in tests; a test turns it on with indirect parametrization."""
    return make_config(database_url, smtp_server.port, **getattr(request, "param", {}))


LIMITED = [{"RATELIMIT_ENABLED": True}]


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_the_eleventh_login_attempt_in_a_minute_for_one_account_from_one_address_gets_the_too_many_attempts_page(
    client, make_member
):
    make_member("ada@example.org", language="en")
    for _ in range(10):
        assert log_in(client, "ada@example.org", WRONG).status_code == 200
    response = log_in(client, "ada@example.org")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert not is_logged_in(client)
    # Reading the login page is not limited; another account from the same address is not held up.
    assert client.get("/members/login").status_code == 200
    make_member("bob@example.org", language="en")
    assert log_in(client, "bob@example.org").status_code == 302


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_a_hundred_people_behind_the_venue_address_log_in_in_the_same_minute(app, client, bulk_members):
    """The venue's Wi-Fi is one address (before: 429 from the eleventh login of the minute);
    the address alone is still bounded."""
    from community.members.passwords import hash_password

    bulk_members(101, prefix="crowd")
    db.session.execute(update(Member).values(password_hash=hash_password(PASSWORD)))
    db.session.commit()
    for n in range(100):
        people = english_browser(app)  # each their own browser, all from 127.0.0.1
        assert log_in(people, f"crowd{n}@example.org").status_code == 302, n
    assert log_in(english_browser(app), "crowd100@example.org").status_code == 429
