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
    ticket = f"/events/tickets/{mails.access_token(registration)}"
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
        ("dashboard-admin", admin, f"/events/{summit.slug}/dashboard"),
        ("answers", organizer, f"/events/{summit.slug}/dashboard/registrations/{registration.id}/answers"),
        ("categories", organizer, f"/events/{summit.slug}/categories"),
        ("checkin", organizer, f"/events/{summit.slug}/checkin"),
        ("scan", organizer, f"/events/checkin/{registration.ticket_code}"),
        ("admin", admin, "/admin/"),
        ("admin-members", admin, "/admin/members/"),
        ("admin-outbox", admin, "/admin/outbox/"),
        ("admin-audit", admin, "/admin/audit/"),
        ("admin-jobs", admin, "/admin/jobs/"),
        ("questions", organizer, f"/events/{summit.slug}/dashboard/questions"),
        ("question-edit", organizer, f"/events/{summit.slug}/dashboard/questions/{diet.id}"),
        ("register-questions", newcomer, f"/events/{summit.slug}/register"),
        ("guest-questions", None, f"/events/{summit.slug}/guest"),
        ("my-answers", member, f"/events/{summit.slug}/answers"),
        ("my-answers-link", None, f"{ticket}/answers"),
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
