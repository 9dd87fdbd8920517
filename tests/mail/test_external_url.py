"""Links in mail come from BASE_URL, with the path and anchor the page needs."""

from community.mail.outbox import external_url


def test_an_external_link_keeps_its_anchor_and_ignores_the_request_host(app):
    app.config["BASE_URL"] = "https://community.example.org/app"
    with app.test_request_context("/", base_url="http://evil.example"):
        url = external_url("members.login", _anchor="form", next="/x")
    assert url == "https://community.example.org/app/members/login?next=/x#form"
