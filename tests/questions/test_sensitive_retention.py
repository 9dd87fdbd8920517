"""The answers' life cycle: sensitive answers erased SENSITIVE_ANSWER_RETENTION_DAYS after the
event (not a day early), the counts left as they were; a guest's answers erased with their
name; the processing register and the notice saying so; a member's download holding their
answers, and account deletion erasing them the same way as the purge."""

import json
import re
from datetime import timedelta
from unittest.mock import patch

from flask_babel import force_locale
from sqlalchemy import func, select

from community.core.audit import AuditEntry
from community.core.extensions import db
from community.privacy import account_deletion, retention
from community.questions import answers, counts, sensitive
from community.questions.models import Answer
from community.registrations.models import Registration
from tests.conftest import PASSWORD, login
from tests.questions.care_setup import HEALTH, ID_NUMBER, Care, add_event, questions_of, seat

DAY = timedelta(days=1)


def rows_of(registration_id) -> dict:
    """question id -> value of one registration's answers, read fresh."""
    db.session.expire_all()
    return answers.of_registrations([registration_id]).get(registration_id, {})


def detached() -> list[tuple[int, str]]:
    return sorted(
        db.session.execute(select(Answer.question_id, Answer.value).where(Answer.registration_id.is_(None))).all()
    )


def tallies(care: Care) -> list:
    db.session.expire_all()
    event = db.session.get(type(care.event), care.event.id)
    return [(t.question.id, t.answered, [(line.label, line.count) for line in t.lines]) for t in
            counts.of_event(event, answers.of_event(event))]  # fmt: skip


def test_sensitive_answers_go_30_days_after_the_event_not_a_day_early_and_the_counts_stay(app, care):
    q, ends = care.q, care.event.ends_at
    before = tallies(care)
    assert app.config["SENSITIVE_ANSWER_RETENTION_DAYS"] == 30

    early = retention.purge(ends + 29 * DAY + timedelta(hours=23))
    db.session.commit()
    assert early["sensitive_answers_erased"] == 0 and rows_of(care.zoe.id)[q.health.id] == HEALTH

    done = retention.purge(ends + 30 * DAY + timedelta(minutes=1))
    db.session.commit()
    # Zoé 5, Dupont 2, Martin 2, Zola 1, the cancelled 2, the waiting 1.
    assert done["sensitive_answers_erased"] == 13
    # What is left to each person: the answers to questions that are not sensitive.
    assert set(rows_of(care.zoe.id)) == {q.last.id, q.first.id, q.organization.id, q.tshirt.id, q.talk.id,
                                         q.companions.id, q.retired.id}  # fmt: skip
    for person in ("Dupont", "Martin", "Zola"):
        assert not {q.diet.id, q.access.id, q.health.id, q.identity.id, q.birth.id} & set(
            rows_of(care.seats[person].id)
        )
    # The choices of the people with a seat, detached: they name nobody and still count.
    veg, gluten = q.choice(q.diet, "Végétarien"), q.choice(q.diet, "Sans gluten")
    wheelchair, loop = q.choice(q.access, "Fauteuil roulant"), q.choice(q.access, "Boucle magnétique")
    assert detached() == sorted(
        [(q.diet.id, veg), (q.diet.id, veg), (q.diet.id, gluten), (q.access.id, f"{wheelchair},{loop}"),
         (q.access.id, wheelchair)]
    )  # fmt: skip
    # Typed answers (health, identity document, date of birth) are gone for good, also the
    # cancelled and waiting people's, which counted nowhere.
    texts = db.session.scalars(
        select(Answer.value).where(Answer.question_id.in_([q.health.id, q.identity.id, q.birth.id]))
    )
    assert texts.all() == []
    # The counts of choices, yes/no and numbers stay; typed answers went, and their number with them.
    typed = {q.health.id, q.identity.id, q.birth.id}
    after = tallies(care)
    assert [t for t in after if t[0] not in typed] == [t for t in before if t[0] not in typed]
    assert [t[1] for t in after if t[0] in typed] == [0, 0, 0]

    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "data.purged").order_by(AuditEntry.id.desc())
    )
    assert entry.changes["sensitive_answers_erased"] == 13 and entry.changes["sensitive_days"] == 30


def test_a_second_purge_erases_nothing_more(care):
    later = care.event.ends_at + 31 * DAY
    retention.purge(later)
    db.session.commit()
    kept = db.session.execute(select(Answer.id, Answer.registration_id, Answer.value).order_by(Answer.id)).all()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    again = retention.purge(later + DAY)
    db.session.commit()
    assert again["sensitive_answers_erased"] == again["guest_answers_erased"] == 0
    assert db.session.execute(select(Answer.id, Answer.registration_id, Answer.value).order_by(Answer.id)).all() == kept
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_the_dashboard_counts_are_the_same_after_the_purge(client, care):
    login(client, care.people["organizer"])

    def section():
        page = client.get("/events/atelier/dashboard").get_data(as_text=True)
        return page[page.index('id="answers"') : page.index('id="attendees"')]

    def choices(text):
        return re.findall(r"<li><span>(.*?)</span>\s*<strong>(.*?)</strong></li>", text, re.S)

    before = section()
    assert ("Wheelchair", "2 people") in choices(before) and "2 people answered" in before
    retention.purge(care.event.ends_at + 31 * DAY)
    db.session.commit()
    login(client, care.people["organizer"])  # a month later, the login of today has run out
    with patch.object(sensitive, "past_retention", lambda event, now: True):  # the page as a month later
        after = section()
    assert choices(after) == choices(before) and len(choices(after)) == 9  # diet 3, access 2, t-shirt 2, talk 2
    # The health note, the identity document and the date of birth: erased, and said so.
    assert after.count("Erased after the event, as announced.") == 3
    assert "1 person answered" in after  # the companions, a number: not sensitive, still there
    assert HEALTH not in client.get(f"/events/atelier/dashboard/registrations/{care.zoe.id}/answers").get_data(
        as_text=True
    )


def test_the_period_is_read_from_the_configuration_and_stated_where_it_matters(app, care):
    app.config["SENSITIVE_ANSWER_RETENTION_DAYS"] = 7
    ends = care.event.ends_at
    assert retention.purge(ends + 6 * DAY)["sensitive_answers_erased"] == 0
    assert retention.purge(ends + 7 * DAY + timedelta(minutes=1))["sensitive_answers_erased"] == 13
    db.session.commit()
    client = app.test_client()
    register = client.get("/privacy/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Answers to sensitive questions</h2>" in register and "Erased 7 days after the event ended" in register
    assert "Answers to an event&#39;s registration questions</h2>" in register
    assert "GDPR art. 6(1)(a) and 9(2)(a)" in register
    notice = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Réponses aux questions sensibles : effacées 7 jours après l'événement" in notice
    with force_locale("fr"):
        assert sensitive.how_long_kept() == "Votre réponse est effacée 7 jours après l'événement."
    with force_locale("en"):
        assert sensitive.how_long_kept() == "Your answer is erased 7 days after the event."
        app.config["SENSITIVE_ANSWER_RETENTION_DAYS"] = 1
        assert sensitive.how_long_kept() == "Your answer is erased 1 day after the event."


def test_the_cron_command_takes_the_period_and_prints_the_count(app, care):
    result = app.test_cli_runner().invoke(args=["purge", "--sensitive-days", "0"])
    assert result.exit_code == 0 and "sensitive_answers_erased: 0" in result.output  # the event has not ended
    db.session.expire_all()
    past = add_event("past", care.people["organizer"].id, ends_in=-2 * DAY)
    q = questions_of(past)
    answers.save(
        seat(past, care.people["other member"]), {q.health.id: "note", q.diet.id: q.choice(q.diet, "Végétarien")}
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge", "--sensitive-days", "1"])
    assert "sensitive_answers_erased: 2" in result.output, result.output


def test_a_guests_answers_go_with_their_name(app, care):
    q, zola = care.q, care.seats["Zola"]
    answers.save(zola, {q.talk.id: "yes"})
    db.session.commit()
    done = retention.purge(care.event.ends_at + 366 * DAY)  # past both periods
    db.session.commit()
    assert done["guest_registrations_anonymized"] == 1
    # Zola's: last and first name, identity document (typed) deleted; the yes detached.
    assert done["guest_answers_erased"] == 4 and rows_of(zola.id) == {}
    assert (q.talk.id, "yes") in detached()
    # The members' answers that are not sensitive stay theirs.
    assert rows_of(care.zoe.id)[q.last.id] == "Éluard"


def test_a_member_downloads_their_answers_as_the_pages_show_them(client, care):
    login(client, care.people["member"])
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    theirs = {item["question"]: item for item in data["answers"]}
    assert theirs["Régime"]["answer"] == "Végétarien" and theirs["Régime"]["sensitive"] is True
    assert theirs["Accessibilité"]["answer"] == "Fauteuil roulant, Boucle magnétique"
    assert theirs["Santé"]["answer"] == HEALTH and theirs["N° de pièce d'identité"]["answer"] == ID_NUMBER
    assert theirs["Vous présentez ?"]["answer"] == "Oui" and theirs["Vous présentez ?"]["sensitive"] is False
    assert {item["event"]["title"] for item in data["answers"]} == {"Atelier LLM & données"}
    assert len(data["answers"]) == 12 and "Dupont" not in json.dumps(data["answers"])  # hers only
    assert "12 réponses" in client.get("/account/data").get_data(as_text=True)


def test_deleting_the_account_erases_the_answers_and_keeps_the_counts_of_a_past_seat(app, care, make_member):
    zoe = care.people["member"]
    past = add_event("past", care.people["organizer"].id, ends_in=-DAY)
    q = questions_of(past)
    kept = seat(past, zoe)
    answers.save(kept, {q.diet.id: q.choice(q.diet, "Sans gluten"), q.health.id: "note", q.talk.id: "yes"})
    db.session.commit()
    past_care = Care(past, care.elsewhere, care.people, q, kept, {})
    before = tallies(past_care)
    future_ids = set(rows_of(care.zoe.id))
    assert len(future_ids) == 12

    done = account_deletion.delete_account(zoe, PASSWORD)
    db.session.commit()
    # The future seat was given back: its 12 answers count nowhere and are deleted; the past
    # seat's choice and yes detached, its note deleted.
    assert done["answers_erased"] == 15 and done["registrations_cancelled"] == 1
    assert rows_of(care.zoe.id) == {} and rows_of(kept.id) == {}
    assert db.session.get(Registration, kept.id).anonymized_at is not None
    assert (q.diet.id, q.choice(q.diet, "Sans gluten")) in detached() and (q.talk.id, "yes") in detached()
    # The counts of choices stay; the note, typed, went with its count.
    assert [t for t in tallies(past_care) if t[0] != q.health.id] == [t for t in before if t[0] != q.health.id]
    # Nothing typed by her is left anywhere.
    values = db.session.scalars(select(Answer.value)).all()
    assert HEALTH not in values and ID_NUMBER not in values and "note" not in values and "Éluard" not in values
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.deleted"))
    assert entry.changes["answers_erased"] == 15
