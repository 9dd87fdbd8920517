"""Every route states who may use it (anyone, member, confirmed, organizer, admin, ...)."""

from community import create_app

KNOWN = {"anyone", "member", "confirmed", "steward", "organizer", "admin", "token"}


def test_every_view_carries_an_access_declaration(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access", None)
        if access is None:
            undeclared.append(rule.endpoint)
        else:
            assert access.split(":")[0] in KNOWN, (rule.endpoint, access)
    assert undeclared == []
