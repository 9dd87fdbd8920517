"""Home, privacy and error pages, the language switch, and the security headers."""

import re

import pytest

from tests.conftest import login, missing_from, post_form


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_home_and_privacy_answer_in_the_visitors_language(client, path, language):
    response = client.get(path, headers={"Accept-Language": f"{language},de;q=0.5"})
    assert response.status_code == 200
    assert html_lang(response) == language
    assert "OpenLLM France" in response.get_data(as_text=True)


def test_a_visitor_with_no_language_preference_gets_french(client):
    assert html_lang(client.get("/")) == "fr"


def test_the_home_page_invites_a_visitor_to_sign_up_and_links_only_to_pages_that_exist(client, app):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/members/signup"' in page
    for path in set(re.findall(r'href="(/[^"]*)"', page)):
        if not path.startswith("/static/"):
            assert client.get(path).status_code in (200, 302), path


def test_a_member_is_not_asked_to_sign_up_again(client, logged_in):
    client, member = logged_in(name="Ada Lovelace")
    page = client.get("/").get_data(as_text=True)
    assert 'class="hero' in page and "/members/signup" not in page
    assert "Ada Lovelace" in page


def test_the_privacy_notice_names_the_data_kept_and_the_members_rights(client):
    page = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    kept = ("email address", "registrations", "Mail log", "No advertising, no tracker", "delete your account", "CNIL")
    assert missing_from(page, *kept) == []


def _html_pages(app):
    """Every GET page without URL parameters: what an anonymous visitor can reach directly."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_every_html_page_carries_the_security_headers_and_no_inline_code(client, app, make_member):
    """Checked as a visitor, then as an admin, who sees the most pages."""
    checked = 0
    paths = [*_html_pages(app), "/no-such-page"]
    anonymous = [(client, path) for path in paths]
    admin_client = app.test_client()
    login(admin_client, make_member(role="admin"))
    for browser, path in [*anonymous, *[(admin_client, path) for path in paths]]:
        response = browser.get(path)
        if response.mimetype != "text/html":
            continue
        checked += 1
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, path
        assert "frame-ancestors 'none'" in csp, path
        assert "default-src 'self'" in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), path
        # The CSP would block these in a browser: none may be written in the first place.
        body = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body), f"inline script on {path}"
        assert not re.search(r"\sstyle=", body), f"style attribute on {path}"
        assert not re.search(r"\son[a-z]+=", body), f"inline event handler on {path}"
    downloads = [path for path in paths if path.endswith((".ics", ".json"))]  # calendar feed, personal data
    assert checked >= 2 * (len(paths) - len(downloads))


def test_an_error_page_and_a_refused_post_carry_the_headers_too(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_unknown_page_shows_our_404_page(client):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert 'class="error-page"' in page and "Page not found" in page
    assert 'href="/"' in page  # a way back home
    assert 'class="site-header"' in page  # inside our layout, not Werkzeug's bare page


def test_the_language_switch_needs_a_csrf_token(client):
    response = client.post("/language", data={"lang": "en", "next": "/privacy"})
    assert response.status_code == 400
    assert html_lang(client.get("/")) == "fr"


def test_the_language_switch_refuses_an_unknown_language(client):
    response = post_form(client, "/language", {"lang": "de"})
    assert response.status_code == 400
    assert html_lang(client.get("/")) == "fr"


def test_the_language_switch_keeps_the_visitor_on_the_page_in_the_chosen_language(client):
    response = post_form(client, "/language", {"lang": "en", "next": "/privacy"})
    assert response.status_code == 302 and response.location == "/privacy"
    assert html_lang(client.get("/privacy")) == "en"
    # The choice beats the browser's preference for the rest of the visit.
    assert html_lang(client.get("/", headers={"Accept-Language": "fr"})) == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_the_language_switch_never_sends_the_visitor_to_another_site(client, target):
    response = post_form(client, "/language", {"lang": "en", "next": target})
    assert response.status_code == 302 and response.location == "/"


def test_the_stylesheet_and_the_icon_are_served_by_the_app_itself(client):
    page = client.get("/").get_data(as_text=True)
    assert not re.search(r'(?:href|src)="(?:https?:)?//', page.split("<main")[0]), "no CDN in the layout"
    for path in ("/static/style.css", "/static/favicon.svg"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_the_member_directory_is_in_the_navigation_only_for_members(client, make_member):
    from tests.conftest import login

    assert 'href="/groups/directory"' not in client.get("/").get_data(as_text=True)
    login(client, make_member())
    assert 'href="/groups/directory"' in client.get("/").get_data(as_text=True)
