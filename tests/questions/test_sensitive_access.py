"""Who reads the raw answers to sensitive questions, route by route and audience by audience:
anonymous, the attendee, another member, a steward of the event, the organizer of another
event, the event's organizer (its creator, and a co-organizer named for it), an admin.

Only the event's own organizers read them, on the dashboard, on a person's page and in
every export; an admin manages the event and sees the counts and the other answers, not
them; the others are refused. A refusal carries nothing of the event's people."""

import csv
import io

import openpyxl
import pytest
from markupsafe import escape

from community.core.extensions import db
from community.events import permissions
from tests.conftest import login
from tests.questions.care_setup import AUDIENCES, HEALTH, ID_NUMBER, MANAGERS, READERS

BOM = "\ufeff"


def text_of(response) -> str:
    """What a page or a file says, cell by cell for a spreadsheet."""
    if response.mimetype == "text/csv":
        data = response.get_data(as_text=True)
        assert data.startswith(BOM)
        return "\n".join("|".join(row) for row in csv.reader(io.StringIO(data[1:], newline=""), delimiter=";"))
    if response.mimetype.endswith("spreadsheetml.sheet"):
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
        return "\n".join(
            "|".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True)
        )
    return response.get_data(as_text=True)


def routes(care):
    """(path, who may open it, who finds the sensitive answers in it, the answers to look for
    (each in the forms it may take), what everyone allowed finds in it)."""
    q, zoe = care.q, care.zoe.id
    raw = ((str(escape(HEALTH)), HEALTH), (ID_NUMBER,))  # each as a page or as a file writes it
    export = "/admin/events/atelier/export?preset="
    return [
        ("/events/atelier/dashboard", MANAGERS, READERS, raw, "Giving a talk?"),
        (f"/events/atelier/dashboard/registrations/{zoe}/answers", MANAGERS, READERS, raw, "Giving a talk?"),
        ("/admin/events/atelier/attendees.csv", MANAGERS, READERS, raw, "Giving a talk?"),
        ("/admin/events/atelier/attendees.xlsx", MANAGERS, READERS, raw, "Giving a talk?"),
        (f"{export}full&format=csv", MANAGERS, READERS, raw, "Giving a talk?"),
        (f"{export}full&format=xlsx", MANAGERS, READERS, raw, "Giving a talk?"),
        # The identity document's number is sensitive: the list that carries it is the organizers' own.
        (f"{export}security&format=csv&identity={q.identity.id}", READERS, READERS, ((ID_NUMBER,),), "Éluard"),
        (f"{export}security&format=xlsx&identity={q.identity.id}", READERS, READERS, ((ID_NUMBER,),), "Éluard"),
        (f"{export}security&format=csv&identity={q.talk.id}", MANAGERS, set(), ((ID_NUMBER,),), "Éluard"),
        # Who eats what is sensitive; how many of each is not.
        (f"{export}catering&format=csv", MANAGERS, READERS, (("Jean Dupont",),), "Vegetarian|2"),
        (f"{export}catering&format=xlsx", MANAGERS, READERS, (("Jean Dupont",),), "Vegetarian|2"),
    ]


@pytest.mark.parametrize("audience", AUDIENCES)
def test_each_route_shows_sensitive_answers_to_the_events_own_organizers_only(client, care, audience):
    if audience != "anonymous":
        person = care.people[audience]
        person.language = "en"
        db.session.commit()
        login(client, person)
    for path, allowed, readers, secrets, everyone_sees in routes(care):
        response = client.get(path, buffered=True)
        where = f"{path} as {audience}"
        if audience == "anonymous":
            assert response.status_code == 302 and "/members/login" in response.location, where
        elif audience not in allowed:
            assert response.status_code == 403, (where, response.status_code)
        else:
            assert response.status_code == 200, (where, response.status_code)
        said = text_of(response) if response.status_code == 200 else response.get_data(as_text=True)
        for forms in secrets:
            found = any(form in said for form in forms)
            assert found == (audience in readers and response.status_code == 200), (where, forms)
        if response.status_code == 200:
            assert everyone_sees in said, where
        else:
            assert "Dupont" not in said and "Éluard" not in said, where


def test_the_rule_names_the_creator_and_the_named_organizers_only(care):
    reads = {audience: permissions.may_read_sensitive(person, care.event) for audience, person in care.people.items()}
    assert {audience for audience, yes in reads.items() if yes} == READERS
    assert not permissions.may_read_sensitive(None, care.event)
    # The other organizer reads those of the event they created, and only those.
    assert permissions.may_read_sensitive(care.people["other organizer"], care.elsewhere)
    assert not permissions.may_read_sensitive(care.people["organizer"], care.elsewhere)


def test_an_admin_sees_the_counts_and_is_told_why_the_raw_answers_are_not_there(client, care):
    login(client, care.people["admin"])
    page = client.get("/events/atelier/dashboard").get_data(as_text=True)
    assert "Answers to sensitive questions show to the event's own organizers only" in page
    assert "Wheelchair" in page and "Vegetarian" in page  # the counts of sensitive questions
    answers = client.get(f"/events/atelier/dashboard/registrations/{care.zoe.id}/answers").get_data(as_text=True)
    assert "5 answers to sensitive questions show to the event's own organizers only." in answers
    assert "Yes" in answers and "Companions" in answers  # the other answers are there
    # The export form offers no sensitive question to add to the security list.
    assert f'value="{care.q.identity.id}"' not in page and f'name="identity" value="{care.q.talk.id}"' in page


def test_the_person_page_of_another_events_registration_is_not_found(client, care, make_member):
    from tests.questions.care_setup import seat

    theirs = seat(care.elsewhere, make_member("far@example.org"))
    db.session.commit()
    login(client, care.people["organizer"])
    assert client.get(f"/events/atelier/dashboard/registrations/{theirs.id}/answers").status_code == 404
