"""Invitation codes through the pages: the organizer makes, mails, downloads and withdraws
them; a holder types one (or follows the mailed link) and registers; wrong codes get a
reason, and attempts are limited per client address."""

import csv
import io

import pytest
from sqlalchemy import select

from community.core.extensions import db
from community.mail.models import OutboxEmail
from community.registrations.models import Registration
from community.tickets import codes
from community.tickets.models import InvitationCode
from tests.conftest import login, make_config, post_form


@pytest.fixture
def officials(make_event, add_category):
    event = make_event(capacity=3)
    category = add_category(
        event, "Officiels", name_en="Officials", quota=2, admits="code", listed=False, reserving=True
    )
    return event, category


def test_the_organizer_makes_mails_downloads_and_withdraws_codes(english_client, officials, organizer):
    event, category = officials
    slug, category_id = event.slug, category.id
    login(english_client, organizer)
    path = f"/events/{slug}/categories/{category_id}/codes"
    assert "Invitation codes" in english_client.get(path).get_data(as_text=True)

    made = post_form(
        english_client, path, {"make-count": "3", "make-uses_allowed": "2", "make-submit": "y"}, token_from=path
    )
    assert made.status_code == 302
    sent = post_form(
        english_client,
        path,
        {
            "send-addresses": "ada@example.org\ngrace@example.org",
            "send-uses_allowed": "1",
            "send-language": "fr",
            "send-submit": "y",
        },
        token_from=path,
    )
    assert sent.status_code == 302
    made_codes = db.session.scalars(select(InvitationCode).order_by(InvitationCode.id)).all()
    assert [(c.uses_allowed, c.sent_to) for c in made_codes] == [
        (2, ""),
        (2, ""),
        (2, ""),
        (1, "ada@example.org"),
        (1, "grace@example.org"),
    ]
    mails = db.session.scalars(select(OutboxEmail.to_address).where(OutboxEmail.template == "invitation_code")).all()
    assert sorted(mails) == ["ada@example.org", "grace@example.org"]

    export = english_client.get(f"{path.removesuffix('/codes')}/codes.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Code", "Category", "Uses allowed"]
    assert {row[0] for row in rows[1:]} == {c.code for c in made_codes}

    revoked = post_form(english_client, f"/events/{slug}/codes/{made_codes[0].id}/revoke", token_from=path)
    assert revoked.status_code == 302
    assert db.session.get(InvitationCode, made_codes[0].id).revoked_at is not None
    page = english_client.get(f"/events/{slug}/categories").get_data(as_text=True)
    assert "5 codes" in page and "uses taken: 0 of 8" in page


def test_bad_batches_are_refused_on_the_page(english_client, officials, organizer):
    event, category = officials
    login(english_client, organizer)
    path = f"/events/{event.slug}/categories/{category.id}/codes"
    for data, message in [
        ({"make-count": "0", "make-uses_allowed": "1", "make-submit": "y"}, "Number must be between 1 and 500."),
        ({"make-count": "x", "make-uses_allowed": "1", "make-submit": "y"}, "Not a valid integer value."),
        (
            {
                "send-addresses": "ada@example.org, nope",
                "send-uses_allowed": "1",
                "send-language": "fr",
                "send-submit": "y",
            },
            "These addresses are not valid: nope",
        ),
    ]:
        response = post_form(english_client, path, data, token_from=path)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    assert db.session.scalar(select(InvitationCode.id)) is None


def test_a_member_types_a_code_and_registers_in_its_hidden_category(english_client, officials, organizer, make_member):
    event, category = officials
    [code] = codes.create(organizer, category)
    db.session.commit()
    slug, category_id, typed = event.slug, category.id, code.code
    member = make_member(language="en")
    login(english_client, member)
    assert "I have an invitation code" in english_client.get(f"/events/{slug}").get_data(as_text=True)

    wrong = post_form(
        english_client, f"/events/{slug}/invitation", {"code": "ZZZZ-ZZZZ-ZZZZ"}, token_from=f"/events/{slug}"
    )
    assert wrong.status_code == 400 and "This invitation code is not valid" in wrong.get_data(as_text=True)
    found = post_form(
        english_client, f"/events/{slug}/invitation", {"code": typed.lower()}, token_from=f"/events/{slug}"
    )
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/events/{slug}/invitation?code={typed}")
    page = english_client.get(found.headers["Location"]).get_data(as_text=True)
    assert "Officials" in page and "Register with this code" in page

    registered = post_form(
        english_client,
        f"/events/{slug}/register",
        {"code": typed, "category": str(category_id)},
        token_from=found.headers["Location"],
    )
    assert registered.status_code == 302
    registration = db.session.scalar(select(Registration).where(Registration.member_id == member.id))
    assert (registration.status, registration.category_id, registration.code_id) == ("confirmed", category_id, code.id)
    again = english_client.get(f"/events/{slug}/invitation?code={typed}")
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_a_guest_follows_the_mailed_link_and_registers_with_the_code(client, officials, organizer):
    event, category = officials
    [code] = codes.send(organizer, category, ["invitee@example.org"], language="fr")
    db.session.commit()
    mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.template == "invitation_code"))
    assert f"/events/{event.slug}/invitation?code={code.code}" in mail.body_text
    assert "Une invitation vous est adressée pour" in mail.body_text and "Officiels" in mail.body_text

    page = client.get(f"/events/{event.slug}/invitation?code={code.code}").get_data(as_text=True)
    assert "M'inscrire avec ce code" in page
    path = f"/events/{event.slug}/guest?code={code.code}"
    form = client.get(path).get_data(as_text=True)
    assert "Officiels" in form
    response = post_form(
        client, path, {"name": "Invitée", "email": "invitee@example.org", "code": code.code}, token_from=path
    )
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert (registration.category_id, registration.code_id, registration.status) == (category.id, code.id, "held")


class TestAttemptsAreLimited:
    @pytest.fixture
    def app_config(self, database_url, smtp_server):
        return make_config(database_url, smtp_server.port, RATELIMIT_ENABLED=True)

    def test_the_sixth_code_in_a_minute_is_refused(self, client, make_event):
        event = make_event(capacity=10)
        answers = [client.get(f"/events/{event.slug}/invitation?code=AAAA-BBBB-CCC{i}").status_code for i in range(6)]
        assert answers == [400] * 5 + [429]
        assert client.get(f"/events/{event.slug}/invitation").status_code == 200  # typing no code is not an attempt
