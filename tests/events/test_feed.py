"""The public calendar feed as calendar programs poll it: an ETag and Last-Modified, 304 when
nothing changed (one small query), a new version as soon as an event enters, changes or
leaves; the events page points to it."""

from datetime import UTC, timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from community.core.extensions import db
from community.events import services as events
from community.events.models import Event
from community.registrations import services
from tests.factories import organizer_data
from tests.querycount import count_queries


def test_the_feed_answers_304_until_an_event_enters_changes_or_leaves(client, make_event, make_member):
    organizer = make_member("orga@example.org", role="organizer")
    summit = make_event(title="Sommet", created_by=organizer.id)
    first = client.get("/events/feed.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and etag and modified and first.headers["Cache-Control"] == "max-age=300"

    def polled(**headers):
        with count_queries(db.engine) as statements:
            response = client.get("/events/feed.ics", headers=headers)
        return response, len(statements)

    again, queries = polled(**{"If-None-Match": etag})
    assert (again.status_code, again.data, queries) == (304, b"", 1)
    assert polled(**{"If-Modified-Since": modified})[0].status_code == 304

    draft = make_event(title="Atelier", status="draft", created_by=organizer.id)
    assert polled(**{"If-None-Match": etag})[0].status_code == 304  # a draft is not in the feed
    events.publish_event(organizer, draft)
    db.session.commit()
    published, _ = polled(**{"If-None-Match": etag})
    assert published.status_code == 200 and published.headers["ETag"] != etag
    assert sorted(str(e["SUMMARY"]) for e in Calendar.from_ical(published.data).walk("VEVENT")) == [
        "Atelier",
        "Sommet",
    ]

    etag = published.headers["ETag"]
    moved = summit.starts_at + timedelta(hours=1)
    data = organizer_data(title="Sommet", starts_at=moved, ends_at=moved + timedelta(hours=8), capacity=None)
    events.update_event(organizer, db.session.get(Event, summit.id), data)
    db.session.commit()
    changed, _ = polled(**{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_feed_costs_the_same_queries_for_2_and_40_events(client, make_event):
    counts = []
    for total in (2, 40):
        while db.session.scalar(select(func.count()).select_from(Event)) < total:
            make_event()
        with count_queries(db.engine) as statements:
            response = client.get("/events/feed.ics")
        assert len(Calendar.from_ical(response.data).walk("VEVENT")) == total
        counts.append(len(statements))
    assert counts[0] == counts[1] == 2  # the version, then the events


def test_the_events_page_points_calendar_programs_to_the_feed(client, make_event):
    make_event()
    page = client.get("/events/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<link rel="alternate" type="text/calendar" title="Events of ' in page
    assert 'href="/events/feed.ics">' in page


def test_a_second_calendar_library_reads_the_feed_and_the_update_mail_alike(client, make_event, make_member, deliver):
    """vobject, another parser than the one that writes the files: the same events, times and sequence."""
    import vobject

    organizer = make_member("orga@example.org", role="organizer")
    summit = make_event(title="Sommet à Paris", venue="Salle « A »", created_by=organizer.id)
    make_event(title="Meetup")
    feed = vobject.readOne(client.get("/events/feed.ics").get_data(as_text=True))
    read = {event.summary.value: event for event in feed.vevent_list}
    assert set(read) == {"Sommet à Paris", "Meetup"}
    assert read["Sommet à Paris"].dtstart.value == summit.starts_at.replace(microsecond=0, tzinfo=UTC)
    assert read["Sommet à Paris"].location.value.startswith("Salle « A »")

    services.register_member(summit, make_member("camille@example.org"))
    db.session.commit()
    moved = summit.starts_at.replace(microsecond=0) + timedelta(hours=2)
    data = organizer_data(title=summit.title, starts_at=moved, ends_at=moved + timedelta(hours=8), venue=summit.venue)
    events.update_event(organizer, summit, data)
    db.session.commit()
    update = deliver(expect=2)[-1]
    part = next(p for p in update.iter_attachments() if p.get_content_type() == "text/calendar")
    content = part.get_content()
    message = vobject.readOne(content if isinstance(content, str) else content.decode())
    assert message.method.value == "REQUEST" and message.vevent.sequence.value == str(summit.calendar_sequence)
    assert message.vevent.dtstart.value == moved.replace(tzinfo=UTC)
    assert message.vevent.attendee.value == "mailto:camille@example.org"
