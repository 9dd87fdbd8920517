"""An admin, in Chromium and in French, finds a member by searching, opens their
page, makes them an organizer, suspends them after a confirmation step, and reads it in the audit log.
The suspended member, logged in elsewhere, is sent to the login page and told why.

Screenshots: artifacts/screenshots/admin-members-*, admin-member-*, admin-audit-*.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert

from community.core.clock import utcnow
from community.core.extensions import db
from community.groups import memberships
from community.groups import services as group_services
from community.members.models import Member
from tests.browser.conftest import assert_french, both_sizes, log_in
from tests.conftest import PASSWORD
from tests.factories import member_row

pytestmark = pytest.mark.browser


@pytest.fixture
def crowd(make_member):
    admin = make_member("admin@example.org", name="Ada Admin", role="admin")
    chloe = make_member("chloe@example.org", name="Chloé Durand", organization="Inria")
    group = group_services.create_group(admin, name="Évaluation", summary="Mesurer les modèles ouverts.")
    memberships.join(chloe, group)
    now = utcnow()
    db.session.execute(
        insert(Member),
        [
            member_row(
                f"personne{i}@example.org",
                f"Personne {i}",
                now,
                password_hash="!",
                role="organizer" if i % 5 == 0 else "member",
                organization="Université de Lyon" if i % 2 else "",
                confirmed_at=None if i % 4 == 0 else now,
            )
            for i in range(12)
        ],
    )
    db.session.commit()
    return admin, chloe


def test_an_admin_finds_and_suspends_a_member_who_is_then_locked_out(browser, crowd):
    admin, chloe = crowd
    victim = log_in(browser, chloe, "/groups/mine")

    page = log_in(browser, admin, "/")
    page.click("nav.main-nav a[href='/admin/']")
    page.click("a[href='/admin/members/']")
    assert_french(page)
    expect(page.locator("table.admin-members tbody tr")).to_have_count(14)
    page.fill("input[name=q]", "durand")
    page.select_option("select[name=confirmed]", "yes")
    page.click("form.admin-filters button[type=submit]")
    rows = page.locator("table.admin-members tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("chloe@example.org")
    expect(rows.first).to_contain_text("Évaluation")
    both_sizes(page, "admin-members")

    page.click("table.admin-members a:has-text('Chloé Durand')")
    expect(page.locator("h1")).to_have_text("Chloé Durand")
    both_sizes(page, "admin-member")

    page.select_option("select[name=role]", "organizer")
    page.click("form.admin-role-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()

    page.click(f"a[href='/admin/members/{chloe.id}/suspend']")
    expect(page.locator("main h1")).to_be_visible()
    assert db.session.get(Member, chloe.id).suspended_at is None  # asking is not doing
    page.click("main form button.danger")
    expect(page.locator(".flash-success")).to_contain_text("Chloé Durand")
    expect(page.locator(f"a[href='/admin/members/{chloe.id}/reactivate']")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Member, chloe.id).suspended_at is not None

    # Chloé's open session has ended; logging in again says the account is suspended.
    victim.reload()
    expect(victim).to_have_url(re.compile(r"/members/login"))
    victim.fill("input[name=email]", chloe.email)
    victim.fill("input[name=password]", PASSWORD)
    victim.click("main form button[type=submit]")
    expect(victim.locator(".flash-danger")).to_contain_text("Ce compte est suspendu.")

    page.goto("/admin/audit/")
    first = page.locator("table.audit-table tbody tr").first
    expect(first).to_contain_text("Compte suspendu")
    expect(first).to_contain_text("Ada Admin")
    expect(first.locator(f"a[href='/admin/members/{chloe.id}']")).to_have_text("Chloé Durand")
    expect(page.locator("table.audit-table tbody tr").nth(1)).to_contain_text("member → organizer")
    both_sizes(page, "admin-audit")
    assert browser.problems == []


def test_an_admin_reads_how_the_scheduled_jobs_went(browser, make_member):
    """The worker ran (here in the test's process, on the same database): the admin's page says when and how."""
    from community.jobs import runner

    admin = make_member("jobs-admin@example.org", name="Ada Admin", role="admin")
    runner.run_due(utcnow(), worker="worker-1")
    page = log_in(browser, admin, "/admin/")
    assert_french(page)
    page.click("a:has-text('Tâches planifiées')")
    page.wait_for_url("**/admin/jobs/")
    rows = page.locator("#jobs tbody tr")
    expect(rows).to_have_count(3)
    seats = page.locator("#job-seats-due").inner_text()
    assert "chaque minute" in seats and "Réussie" in seats and "places libérées" in seats
    assert "chaque jour à 03:30" in page.locator("#job-retention").inner_text()
    both_sizes(page, "admin-jobs")
