"""An admin finds a mail the SMTP server refused, reads it, and retries it, in Chromium.

The HTML body of the mail carries a script: the page shows the mail in a sandboxed
frame and the script never runs. Pages are shot into artifacts/screenshots/admin-outbox*.png.
"""

from datetime import timedelta

import pytest

from community.core.clock import utcnow
from community.core.extensions import db
from community.mail.delivery import deliver_pending
from community.mail.models import OutboxAttachment, OutboxEmail
from tests.browser.conftest import SCREENSHOTS, both_sizes, follow, log_in, submit

pytestmark = pytest.mark.browser

HOSTILE = (
    '<!doctype html><html><body><h1 id="greeting">Bonjour Ada</h1>'
    '<p style="color:#1d4ed8">Votre place au Sommet est confirmée.</p>'
    '<script>document.getElementById("greeting").textContent = "pwned"; parent.document.title = "pwned";</script>'
    "</body></html>"
)


def add_mail(to, subject, minutes_ago, **fields):
    email = OutboxEmail(
        to_address=to,
        subject=subject,
        template=fields.pop("template", "event_confirmed"),
        language="fr",
        body_text=fields.pop("body_text", "Bonjour,\n\nVotre place est confirmée."),
        body_html=fields.pop("body_html", "<p>Bonjour</p>"),
        created_at=utcnow() - timedelta(minutes=minutes_ago),
        **fields,
    )
    db.session.add(email)
    db.session.commit()
    return email


def test_an_admin_finds_a_refused_mail_reads_it_and_retries_it(browser, make_member, mailbox):
    admin = make_member("admin@example.org", name="Alice Admin", role="admin")
    refused = add_mail(
        "ada.lovelace@exemple-tres-long-domaine.fr",
        "Votre place au Sommet OpenLLM France 2031 est confirmée",
        3,
        to_name="Ada Lovelace",
        body_html=HOSTILE,
    )
    db.session.add(
        OutboxAttachment(
            email_id=refused.id,
            filename="sommet-2031.ics",
            content_type="text/calendar",
            data=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        )
    )
    db.session.commit()
    mailbox.refuse_with = (
        "550 5.1.1 <ada.lovelace@exemple-tres-long-domaine.fr>: Recipient address rejected: User unknown"
    )
    deliver_pending()
    mailbox.refuse_with = None
    for n in range(4):
        add_mail(f"membre{n}@example.org", f"Confirmez votre adresse e-mail ({n})", 10 + n, template="confirm_email")
    deliver_pending()
    add_mail("grace@example.org", "Rappel : le Sommet commence demain", 1, template="event_reminder")
    assert mailbox.wait_for(4) and db.session.get(OutboxEmail, refused.id).status == "failed"

    page = log_in(browser, admin, "/admin/")
    follow(page, "/admin/outbox/", within="body")
    assert page.locator(".outbox-table tbody tr").count() == 6
    both_sizes(page, "admin-outbox")

    follow(page, "/admin/outbox/?status=failed", within=".outbox-tabs")
    rows = page.locator(".outbox-table tbody tr")
    assert rows.count() == 1
    assert "User unknown" in rows.first.inner_text()
    both_sizes(page, "admin-outbox-failed")

    follow(page, f"/admin/outbox/{refused.id}", within=".outbox-table")
    frame = page.frame_locator("iframe.outbox-html")
    assert frame.locator("#greeting").inner_text() == "Bonjour Ada"  # the script did not run
    assert "pwned" not in page.title()
    assert "sommet-2031.ics" in page.locator(".outbox-attachments").inner_text()
    assert "User unknown" in page.locator(".outbox-last-error").inner_text()
    both_sizes(page, "admin-outbox-mail")
    # A full-page shot leaves the sandboxed frame blank (Chromium paints it apart): shoot the frame itself.
    page.locator("iframe.outbox-html").screenshot(path=str(SCREENSHOTS / "admin-outbox-mail-html.png"))

    submit(page, "form[action$='/retry'] button[type=submit]")  # back to the same page
    assert page.locator(".flash-success").is_visible()
    assert page.locator("form[action$='/retry']").count() == 0
    assert deliver_pending() == 2  # the retried mail, and the reminder that was waiting
    assert len(mailbox.to(refused.to_address)) == 1
    page.reload()
    assert page.locator(".outbox-summary .outbox-sent").is_visible()
    assert page.locator(".outbox-table tbody tr").count() == 2  # the refusal, then the delivery
    both_sizes(page, "admin-outbox-mail-sent")

    # Only the blocked script of the mail may complain; nothing else went wrong.
    problems = [p for p in browser.problems if "Blocked script execution" not in p]
    assert problems == []


def test_after_an_outage_an_admin_puts_every_failed_mail_back_in_the_queue(browser, make_member, mailbox):
    """The mail server refused everything for a while: the failed tab offers one button
    for all of them; afterwards they wait in the queue and the worker sends each once."""
    admin = make_member("admin@example.org", name="Alice Admin", role="admin")
    for n in range(3):
        add_mail(f"membre{n}@example.org", f"Votre place au Sommet ({n})", 5 + n)
    mailbox.refuse_with = "554 5.7.1 Service unavailable"
    deliver_pending()
    mailbox.refuse_with = None

    page = log_in(browser, admin, "/admin/outbox/?status=failed")
    button = page.locator("form.outbox-retry-all button[type=submit]")
    assert button.inner_text() == "Relancer les 3 e-mails en échec"
    both_sizes(page, "admin-outbox-retry-all")
    button.click()
    page.wait_for_url("**/admin/outbox/?status=pending")
    assert "3 e-mails sont de retour dans la file d'envoi" in page.locator(".flash-success").inner_text()
    assert page.locator(".outbox-table tbody tr").count() == 3
    both_sizes(page, "admin-outbox-retried-all")
    assert deliver_pending() == 3 and all(len(mailbox.to(f"membre{n}@example.org")) == 1 for n in range(3))
    assert browser.problems == []
