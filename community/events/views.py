"""The public pages of events: the listing, one event, its calendar file, the feed.

The organizers' pages (create, edit, publish, cancel) are on the same blueprint,
in events/organizer_views.py."""

from flask import Blueprint, Response, abort, current_app, render_template, session

from community.core.clock import utcnow
from community.core.extensions import db
from community.dashboard import counts
from community.events import dates, ics, permissions, queries
from community.mail.outbox import external_url
from community.members import calendar_link
from community.members.access import anyone
from community.questions import queries as question_queries
from community.registrations import guest_holds, mails, seats, waiting_list
from community.registrations import queries as registration_queries
from community.registrations import services as registrations
from community.tickets import eligibility
from community.tickets import queries as ticket_queries

bp = Blueprint("events", __name__, url_prefix="/events")
dates.register(bp)


@bp.get("/")
@anyone
def index():
    me = permissions.current_member()
    listing = queries.listing(me, utcnow())
    mine = registration_queries.statuses_of(me, [event.id for event in listing.upcoming])
    return render_template(
        "events/index.html", upcoming=listing.upcoming, past=listing.past, drafts=listing.drafts, mine=mine
    )


@bp.get("/<slug>")
@anyone
def detail(slug):
    event, me = permissions.visible_event(slug), permissions.current_member()
    if seats.release_due(event, utcnow()):
        db.session.commit()  # the page shows the seats as they are now (holds run out, reserves released)
    ticket_queries.load_groups(event)
    # Those who run the event see where it stands; the lists are on the dashboard.
    rights = permissions.rights(me, event)
    return render_template(
        "events/detail.html",
        event=event,
        **_registration_box(event, me),
        manager=rights.manage,
        steward=rights.check_in,
        counts=counts.of_event(event) if rights.manage else None,
        now=utcnow(),
        ticket_token=mails.access_token,
    )


def _registration_box(event, me) -> dict:
    """What the event page's registration box tells this person: their registration and
    place in line, or why they cannot register, and the categories open to them."""
    registration = registrations.live_registration(event.id, member_id=me.id) if me is not None else None
    offers = eligibility.open_to(event, me)
    # A member whose category asks questions answers them on the next page (a GET form).
    asks = me is not None and registration is None and bool(offers)
    kept = session.get(guest_holds.SESSION_KEY) if me is None else None
    return {
        "guest_here": guest_holds.remembered(kept, event.id, utcnow()),
        "asks": asks and question_queries.asking(event, [category.id for category in offers]),
        "registration": registration,
        "position": waiting_list.position(registration) if registration else None,
        "problem": registrations.registration_problem(event, me),
        "offers": offers,
        "seats_open": eligibility.seats_open(event, offers) if event.has_categories else event.seats_left,
    }


@bp.get("/<slug>/calendar.ics")
@anyone
def calendar(slug):
    event = permissions.visible_event(slug)
    return Response(
        ics.event_ics(event),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{event.slug}.ics"'},
    )


def personal_feed_url(member) -> str:
    """The full secret address of a member's own calendar feed, to copy into a calendar program."""
    return external_url("events.personal_feed", member_id=member.id, signature=calendar_link.signature(member))


bp.add_app_template_global(personal_feed_url, "personal_feed_url")


@bp.get("/calendar/<int:member_id>/<string(length=32):signature>.ics")
@anyone
def personal_feed(member_id, signature):
    """A member's events (registered or waiting) for their calendar program: the secret address
    is the key, so no login; an old or wrong address is a 404 like any unknown page."""
    member = calendar_link.member_for_feed(member_id, signature)
    if member is None:
        abort(404)
    since = ics.feed_window()
    version, last_modified = queries.member_feed_version(member.id, since)
    name = f"{current_app.config['COMMUNITY_NAME']} · {member.display_name}"
    return ics.conditional_feed(
        f"{version}-{member.calendar_key}-{name}",
        last_modified,
        lambda: ics.feed_ics(queries.member_feed(member.id, since), name),
    )


@bp.get("/feed.ics")
@anyone
def feed():
    since = ics.feed_window()
    version, last_modified = queries.feed_version(since)
    name = current_app.config["COMMUNITY_NAME"]
    return ics.conditional_feed(version, last_modified, lambda: ics.feed_ics(queries.public_feed(since), name))
