"""Behind a trusted reverse proxy, rate limits count per client, not per proxy."""

import pytest

from tests.conftest import make_config, post_form


@pytest.fixture
def app_config(database_url, smtp_server):
    return make_config(database_url, smtp_server.port, RATELIMIT_ENABLED=True, TRUSTED_PROXIES=1)


def _attempt(client, address):
    headers = {"X-Forwarded-For": address}
    token_page = client.get("/members/login", headers=headers)
    assert token_page.status_code == 200
    return post_form(
        client,
        "/members/login",
        {"email": "x@example.org", "password": "wrong password"},
        token_from="/members/login",
        headers=headers,
    ).status_code


def test_two_clients_behind_one_proxy_have_their_own_login_limit(client):
    first = [_attempt(client, "203.0.113.7") for _ in range(11)]
    assert first[-1] == 429
    assert _attempt(client, "198.51.100.9") == 200


def test_over_https_with_secure_cookies_browsers_are_told_to_keep_to_https(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    secure = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers  # plain http: never
    app.config["SESSION_COOKIE_SECURE"] = False
    assert "Strict-Transport-Security" not in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
