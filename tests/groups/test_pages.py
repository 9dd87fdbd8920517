"""The group pages through the client: what members see and what their clicks do."""

import re

from sqlalchemy import select

from community.core.extensions import db
from community.groups import memberships, services
from community.groups.models import GroupMembership, WorkingGroup
from tests.conftest import links_in, login, mail_text, post_form
from tests.groups.conftest import add_members


def page(client, path, **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def listed(html) -> int:
    """The directory's "N members" line."""
    return int(re.search(r'<p class="meta">(\d+) members?</p>', html).group(1))


def membership(member, group):
    db.session.expire_all()
    return services.membership_of(member, group)


def test_a_member_joins_an_open_group_in_one_click_and_leaves_in_one(client, make_member, make_group):
    member = make_member(language="en")
    group = make_group("Data")
    login(client, member)
    assert "Join the group" in page(client, "/groups/data")
    post_form(client, "/groups/data/join", token_from="/groups/data")
    assert membership(member, group).is_active
    assert "You are a member of this group." in page(client, "/groups/data")
    post_form(client, "/groups/data/leave", token_from="/groups/data")
    assert membership(member, group) is None


def test_an_unconfirmed_member_is_sent_to_confirm_instead_of_joining(client, make_member, make_group):
    member = make_member(confirmed=False, language="en")
    group = make_group("Data")
    login(client, member)
    assert "Confirm your email address to join this group." in page(client, "/groups/data")
    response = post_form(client, "/groups/data/join", token_from="/groups/data")
    assert "/members/unconfirmed" in response.headers["Location"]
    assert membership(member, group) is None


def test_request_approve_and_the_member_is_told_in_their_language(client, make_member, make_group, deliver, mailbox):
    lead = make_member("lead@example.org", language="en")
    group = make_group("Juridique & éthique", policy="moderated", lead=lead)
    member = make_member("ada@example.org", name="Ada", language="fr")
    login(client, member)
    # Ada reads French: find the request form by where it posts.
    assert f'action="/groups/{group.slug}/request"' in page(client, f"/groups/{group.slug}")
    post_form(
        client,
        f"/groups/{group.slug}/request",
        {"message": "Je travaille sur les licences"},
        token_from=f"/groups/{group.slug}",
    )
    assert membership(member, group).is_pending
    assert "Juridique &amp; éthique" in page(client, "/groups/mine")

    [request_mail] = deliver(expect=1)
    assert "Je travaille sur les licences" in mail_text(request_mail)
    review = links_in(request_mail)[0]
    mailbox.clear()

    client.post("/members/logout", data={"csrf_token": _token(client)})
    login(client, lead)
    lead_view = page(client, review.split("#")[0])
    assert "Je travaille sur les licences" in lead_view and "Approve" in lead_view
    request_id = membership(member, group).id
    post_form(client, f"/groups/{group.slug}/requests/{request_id}/approve", token_from=f"/groups/{group.slug}")
    assert membership(member, group).is_active

    [welcome] = deliver(expect=1)
    assert welcome["To"].addresses[0].addr_spec == "ada@example.org"
    assert '<html lang="fr">' in welcome.get_body(preferencelist=("html",)).get_content()
    assert f"/groups/{group.slug}" in links_in(welcome)


def _token(client):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page(client, "/groups/")).group(1)


def test_an_archived_group_stays_readable_and_takes_nobody(client, make_member, admin, make_group):
    member = make_member(language="en")
    group = make_group("Old", description="History")
    services.archive_group(admin, group)
    db.session.commit()
    login(client, member)
    html = page(client, "/groups/old")
    assert "History" in html and "This group accepts no new members." in html and "Join the group" not in html
    post_form(client, "/groups/old/join", token_from="/groups/old")
    assert membership(member, group) is None


def test_the_group_page_lists_visible_members_and_counts_the_others(client, make_member, make_group, bulk_people):
    lead = make_member(name="Lena Lead")
    group = make_group("Data", lead=lead)
    shown = bulk_people(3, prefix="shown-", visible=lambda i: True)
    hidden = bulk_people(4, prefix="hidden-")
    add_members(group, shown + hidden)
    html = page(client, "/groups/data", headers={"Accept-Language": "en"})
    assert "Lena Lead" in html
    assert all(m.display_name in html for m in shown)
    assert not any(m.email.split("@")[0] in html for m in hidden)
    assert "and 4 members who chose not to appear in the directory" in html
    assert '<span class="badge">8</span>' in html


def test_the_description_is_shown_formatted_and_escaped(client, admin, make_group):
    make_group("Data", description="Hello <script>x()</script>\n\nSee https://example.org/x")
    html = page(client, "/groups/data")
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>x()" not in html
    assert '<a href="https://example.org/x" rel="nofollow noopener noreferrer">' in html


def test_an_admin_creates_a_group_and_a_lead_edits_only_its_description(client, make_member, admin):
    login(client, admin)
    response = post_form(
        client,
        "/groups/new",
        {"name": "Évaluation", "slug": "", "summary": "Benchmarks", "join_policy": "moderated"},
        token_from="/groups/new",
    )
    group = db.session.scalar(select(WorkingGroup))
    assert response.headers["Location"].endswith("/groups/evaluation") and group.is_moderated

    lead = make_member(language="en")
    memberships.appoint_lead(admin, group, lead)
    db.session.commit()
    client.post("/members/logout", data={"csrf_token": _token(client)})
    login(client, lead)
    form = page(client, "/groups/evaluation/edit")
    assert 'name="description"' in form and 'name="name"' not in form and 'name="join_policy"' not in form
    post_form(
        client,
        "/groups/evaluation/edit",
        {"summary": "Tests", "description": "New text", "name": "Hijack", "join_policy": "open"},
        token_from="/groups/evaluation/edit",
    )
    db.session.expire_all()
    group = db.session.get(WorkingGroup, group.id)
    assert (group.name, group.join_policy, group.description) == ("Évaluation", "moderated", "New text")


def test_leads_manage_members_and_admins_appoint_leads_by_email(client, make_member, admin, make_group):
    lead, member = make_member(language="en"), make_member(name="Bob")
    group = make_group("Data", lead=lead)
    add_members(group, [member])
    newcomer = make_member("new@example.org")
    login(client, admin)
    post_form(client, "/groups/data/leads", {"email": "NEW@example.org "}, token_from="/groups/data/members")
    assert membership(newcomer, group).is_lead
    client.post("/members/logout", data={"csrf_token": _token(client)})
    login(client, lead)
    assert "Bob" in page(client, "/groups/data/members")
    post_form(client, f"/groups/data/members/{member.id}/remove", token_from="/groups/data/members")
    assert membership(member, group) is None
    # A lead cannot remove a co-lead: the admins can.
    post_form(client, f"/groups/data/members/{newcomer.id}/remove", token_from="/groups/data/members")
    assert membership(newcomer, group).is_lead


def test_the_directory_shows_only_members_who_opted_in_and_searches(client, make_member, make_group, bulk_people):
    viewer = make_member(language="en")
    group = make_group("Évaluation")
    other = make_group("Data")
    visible = bulk_people(
        40, prefix="vis-", visible=lambda i: True, organization=lambda i: "Inria" if i < 3 else "CNRS"
    )
    hidden = bulk_people(5, prefix="hid-", organization=lambda i: "Inria")
    add_members(group, visible[:2] + hidden)
    add_members(other, visible[2:4])
    assert "/members/login" in client.get("/groups/directory").headers["Location"]

    login(client, viewer)
    first = page(client, "/groups/directory")
    assert listed(first) == 40 and "Page 1 of 2" in first and "hid-" not in first
    second = page(client, "/groups/directory?page=2")
    names = set(re.findall(r"<td>(vis-\d+)</td>", first + second))
    assert len(names) == 40

    by_org = page(client, "/groups/directory?q=inria")
    assert listed(by_org) == 3 and "hid-" not in by_org
    by_name = page(client, "/groups/directory?q=vis-39")
    assert listed(by_name) == 1
    by_group_name = page(client, "/groups/directory?q=valuation")
    assert listed(by_group_name) == 2
    by_group = page(client, f"/groups/directory?group={other.slug}")
    assert listed(by_group) == 2 and "vis-2<" in by_group and "vis-3<" in by_group


def test_my_groups_lists_memberships_and_pending_requests(client, make_member, make_group):
    member = make_member(language="en")
    joined, asked = make_group("Data"), make_group("Legal", policy="moderated")
    memberships.join(member, joined)
    memberships.request_to_join(member, asked)
    db.session.commit()
    login(client, member)
    html = page(client, "/groups/mine")
    assert "Data" in html and "Legal" in html and "Withdraw" in html
    post_form(client, "/groups/legal/leave", token_from="/groups/mine")
    assert db.session.scalar(select(GroupMembership).where(GroupMembership.group_id == asked.id)) is None


def test_the_group_page_shows_the_groups_upcoming_published_events(client, make_group):
    from datetime import timedelta

    from community.core.clock import utcnow
    from community.events.models import Event

    group, other = make_group("Data"), make_group("Legal")
    soon = utcnow() + timedelta(days=3)

    def event(slug, *, group_id=group.id, status="published", starts=soon):
        db.session.add(
            Event(
                slug=slug,
                title=slug.title(),
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                status=status,
                group_id=group_id,
                confirmed_count=0,
            )
        )

    event("data-meetup")
    event("data-draft", status="draft")
    event("data-past", starts=utcnow() - timedelta(days=3))
    event("legal-meetup", group_id=other.id)
    db.session.commit()
    html = page(client, "/groups/data")
    assert "/events/data-meetup" in html
    assert not any(f"/events/{slug}" in html for slug in ("data-draft", "data-past", "legal-meetup"))


def test_a_lead_removed_by_an_admin_is_refused_on_the_next_click(client, make_member, admin, make_group):
    lead = make_member(language="en")
    group = make_group("Data", lead=lead)
    login(client, lead)
    assert client.get("/groups/data/announce").status_code == 200
    memberships.remove_lead(admin, group, lead)
    db.session.commit()
    assert client.get("/groups/data/announce").status_code == 403
    assert client.get("/groups/data/members").status_code == 403
    assert "Manage members" not in page(client, "/groups/data")


def test_the_group_list_sorts_accented_names_with_their_letter(client, make_group):
    for name in ("Juridique", "Évaluation", "Data"):
        make_group(name)
    page = client.get("/groups/").get_data(as_text=True)
    assert page.index("Data") < page.index("Évaluation") < page.index("Juridique")


def test_people_and_groups_are_listed_in_dictionary_order_whatever_their_accents(client, make_member, make_group):
    """lower() alone sorts É and Œ after z (SQLite; PostgreSQL's C collation): Élodie would
    come after Zoé in the directory of a French community."""
    viewer = make_member(language="en")
    group = make_group("Évaluation")
    make_group("Zoologie")
    make_group("Data")
    names = ["Zoé Zola", "Élodie Martin", "Adam Smith", "Œdipe Roi", "étienne Durand"]
    people = [make_member(f"p{i}@example.org", name=name, directory_visible=True) for i, name in enumerate(names)]
    add_members(group, people)
    login(client, viewer)

    directory = page(client, "/groups/directory")
    listed_names = [name for name in re.findall(r"<td>([^<]+)</td>", directory) if name in names]
    assert listed_names == ["Adam Smith", "Élodie Martin", "étienne Durand", "Œdipe Roi", "Zoé Zola"]
    groups_page = page(client, "/groups/")
    assert groups_page.index("Data") < groups_page.index("Évaluation") < groups_page.index("Zoologie")
