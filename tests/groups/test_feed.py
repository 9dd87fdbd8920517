"""A working group's public events as a feed a calendar program subscribes to."""

from icalendar import Calendar


def test_a_working_group_has_a_feed_of_its_public_events(client, make_event, make_group):
    group, other = make_group("Corpus"), make_group("Évaluation")
    make_event(title="Atelier corpus", group_id=group.id)
    make_event(title="Réunion interne", group_id=group.id, visibility="members")
    make_event(title="Atelier évaluation", group_id=other.id)
    make_event(title="Sommet")
    response = client.get("/groups/corpus/feed.ics")
    calendar = Calendar.from_ical(response.data)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Atelier corpus"]
    assert str(calendar["X-WR-CALNAME"]).endswith("· Corpus")
    assert client.get("/groups/corpus/feed.ics", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get("/groups/no-such-group/feed.ics").status_code == 404
    page = client.get("/groups/corpus").get_data(as_text=True)
    assert 'href="/groups/corpus/feed.ics"' in page
