"""The group list, a group page and the directory run the same number of SQL
statements whether a group has 5 members or 60."""

import pytest

from community.core.extensions import db
from community.groups import announcements
from tests.conftest import login
from tests.groups.conftest import add_members
from tests.querycount import count_queries

PAGES = {
    "group list": lambda slug: "/groups/",
    "group page": lambda slug: f"/groups/{slug}",
    "directory": lambda slug: "/groups/directory",
    "directory search": lambda slug: "/groups/directory?q=org&group=" + slug,
}


def grow(groups, bulk_people, author, n, batch):
    """n more members in every group: a third visible in the directory, some opted
    out, a few asking to join, and an announcement each."""
    for number, group in enumerate(groups):
        people = bulk_people(
            n, prefix=f"{batch}-{number}-", visible=lambda i: i % 3 == 0, organization=lambda i: f"Org {i % 4}"
        )
        waiting = bulk_people(max(n // 5, 1), prefix=f"{batch}-{number}-w-")
        add_members(group, people, opt_out=people[::4])
        add_members(group, waiting, status="pending")
        announcements.announce(
            author, group, subject=f"News {batch}", body="Text", idempotency_key=f"{batch}-{group.id}-key-0000000"
        )
    db.session.commit()


def statements(client, url):
    db.session.expire_all()
    with count_queries(db.engine) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen)


@pytest.mark.parametrize("viewer", ["admin", "member"])
@pytest.mark.parametrize("page", list(PAGES))
def test_query_count_does_not_grow_with_members(client, admin, make_member, make_group, bulk_people, page, viewer):
    lead = make_member(language="en")
    groups = [
        make_group("Data", lead=lead),
        make_group("Évaluation", policy="moderated", lead=lead),
        make_group("Legal"),
    ]
    someone = make_member(directory_visible=True)
    add_members(groups[0], [someone])
    add_members(groups[1], [someone])  # so the member's view of the page lists announcements too
    login(client, admin if viewer == "admin" else someone)
    url = PAGES[page](groups[1].slug)

    grow(groups, bulk_people, admin, 5, "small")
    small = statements(client, url)
    grow(groups, bulk_people, admin, 55, "large")
    large = statements(client, url)
    print(f"{page} as {viewer}: {small} statements with 5 members per group, {large} with 60")
    assert large == small
    assert small <= 12
