"""Invitation codes: made and mailed by organizers, used once per registration in their
category, refused with a reason when they cannot be used, and never used twice at once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from community.core.audit import AuditEntry
from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.events.models import Event
from community.mail.models import OutboxEmail
from community.members.models import Member
from community.registrations import services
from community.registrations.models import Registration
from community.tickets import codes
from community.tickets.models import InvitationCode, normalized_code
from tests.factories import assert_invariants
from tests.registrations.test_capacity_race import app_config, run_in_threads  # noqa: F401


@pytest.fixture
def invited(make_event, organizer, add_category):
    """A full public pool and a hidden code-only category holding 3 reserved seats."""

    def _make(capacity=5, quota=3, **code_fields):
        event = make_event(capacity=capacity)
        officials = add_category(
            event, "Officiels", name_en="Officials", quota=quota, admits="code", listed=False, reserving=True
        )
        [code] = codes.create(organizer, officials, **code_fields)
        db.session.commit()
        return event, officials, code

    return _make


def test_a_code_opens_its_hidden_category_even_when_the_public_pool_is_full(invited, make_member):
    event, officials, code = invited()
    for _ in range(2):
        services.register_member(event, make_member())
    db.session.commit()
    assert db.session.get(Event, event.id).seats_left == 0

    registration, _ = services.register_guest(
        db.session.get(Event, event.id), name="Préfète", email="prefete@example.org", code=code.code.lower()
    )
    db.session.commit()

    assert (registration.status, registration.category_id, registration.code_id) == ("held", officials.id, code.id)
    db.session.refresh(code)
    assert code.uses_left == 0
    assert_invariants(event.id)


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda code: code.__setattr__("revoked_at", utcnow()), "withdrawn"),
        (lambda code: code.__setattr__("expires_at", utcnow() - timedelta(minutes=1)), "expired on"),
        (lambda code: code.__setattr__("uses", 1), "already been used"),
        (lambda code: code.__setattr__("code", "AAAA-BBBB-CCCC"), "not valid"),
    ],
)
def test_a_code_that_cannot_be_used_is_refused_with_its_reason(invited, make_member, spoil, message):
    event, _officials, code = invited()
    typed = code.code
    spoil(code)
    db.session.commit()
    with pytest.raises(DomainError, match=message):
        services.register_member(db.session.get(Event, event.id), make_member(), code=typed)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_code_for_another_event_is_refused(invited, make_event, make_member):
    _event, _officials, code = invited()
    other = make_event(capacity=10)
    with pytest.raises(DomainError, match="for another event"):
        services.register_member(other, make_member(), code=code.code)


def test_a_cancelled_registration_gives_its_use_back_and_a_revoked_code_keeps_its_registrations(
    invited, make_member, organizer
):
    event, _officials, code = invited(uses_allowed=2)
    first, _ = services.register_member(event, make_member(), code=code.code)
    second, _ = services.register_member(event, make_member(), code=code.code)
    db.session.commit()
    services.cancel_registration(first)
    db.session.commit()
    db.session.refresh(code)
    assert code.uses == 1

    codes.revoke(organizer, code)
    db.session.commit()
    assert db.session.get(Registration, second.id).status == "confirmed"
    with pytest.raises(DomainError, match="withdrawn"):
        services.register_member(db.session.get(Event, event.id), make_member(), code=code.code)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(AuditEntry.action == "code.revoked")) == 1


def test_codes_are_unguessable_and_typed_back_in_any_case(invited, organizer):
    _event, officials, _code = invited()
    made = codes.create(organizer, officials, count=40, uses_allowed=1)
    db.session.commit()
    texts = {code.code for code in made}
    assert len(texts) == 40
    assert all(len(text) == 14 and normalized_code(text.lower().replace("-", " ")) == text for text in texts)


def test_bad_code_batches_are_refused_and_make_nothing(invited, organizer):
    _event, officials, _code = invited()
    before = db.session.scalar(select(func.count()).select_from(InvitationCode))
    for kwargs, message in [
        (dict(count=0), "between 1 and 500"),
        (dict(count=501), "between 1 and 500"),
        (dict(uses_allowed=0), "between 1 and 10000"),
        (dict(expires_at=utcnow() - timedelta(days=1)), "expiry date has passed"),
    ]:
        with pytest.raises(DomainError, match=message):
            codes.create(organizer, officials, **kwargs)
        db.session.rollback()
    with pytest.raises(DomainError, match="not valid: nope, @x"):
        codes.addresses("ada@example.org\nnope, @x")
    assert db.session.scalar(select(func.count()).select_from(InvitationCode)) == before


def test_codes_are_mailed_in_each_recipient_s_language(invited, organizer, make_member):
    _event, officials, _code = invited()
    make_member("membre@example.org", language="en")
    sent = codes.send(organizer, officials, codes.addresses("membre@example.org; nouveau@example.org"), language="fr")
    db.session.commit()
    mails = {
        m.to_address: m
        for m in db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "invitation_code"))
    }
    assert set(mails) == {"membre@example.org", "nouveau@example.org"}
    assert (
        "Your invitation code" in mails["membre@example.org"].body_text
        and "Officials" in mails["membre@example.org"].body_text
    )
    assert "Votre code d'invitation" in mails["nouveau@example.org"].body_text
    assert "Officiels" in mails["nouveau@example.org"].body_text
    for code in sent:
        assert code.code in mails[code.sent_to].body_text


def test_a_single_use_code_used_by_ten_threads_at_once_succeeds_once(app, invited, bulk_members):
    event, officials, code = invited(capacity=50, quota=10)
    ids = bulk_members(10)
    event_id, typed = event.id, code.code

    def work(member_id):
        try:
            registration, _ = services.register_member(
                db.session.get(Event, event_id), db.session.get(Member, member_id), code=typed
            )
            return registration.status
        except DomainError as refused:
            db.session.rollback()
            return f"refused: {refused}"

    outcomes, errors = run_in_threads(app, ids, work, threads=10)

    assert errors == []
    assert outcomes.count("confirmed") == 1
    assert len([o for o in outcomes if o.startswith("refused")]) == 9
    db.session.expire_all()
    assert db.session.get(InvitationCode, code.id).uses == 1
    assert db.session.scalar(select(func.count()).where(Registration.code_id == code.id)) == 1
    assert_invariants(event_id)
