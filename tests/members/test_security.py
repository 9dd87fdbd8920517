"""Attacks on the member pages: forged posts, open redirects, poisoned Host headers,
oversized requests, floods; and how passwords are stored."""

import re

import pytest
from sqlalchemy import func, select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.members.models import Member
from tests.conftest import PASSWORD, csrf_token, links_in, login, mail_html, mail_text, make_config, post_form


@pytest.fixture
def app_config(database_url, smtp_server, request):
    """The rate limiter is off in tests; a test turns it on with indirect parametrization."""
    return make_config(database_url, smtp_server.port, **getattr(request, "param", {}))


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def can_log_in(app, email, password=PASSWORD) -> bool:
    browser = app.test_client()
    response = post_form(browser, "/members/login", {"email": email, "password": password}, token_from="/members/login")
    return response.status_code == 302


# ------------------------------------------------------------------------- CSRF


def member_post_routes(app) -> list[str]:
    """Every URL of the members blueprint that accepts a POST (a dummy token in the path)."""
    return sorted(
        rule.rule.replace("<token>", "some-token").replace("<int:session_id>", "1")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("members.") and "POST" in rule.methods
    )


def test_every_post_of_the_member_pages_without_a_csrf_token_is_refused(app, client, make_member):
    member = make_member("ada@example.org", language="en")
    login(client, member)
    routes = member_post_routes(app)
    assert len(routes) >= 11 and "/members/logout" in routes
    for path in routes:
        response = client.post(path, data={"email": "x@example.org", "password": "a long enough password"})
        assert response.status_code == 400, path
        assert "This form has expired" in response.get_data(as_text=True), path
    assert client.get("/members/profile").status_code == 200  # logout did not happen
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_forged_posts_change_nothing_even_with_real_data(app, client, make_member, deliver):
    """What a hostile page could make a logged-in member's browser send."""
    member = make_member("ada@example.org", name="Ada", language="en")
    login(client, member)
    forged = [
        ("/members/profile", {"display_name": "Hacked", "language": "en"}),
        ("/members/password", {"current_password": PASSWORD, "password": "chosen by the attacker"}),
        ("/members/email", {"email": "attacker@evil.example", "password": PASSWORD}),
    ]
    for path, data in forged:
        assert client.post(path, data=data).status_code == 400, path
    db.session.refresh(member)
    assert (member.display_name, member.email) == ("Ada", "ada@example.org")
    assert can_log_in(app, "ada@example.org")
    assert deliver() == []


def test_a_csrf_token_from_another_visitors_page_is_refused(app, client, make_member):
    member = make_member("ada@example.org", name="Ada", language="en")
    login(client, member)
    attacker = app.test_client()
    stolen = csrf_token(attacker, "/members/login")
    response = client.post("/members/profile", data={"csrf_token": stolen, "display_name": "Hacked", "language": "en"})
    assert response.status_code == 400
    db.session.refresh(member)
    assert member.display_name == "Ada"


def test_a_forged_post_cannot_use_a_reset_link_or_a_confirmation_link(app, client, make_member, deliver):
    make_member("ada@example.org", language="en")
    unconfirmed = make_member("bob@example.org", language="en", confirmed=False)
    post_form(client, "/members/forgot-password", {"email": "ada@example.org"}, token_from="/members/forgot-password")
    post_form(client, "/members/confirm/new", {"email": "bob@example.org"}, token_from="/members/login")
    messages = deliver(expect=2)
    [reset] = [found for m in messages for found in links_in(m) if "/members/reset/" in found]
    [confirm] = [found for m in messages for found in links_in(m) if "/members/confirm/" in found]

    assert client.post(reset, data={"password": "chosen by the attacker"}).status_code == 400
    assert client.post(confirm).status_code == 400
    assert can_log_in(app, "ada@example.org")
    db.session.refresh(unconfirmed)
    assert not unconfirmed.is_confirmed


# --------------------------------------------------------------- open redirects

OFF_SITE = [
    "//evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "/\t/evil.example",  # browsers drop tabs and newlines: //evil.example
    "/\n/evil.example",
    " //evil.example",
    "///evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_sends_the_member_off_site(client, make_member, target):
    make_member("ada@example.org", language="en")
    path = "/members/login"
    response = post_form(
        client, path, {"email": "ada@example.org", "password": PASSWORD}, token_from=path, query_string={"next": target}
    )
    assert response.status_code == 302
    assert response.location == "/members/profile"
    # Already logged in, the login page redirects at once: same rule.
    response = client.get(path, query_string={"next": target})
    assert response.location == "/members/profile"


def test_an_encoded_double_slash_in_the_login_url_is_not_followed_off_site(client, make_member):
    """`?next=/%2F%2Fevil.example` arrives decoded as `///evil.example`."""
    make_member("ada@example.org", language="en")
    path = "/members/login?next=/%2F%2Fevil.example"
    response = post_form(client, path, {"email": "ada@example.org", "password": PASSWORD}, token_from="/members/login")
    assert response.location == "/members/profile"


@pytest.mark.parametrize("target", ["/members/profile", "/members/email?from=profile", "/%2F%2Fevil.example"])
def test_login_honours_a_same_site_next(client, make_member, target):
    """A path on this site is followed, query included. `/%2F%2Fevil.example` (sent
    double-encoded) stays a path on this site: browsers do not decode %2F into an authority."""
    make_member("ada@example.org", language="en")
    path = "/members/login"
    response = post_form(
        client, path, {"email": "ada@example.org", "password": PASSWORD}, token_from=path, query_string={"next": target}
    )
    assert response.location == target


def test_a_form_posted_after_the_session_ran_out_comes_back_to_its_page_after_login(app, client, make_member):
    """The refused POST points back to the page that held the form, not to a URL
    that only answers POST ("method not allowed" after logging in)."""
    from community.members.access import member_required

    app.add_url_rule("/test-only/act", "test_only_act", member_required(lambda: "done"), methods=["POST"])
    make_member("ada@example.org", language="en")
    response = post_form(
        client, "/test-only/act", token_from="/", headers={"Referer": "http://localhost/members/email?from=x"}
    )
    assert response.status_code == 302
    login_page = response.location
    assert login_page.startswith("/members/login")
    response = post_form(
        client, login_page, {"email": "ada@example.org", "password": PASSWORD}, token_from="/members/login"
    )
    assert response.location == "/members/email?from=x"


# ---------------------------------------------------------------- Host header


def absolute_links(message) -> list[str]:
    return re.findall(r"https?://[^\s<>\"']+", mail_text(message) + mail_html(message))


@pytest.mark.parametrize(
    "route, data",
    [
        ("/members/forgot-password", {"email": "ada@example.org"}),
        (
            "/members/signup",
            {"email": "new@example.org", "display_name": "New", "password": PASSWORD, "language": "en", "consent": "y"},
        ),
    ],
)
def test_mail_links_come_from_base_url_whatever_host_the_request_names(client, make_member, deliver, route, data):
    make_member("ada@example.org", language="en")
    evil = "http://evil.example"
    page = client.get(route, base_url=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    headers = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    response = client.post(route, data={**data, "csrf_token": token}, base_url=evil, headers=headers)
    assert response.status_code in (200, 302)
    [message] = deliver(expect=1)
    links = absolute_links(message)
    assert any("/members/" in link for link in links)
    assert all(link == "http://community.test" or link.startswith("http://community.test/") for link in links), links
    assert "evil.example" not in message.as_string()


# ---------------------------------------------------------- cookies and sizes


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_member):
    login(client, make_member("ada@example.org", language="en"))
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_a_three_megabyte_post_is_refused_with_our_page_and_changes_nothing(client, make_member):
    member = make_member("ada@example.org", name="Ada", language="en")
    login(client, member)
    token = csrf_token(client, "/members/profile")
    response = client.post(
        "/members/profile",
        data={
            "csrf_token": token,
            "display_name": "Huge",
            "language": "en",
            "bio": "x" * (3 * 1024 * 1024),
        },
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Request too large" in page and 'class="error-page"' in page
    db.session.refresh(member)
    assert member.display_name == "Ada"


# ------------------------------------------------------------------ rate limits

LIMITED = [{"RATELIMIT_ENABLED": True}]


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_the_sixth_reset_request_in_a_minute_is_refused_and_sends_nothing(client, make_member, deliver, mailbox):
    make_member("ada@example.org", language="en")
    path = "/members/forgot-password"
    for _ in range(5):
        assert post_form(client, path, {"email": "ada@example.org"}, token_from=path).status_code == 200
    response = post_form(client, path, {"email": "ada@example.org"}, token_from=path)
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    deliver(expect=5)
    assert len(mailbox.to("ada@example.org")) == 5


def sign_up(client, email):
    path = "/members/signup"
    data = {"email": email, "display_name": "P", "password": PASSWORD, "language": "en", "consent": "y"}
    return post_form(client, path, data, token_from=path)


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_a_crowd_behind_one_address_signs_up_at_once_but_not_without_bound(app, client):
    """The venue's Wi-Fi is one address: 30 people sign up in the same minute (5 a minute
    before); the next one from that address waits."""
    crowd = app.config["MAIL_ADDRESS_LIMIT"].split(" per minute")[0]
    assert int(crowd) == 30
    for n in range(30):
        assert sign_up(client, f"p{n}@example.org").status_code == 302, n
    response = sign_up(client, "p30@example.org")
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Member)) == 30


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_the_sixth_sign_up_in_a_minute_for_one_address_is_refused(client, deliver):
    """One mailbox is not flooded with confirmation mails from one client."""
    for _ in range(5):
        assert sign_up(client, "p@example.org").status_code == 302
    response = sign_up(client, "p@example.org")
    assert response.status_code == 429 and "Too many attempts" in response.get_data(as_text=True)
    assert sign_up(client, "q@example.org").status_code == 302


# ------------------------------------------------------------- password storage


def test_passwords_are_stored_as_argon2id_at_owasp_strength(make_member):
    member = make_member("ada@example.org")
    match = re.fullmatch(
        r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", member.password_hash
    )
    assert match, member.password_hash
    assert tuple(map(int, match.groups())) == (19456, 2, 1)
    assert PASSWORD not in member.password_hash


def test_an_old_weaker_hash_is_upgraded_when_the_member_logs_in(app, client, make_member):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    member = make_member("ada@example.org", language="en", password_hash=weak)
    login(client, member)
    db.session.refresh(member)
    assert member.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert can_log_in(app, "ada@example.org")


@pytest.mark.parametrize("app_config", LIMITED, indirect=True)
def test_the_password_asked_before_deleting_the_account_is_limited_like_a_login(client, make_member):
    member = make_member("ada@example.org", language="en")
    login(client, member)
    for _ in range(10):
        response = post_form(client, "/account/delete", {"password": "not the password"}, token_from="/account/delete")
        assert response.status_code == 200
    response = post_form(client, "/account/delete", {"password": PASSWORD}, token_from="/account/delete")
    assert response.status_code == 429
    assert db.session.get(Member, member.id) is not None
