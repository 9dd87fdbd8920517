"""The world of tests/members/privacy_world.py, for the tests that ask for it."""

import pytest

from tests.members.privacy_world import build


@pytest.fixture
def world(make_member, deliver):
    """Zoé, with something of every kind the community holds, and the people around her."""
    return build(make_member, deliver)
