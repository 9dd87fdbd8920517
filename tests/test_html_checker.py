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
from community.questions import answers
from community.questions import services as questions
from community.questions.models import Choice, Question
from community.questions.services import QuestionData
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
    diet = Question(event_id=summit.id, kind="choice", label_fr="Régime", sensitive=True, role="diet")
    diet.choices = [Choice(label_fr="Végétarien"), Choice(label_fr="Sans gluten")]
    note = Question(event_id=summit.id, kind="long_text", label_fr="Un mot", position=1)
    db.session.add_all([diet, note])
    db.session.flush()
    answers.save(registration, {diet.id: str(diet.choices[0].id), note.id: "Ligne 1\nLigne 2"})
    db.session.commit()
    ask = lambda **fields: questions.add_question(organizer, summit, QuestionData(**fields))  # noqa: E731
    ask(kind="text", label_fr="Organisation", role="organization")
    diet = ask(kind="choice", label_fr="Régime", required=True, choices=[("Végétarien", ""), ("Aucun", "")])
    ask(kind="long_text", label_fr="Accessibilité", sensitive=True, purpose_fr="Préparer la salle")
    ask(kind="multiple", label_fr="Ateliers", choices=[("Corpus", ""), ("Évaluation", "")])
    ask(kind="yes_no", label_fr="Cocktail ?", required=True)
    ask(kind="number", label_fr="Nuits", help_fr="0 si aucune")
    ask(kind="date", label_fr="Arrivée")
    newcomer = make_member("ana@example.org", name="Ana Nouvelle")
    db.session.commit()
    event, ticket = f"/events/{summit.slug}", f"/events/tickets/{mails.access_token(registration)}"
    dashboard = f"{event}/dashboard"
    as_visitor = {
        "home": "/",
        "events": "/events/",
        "event-visitor": event,
        "signup": "/members/signup",
        "login": "/members/login",
        "ticket": ticket,
        "groups": "/groups/",
        "guest-questions": f"{event}/guest",
        "my-answers-link": f"{ticket}/answers",
    }
    as_member = {
        "event-member": event,
        "group": f"/groups/{group.slug}",
        "profile": "/members/profile",
        "my-registrations": "/events/mine",
        "my-answers": f"{event}/answers",
    }
    as_organizer = {
        "event-organizer": event,
        "dashboard": dashboard,
        "answers": f"{dashboard}/registrations/{registration.id}/answers",
        "categories": f"{event}/categories",
        "checkin": f"{event}/checkin",
        "scan": f"/events/checkin/{registration.ticket_code}",
        "questions": f"{dashboard}/questions",
        "question-edit": f"{dashboard}/questions/{diet.id}",
    }
    as_admin = {
        "dashboard-admin": dashboard,
        "admin": "/admin/",
        "admin-members": "/admin/members/",
        "admin-outbox": "/admin/outbox/",
        "admin-audit": "/admin/audit/",
        "admin-jobs": "/admin/jobs/",
    }
    by_person = [
        (None, as_visitor),
        (member, as_member),
        (newcomer, {"register-questions": f"{event}/register"}),
        (organizer, as_organizer),
        (admin, as_admin),
    ]
    return [(name, who, path) for who, paths in by_person for name, path in paths.items()]


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
