"""Without the font files on the server, each PDF gives a page saying what is missing (503), not a
500, and records nothing."""

import pytest
from sqlalchemy import select

from community.core.audit import AuditEntry
from community.core.extensions import db
from tests.conftest import login, make_config
from tests.paper.conftest import seat


@pytest.fixture
def app_config(database_url, smtp_server, tmp_path):
    return make_config(database_url, smtp_server.port, PAPER_FONT_DIR=str(tmp_path / "no-fonts-here"))


@pytest.mark.parametrize("path", ["door-list.pdf", "badges.pdf", "badges.pdf?layout=single"])
def test_missing_fonts_give_a_clear_page(english_client, event, organizer, path):
    seat(event, [("Ada Lovelace", "")])
    login(english_client, organizer)
    response = english_client.get(f"/events/{event.slug}/{path}")
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "PDF files are not available" in page and "fonts-dejavu-core" in page
    assert db.session.scalars(select(AuditEntry)).all() == []
