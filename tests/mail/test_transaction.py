"""Mail is written in the transaction of the change that causes it: a rolled-back
change leaves no mail behind, and no worker sees a mail before the commit."""

from sqlalchemy import func, select

from community.core.extensions import db
from community.mail.delivery import deliver_pending
from community.mail.models import OutboxEmail
from community.members import services
from community.members.models import Member
from tests.conftest import PASSWORD
from tests.mail.conftest import in_worker


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def sign_up_without_commit(email="ada@example.org"):
    member = services.create_member(email=email, display_name="Ada Lovelace", password=PASSWORD, language="en")
    services.send_confirmation(member)
    db.session.flush()  # the mail row is written to the database, inside the open transaction
    return member


def test_a_rolled_back_change_leaves_no_mail_in_the_outbox(app, mailbox):
    sign_up_without_commit()
    assert count(OutboxEmail) == 1  # inside the transaction, the mail is there with the member

    db.session.rollback()

    assert count(Member) == 0
    assert count(OutboxEmail) == 0
    assert deliver_pending() == 0
    assert mailbox.wait_for(1, timeout=0.3) == []


def test_no_worker_sends_a_mail_before_its_transaction_commits(app, mailbox):
    sign_up_without_commit()

    # A worker with its own connection runs while the change is still open.
    assert in_worker(app, deliver_pending) == 0
    assert mailbox.wait_for(1, timeout=0.3) == []

    db.session.commit()

    assert in_worker(app, deliver_pending) == 1
    [message] = mailbox.wait_for(1)
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert message["Subject"] == "Confirm your email address"
