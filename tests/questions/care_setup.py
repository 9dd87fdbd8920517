"""Helpers of the sensitive-answer tests: an event that asks questions of every kind, some
sensitive, answered by members and a guest; the people around it, one of each audience; and bulk
answers for counting queries.

Questions and answers are written with the models and `answers.save`, as the question
editor and the registration forms will."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import Event, EventStaff, EventStatus
from community.members.models import Member
from community.questions import answers
from community.questions.models import Answer, Choice, Question
from community.registrations.models import Registration
from tests.factories import member_row, registration_row

# Answers a spreadsheet would run as formulas.
INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(1)", "\tTabbed", "\rReturned"]
# Raw sensitive answers: a page or file that shows one to the wrong person fails the tests.
HEALTH = "Allergie sévère aux arachides (stylo d'adrénaline)"
ID_NUMBER = "ID-FR-0042-SECRET"
# The audiences, as the issue lists them.
AUDIENCES = [
    "anonymous",
    "member",  # the attendee whose answers they are
    "other member",
    "steward",  # of this event
    "other organizer",  # who runs another event
    "organizer",  # who created this event
    "co-organizer",  # named organizer of this event
    "admin",
]
READERS = {"organizer", "co-organizer"}  # of raw sensitive answers
MANAGERS = READERS | {"admin"}  # of the dashboard, the lists and non-sensitive answers


@dataclass
class Questions:
    last: Question
    first: Question
    organization: Question
    diet: Question  # sensitive choice, role diet
    access: Question  # sensitive multiple choice
    health: Question  # sensitive long text
    identity: Question  # sensitive text: an identity document's number
    birth: Question  # sensitive date
    tshirt: Question  # choice
    talk: Question  # yes or no
    companions: Question  # number
    retired: Question  # no longer asked, answers kept

    def choice(self, question: Question, label: str) -> str:
        return str(next(choice.id for choice in question.choices if choice.label_fr == label))


@dataclass
class Care:
    event: Event
    elsewhere: Event
    people: dict  # audience -> Member
    q: Questions
    zoe: Registration  # the member's, with every answer
    seats: dict  # last name -> registration


def add_event(slug: str, created_by: int, ends_in=timedelta(days=10)) -> Event:
    ends = utcnow() + ends_in
    event = Event(
        slug=slug,
        title="Atelier LLM & données" if slug == "atelier" else f"Event {slug}",
        starts_at=ends - timedelta(hours=8),
        ends_at=ends,
        status=EventStatus.PUBLISHED.value,
        confirmed_count=0,
        created_by=created_by,
    )
    db.session.add(event)
    db.session.commit()
    return event


def ask(event: Event, position: int, kind: str, label_fr: str, label_en: str = "", **fields) -> Question:
    choices = [Choice(label_fr=fr, label_en=en, position=i) for i, (fr, en) in enumerate(fields.pop("choices", ()))]
    question = Question(
        event_id=event.id, position=position, kind=kind, label_fr=label_fr, label_en=label_en, choices=choices, **fields
    )
    db.session.add(question)
    db.session.flush()
    return question


def questions_of(event: Event) -> Questions:
    def sensitive(purpose):
        return {"sensitive": True, "purpose_fr": purpose, "purpose_en": purpose}

    diets = [("Végétarien", "Vegetarian"), ("Sans gluten", "Gluten-free"), ("Aucun régime", "No diet")]
    return Questions(
        last=ask(event, 1, "text", "Nom (pièce d'identité)", "Last name (identity document)", role="last_name"),
        first=ask(event, 2, "text", "Prénom (pièce d'identité)", "First name (identity document)", role="first_name"),
        organization=ask(event, 3, "text", "Organisation", "Organization", role="organization"),
        diet=ask(event, 4, "choice", "Régime", "Diet", role="diet", choices=diets, **sensitive("Le repas")),
        access=ask(
            event,
            5,
            "multiple",
            "Accessibilité",
            "Accessibility",
            choices=[("Fauteuil roulant", "Wheelchair"), ("Boucle magnétique", "Hearing loop")],
            **sensitive("L'accès à la salle"),
        ),
        health=ask(event, 6, "long_text", "Santé", "Health", **sensitive("Les secours")),
        identity=ask(event, 7, "text", "N° de pièce d'identité", "Identity document number", **sensitive("Le lieu")),
        birth=ask(event, 8, "date", "Date de naissance", "Date of birth", **sensitive("Le lieu")),
        tshirt=ask(event, 9, "choice", "-Taille de t-shirt", "-T-shirt size", choices=[("S", "S"), ("=1+1", "=1+1")]),
        talk=ask(event, 10, "yes_no", "Vous présentez ?", "Giving a talk?"),
        companions=ask(event, 11, "number", "Accompagnants", "Companions"),
        retired=ask(event, 12, "text", "Ancienne question", "Old question", retired_at=utcnow()),
    )


def seat(event: Event, member: Member | None = None, status: str = "confirmed", **guest) -> Registration:
    registration = Registration(
        event_id=event.id,
        category_id=event.categories[0].id,
        member_id=member.id if member else None,
        status=status,
        created_at=utcnow(),
        hold_expires_at=utcnow() + timedelta(hours=1) if status == "held" else None,
        **guest,
    )
    db.session.add(registration)
    if status in ("confirmed", "held"):
        event.confirmed_count += 1
        event.categories[0].taken += 1
    db.session.flush()
    return registration


def build(make_member) -> Care:
    people = {
        "member": make_member("zoe@example.org", name="Zoé Quenneville", organization="Quenneville Labs"),
        "other member": make_member("otto@example.org", name="Otto Other"),
        "steward": make_member("steward@example.org", name="Stéphane Steward"),
        "other organizer": make_member("elsewhere@example.org", name="Olga Elsewhere", role="organizer"),
        "organizer": make_member("orga@example.org", name="Oscar Orga", role="organizer", language="en"),
        "co-organizer": make_member("co@example.org", name="Camille Co"),
        "admin": make_member("admin@example.org", name="Ada Admin", role="admin", language="en"),
    }
    event = add_event("atelier", people["organizer"].id)
    elsewhere = add_event("ailleurs", people["other organizer"].id)
    db.session.add_all(
        [
            EventStaff(event_id=event.id, member_id=people["co-organizer"].id, role="organizer"),
            EventStaff(event_id=event.id, member_id=people["steward"].id, role="steward"),
        ]
    )
    q = questions_of(event)
    dupont = make_member("dupont@example.org", name="Jean Dupont")
    martin = make_member("martin@example.org", name="Anne Martin", organization="Inria")
    zoe = seat(event, people["member"])
    seats = {"Éluard": zoe, "Dupont": seat(event, dupont), "Martin": seat(event, martin)}
    seats["Zola"] = seat(event, guest_name="Émile Zola", guest_email="emile@example.org", guest_organization="L'Aurore")
    veg, gluten = q.choice(q.diet, "Végétarien"), q.choice(q.diet, "Sans gluten")
    wheelchair, loop = q.choice(q.access, "Fauteuil roulant"), q.choice(q.access, "Boucle magnétique")
    answers.save(
        zoe,
        {
            q.last.id: "Éluard",
            q.first.id: "Zoé",
            q.organization.id: INJECTIONS[1],
            q.diet.id: veg,
            q.access.id: f"{wheelchair},{loop}",
            q.health.id: HEALTH,
            q.identity.id: ID_NUMBER,
            q.birth.id: "1990-04-01",
            q.tshirt.id: q.choice(q.tshirt, "=1+1"),
            q.talk.id: "yes",
            q.companions.id: "2",
            q.retired.id: INJECTIONS[0],
        },
    )
    answers.save(seats["Dupont"], {q.last.id: "Dupont", q.first.id: "Jean", q.diet.id: veg, q.access.id: wheelchair})
    answers.save(seats["Martin"], {q.diet.id: gluten, q.health.id: INJECTIONS[3], q.talk.id: "no"})
    answers.save(seats["Zola"], {q.last.id: "Zola", q.first.id: "Émile", q.identity.id: INJECTIONS[2]})
    # Neither counts: a cancelled registration and a waiting one.
    gone = seat(event, make_member("gone@example.org", name="Gaston Gone"), status="cancelled")
    waits = seat(event, make_member("waits@example.org", name="Wanda Waits"), status="waiting")
    answers.save(gone, {q.diet.id: veg, q.health.id: "cancelled health note"})
    answers.save(waits, {q.diet.id: gluten})
    db.session.commit()
    return Care(event, elsewhere, people, q, zoe, seats)


def bulk_answered(event: Event, q: Questions, n: int, prefix: str) -> None:
    """n more members with a seat, each answering every question, in a few statements."""
    now = utcnow()
    db.session.execute(
        insert(Member), [member_row(f"{prefix}{i}@example.org", f"{prefix.title()} {i}", now) for i in range(n)]
    )
    ids = db.session.scalars(select(Member.id).where(Member.email.like(f"{prefix}%"))).all()
    db.session.execute(insert(Registration), [registration_row(event, member_id, now) for member_id in ids])
    registrations = db.session.scalars(select(Registration.id).where(Registration.member_id.in_(ids))).all()
    values = {
        q.last.id: "Nom",
        q.first.id: "Prénom",
        q.diet.id: q.choice(q.diet, "Sans gluten"),
        q.access.id: q.choice(q.access, "Boucle magnétique"),
        q.health.id: "note",
        q.identity.id: "ID",
        q.birth.id: "2000-01-01",
        q.tshirt.id: q.choice(q.tshirt, "S"),
        q.talk.id: "no",
        q.companions.id: "1",
    }
    db.session.execute(
        insert(Answer),
        [
            dict(registration_id=rid, question_id=qid, value=value, updated_at=now)
            for rid in registrations
            for qid, value in values.items()
        ],
    )
    event.confirmed_count += n
    event.categories[0].taken += n
    db.session.commit()
