"""Device sessions: logout ends a device's session and remember-me cookie for good (before:
a copy taken before logout still opened the account, for 30 days with remember-me); the
profile lists the devices and ends any of them."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.core.clock import as_utc
from community.core.extensions import db
from community.members.devices import browser_name
from community.members.models import LoginSession
from tests.conftest import PASSWORD, login, post_form

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
)


def browser(app, agent=FIREFOX_LINUX):
    client = app.test_client()
    client.environ_base.update(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=agent)
    return client


def log_in(client, remember=False):
    login(client, "ada@example.org", remember=remember)


def log_out(client):
    post_form(client, "/members/logout", token_from="/members/profile")


def is_logged_in(client) -> bool:
    return client.get("/members/profile").status_code == 200


def sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession))


@pytest.fixture
def ada(make_member):
    return make_member("ada@example.org", language="en")


def test_a_session_cookie_copied_before_logout_opens_nothing_after(app, ada):
    laptop = browser(app)
    log_in(laptop)
    copied = laptop.get_cookie("session").value
    log_out(laptop)
    thief = browser(app)
    thief.set_cookie("session", copied)
    assert not is_logged_in(thief)
    assert sessions() == 0


def test_a_remember_cookie_copied_before_logout_opens_nothing_after(app, ada):
    laptop = browser(app)
    log_in(laptop, remember=True)
    copied = laptop.get_cookie("remember_token").value
    thief = browser(app)
    thief.set_cookie("remember_token", copied)
    assert is_logged_in(thief)  # the copy works while the login stands...
    log_out(laptop)
    thief = browser(app)
    thief.set_cookie("remember_token", copied)
    assert not is_logged_in(thief)  # ... and never again once the device logged out


def test_the_token_is_stored_only_as_its_sha256(app, ada):
    laptop = browser(app)
    log_in(laptop)
    with laptop.session_transaction() as session:
        token = session["_user_id"].split(":")[2]
    [stored] = db.session.scalars(select(LoginSession.token_hash))
    assert len(token) >= 40 and stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


def test_the_profile_lists_the_devices_and_ends_one_of_them(app, ada):
    laptop, phone = browser(app, FIREFOX_LINUX), browser(app, CHROME_ANDROID)
    log_in(laptop)
    log_in(phone, remember=True)
    profile = laptop.get("/members/profile").get_data(as_text=True)
    assert "Firefox on Linux" in profile and "Chrome on Android" in profile
    assert profile.count("End this session") == 2
    phone_session = db.session.scalar(select(LoginSession.id).where(LoginSession.browser == "Chrome/Android"))

    path = f"/members/sessions/{phone_session}/end"
    assert laptop.post(path).status_code == 400  # no CSRF token: nothing ends
    assert is_logged_in(phone)
    assert post_form(laptop, path, token_from="/members/profile").status_code == 302
    assert not is_logged_in(phone)
    phone.delete_cookie("session")
    assert not is_logged_in(phone)  # its remember-me cookie ended too
    assert is_logged_in(laptop) and sessions() == 1


def test_nobody_ends_another_members_session(app, ada, make_member):
    make_member("bob@example.org", language="en")
    laptop = browser(app)
    log_in(laptop)
    adas = db.session.scalar(select(LoginSession.id))
    bob = browser(app)
    post_form(bob, "/members/login", {"email": "bob@example.org", "password": PASSWORD}, token_from="/members/login")
    assert post_form(bob, f"/members/sessions/{adas}/end", token_from="/members/profile").status_code == 302
    assert is_logged_in(laptop) and sessions() == 2


def test_last_used_is_written_at_most_once_every_few_minutes(app, ada):
    laptop = browser(app)
    log_in(laptop)
    record = db.session.scalar(select(LoginSession))
    at_login = as_utc(record.last_used_at)
    for _ in range(3):
        assert is_logged_in(laptop)
    db.session.refresh(record)
    assert as_utc(record.last_used_at) == at_login  # three requests, no write
    record.last_used_at = at_login - timedelta(minutes=app.config["LOGIN_SESSION_TOUCH_MINUTES"] + 1)
    db.session.commit()
    assert is_logged_in(laptop)
    db.session.refresh(record)
    assert as_utc(record.last_used_at) > at_login


def test_a_session_unused_for_longer_than_a_remember_cookie_lasts_is_over(app, ada):
    laptop = browser(app)
    log_in(laptop, remember=True)
    record = db.session.scalar(select(LoginSession))
    record.last_used_at -= timedelta(seconds=app.config["REMEMBER_COOKIE_DURATION"] + 60)
    db.session.commit()
    assert not is_logged_in(laptop)


def test_logging_in_again_on_another_device_keeps_the_first(app, ada):
    first, second = browser(app), browser(app)
    log_in(first)
    log_in(second)
    log_out(second)
    assert is_logged_in(first) and not is_logged_in(second)


@pytest.mark.parametrize(
    "agent, name",
    [
        (FIREFOX_LINUX, "Firefox/Linux"),
        (CHROME_ANDROID, "Chrome/Android"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1",
         "Safari/iOS"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0",
         "Edge/Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 Chrome/126.0 Safari/537.36", "Chrome/macOS"),
        ("curl/8.5.0", "/"),
        ("", "/"),
    ],
)  # fmt: skip
def test_browser_names(agent, name):
    assert browser_name(agent) == name
