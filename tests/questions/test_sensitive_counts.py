"""The dashboard's counts of the answers (sensitive questions too, as counts only), the
answers in its people list and on a person's page, and what they cost: a constant number
of queries whatever the number of registrations."""

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from community.core.extensions import db
from community.events.models import Event
from community.questions import answers, counts
from community.questions.models import Answer, Choice, Question
from tests.conftest import login
from tests.querycount import count_queries
from tests.questions.care_setup import HEALTH, ID_NUMBER, bulk_answered


def tallies(event) -> dict:
    """question label -> (answered, [(answer, count)])."""
    questions = db.session.scalars(select(Question).where(Question.event_id == event.id)).all()
    return {
        t.question.label_fr: (t.answered, [(line.label, line.count) for line in t.lines])
        for t in counts.of_event(event, sorted(questions, key=lambda q: q.position))
    }


def test_the_counts_cover_the_people_with_a_seat_per_answer_or_per_person_who_answered(care):
    found = tallies(care.event)
    # The cancelled and the waiting person's answers count nowhere.
    assert found["Régime"] == (3, [("Végétarien", 2), ("Sans gluten", 1), ("Aucun régime", 0)])
    # A multiple choice counts each answer chosen.
    assert found["Accessibilité"] == (2, [("Fauteuil roulant", 2), ("Boucle magnétique", 1)])
    assert found["Vous présentez ?"] == (2, [("Oui", 1), ("Non", 1)])
    assert found["Santé"] == (2, []) and found["Date de naissance"] == (1, []) and found["Accompagnants"] == (1, [])
    assert found["Ancienne question"] == (1, [])


def test_a_retired_choice_is_counted_while_answers_name_it(care):
    q = care.q
    retired = Choice(question_id=q.tshirt.id, label_fr="XXL", retired=True, position=9)
    unused = Choice(question_id=q.tshirt.id, label_fr="XS", retired=True, position=10)
    db.session.add_all([retired, unused])
    db.session.flush()
    db.session.add(Answer(registration_id=care.seats["Dupont"].id, question_id=q.tshirt.id, value=str(retired.id)))
    db.session.commit()
    db.session.expire_all()
    assert tallies(care.event)["-Taille de t-shirt"] == (2, [("S", 0), ("=1+1", 1), ("XXL", 1)])


def test_the_counting_is_one_query_whatever_the_number_of_answers(care):
    gluten_free = 1  # Martin's
    for n in (3, 30):
        gluten_free += n
        bulk_answered(care.event, care.q, n, prefix=f"count{n}-")
        event = db.session.get(Event, care.event.id)
        questions = answers.of_event(event)
        with count_queries(db.engine) as statements:
            (diet,) = [t for t in counts.of_event(event, questions) if t.question.role == "diet"]
        assert len(statements) == 1
        assert [(line.label, line.count) for line in diet.lines][1] == ("Sans gluten", gluten_free)


def test_the_dashboard_shows_the_counts_to_everyone_who_sees_it_with_plurals(client, care):
    for who in ("organizer", "admin"):
        care.people[who].language = "fr"
    db.session.commit()
    login(client, care.people["admin"])
    page = client.get("/events/atelier/dashboard").get_data(as_text=True)
    section = page[page.index('id="answers"') : page.index('id="attendees"')]
    lines = [re.sub(r"\s+", " ", line).strip() for line in re.findall(r"<li><span>(.*?)</strong></li>", section, re.S)]
    assert "Végétarien</span> <strong>2 personnes" in lines
    assert "Sans gluten</span> <strong>1 personne" in lines and "Aucun régime</span> <strong>0 personne" in lines
    assert "Fauteuil roulant</span> <strong>2 personnes" in lines
    assert "2 personnes ont répondu" in section and "1 personne a répondu" in section
    assert "Sensible" in section and "effacées 30 jours après l'événement" in section
    assert str(escape(HEALTH)) not in page and ID_NUMBER not in page  # an admin reads counts only


def test_the_people_list_shows_each_persons_answers_to_the_events_organizers(client, care):
    login(client, care.people["co-organizer"])
    page = client.get("/events/atelier/dashboard").get_data(as_text=True)
    row = page[page.index(f'data-registration="{care.zoe.id}"') :]
    row = row[: row.index("</tr>")]
    assert "12 réponses" in row
    for shown in ("Végétarien", "Fauteuil roulant, Boucle magnétique", str(escape(HEALTH)), ID_NUMBER, "Oui"):
        assert shown in row, shown
    assert f"/events/atelier/dashboard/registrations/{care.zoe.id}/answers" in row


def measure(client, event) -> tuple[int, str]:
    with count_queries(db.engine) as statements:
        response = client.get(f"/events/{event.slug}/dashboard")
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["organizer", "admin"])
def test_the_dashboard_with_answers_runs_the_same_number_of_queries_for_3_and_30_registrations(client, care, who):
    login(client, care.people[who])
    queries = {}
    for n in (3, 30):
        bulk_answered(care.event, care.q, n, prefix=f"list{n}-")
        queries[n], page = measure(client, care.event)
        assert page.count('class="row-answers"') >= min(n, 50)
    assert queries[3] == queries[30], queries
    print(f"\ndashboard with answers as {who}: {queries[3]} queries (3 and 30 more registrations)")


def test_a_persons_page_runs_the_same_number_of_queries_whatever_the_event_holds(client, care):
    login(client, care.people["organizer"])
    queries = []
    for n in (3, 30):
        bulk_answered(care.event, care.q, n, prefix=f"page{n}-")
        with count_queries(db.engine) as statements:
            response = client.get(f"/events/atelier/dashboard/registrations/{care.zoe.id}/answers")
        assert response.status_code == 200 and ID_NUMBER in response.get_data(as_text=True)
        queries.append(len(statements))
    assert queries[0] == queries[1], queries
