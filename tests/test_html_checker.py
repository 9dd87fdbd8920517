"""The Nu HTML Checker (vnu.jar, the W3C's validator, run with Java) over the key pages, as
each kind of person sees them: no error. The pages are fetched through the app, written
to files and checked in one run of the checker."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from community.core.extensions import db
from community.groups import services as groups
from community.registrations import mails, services
from tests.conftest import login

VNU = Path(__file__).parent / "checkers" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.skipif(
    (not VNU.exists() or not shutil.which("java")) and not os.environ.get("CI"),
    reason="the Nu HTML Checker is missing (make test installs it: npm and Java)",
)


@pytest.fixture
def pages(app, make_member, make_event):
    """(name, who, path) of the key pages, with the people and the rows they show."""
    admin = make_member("admin@example.org", name="Ada Admin", role="admin", language="en")
    organizer = make_member("orga@example.org", name="Olivia Orga", role="organizer")
    member = make_member("camille@example.org", name="Camille Dupont", organization="Données Ouvertes")
    group = groups.create_group(admin, name="Corpus", join_policy="open", summary="Des corpus ouverts")
    summit = make_event(title="Sommet", capacity=1, venue="Salle A", created_by=organizer.id, group_id=group.id)
    registration, _ = services.register_member(summit, member)
    services.register_member(summit, make_member("jo@example.net", name="Jo Waiting"))
    db.session.commit()
    ticket = f"/events/tickets/{mails.access_token(registration)}"
    return [
        ("home", None, "/"),
        ("events", None, "/events/"),
        ("event-visitor", None, f"/events/{summit.slug}"),
        ("event-member", member, f"/events/{summit.slug}"),
        ("event-organizer", organizer, f"/events/{summit.slug}"),
        ("signup", None, "/members/signup"),
        ("login", None, "/members/login"),
        ("ticket", None, ticket),
        ("groups", None, "/groups/"),
        ("group", member, f"/groups/{group.slug}"),
        ("profile", member, "/members/profile"),
        ("my-registrations", member, "/events/mine"),
        ("dashboard", organizer, f"/events/{summit.slug}/dashboard"),
        ("categories", organizer, f"/events/{summit.slug}/categories"),
        ("checkin", organizer, f"/events/{summit.slug}/checkin"),
        ("scan", organizer, f"/events/checkin/{registration.ticket_code}"),
        ("admin", admin, "/admin/"),
        ("admin-members", admin, "/admin/members/"),
        ("admin-outbox", admin, "/admin/outbox/"),
        ("admin-audit", admin, "/admin/audit/"),
        ("admin-jobs", admin, "/admin/jobs/"),
    ]


def test_the_key_pages_have_no_html_error(app, pages, tmp_path):
    files = {}
    for name, who, path in pages:
        client = app.test_client()
        if who is not None:
            login(client, who)
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        files[name] = tmp_path / f"{name}.html"
        files[name].write_bytes(response.data)
    checked = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(checked.stderr)["messages"]
    errors = [
        f"{Path(m['url']).stem}:{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
    print(f"\n{len(errors)} errors over {len(files)} pages")
    assert errors == [], "\n".join(errors)
