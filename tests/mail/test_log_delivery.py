"""The embedded default: with no MAIL_SERVER, mail is written to the log and marked sent."""

import logging

import pytest

from community.mail.delivery import deliver_pending
from community.mail.mime import message_id
from tests.conftest import make_config
from tests.mail.conftest import fresh


@pytest.fixture
def app_config(database_url, smtp_server):
    return make_config(database_url, smtp_server.port, MAIL_SERVER=None)


def test_without_mail_server_the_mail_is_written_to_the_log_and_marked_sent(probe, mailbox, caplog):
    caplog.set_level(logging.INFO, logger="community.mail")
    email = probe("ada@example.org")

    assert deliver_pending() == 1

    row = fresh(email.id)
    assert row.status == "sent" and [a.ok for a in row.delivery_attempts] == [True]
    [record] = [r for r in caplog.records if "MAIL" in r.getMessage()]
    logged = record.getMessage()
    assert "To: ada@example.org" in logged
    assert "Subject: Probe" in logged
    assert f"Message-ID: {message_id(row)}" in logged
    assert "This probe links to http://community.test/privacy" in logged
    assert mailbox.wait_for(1, timeout=0.3) == []  # nothing went over the network
    assert deliver_pending() == 0  # and it is not logged twice
