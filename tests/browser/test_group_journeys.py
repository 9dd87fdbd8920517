"""Working group journeys in Chromium, in French (the default language):

- a member joins an open group in one click and asks to join a moderated one; the
  lead, in another browser, approves; the member gets the mail and follows it;
- the lead sends an announcement; the member gets it with a List-Unsubscribe
  header, opts out from the mail's link and misses the next one.

Each page is shot at phone and laptop size into artifacts/screenshots/groups-*.png.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups import memberships, services
from community.groups.models import GroupMembership
from community.members.models import Member
from tests.browser.conftest import assert_french, both_sizes, follow, log_in, submit, visit
from tests.conftest import links_in, mail_text
from tests.factories import member_row, membership_row

pytestmark = pytest.mark.browser

EVALUATION_TEXT = """Nous construisons des jeux d'évaluation ouverts pour les modèles de langage en français.

Nos chantiers :
- un banc d'essai de compréhension de textes administratifs
- des mesures de biais
Le dépôt : https://example.org/evaluation"""


def plain(text: str) -> str:
    """French typography puts no-break spaces before « ! : » and inside quotes."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def add_people(group, people):
    """Members who never log in, inserted in one statement (no password hashing), then added to the group."""
    now = utcnow()
    rows = [
        member_row(email, name, now, password_hash="!", organization=org, directory_visible=visible)
        for email, name, org, visible in people
    ]
    db.session.execute(insert(Member), rows)
    ids = db.session.scalars(select(Member.id).where(Member.email.in_([row["email"] for row in rows])))
    db.session.execute(
        insert(GroupMembership),
        [membership_row(group.id, i, now) for i in ids],
    )
    db.session.commit()


@pytest.fixture
def community(make_member):
    """Two groups led by Léa, an admin who created them, and a few members already in."""
    admin = make_member("admin@example.org", name="Ada Admin", role="admin")
    lead = make_member("lea@example.org", name="Léa Martin", organization="Inria", directory_visible=True)
    sam = make_member("sam@example.org", name="Sam Bernard", organization="Université de Lyon", directory_visible=True)
    evaluation = services.create_group(
        admin,
        name="Évaluation",
        summary="Mesurer ce que valent vraiment les modèles ouverts.",
        description=EVALUATION_TEXT,
    )
    legal = services.create_group(
        admin,
        name="Juridique & éthique",
        join_policy="moderated",
        summary="Licences, droit d'auteur et usages responsables des corpus.",
    )
    services.create_group(admin, name="Données", summary="Collecter, nettoyer et documenter des corpus francophones.")
    old = services.create_group(admin, name="Tokenisation", summary="Un groupe qui a rendu ses conclusions.")
    services.archive_group(admin, old)
    for group in (evaluation, legal):
        memberships.appoint_lead(admin, group, lead)
    db.session.commit()
    add_people(
        evaluation,
        [
            ("nina@example.org", "Nina Simone", "LightOn", True),
            ("omar@example.org", "Omar Haddad", "", True),
            ("paul@example.org", "Paul Durand", "CNRS", False),
        ],
    )
    return {"lead": lead, "sam": sam, "evaluation": evaluation, "legal": legal}


def test_a_member_joins_a_group_asks_a_moderated_one_and_the_lead_approves(
    browser, community, deliver, mailbox, live_server
):
    lead, sam, evaluation, legal = community["lead"], community["sam"], community["evaluation"], community["legal"]

    visitor = visit(browser, "/groups/")
    assert visitor.locator("h1").inner_text() == "Groupes de travail"
    both_sizes(visitor, "groups-list-visitor")
    follow(visitor, f"/groups/{evaluation.slug}")
    assert visitor.locator(".description li").count() == 2  # the lead's "- " lines became a list
    assert visitor.locator("section[aria-labelledby=you] a[href^='/members/login']").is_visible()
    both_sizes(visitor, "groups-detail-visitor")

    page = log_in(browser, sam, "/groups/")
    assert_french(page)
    follow(page, f"/groups/{evaluation.slug}")
    members = page.locator("#members-title .badge")
    assert members.inner_text() == "4"  # Léa, Nina, Omar, Paul
    submit(page, f"form[action='/groups/{evaluation.slug}/join'] button")  # back to the same page
    assert plain(page.locator(".flash-success").inner_text()) == "Bienvenue dans le groupe !"
    assert "Vous êtes membre de ce groupe." in page.locator("section[aria-labelledby=you]").inner_text()
    assert members.inner_text() == "5"
    assert "Sam Bernard" in page.locator(".member-list").inner_text()
    both_sizes(page, "groups-detail-member")

    # The moderated group takes a request with a message.
    page.goto(f"/groups/{legal.slug}")
    page.fill("textarea[name=message]", "Juriste, je travaille sur les licences des corpus.")
    submit(page, f"form[action='/groups/{legal.slug}/request'] button")  # back to the same page
    assert "une personne responsable y répondra" in plain(page.locator(".flash-success").inner_text())
    assert page.locator(f"form[action='/groups/{legal.slug}/leave']").is_visible()  # withdraw
    assert page.locator("#members-title .badge").inner_text() == "1"
    both_sizes(page, "groups-detail-pending")

    # The lead, in a browser of her own, sees the request on the group page and approves it.
    lea = log_in(browser, lead, f"/groups/{legal.slug}")
    assert_french(lea)
    requests = lea.locator("#requests")
    assert "Sam Bernard" in requests.inner_text()
    assert "licences des corpus" in requests.locator("blockquote").inner_text()
    both_sizes(lea, "groups-detail-lead-request")
    requests.locator("form[action$='/approve'] button").click()
    lea.wait_for_url(f"**/groups/{legal.slug}#requests")
    assert lea.locator(".flash-success").inner_text() == "La demande est acceptée."
    assert lea.locator("#requests").count() == 0
    assert lea.locator("#members-title .badge").inner_text() == "2"

    deliver(expect=2)  # the request to Léa, the answer to Sam
    [approval] = mailbox.to(sam.email)
    assert approval["Subject"] == "Bienvenue dans Juridique & éthique"
    assert "Bonne nouvelle" in mail_text(approval)
    [link] = [path for path in links_in(approval, base=live_server) if path.startswith("/groups/")]
    page.goto(link)
    assert page.locator("h1").inner_text() == "Juridique & éthique"
    assert "Vous êtes membre de ce groupe." in page.locator("section[aria-labelledby=you]").inner_text()
    assert "Sam Bernard" in page.locator(".member-list").inner_text()

    page.goto("/groups/")
    both_sizes(page, "groups-list-member")
    page.goto("/groups/mine")
    assert page.locator("main h1").inner_text() == "Mes groupes"
    assert page.locator("section[aria-labelledby=active-title] a[href^='/groups/']").count() == 2
    both_sizes(page, "groups-mine")

    page.goto("/groups/directory")
    page.fill("input[name=q]", "inria")
    page.click("form[role=search] button")
    page.wait_for_url("**/groups/directory?*")
    rows = page.locator("main tbody tr")
    assert rows.count() == 1 and "Léa Martin" in rows.inner_text()
    both_sizes(page, "groups-directory-search")
    assert browser.problems == []


def test_a_member_stops_announcements_from_the_mail_and_misses_the_next_one(
    browser, community, deliver, mailbox, live_server
):
    lead, sam, evaluation = community["lead"], community["sam"], community["evaluation"]
    memberships.join(sam, evaluation)
    db.session.commit()

    lea = log_in(browser, lead, f"/groups/{evaluation.slug}")
    follow(lea, f"/groups/{evaluation.slug}/announce")
    assert_french(lea)
    both_sizes(lea, "groups-announce")

    def announce(subject, body):
        lea.goto(f"/groups/{evaluation.slug}/announce")
        lea.fill("input[name=subject]", subject)
        lea.fill("textarea[name=body]", body)
        lea.click("main form button[type=submit]")
        lea.wait_for_url(f"**/groups/{evaluation.slug}/announcements/*")
        assert "L'annonce est en cours d'envoi" in lea.locator(".flash-success").inner_text()
        mailbox.clear()
        deliver()

    announce("Réunion jeudi", "Ordre du jour :\n- le banc d'essai\n- les biais")
    both_sizes(lea, "groups-announcement")
    assert len(mailbox.wait_for(5)) == 5  # Léa, Sam, Nina, Omar, Paul
    [mail] = mailbox.to(sam.email)
    assert mail["Subject"] == "[Évaluation] Réunion jeudi"
    assert "Annonce du groupe de travail « Évaluation »" in plain(mail_text(mail))
    unsubscribe = mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(f"{live_server}/groups/unsubscribe/")
    assert unsubscribe[len(live_server) :] in links_in(mail, base=live_server)

    # Sam opens the link from the mail (no login needed), and is asked to confirm with a button.
    page = visit(browser, unsubscribe)
    assert "Évaluation" in page.locator("h1").inner_text()
    both_sizes(page, "groups-unsubscribe")
    db.session.expire_all()
    assert services.membership_of(sam, evaluation).announcements_opt_out is False  # opening is not enough
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("C'est fait")
    db.session.expire_all()
    membership = services.membership_of(sam, evaluation)
    assert membership.announcements_opt_out is True and membership.is_active  # still a member

    announce("Compte rendu", "Merci à toutes et à tous.")
    assert len(mailbox.wait_for(4)) == 4
    assert mailbox.to(sam.email) == []
    assert len(mailbox.to(lead.email)) == 1
    assert browser.problems == []
