"""Every kind of answer read from what a form sends: what is stored, and what is refused
with the reason (answers.parse, answers.read). The server checks every answer, whatever
the browser did."""

import pytest

from community.core.extensions import db
from community.questions import answers
from community.questions.answers import Refused
from community.questions.models import Choice
from tests.questions.conftest import DIET, answer_form

pytestmark = pytest.mark.usefixtures("english")


def parse(question, *sent, kept=None):
    return answers.parse(question, list(sent), kept)


def refused(question, *sent, kept=None) -> str:
    with pytest.raises(Refused) as caught:
        parse(question, *sent, kept=kept)
    return str(caught.value)


def test_a_short_text_is_kept_on_one_line_and_a_long_one_keeps_its_lines(event, ask):
    short, long = ask(event, "text", "Organisation"), ask(event, "long_text", "Besoins")
    assert parse(short, "  Données \n Ouvertes\x00 ") == "Données Ouvertes"
    assert parse(long, "Une rampe\r\nsvp") == "Une rampe\nsvp"
    assert parse(short) is None and parse(short, "   ") is None  # optional: no answer
    assert "under 200 characters" in refused(short, "x" * 201)
    assert parse(short, "x" * 200) == "x" * 200
    assert "under 2000 characters" in refused(long, "x" * 2001)


def test_a_required_question_refuses_no_answer_whatever_its_kind(event, ask):
    for kind in ("text", "long_text", "yes_no", "number", "date"):
        question = ask(event, kind, f"Requise {kind}", required=True)
        assert refused(question) == "Please answer this question."
        assert refused(question, " ", "") == "Please answer this question."
    choice = ask(event, "choice", "Régime", required=True, choices=DIET)
    assert refused(choice) == "Please answer this question."


def test_numbers_take_a_french_decimal_comma_and_spaces_and_refuse_anything_else(event, ask):
    number = ask(event, "number", "Nombre de nuits")
    assert parse(number, "3") == "3"
    assert parse(number, "2,5") == "2.5"
    assert parse(number, "2.50") == "2.5"
    assert parse(number, "-1") == "-1"
    assert parse(number, "1 500") == "1500"
    assert parse(number, "1\u202f500,25") == "1500.25"
    assert parse(number, "100") == "100"  # not 1E+2
    for bad in ("trois", "1e3", "9e999999", "NaN", "Infinity", "1,2,3", "1_000", "0x10", "1" * 21, "2,"):
        assert refused(number, bad) == "Please enter a number, such as 3 or 2.5.", bad


def test_dates_are_stored_in_iso_form_and_nonsense_is_refused(event, ask):
    arrival = ask(event, "date", "Arrivée")
    assert parse(arrival, "2027-03-01") == "2027-03-01"
    for bad in ("01/03/2027", "2027-02-30", "demain", "2027-13-01"):
        assert refused(arrival, bad) == "Please enter a date, such as 2027-03-01.", bad


def test_yes_or_no_takes_only_yes_or_no(event, ask):
    reception = ask(event, "yes_no", "Cocktail ?")
    assert parse(reception, "yes") == "yes" and parse(reception, "no") == "no"
    assert refused(reception, "maybe") == "Please answer yes or no."
    assert answers.shown(reception, "yes") == "Yes"


def test_choices_are_stored_as_ids_and_only_this_question_s_live_choices_are_taken(event, ask):
    diet = ask(event, "choice", "Régime", choices=DIET)
    topics = ask(event, "multiple", "Sujets", choices=[("Corpus", "Corpora"), ("Évaluation", "Evaluation")])
    veggie, vegan, _none = (str(choice.id) for choice in diet.choices)
    corpora, evaluation = (str(choice.id) for choice in topics.choices)

    assert parse(diet, veggie) == veggie
    assert "one answer only" in refused(diet, veggie, vegan)
    assert parse(topics, evaluation, corpora, evaluation) == f"{corpora},{evaluation}"  # sorted, once each
    assert answers.shown(topics, f"{corpora},{evaluation}") == "Corpora, Evaluation"
    # A choice of another question, an id that does not exist, something else.
    for bad in (corpora, "999999", "végétarien", "-1"):
        assert refused(diet, bad) == "Please choose among the answers offered.", bad
    assert refused(topics, corpora, veggie) == "Please choose among the answers offered."


def test_a_retired_choice_is_refused_unless_the_person_had_chosen_it(event, ask):
    diet = ask(event, "choice", "Régime", choices=DIET)
    veggie = diet.choices[0]
    db.session.get(Choice, veggie.id).retired = True
    db.session.commit()
    assert refused(diet, str(veggie.id)) == "Please choose among the answers offered."
    # Changing other answers keeps theirs: the choice they had stays theirs.
    assert parse(diet, str(veggie.id), kept=str(veggie.id)) == str(veggie.id)


def test_read_reports_every_problem_at_once_and_checked_refuses_them_together(event, ask):
    name = ask(event, "text", "Nom", required=True)
    nights = ask(event, "number", "Nuits")
    reception = ask(event, "yes_no", "Cocktail ?")
    form = answer_form(**{f"q{nights.id}": "beaucoup", f"q{reception.id}": "no"})

    values, problems = answers.read([name, nights, reception], form)
    assert set(problems) == {name.id, nights.id}
    assert values == {reception.id: "no"}
    with pytest.raises(answers.AnswersRefused) as caught:
        answers.checked([name, nights, reception], form)
    assert set(caught.value.problems) == {name.id, nights.id}
    # A POST without any answer field is a form with nothing in it.
    assert set(answers.read([name, nights], None)[1]) == {name.id}
