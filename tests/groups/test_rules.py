"""The group rules, called directly (groups/services.py)."""

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from community.core.errors import DomainError, NotAllowed
from community.core.extensions import db
from community.groups import announcements, memberships, queries, services
from community.groups.models import GroupMembership, WorkingGroup
from community.mail.models import OutboxEmail
from tests.groups.conftest import add_members


def membership(member, group):
    db.session.expire_all()
    return services.membership_of(member, group)


def said(excinfo) -> str:
    """The refusal as the user reads it (lazy strings need a request for the language)."""
    from flask import current_app
    from flask_babel import force_locale

    with current_app.test_request_context(), force_locale("en"):
        return str(excinfo.value)


def outbox(template):
    return list(
        db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id))
    )


# ------------------------------------------------------------------ groups


def test_only_admins_create_and_archive_groups(make_member, admin, make_group):
    lead = make_member()
    group = make_group("Data", lead=lead)
    with pytest.raises(NotAllowed):
        services.create_group(lead, name="Mine")
    with pytest.raises(NotAllowed):
        services.archive_group(lead, group)
    services.archive_group(admin, group)
    assert group.is_archived


def test_slugs_are_made_from_names_and_unique(admin, make_group):
    group = make_group("Juridique & éthique")
    assert group.slug == "juridique-ethique"
    with pytest.raises(DomainError):
        services.create_group(admin, name="Juridique  Éthique")
    with pytest.raises(DomainError):
        services.create_group(admin, name="Directory")  # a page of its own, not a group


def test_a_lead_edits_the_description_but_not_the_name_or_policy(make_member, make_group):
    lead = make_member()
    group = make_group("Data", lead=lead)
    services.update_group(lead, group, summary="Corpus", description="New text")
    assert group.description == "New text"
    with pytest.raises(NotAllowed):
        services.update_group(lead, group, summary="", description="", name="Renamed")
    with pytest.raises(NotAllowed):
        services.update_group(lead, group, summary="", description="", join_policy="moderated")
    with pytest.raises(NotAllowed):
        services.update_group(make_member(), group, summary="x", description="y")


def test_the_description_is_rendered_without_any_html_from_the_author(make_group):
    group = make_group(
        description="<script>alert(1)</script>\nsee https://example.org/a?b=1&c=2.\n\n- one\n- <b>two</b>"
    )
    html = str(group.description_html)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' in html
    assert "<br>" in html
    assert "<ul><li>one</li><li>&lt;b&gt;two&lt;/b&gt;</li></ul>" in html
    assert 'href="javascript' not in str(make_group(description="javascript:alert(1)").description_html)


# ------------------------------------------------------------------ joining


def test_a_confirmed_member_joins_an_open_group_and_leaves_it(make_member, make_group):
    member, group = make_member(), make_group()
    memberships.join(member, group)
    db.session.commit()
    assert membership(member, group).is_active
    memberships.leave(member, group)
    db.session.commit()
    assert membership(member, group) is None


def test_an_unconfirmed_member_cannot_join_or_request(make_member, make_group):
    member = make_member(confirmed=False)
    with pytest.raises(DomainError) as refused:
        memberships.join(member, make_group())
    assert "confirm your email" in said(refused)
    with pytest.raises(DomainError) as refused:
        memberships.request_to_join(member, make_group(policy="moderated"))
    assert "confirm your email" in said(refused)
    assert db.session.scalar(select(func.count()).select_from(GroupMembership)) == 0


def test_an_archived_group_refuses_joins_and_requests(make_member, admin, make_group):
    member, open_group, moderated = make_member(), make_group(), make_group(policy="moderated")
    services.archive_group(admin, open_group)
    services.archive_group(admin, moderated)
    with pytest.raises(DomainError) as refused:
        memberships.join(member, open_group)
    assert "archived" in said(refused)
    with pytest.raises(DomainError) as refused:
        memberships.request_to_join(member, moderated)
    assert "archived" in said(refused)


def test_joining_twice_is_refused_and_one_membership_remains(make_member, make_group):
    member, group = make_member(), make_group()
    memberships.join(member, group)
    with pytest.raises(DomainError):
        memberships.join(member, group)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(GroupMembership)) == 1


def test_the_database_holds_one_membership_per_member_and_group(make_member, make_group):
    member, group = make_member(), make_group()
    add_members(group, [member])
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(GroupMembership).values(group_id=group.id, member_id=member.id, status="pending", role="member")
        )
    db.session.rollback()


def test_a_moderated_group_takes_requests_not_joins(make_member, make_group):
    member, group = make_member(), make_group(policy="moderated")
    with pytest.raises(DomainError):
        memberships.join(member, group)
    memberships.request_to_join(member, group, "I work on licences")
    with pytest.raises(DomainError):
        memberships.request_to_join(member, group)
    db.session.commit()
    assert membership(member, group).is_pending
    assert membership(member, group).message == "I work on licences"


def test_a_request_is_mailed_to_each_lead(make_member, make_group):
    lead = make_member(language="en")
    group = make_group("Legal", policy="moderated", lead=lead)
    memberships.request_to_join(make_member(name="Grace"), group, "Hello")
    db.session.commit()
    [mail] = outbox("group_request")
    assert mail.to_address == lead.email and "Grace" in mail.body_text and "Hello" in mail.body_text


def test_approving_activates_and_mails_the_member_in_their_language(make_member, make_group):
    lead = make_member()
    group = make_group("Évaluation", policy="moderated", lead=lead)
    member = make_member(language="en")
    request = memberships.request_to_join(member, group)
    memberships.approve(lead, request)
    db.session.commit()
    assert membership(member, group).is_active
    assert membership(member, group).decided_by_id == lead.id
    [mail] = outbox("group_approved")
    assert mail.to_address == member.email and mail.language == "en"
    assert "Welcome" in mail.subject and "Évaluation" in mail.subject
    with pytest.raises(DomainError):
        memberships.approve(lead, membership(member, group))


def test_a_declined_member_is_told_and_may_ask_again(make_member, make_group):
    lead = make_member()
    group = make_group(policy="moderated", lead=lead)
    member = make_member(language="fr")
    memberships.decline(lead, memberships.request_to_join(member, group))
    db.session.commit()
    assert membership(member, group) is None
    [mail] = outbox("group_declined")
    assert mail.to_address == member.email and mail.language == "fr"
    memberships.request_to_join(member, group, "Second try")
    db.session.commit()
    assert membership(member, group).is_pending


def test_only_leads_of_the_group_and_admins_moderate(make_member, admin, make_group):
    lead, other_lead, member = make_member(), make_member(), make_member()
    group = make_group(policy="moderated", lead=lead)
    make_group(lead=other_lead)
    request = memberships.request_to_join(make_member(), group)
    for outsider in (member, other_lead):
        with pytest.raises(NotAllowed):
            memberships.approve(outsider, request)
        with pytest.raises(NotAllowed):
            memberships.decline(outsider, request)
    assert services.can_moderate(lead, group) and services.can_moderate(admin, group)
    assert not services.can_moderate(member, group) and not services.can_moderate(other_lead, group)


# ------------------------------------------------------------------ leads


def test_admins_appoint_and_remove_leads(make_member, admin, make_group):
    group, person = make_group(), make_member()
    memberships.appoint_lead(admin, group, person)  # not even a member yet: joins as lead
    db.session.commit()
    assert membership(person, group).is_lead
    memberships.remove_lead(admin, group, person)
    db.session.commit()
    assert membership(person, group).is_active and not membership(person, group).is_lead


def test_a_lead_appoints_a_co_lead_among_members_but_removes_no_lead(make_member, make_group):
    lead, member, outsider = make_member(), make_member(), make_member()
    group = make_group(lead=lead)
    add_members(group, [member])
    with pytest.raises(DomainError):
        memberships.appoint_lead(lead, group, outsider)
    memberships.appoint_lead(lead, group, member)
    db.session.commit()
    assert services.can_moderate(member, group)
    with pytest.raises(NotAllowed):
        memberships.remove_lead(lead, group, member)
    with pytest.raises(NotAllowed):
        memberships.remove_member(lead, group, member)


def test_a_removed_lead_loses_lead_powers_at_once(make_member, admin, make_group):
    lead = make_member()
    group = make_group(policy="moderated", lead=lead)
    request = memberships.request_to_join(make_member(), group)
    db.session.commit()
    memberships.remove_lead(admin, group, lead)
    db.session.commit()
    assert not services.can_moderate(lead, group)
    for action in (
        lambda: memberships.approve(lead, request),
        lambda: services.update_group(lead, group, summary="", description="x"),
        lambda: announcements.announce(lead, group, subject="s", body="b", idempotency_key="k" * 20),
    ):
        with pytest.raises(NotAllowed):
            action()


def test_a_lead_removes_a_member(make_member, make_group):
    lead, member = make_member(), make_member()
    group = make_group(lead=lead)
    add_members(group, [member])
    memberships.remove_member(lead, group, member)
    db.session.commit()
    assert membership(member, group) is None
    with pytest.raises(NotAllowed):
        memberships.remove_member(member, group, lead)


def test_an_unconfirmed_member_cannot_be_made_lead(make_member, admin, make_group):
    with pytest.raises(DomainError):
        memberships.appoint_lead(admin, make_group(), make_member(confirmed=False))


# ------------------------------------------------------------------ announcements


def test_only_leads_and_admins_announce_and_not_to_an_archived_group(make_member, admin, make_group):
    lead, member = make_member(), make_member()
    group = make_group(lead=lead)
    add_members(group, [member])
    with pytest.raises(NotAllowed):
        announcements.announce(member, group, subject="s", body="b", idempotency_key="a" * 20)
    announcements.announce(admin, group, subject="s", body="b", idempotency_key="b" * 20)
    services.archive_group(admin, group)
    with pytest.raises(DomainError):
        announcements.announce(lead, group, subject="s", body="b", idempotency_key="c" * 20)


def test_the_same_announcement_key_sends_once(make_member, make_group):
    lead, member = make_member(), make_member()
    group = make_group(lead=lead)
    add_members(group, [member])
    first, created = announcements.announce(lead, group, subject="Hi", body="Text", idempotency_key="k" * 24)
    db.session.commit()
    again, created_again = announcements.announce(lead, group, subject="Hi", body="Text", idempotency_key="k" * 24)
    db.session.commit()
    assert created and not created_again and again.id == first.id
    assert len(outbox("group_announcement")) == 2  # the lead and the member, once each


def test_opting_out_keeps_the_membership_and_stops_announcements(make_member, make_group):
    lead, member = make_member(), make_member()
    group = make_group(lead=lead)
    add_members(group, [member])
    memberships.set_announcement_opt_out(member, group, True)
    item, _created = announcements.announce(lead, group, subject="Hi", body="Text", idempotency_key="z" * 24)
    db.session.commit()
    assert item.recipients_count == 1
    assert [m.to_address for m in outbox("group_announcement")] == [lead.email]
    assert membership(member, group).is_active
    with pytest.raises(DomainError):
        memberships.set_announcement_opt_out(make_member(), group, True)


def test_pending_members_receive_no_announcement(make_member, make_group):
    lead = make_member()
    group = make_group(policy="moderated", lead=lead)
    memberships.request_to_join(make_member(), group)
    item, _created = announcements.announce(lead, group, subject="Hi", body="Text", idempotency_key="p" * 24)
    assert item.recipients_count == 1


def test_groups_are_listed_for_the_events_domain(app, make_member, admin, make_group):
    member = make_member()
    group = make_group("Data")
    archived = make_group("Old")
    services.archive_group(admin, archived)
    add_members(group, [member])
    assert queries.group_choices() == [(group.id, "Data")]
    assert queries.is_active_member(member, group.id)
    assert not queries.is_active_member(member, archived.id)
    assert db.session.get(WorkingGroup, group.id).name == "Data"


def test_an_overlong_subject_is_refused_before_anything_is_queued(make_member, make_group):
    lead = make_member()
    group = make_group(lead=lead)
    with pytest.raises(DomainError):
        announcements.announce(lead, group, subject="x" * 201, body="b", idempotency_key="long" * 6)
    assert outbox("group_announcement") == []
