"""`flask create-admin`: how a real deployment gets its first admin."""

from sqlalchemy import func, select

from community.core.extensions import db
from community.members.models import Member
from tests.conftest import PASSWORD, post_form

ADMIN_PASSWORD = "a long admin passphrase"


def create_admin(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["create-admin", *args], input=input)


def can_log_in(app, email, password) -> bool:
    browser = app.test_client()
    response = post_form(browser, "/members/login", {"email": email, "password": password}, token_from="/members/login")
    return response.status_code == 302


def test_create_admin_makes_a_confirmed_admin_who_can_log_in(app):
    result = create_admin(app, " Root@Example.org ", "--password", ADMIN_PASSWORD, "--name", "Site Admin")
    assert result.exit_code == 0, result.output
    assert "root@example.org" in result.output

    admin = db.session.scalar(select(Member).where(Member.email == "root@example.org"))
    assert admin.is_admin and admin.is_confirmed and admin.display_name == "Site Admin"
    assert can_log_in(app, "root@example.org", ADMIN_PASSWORD)


def test_create_admin_asks_for_the_password_twice_when_none_is_given(app):
    result = create_admin(app, "root@example.org", input=f"{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert can_log_in(app, "root@example.org", ADMIN_PASSWORD)


def test_create_admin_on_an_existing_member_promotes_them_and_keeps_their_password(app, make_member):
    make_member("ada@example.org", name="Ada", confirmed=False)
    result = create_admin(app, "ADA@example.org")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    ada = db.session.scalar(select(Member))
    assert ada.is_admin and ada.is_confirmed and ada.display_name == "Ada"
    assert can_log_in(app, "ada@example.org", PASSWORD)


def test_create_admin_with_a_password_on_an_existing_member_also_sets_it(app, make_member):
    make_member("ada@example.org")
    result = create_admin(app, "ada@example.org", "--password", ADMIN_PASSWORD)
    assert result.exit_code == 0, result.output
    assert can_log_in(app, "ada@example.org", ADMIN_PASSWORD)
    assert not can_log_in(app, "ada@example.org", PASSWORD)


def test_create_admin_refuses_a_bad_address_or_a_short_password_with_a_message(app):
    bad_address = create_admin(app, "not-an-address", "--password", ADMIN_PASSWORD)
    assert bad_address.exit_code != 0
    assert "not valid" in bad_address.output and "Traceback" not in bad_address.output
    short = create_admin(app, "root@example.org", "--password", "short")
    assert short.exit_code != 0 and "at least 10" in short.output
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
