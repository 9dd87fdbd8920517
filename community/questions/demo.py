"""The demo summit's registration questions (`seed-demo`), in French and English, and the
answers the demo members give."""

from datetime import date

from werkzeug.datastructures import MultiDict

from community.questions import answers, services
from community.questions.services import QuestionData

DIETS = [
    ("Sans restriction", "No restriction"),
    ("Végétarien", "Vegetarian"),
    ("Végétalien", "Vegan"),
    ("Sans gluten", "Gluten-free"),
    ("Halal", "Halal"),
]
QUESTIONS = [
    QuestionData(
        kind="text",
        label_fr="Organisation",
        label_en="Organization",
        help_fr="Imprimée sur votre badge.",
        help_en="Printed on your badge.",
        role="organization",
    ),
    QuestionData(
        kind="choice",
        label_fr="Régime alimentaire",
        label_en="Diet",
        required=True,
        sensitive=True,
        purpose_fr="commander les repas au traiteur ; la réponse est effacée après l'événement.",
        purpose_en="to order the meals from the caterer; the answer is erased after the event.",
        role="diet",
        choices=DIETS,
    ),
    QuestionData(
        kind="long_text",
        label_fr="Besoins d'accessibilité",
        label_en="Accessibility needs",
        help_fr="Fauteuil roulant, boucle magnétique, place près de la scène…",
        help_en="Wheelchair, hearing loop, a seat near the stage…",
        sensitive=True,
        purpose_fr="préparer l'accueil et la salle ; la réponse est effacée après l'événement.",
        purpose_en="to prepare the welcome and the room; the answer is erased after the event.",
    ),
    QuestionData(
        kind="yes_no",
        label_fr="Serez-vous au cocktail du soir ?",
        label_en="Will you attend the evening reception?",
        required=True,
    ),
    QuestionData(
        kind="date",
        label_fr="Date d'arrivée à Paris",
        label_en="Arrival date in Paris",
        help_fr="Si vous venez de loin : nous vous indiquerons les hôtels proches.",
        help_en="If you come from afar: we will tell you about the hotels nearby.",
    ),
]


def seed_demo(admin, summit) -> list:
    """Ask the summit's questions; the caller commits."""
    return [services.add_question(admin, summit, data) for data in QUESTIONS]


def answers_of(questions, member, number: int, arrival: date) -> MultiDict:
    """What the demo member `number` answers (the organization comes from their profile)."""
    organization, diet, needs, reception, arrival_date = questions
    sent = MultiDict({answers.field_name(organization): member.organization or ""})
    sent[answers.field_name(diet)] = str(diet.choices[number % 3 if number % 4 else 3].id)
    sent[answers.field_name(reception)] = "yes" if number % 3 else "no"
    if number % 5 == 1:
        sent[answers.field_name(needs)] = "Une place près de la scène, s'il vous plaît."
    if number % 2:
        sent[answers.field_name(arrival_date)] = arrival.isoformat()
    return sent
